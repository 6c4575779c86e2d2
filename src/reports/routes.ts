// /api/reports (JSON, or CSV with format=csv) and /console/reports (the page), staff and admin tokens only:
// the PSAK 109 statement of changes in funds, the statement of financial position, the trial balance and the
// BAZNAS semiannual and annual report. Each report reads in one REPEATABLE READ transaction, so its figures are
// one snapshot and its identities hold even while approvals post (PGlite has one connection: one snapshot too).
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import type { Database, Queryable } from '../db/database.ts';
import { formatAmount } from '../money/index.ts';
import { csvRecord } from '../exports/csv.ts';
import { localeCookie, negotiateLocale, type Locale } from '../console/i18n.ts';
import { baznasPeriod, changesInFunds, financialPosition, parseInstant, parsePeriod, statementCsv, statementJson, trialBalance, type FundStatement, type Period } from './logic.ts';
import { accountTotals, distributions, fundMovements, muzakiCount, mustahikCount, receiptsByChannel } from './queries.ts';
import { baznasPage, changesPage, positionPage, signInShell, trialBalancePage, type ReportName } from './pages.ts';
import { baznasQuery, instantQuery, periodQuery } from './schemas.ts';

const REPORTS_SCRIPT = readFileSync(new URL('./reports.js', import.meta.url));
// The shell runs reports.js (same origin) and fetches the page again with the token; nothing else.
const SHELL_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

type Format = 'json' | 'csv';
interface PeriodQuery { from: string; to: string; format?: Format; lang?: string }
interface InstantQuery { at?: string; format?: Format; lang?: string }
interface BaznasQuery { year: number; half: 'h1' | 'annual'; format?: Format; lang?: string }

async function snapshot<T>(database: Database, work: (db: Queryable) => Promise<T>): Promise<T> {
  return database.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    return work(tx);
  });
}

// Three statements and the distributions (queries.ts has why). Over a 55k-line ledger (the 10M bench's size) in
// one snapshot, best of 9 alternating with the build before (four statements: a second read of the closing, a
// lateral per receipt entry for the channels), load 4.4: 49.4 against 155.8 ms over 150 days, 73.9 against
// 345.7 ms over the year; the figures equal.
export async function changesReport(db: Queryable, period: Period): Promise<FundStatement[]> {
  const { movements, closings } = await fundMovements(db, period);
  return changesInFunds(movements, closings, await receiptsByChannel(db, period), await distributions(db, period));
}

export async function baznasReport(db: Queryable, period: Period) {
  return { statements: await changesReport(db, period), muzaki: await muzakiCount(db, period), mustahik: await mustahikCount(db, period) };
}

function sendCsv(reply: FastifyReply, name: string, body: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}.csv"`).header('cache-control', 'no-store').send(body);
}

function sendPage(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff').header('cache-control', 'no-store').header('vary', 'accept-language, cookie, authorization').send(body);
}

function localeOf(request: FastifyRequest<{ Querystring: { lang?: string } }>): Locale {
  return negotiateLocale(request.query.lang, localeCookie(request.headers.cookie), request.headers['accept-language']);
}

/** The query string a page links its CSV, JSON and language switch with: the report's own parameters only. */
function queryOf(values: Record<string, string | number | undefined>): string {
  return new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string | number] => entry[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

function trialJson(at: Date, trial: ReturnType<typeof trialBalance>) {
  return {
    at: at.toISOString(),
    accounts: trial.accounts.map((a) => ({ account: `${a.kind}:${a.name}`, currency: a.currency, debit: formatAmount(a.debit_minor, a.currency), credit: formatAmount(a.credit_minor, a.currency), balance: formatAmount(a.balance_minor, a.currency) })),
    totals: trial.totals.map((total) => ({ currency: total.currency, debit: formatAmount(total.debitMinor, total.currency), credit: formatAmount(total.creditMinor, total.currency) })),
  };
}

export async function reportRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database } = context;
  const staff = requireRole('staff', database, context.config.adminTokenSha256);
  const errors = { 400: problemResponse, 401: problemResponse, 403: problemResponse, 422: problemResponse };
  // The figures' shape is in README (Reports); the document says only that a JSON object comes back.
  const answer = { 200: { description: 'The report: a JSON object, or text/csv with format=csv', type: 'object', additionalProperties: true } };
  const api = (summary: string, querystring: object) => ({ preHandler: staff, schema: { summary, tags: ['reports'], security: [{ bearer: [] }], querystring, response: { ...answer, ...errors } } });
  // A browser opening a page sends no token (the console keeps it in sessionStorage): it gets the shell, whose
  // script asks again with the token. With a token, the staff check and the report as before.
  const pageGate = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) return staff(request, reply);
    const name = request.routeOptions.url!.slice('/console/reports/'.length) as ReportName;
    return reply.type('text/html; charset=utf-8').header('content-security-policy', SHELL_CSP).header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store').header('vary', 'accept-language, cookie, authorization')
      .send(signInShell(localeOf(request as FastifyRequest<{ Querystring: { lang?: string } }>), name));
  };
  const pageOptions = (querystring: object) => ({ preHandler: pageGate, schema: { hide: true, querystring } });
  app.get('/console/reports.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(REPORTS_SCRIPT));
  const routes = (name: ReportName, summary: string, querystring: object, handler: (request: FastifyRequest, reply: FastifyReply, as: 'api' | 'page') => Promise<unknown>) => {
    app.get(`/api/reports/${name}`, api(summary, querystring), (request, reply) => handler(request, reply, 'api'));
    app.get(`/console/reports/${name}`, pageOptions(querystring), (request, reply) => handler(request, reply, 'page'));
  };

  routes('changes-in-funds', 'PSAK 109 statement of changes in funds over [from, to), per fund and currency (staff); format=csv for CSV', periodQuery, async (request, reply, as) => {
    const query = request.query as PeriodQuery;
    const period = parsePeriod(query.from, query.to);
    const statements = await snapshot(database, (db) => changesReport(db, period));
    if (as === 'page') return sendPage(reply, changesPage(localeOf(request as FastifyRequest<{ Querystring: PeriodQuery }>), period, statements, queryOf({ from: query.from, to: query.to })));
    if (query.format === 'csv') return sendCsv(reply, 'changes-in-funds', statementCsv(statements));
    return { from: period.from.toISOString(), to: period.to.toISOString(), funds: statements.map(statementJson) };
  });

  routes('trial-balance', 'Trial balance: every account\'s debits, credits and balance before `at`, totals per currency (staff)', instantQuery, async (request, reply, as) => {
    const query = request.query as InstantQuery;
    const at = parseInstant(query.at, new Date());
    const trial = trialBalance(await snapshot(database, (db) => accountTotals(db, at)));
    if (as === 'page') return sendPage(reply, trialBalancePage(localeOf(request as FastifyRequest<{ Querystring: InstantQuery }>), at, trial, queryOf({ at: query.at })));
    if (query.format === 'csv') {
      const lines = [csvRecord(['account', 'currency', 'debit', 'credit', 'balance'])];
      for (const row of trialJson(at, trial).accounts) lines.push(csvRecord([row.account, row.currency, row.debit, row.credit, row.balance]));
      return sendCsv(reply, 'trial-balance', lines.join(''));
    }
    return trialJson(at, trial);
  });

  routes('financial-position', 'Statement of financial position before `at`: assets (clearing, payout) and fund balances per currency (staff)', instantQuery, async (request, reply, as) => {
    const query = request.query as InstantQuery;
    const at = parseInstant(query.at, new Date());
    const positions = financialPosition(trialBalance(await snapshot(database, (db) => accountTotals(db, at))));
    if (as === 'page') return sendPage(reply, positionPage(localeOf(request as FastifyRequest<{ Querystring: InstantQuery }>), at, positions, queryOf({ at: query.at })));
    if (query.format === 'csv') {
      const lines = [csvRecord(['currency', 'side', 'item', 'amount'])];
      for (const p of positions) {
        for (const asset of p.assets) lines.push(csvRecord([p.currency, 'asset', asset.account, formatAmount(asset.amountMinor, p.currency)]));
        for (const fund of p.funds) lines.push(csvRecord([p.currency, 'fund', fund.fund, formatAmount(fund.amountMinor, p.currency)]));
      }
      return sendCsv(reply, 'financial-position', lines.join(''));
    }
    return {
      at: at.toISOString(),
      positions: positions.map((p) => ({
        currency: p.currency, assets: p.assets.map((asset) => ({ account: asset.account, amount: formatAmount(asset.amountMinor, p.currency) })),
        assets_total: formatAmount(p.assetsMinor, p.currency),
        funds: p.funds.map((fund) => ({ fund: fund.fund, amount: formatAmount(fund.amountMinor, p.currency) })), funds_total: formatAmount(p.fundsMinor, p.currency),
      })),
    };
  });

  routes('baznas', 'BAZNAS semiannual (half=h1, January to June) or annual report: collection by fund, distribution by asnaf and program, muzaki and mustahik (staff)', baznasQuery, async (request, reply, as) => {
    const query = request.query as BaznasQuery;
    const half = query.half ?? 'annual';
    const period = baznasPeriod(query.year, half);
    const report = await snapshot(database, (db) => baznasReport(db, period));
    if (as === 'page') return sendPage(reply, baznasPage(localeOf(request as FastifyRequest<{ Querystring: BaznasQuery }>), query.year, half, report.statements, report, queryOf({ year: query.year, half })));
    if (query.format === 'csv') {
      const counts = csvRecord(['count', '', '', 'muzaki', String(report.muzaki)]) + csvRecord(['count', '', '', 'mustahik', String(report.mustahik)]);
      return sendCsv(reply, `baznas-${query.year}-${half}`, statementCsv(report.statements) + counts);
    }
    return {
      year: query.year, half, from: period.from.toISOString(), to: period.to.toISOString(),
      collection: report.statements.map((s) => ({ fund: s.fund, currency: s.currency, received: formatAmount(s.movementsMinor.receipts, s.currency),
        refunded: formatAmount(-s.movementsMinor.refunds, s.currency), net: formatAmount(s.movementsMinor.receipts + s.movementsMinor.refunds, s.currency) })),
      muzaki: String(report.muzaki), mustahik: String(report.mustahik), funds: report.statements.map(statementJson),
    };
  });
}
