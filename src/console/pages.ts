// The console's pages, rendered on the server in the viewer's language. Each is a shell with its forms and
// table headings; the client script (console.js) signs in with the staff token kept in sessionStorage (as the
// dashboard does), reads the JSON API and fills the tables with textContent, never innerHTML.
import { html, SafeHtml } from '../http/html.ts';
import { FUNDS, type CampaignRow } from '../campaigns/queries.ts';
import { AUDIT_ACTIONS } from '../audit/queries.ts';
import { QUEUE_SORTS, SEARCH_FIELDS } from './queries.ts';
import { catalogue, errorTitles, INTL_LOCALE, translate, type Locale, type MessageKey } from './i18n.ts';

export type ConsolePage = 'queue' | 'donation' | 'campaigns' | 'tokens' | 'audit' | 'reports';

/**
 * The console's navigation. The zakat hawl report and the distribution pages are served by src/distribution but
 * belong to the same staff work, so they are linked here too (they have no `page`: never the current one here).
 */
const NAV: readonly { page?: ConsolePage; href: string; key: MessageKey }[] = [
  { page: 'queue', href: '/console', key: 'nav.queue' },
  { page: 'campaigns', href: '/console/campaigns', key: 'nav.campaigns' },
  { page: 'reports', href: '/console/reports', key: 'nav.reports' },
  { href: '/distribution', key: 'nav.distribution' },
  { href: '/distribution/hawl', key: 'nav.hawl' },
  { page: 'audit', href: '/console/audit', key: 'nav.audit' },
  { page: 'tokens', href: '/console/tokens', key: 'nav.tokens' },
];

/** JSON inside a script element: "<" escaped so no text can close the element. */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

function field(locale: Locale, name: string, label: MessageKey, control: SafeHtml): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${translate(locale, label)}</label>${control}<p class="field-error" id="f-${name}-error"></p></div>`;
}

function options(locale: Locale, values: readonly string[], prefix: string, anyOption: boolean): SafeHtml[] {
  const list = values.map((value) => html`<option value="${value}">${translate(locale, `${prefix}.${value}` as MessageKey)}</option>`);
  return anyOption ? [html`<option value="">${translate(locale, 'queue.any')}</option>`, ...list] : list;
}

function queueBody(locale: Locale, campaigns: readonly CampaignRow[]): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  return html`<h1 id="page-heading">${t('queue.heading')}</h1>
<form id="queue-filters" class="filters" method="get" action="/console" role="search" aria-label="${t('queue.search')}">
${field(locale, 'q', 'queue.search', html`<input id="f-q" name="q" type="search" maxlength="200" dir="auto">`)}
${field(locale, 'in', 'queue.searchIn', html`<select id="f-in" name="in"><option value="">${t('queue.any')}</option>${SEARCH_FIELDS.map((value) => html`<option value="${value}">${t(`queue.in.${value}` as MessageKey)}</option>`)}</select>`)}
${field(locale, 'amount', 'queue.amount', html`<input id="f-amount" name="amount" inputmode="decimal" maxlength="32">`)}
${field(locale, 'currency', 'queue.currency', html`<input id="f-currency" name="currency" maxlength="3" value="IDR" pattern="[A-Z]{3}">`)}
${field(locale, 'campaign', 'queue.campaign', html`<select id="f-campaign" name="campaign"><option value="">${t('queue.any')}</option>${campaigns.map((c) => html`<option value="${String(c.id)}" dir="auto">${c.name}</option>`)}</select>`)}
${field(locale, 'fund', 'queue.fund', html`<select id="f-fund" name="fund">${options(locale, FUNDS, 'fund', true)}</select>`)}
${field(locale, 'source', 'queue.source', html`<select id="f-source" name="source">${options(locale, ['api', 'import', 'manual'], 'source', true)}</select>`)}
${field(locale, 'status', 'queue.status', html`<select id="f-status" name="status">${options(locale, ['pending', 'approved', 'rejected', 'refunded'], 'status', false)}</select>`)}
${field(locale, 'from', 'queue.from', html`<input id="f-from" name="from" type="date">`)}
${field(locale, 'to', 'queue.to', html`<input id="f-to" name="to" type="date">`)}
${field(locale, 'sort', 'queue.sort', html`<select id="f-sort" name="sort">${QUEUE_SORTS.map((value) => html`<option value="${value}">${t(`sort.${value}` as MessageKey)}</option>`)}</select>`)}
<div class="field"><button type="submit">${t('queue.apply')}</button></div></form>
<p id="queue-count" class="count" role="status"></p>
<div id="queue-live" class="live-banner" aria-live="polite"><p id="queue-new" hidden><span id="queue-new-text"></span> <button type="button" id="queue-new-show">${t('queue.show')}</button></p></div>
<form id="bulk" class="bulk" aria-label="${t('queue.approve')}">
<label for="bulk-reason">${t('queue.reason')}</label><input id="bulk-reason" name="reason" maxlength="1000" aria-describedby="bulk-error">
<button type="submit" name="action" value="approve" id="bulk-approve">${t('queue.approve')}</button>
<button type="submit" name="action" value="reject" id="bulk-reject" class="danger">${t('queue.reject')}</button>
<p id="bulk-error" class="field-error" role="alert"></p></form>
<div class="table-wrap"><table id="queue-table" tabindex="-1"><caption class="visually-hidden">${t('queue.heading')}</caption><thead><tr>
<th scope="col"><input type="checkbox" id="select-all" aria-label="${t('queue.selectAll')}"></th><th scope="col">${t('col.donor')}</th><th scope="col">${t('col.email')}</th>
<th scope="col" class="number">${t('col.amount')}</th><th scope="col">${t('col.campaign')}</th><th scope="col">${t('col.source')}</th>
<th scope="col">${t('col.status')}</th><th scope="col">${t('col.date')}</th></tr></thead><tbody id="queue-rows"></tbody></table></div>
<p id="queue-empty" class="empty" hidden>${t('queue.empty')}</p>
<nav class="pager" aria-label="${t('queue.more')}"><a id="page-first" href="/console" hidden>${t('queue.first')}</a> <a id="page-next" href="/console" hidden>${t('queue.more')}</a></nav>`;
}

function donationBody(locale: Locale, id: string): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  return html`<h1 id="page-heading" data-donation="${id}">${translate(locale, 'donation.heading', { id })}</h1>
<dl id="donation" class="facts"></dl>
<h2>${t('donation.history')}</h2>
<div class="table-wrap"><table><caption class="visually-hidden">${t('donation.history')}</caption><thead><tr><th scope="col">${t('col.at')}</th><th scope="col">${t('col.status')}</th><th scope="col">${t('col.actor')}</th><th scope="col">${t('col.detail')}</th></tr></thead><tbody id="history"></tbody></table></div>
<form id="refund" class="bulk" hidden><label for="refund-reason">${t('donation.refundReason')}</label>
<input id="refund-reason" name="reason" required maxlength="1000" aria-describedby="refund-error"><button type="submit" class="danger">${t('donation.refund')}</button>
<p id="refund-error" class="field-error" role="alert"></p></form>`;
}

function campaignsBody(locale: Locale): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  return html`<h1 id="page-heading">${t('campaigns.heading')}</h1>
<div class="table-wrap"><table><caption class="visually-hidden">${t('campaigns.heading')}</caption><thead><tr><th scope="col">${t('col.name')}</th><th scope="col">${t('col.slug')}</th><th scope="col">${t('field.fund')}</th>
<th scope="col">${t('col.status')}</th><th scope="col" class="number">${t('col.raised')}</th><th scope="col">${t('col.actions')}</th></tr></thead><tbody id="campaign-rows"></tbody></table></div>
<h2 id="campaign-form-heading">${t('campaigns.create')}</h2>
<form id="campaign-form" class="form" aria-labelledby="campaign-form-heading" novalidate><input type="hidden" name="id" id="f-id">
${field(locale, 'slug', 'field.slug', html`<input id="f-slug" name="slug" required maxlength="64" aria-describedby="f-slug-error">`)}
${field(locale, 'name', 'field.name', html`<input id="f-name" name="name" required maxlength="200" dir="auto" aria-describedby="f-name-error">`)}
${field(locale, 'description', 'field.description', html`<textarea id="f-description" name="description" maxlength="10000" dir="auto" aria-describedby="f-description-error"></textarea>`)}
${field(locale, 'fund', 'field.fund', html`<select id="f-fund" name="fund" aria-describedby="f-fund-error">${options(locale, FUNDS, 'fund', false)}</select>`)}
${field(locale, 'currency', 'field.currency', html`<input id="f-currency" name="currency" required maxlength="3" value="IDR" aria-describedby="f-currency-error">`)}
${field(locale, 'goal', 'field.goal', html`<input id="f-goal" name="goal" inputmode="decimal" maxlength="32" aria-describedby="f-goal-error">`)}
${field(locale, 'starts_at', 'field.starts_at', html`<input id="f-starts_at" name="starts_at" type="datetime-local" aria-describedby="f-starts_at-error">`)}
${field(locale, 'ends_at', 'field.ends_at', html`<input id="f-ends_at" name="ends_at" type="datetime-local" aria-describedby="f-ends_at-error">`)}
<div class="field"><button type="submit">${t('campaigns.save')}</button></div>
<p id="campaign-form-error" class="field-error" role="alert"></p></form>`;
}

function tokensBody(locale: Locale): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  return html`<h1 id="page-heading">${t('tokens.heading')}</h1>
<div class="table-wrap"><table><caption class="visually-hidden">${t('tokens.heading')}</caption><thead><tr><th scope="col">${t('col.name')}</th><th scope="col">${t('col.role')}</th><th scope="col">${t('col.created')}</th>
<th scope="col">${t('col.lastUsed')}</th><th scope="col">${t('col.expires')}</th><th scope="col">${t('col.actions')}</th></tr></thead><tbody id="token-rows"></tbody></table></div>
<h2 id="token-form-heading">${t('tokens.create')}</h2>
<form id="token-form" class="form" aria-labelledby="token-form-heading" novalidate>
${field(locale, 'name', 'tokens.name', html`<input id="f-name" name="name" required maxlength="100" dir="auto" aria-describedby="f-name-error">`)}
${field(locale, 'role', 'tokens.role', html`<select id="f-role" name="role"><option value="staff">${t('role.staff')}</option><option value="admin">${t('role.admin')}</option></select>`)}
${field(locale, 'expires_at', 'tokens.expires', html`<input id="f-expires_at" name="expires_at" type="datetime-local" aria-describedby="f-expires_at-error">`)}
<div class="field"><button type="submit">${t('tokens.create')}</button></div><p id="token-form-error" class="field-error" role="alert"></p></form>
<p id="token-created" class="note" role="status" hidden>${t('tokens.created')} <code id="token-secret"></code></p>`;
}

function auditBody(locale: Locale): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  return html`<h1 id="page-heading">${t('audit.heading')}</h1>
<form id="audit-filters" class="filters" method="get" action="/console/audit" role="search" aria-label="${t('audit.heading')}">
${field(locale, 'actor', 'audit.actor', html`<input id="f-actor" name="actor" maxlength="40">`)}
${field(locale, 'action', 'audit.action', html`<select id="f-action" name="action"><option value="">${t('queue.any')}</option>${AUDIT_ACTIONS.map((action) => html`<option value="${action}">${action}</option>`)}</select>`)}
${field(locale, 'from', 'queue.from', html`<input id="f-from" name="from" type="date">`)}
${field(locale, 'to', 'queue.to', html`<input id="f-to" name="to" type="date">`)}
<div class="field"><button type="submit">${t('queue.apply')}</button> <button type="button" id="audit-csv">${t('audit.csv')}</button></div></form>
<div class="table-wrap"><table><caption class="visually-hidden">${t('audit.heading')}</caption><thead><tr><th scope="col">${t('col.at')}</th><th scope="col">${t('col.actor')}</th><th scope="col">${t('col.action')}</th>
<th scope="col">${t('col.target')}</th><th scope="col">${t('col.detail')}</th></tr></thead><tbody id="audit-rows"></tbody></table></div>
<p id="queue-empty" class="empty" hidden>${t('queue.empty')}</p>
<nav class="pager" aria-label="${t('queue.more')}"><a id="page-next" href="/console/audit" hidden>${t('queue.more')}</a></nav>`;
}

/**
 * The reports (src/reports) need a period or a year, so each gets a small form that opens its page; the ones
 * "as of now" are plain links. The forms are GET: they work without script, and the report page asks for the
 * token itself (src/reports/reports.js).
 */
function reportsBody(locale: Locale): SafeHtml {
  const t = (key: MessageKey) => translate(locale, key);
  const year = new Date().getUTCFullYear();
  const open = html`<div class="field"><button type="submit">${t('reports.open')}</button></div>`;
  return html`<h1 id="page-heading">${t('reports.heading')}</h1>
<section aria-labelledby="r-changes"><h2 id="r-changes">${t('reports.changes')}</h2>
<form class="filters" method="get" action="/console/reports/changes-in-funds" aria-labelledby="r-changes">
${field(locale, 'cf-from', 'queue.from', html`<input id="f-cf-from" name="from" type="date" required value="${year}-01-01">`)}
${field(locale, 'cf-to', 'reports.to', html`<input id="f-cf-to" name="to" type="date" required value="${year + 1}-01-01">`)}
${open}</form></section>
<section aria-labelledby="r-baznas"><h2 id="r-baznas">${t('reports.baznas')}</h2>
<form class="filters" method="get" action="/console/reports/baznas" aria-labelledby="r-baznas">
${field(locale, 'bz-year', 'reports.year', html`<input id="f-bz-year" name="year" type="number" required min="2000" max="9998" value="${String(year)}">`)}
${field(locale, 'bz-half', 'reports.half', html`<select id="f-bz-half" name="half"><option value="annual">${t('reports.half.annual')}</option><option value="h1">${t('reports.half.h1')}</option></select>`)}
${open}</form></section>
<section aria-labelledby="r-now"><h2 id="r-now">${t('reports.now')}</h2><ul>
<li><a href="/console/reports/trial-balance">${t('reports.trial')}</a></li>
<li><a href="/console/reports/financial-position">${t('reports.position')}</a></li></ul></section>
<section aria-labelledby="r-zakat"><h2 id="r-zakat">${t('reports.zakat')}</h2><ul>
<li><a href="/distribution/hawl">${t('nav.hawl')}</a></li><li><a href="/distribution">${t('nav.distribution')}</a></li></ul></section>
<section aria-labelledby="r-analytics"><h2 id="r-analytics">${t('reports.analytics')}</h2>
<p><a href="/console/campaigns">${t('reports.analyticsNote')}</a></p></section>`;
}

export interface PageInput {
  locale: Locale;
  page: ConsolePage;
  campaigns?: readonly CampaignRow[];
  donationId?: string;
}

export function consolePage(input: PageInput): string {
  const { locale, page } = input;
  const t = (key: MessageKey) => translate(locale, key);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const body = page === 'queue' ? queueBody(locale, input.campaigns ?? []) : page === 'donation' ? donationBody(locale, input.donationId ?? '')
    : page === 'campaigns' ? campaignsBody(locale) : page === 'tokens' ? tokensBody(locale) : page === 'reports' ? reportsBody(locale) : auditBody(locale);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>amanah: ${t('console.title')}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"><script src="/console.js" defer></script></head>
<body data-page="${page}" data-locale="${INTL_LOCALE[locale]}"><a class="skip" href="#main">${t('console.title')}</a>
<header class="top"><div class="brand"><p class="title"><strong>amanah</strong> · ${t('console.title')}</p>
<nav aria-label="${t('nav.label')}"><ul class="nav">${NAV.map((item) => html`<li><a href="${item.href}"${item.page === page ? html` aria-current="page"` : ''}>${t(item.key)}</a></li>`)}<li><a href="/">${t('nav.dashboard')}</a></li></ul></nav>
<a class="lang" href="?lang=${other}" lang="${other}" hreflang="${other}">${t('lang.switch')}</a></div>
<form id="sign-in" class="sign-in" autocomplete="off"><label for="token">${t('signin.token')}</label>
<input id="token" name="token" type="password" required autocomplete="off" spellcheck="false" aria-describedby="sign-in-error">
<button type="submit">${t('signin.submit')}</button><p id="sign-in-error" class="field-error" role="alert"></p></form>
<div id="signed-in" class="signed-in" hidden><span id="signed-in-as"></span> <button id="sign-out" type="button">${t('signin.out')}</button></div></header>
<main id="main" tabindex="-1"><div id="content" hidden>${body}</div><div id="signed-out-note"><h1 class="visually-hidden">${t('console.title')}</h1><p class="note">${t('signin.needed')}</p></div>
<p id="announcer" class="visually-hidden" aria-live="polite"></p></main>
<script type="application/json" id="messages">${jsonBlock({ messages: catalogue(locale), errors: errorTitles(locale) })}</script>
</body></html>`.text;
}
