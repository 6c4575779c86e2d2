// /api/ledger: the amil share rates (read by staff, set by admins), entries with their lines and donations,
// and account balances (staff). The ledger is written only by the postings folded into the money movements.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { actorOf, requireRole } from '../http/auth.ts';
import { isDatabaseId } from '../http/format.ts';
import { formatAmount } from '../money/index.ts';
import { AMIL_CAPS, formatRate, parseAmilRate, type LedgerFund } from './logic.ts';
import { amilRates, donationsOfEntry, entriesOfDonation, findEntry, fundBalances, listAccounts, setAmilRate } from './queries.ts';
import { accountListSchema, accountsQuery, amilRateBody, amilRateListSchema, amilRateParams, amilRateSchema, donationEntriesSchema, entryParams, entrySchema } from './schemas.ts';

/** At most this many donation ids are listed with an entry; an import batch's entry posts thousands. */
const ENTRY_DONATIONS_LISTED_MAX = 1000;

type RateRecord = { rateBp: number; updatedBy: string; updatedAt: Date } | undefined;

function rateJson(fund: LedgerFund, record: RateRecord) {
  const cap = AMIL_CAPS.get(fund);
  return {
    fund, rate: formatRate(record?.rateBp ?? 0), rate_max: cap ? formatRate(cap.rateBpMax) : null, source: cap?.source ?? null,
    updated_by: record?.updatedBy ?? null, updated_at: record?.updatedAt.toISOString() ?? null,
  };
}

export async function ledgerRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database } = context;
  const staff = requireRole('staff', database, context.config.adminTokenSha256);
  const admin = requireRole('admin', database, context.config.adminTokenSha256);
  const errors = { 400: problemResponse, 401: problemResponse, 403: problemResponse };

  app.get('/api/ledger/amil-rates', {
    preHandler: staff,
    schema: { summary: 'The amil share rate of each fund, with its legal cap and source (staff)', tags: ['ledger'], security: [{ bearer: [] }], response: { 200: amilRateListSchema, ...errors } },
  }, async () => {
    const rates = await amilRates(database);
    return { rates: (['zakat', 'infak_sedekah', 'waqf', 'dskl', 'non_halal'] as const).map((fund) => rateJson(fund, rates.get(fund))) };
  });

  app.put<{ Params: { fund: Exclude<LedgerFund, 'amil'> }; Body: { rate: string } }>('/api/ledger/amil-rates/:fund', {
    preHandler: admin,
    schema: {
      summary: 'Set a fund\'s amil share rate, refused above its legal cap (admin); applies to donations approved from now on', tags: ['ledger'],
      security: [{ bearer: [] }], params: amilRateParams, body: amilRateBody, response: { 200: amilRateSchema, ...errors, 422: problemResponse },
    },
  }, async (request) => {
    const { fund } = request.params;
    const rateBp = parseAmilRate(fund, request.body.rate);
    await setAmilRate(database, fund, rateBp, actorOf(request.principal));
    return rateJson(fund, (await amilRates(database)).get(fund));
  });

  app.get<{ Params: { id: string } }>('/api/ledger/entries/:id', {
    preHandler: staff,
    schema: { summary: 'A journal entry with its lines and the donations it posted (staff)', tags: ['ledger'], security: [{ bearer: [] }], params: entryParams, response: { 200: entrySchema, ...errors, 404: problemResponse } },
  }, async (request) => {
    const found = isDatabaseId(request.params.id) ? await findEntry(database, BigInt(request.params.id)) : undefined;
    if (found === undefined) throw new AppError('ledger_entry_not_found', `no ledger entry with id "${request.params.id}"`);
    const { entry, lines } = found;
    const donations = await donationsOfEntry(database, entry.id, ENTRY_DONATIONS_LISTED_MAX);
    return {
      id: String(entry.id), kind: entry.kind, campaign_id: entry.campaign_id === null ? null : String(entry.campaign_id),
      import_id: entry.import_id === null ? null : String(entry.import_id),
      reverses_entry_id: entry.reverses_entry_id === null ? null : String(entry.reverses_entry_id),
      amil_rate: formatRate(entry.amil_rate_bp), memo: entry.memo, posted_at: entry.posted_at.toISOString(),
      lines: lines.map((line) => ({
        account_id: String(line.account_id), account: `${line.kind}:${line.name}`, currency: line.currency,
        debit: line.amount_minor > 0n ? formatAmount(line.amount_minor, line.currency) : null,
        credit: line.amount_minor < 0n ? formatAmount(-line.amount_minor, line.currency) : null,
      })),
      donation_ids: donations.map(String),
    };
  });

  app.get<{ Params: { id: string } }>('/api/ledger/donations/:id', {
    preHandler: staff,
    schema: { summary: 'The entries that posted a donation (receipt) and reversed it (refund) (staff)', tags: ['ledger'], security: [{ bearer: [] }], params: entryParams, response: { 200: donationEntriesSchema, ...errors, 404: problemResponse } },
  }, async (request) => {
    const found = isDatabaseId(request.params.id) ? await entriesOfDonation(database, BigInt(request.params.id)) : undefined;
    if (found === undefined) throw new AppError('donation_not_found', `no donation with id "${request.params.id}"`);
    return { donation_id: request.params.id, receipt_entry_id: found.receipt === null ? null : String(found.receipt), refund_entry_id: found.refund === null ? null : String(found.refund) };
  });

  app.get<{ Querystring: { campaign?: string } }>('/api/ledger/accounts', {
    preHandler: staff,
    schema: { summary: 'Account balances (a campaign\'s, or the first 1,000) and each fund\'s balance (staff)', tags: ['ledger'], security: [{ bearer: [] }], querystring: accountsQuery, response: { 200: accountListSchema, ...errors } },
  }, async (request) => {
    const campaign = request.query.campaign;
    const accounts = await listAccounts(database, campaign !== undefined && isDatabaseId(campaign) ? BigInt(campaign) : null);
    const funds = await fundBalances(database);
    return {
      accounts: accounts.map((account) => ({
        id: String(account.id), campaign_id: String(account.campaign_id), account: `${account.kind}:${account.name}`,
        currency: account.currency, balance: formatAmount(account.balance_minor, account.currency),
      })),
      funds: funds.map((fund) => ({ fund: fund.fund, currency: fund.currency, balance: formatAmount(fund.balance_minor, fund.currency) })),
    };
  });
}
