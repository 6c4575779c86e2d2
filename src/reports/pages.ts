// The reports as staff pages, rendered on the server with their figures (no script): amounts formatted per
// locale the console's way (Intl in id-ID or en-GB, from the exact bigint, money's formatDisplay), every text
// escaped by the html template. The page is answered only to a staff or admin token, like the JSON.
import { html, type SafeHtml } from '../http/html.ts';
import { formatDisplay } from '../money/index.ts';
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import { CHANNELS, MOVEMENTS, type FundStatement, type Position, type TrialBalance } from './logic.ts';
import { reportText, type ReportKey } from './i18n.ts';

export type ReportName = 'changes-in-funds' | 'financial-position' | 'trial-balance' | 'baznas';

/**
 * "At <time>": the instant in UTC with its zone named, which reports.js rewrites in the viewer's zone and
 * language once the page is in place (a staff member in Jayapura reads their own clock).
 */
/** Intl refuses dateStyle with timeZoneName, so the parts are named; reports.js formats with the same. */
const AT_FORMAT = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } as const;

function atLine(locale: Locale, at: Date): SafeHtml {
  const [before, after] = reportText(locale, 'reports.at').split('{at}');
  const utc = new Intl.DateTimeFormat(INTL_LOCALE[locale], { ...AT_FORMAT, timeZone: 'UTC' }).format(at);
  return html`${before ?? ''}<time datetime="${at.toISOString()}">${utc}</time>${after ?? ''}`;
}

function page(locale: Locale, name: ReportName, title: string, subtitle: string | SafeHtml, query: string, body: SafeHtml): string {
  const t = (key: ReportKey) => reportText(locale, key);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const api = `/api/reports/${name}?${query}`;
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>amanah: ${title}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"></head>
<body data-page="report-${name}" data-locale="${INTL_LOCALE[locale]}"><header class="top"><div class="brand"><p class="title"><strong>amanah</strong> · ${t('reports.title')}</p>
<a class="lang" href="?${query}&amp;lang=${other}" lang="${other}" hreflang="${other}">${t('reports.switch')}</a></div></header>
<main id="main"><h1>${title}</h1><p>${subtitle}</p><p><a href="${api}&amp;format=csv">${t('reports.csv')}</a> · <a href="${api}">${t('reports.json')}</a></p>
${body}</main></body></html>`.text;
}

/**
 * What a browser gets at a report's page before it sends a token: the console keeps the staff token in
 * sessionStorage, never in a cookie, so a link cannot carry it. reports.js asks for this same page again with the
 * token and puts its <main> in place (the figures are still rendered and escaped here, on the server).
 */
export function signInShell(locale: Locale, name: ReportName): string {
  const t = (key: ReportKey) => reportText(locale, key);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>amanah: ${t('reports.title')}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"></head>
<body data-page="report-${name}"><header class="top"><div class="brand"><p class="title"><strong>amanah</strong> · ${t('reports.title')}</p></div></header>
<main id="main"><h1>${t('reports.title')}</h1><p id="report-status" role="status">${t('reports.loading')}</p>
<p id="report-signed-out" hidden>${t('reports.signedOut')} <a href="/console">${t('reports.signIn')}</a></p></main>
<script src="/console/reports.js"></script></body></html>`.text;
}

const money = (locale: Locale, minor: bigint, currency: string) => formatDisplay(minor, currency, INTL_LOCALE[locale]);
const fundName = (locale: Locale, fund: string) => reportText(locale, `fund.${fund}` as ReportKey);

function table(caption: string, head: readonly string[], rows: readonly (readonly (string | SafeHtml)[])[], numberFrom: number): SafeHtml {
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr>${head.map((cell, index) => html`<th scope="col"${index >= numberFrom ? html` class="number"` : ''}>${cell}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell, index) => (index === 0 ? html`<th scope="row">${cell}</th>` : html`<td${index >= numberFrom ? html` class="number"` : ''}>${cell}</td>`))}</tr>`)}</tbody></table></div>`;
}

function statementTables(locale: Locale, statements: readonly FundStatement[]): SafeHtml[] {
  const t = (key: ReportKey) => reportText(locale, key);
  if (statements.length === 0) return [html`<p class="empty">${t('reports.none')}</p>`];
  return statements.map((s) => {
    const m = (minor: bigint) => money(locale, minor, s.currency);
    const rows: string[][] = [[t('row.opening'), m(s.openingMinor)]];
    for (const movement of MOVEMENTS) {
      if (movement === 'other' && s.movementsMinor.other === 0n) continue;
      rows.push([t(`row.${movement}`), m(s.movementsMinor[movement])]);
      if (movement === 'receipts') for (const channel of CHANNELS) rows.push([t(`row.receipts.${channel}`), m(s.receiptsByChannelMinor[channel])]);
    }
    rows.push([t('row.closing'), m(s.closingMinor)]);
    const byAsnaf = [...s.distributionsByAsnafMinor].map(([asnaf, amount]) => [reportText(locale, `asnaf.${asnaf}` as ReportKey), m(amount)]);
    const byProgram = [...s.distributionsByProgram.values()].map((program) => [program.name, m(program.amountMinor)]);
    return html`<h2>${fundName(locale, s.fund)} (${s.currency})</h2>${table(`${fundName(locale, s.fund)} ${s.currency}`, [t('col.item'), t('col.amount')], rows, 1)}
${byAsnaf.length > 0 ? table(t('dist.byAsnaf'), [t('col.asnaf'), t('col.amount')], byAsnaf, 1) : ''}${byProgram.length > 0 ? table(t('dist.byProgram'), [t('col.program'), t('col.amount')], byProgram, 1) : ''}`;
  });
}

const day = (date: Date) => date.toISOString().replace('T00:00:00.000Z', '');

export function changesPage(locale: Locale, period: { from: Date; to: Date }, statements: readonly FundStatement[], query: string): string {
  return page(locale, 'changes-in-funds', reportText(locale, 'changes.heading'), reportText(locale, 'reports.period', { from: day(period.from), to: day(period.to) }), query, html`${statementTables(locale, statements)}`);
}

export function trialBalancePage(locale: Locale, at: Date, trial: TrialBalance, query: string): string {
  const t = (key: ReportKey) => reportText(locale, key);
  const tables = trial.totals.map((total) => {
    const m = (minor: bigint) => money(locale, minor, total.currency);
    const rows = trial.accounts.filter((account) => account.currency === total.currency)
      .map((account) => [`${account.kind}:${account.name}`, m(account.debit_minor), m(account.credit_minor), m(account.balance_minor)]);
    rows.push([t('row.total'), m(total.debitMinor), m(total.creditMinor), m(total.debitMinor - total.creditMinor)]);
    return table(total.currency, [t('col.account'), t('col.debit'), t('col.credit'), t('col.balance')], rows, 1);
  });
  return page(locale, 'trial-balance', t('trial.heading'), atLine(locale, at), query,
    html`${tables.length > 0 ? tables : html`<p class="empty">${t('reports.none')}</p>`}`);
}

export function positionPage(locale: Locale, at: Date, positions: readonly Position[], query: string): string {
  const t = (key: ReportKey) => reportText(locale, key);
  const tables = positions.map((position) => {
    const m = (minor: bigint) => money(locale, minor, position.currency);
    return html`<h2>${position.currency}</h2>${table(t('position.assets'), [t('col.account'), t('col.amount')],
      [...position.assets.map((asset) => [asset.account, m(asset.amountMinor)]), [t('row.total'), m(position.assetsMinor)]], 1)}
${table(t('position.funds'), [t('col.fund'), t('col.amount')], [...position.funds.map((fund) => [fundName(locale, fund.fund), m(fund.amountMinor)]), [t('row.total'), m(position.fundsMinor)]], 1)}`;
  });
  return page(locale, 'financial-position', t('position.heading'), atLine(locale, at), query,
    html`${tables.length > 0 ? tables : html`<p class="empty">${t('reports.none')}</p>`}`);
}

export function baznasPage(locale: Locale, year: number, half: 'h1' | 'annual', statements: readonly FundStatement[], counts: { muzaki: bigint; mustahik: bigint }, query: string): string {
  const t = (key: ReportKey) => reportText(locale, key);
  const period = reportText(locale, half === 'h1' ? 'baznas.h1' : 'baznas.annual', { year });
  const number = new Intl.NumberFormat(INTL_LOCALE[locale]);
  const collection = statements.map((s) => [`${fundName(locale, s.fund)} (${s.currency})`, money(locale, s.movementsMinor.receipts + s.movementsMinor.refunds, s.currency)]);
  const body = html`${table(t('baznas.collection'), [t('col.fund'), t('col.amount')], collection, 1)}
${table(t('baznas.heading').replace(': {period}', ''), [t('col.item'), t('col.amount')], [[t('baznas.muzaki'), number.format(counts.muzaki)], [t('baznas.mustahik'), number.format(counts.mustahik)]], 1)}
${statementTables(locale, statements)}`;
  return page(locale, 'baznas', reportText(locale, 'baznas.heading', { period }), period, query, body);
}
