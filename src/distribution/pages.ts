// The hawl report's staff page: a server-rendered shell in Indonesian or English (the console's locale rules and
// styles) whose script, hawl.js, reads the console's staff token from sessionStorage, asks
// GET /api/distribution/hawl and fills the table with textContent. No data is in the shell: it is public, the
// figures are not.
import { html, SafeHtml } from '../http/html.ts';
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { LEDGER_FUNDS } from '../ledger/logic.ts';
import { formatDisplay } from '../money/index.ts';
import { ASNAF, DISBURSEMENT_STATUSES, HAWL_DAYS, VERIFICATIONS, type Asnaf, type DisbursementStatus, type Verification } from './logic.ts';
import { maskNik } from './nik.ts';
import type { DisbursementRow, MustahikRow, ProgramRow } from './queries.ts';
import { distributionErrorTitles, distributionText, scriptMessages, type DistributionKey } from './i18n.ts';

const MESSAGES = {
  en: {
    title: 'Hawl: undistributed zakat', heading: 'Hawl: undistributed zakat',
    explain: `Receipts are consumed by distributions first in, first out. "Over a hawl" is what was received more than ${HAWL_DAYS} days (one lunar year) before the date and is not yet distributed.`,
    fund: 'Fund', asOf: 'As of', show: 'Show', campaign: 'Campaign', currency: 'Currency', undistributed: 'Undistributed',
    overHawl: 'Over a hawl', oldest: 'Oldest undistributed receipt', empty: 'Nothing undistributed.',
    signIn: 'Sign in on the console first; this page uses its staff token.', console: 'Open the console',
  },
  id: {
    title: 'Haul: zakat belum tersalurkan', heading: 'Haul: zakat belum tersalurkan',
    explain: `Penerimaan dipakai oleh penyaluran menurut urutan masuk (FIFO). "Lewat haul" adalah yang diterima lebih dari ${HAWL_DAYS} hari (satu tahun hijriah) sebelum tanggal itu dan belum disalurkan.`,
    fund: 'Dana', asOf: 'Per tanggal', show: 'Tampilkan', campaign: 'Kampanye', currency: 'Mata uang', undistributed: 'Belum tersalurkan',
    overHawl: 'Lewat haul', oldest: 'Penerimaan tertua yang belum tersalurkan', empty: 'Tidak ada yang belum tersalurkan.',
    signIn: 'Masuk di konsol terlebih dahulu; halaman ini memakai token stafnya.', console: 'Buka konsol',
  },
} as const satisfies Record<Locale, Record<string, string>>;

export type HawlMessageKey = keyof typeof MESSAGES.en;

const FUNDS = ['zakat', 'infak_sedekah', 'amil', 'non_halal', 'waqf', 'dskl'] as const;

export function hawlPage(locale: Locale): string {
  const t = (key: HawlMessageKey) => MESSAGES[locale][key];
  const messages = new SafeHtml(JSON.stringify({ empty: t('empty') }).replace(/</g, '\\u003c'));
  return html`<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${t('title')}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"></head>
<body data-locale="${locale}">${roomHeader(locale, 'hawl', '')}<main id="main">
<h1>${t('heading')}</h1>
<p>${t('explain')}</p>
<p id="hawl-signed-out" hidden>${t('signIn')} <a href="/console">${t('console')}</a></p>
<form id="hawl-filters" class="filters" method="get" action="/distribution/hawl">
<div class="field"><label for="f-fund">${t('fund')}</label><select id="f-fund" name="fund">${FUNDS.map((fund) => html`<option value="${fund}">${fund}</option>`)}</select></div>
<div class="field"><label for="f-as-of">${t('asOf')}</label><input id="f-as-of" name="as_of" type="date"></div>
<div class="field"><button type="submit">${t('show')}</button></div></form>
<p id="hawl-error" class="field-error" role="alert"></p>
<div class="table-wrap"><table id="hawl-table"><caption class="visually-hidden">${t('heading')}</caption><thead><tr>
<th scope="col">${t('campaign')}</th><th scope="col">${t('currency')}</th><th scope="col" class="number">${t('undistributed')}</th>
<th scope="col" class="number">${t('overHawl')}</th><th scope="col">${t('oldest')}</th></tr></thead><tbody id="hawl-rows"></tbody></table></div>
<script type="application/json" id="hawl-messages">${messages}</script>
<script src="/distribution/hawl.js"></script>
</main></body></html>`.toString();
}

// ---------------------------------------------------------------------------------------------------------------
// The staff pages of the room (/distribution, /distribution/mustahik and one mustahik's page under it, /programs,
// /disbursements), rendered on the server with their rows, the reports' way: a browser that opens one sends no
// token (the console keeps it in sessionStorage), so it gets roomShell, whose script (distribution.js) asks for the
// same page again with the token and puts its header and <main> in place. The forms are sent by that script to the
// JSON API; a refusal's title and code are shown at the field the problem names. Every text is escaped by the html
// template; names are dir="auto" so a right-to-left name does not reorder the text around it.

/** 'mustahik-record' is one mustahik's page (/distribution/mustahik/:id): no nav item is marked current on it. */
export type RoomPage = 'index' | 'mustahik' | 'mustahik-record' | 'programs' | 'disbursements';

const ROOM_NAV: readonly { page: RoomPage | 'hawl'; href: string; key: DistributionKey }[] = [
  { page: 'index', href: '/distribution', key: 'room.nav' },
  { page: 'mustahik', href: '/distribution/mustahik', key: 'index.mustahik' },
  { page: 'programs', href: '/distribution/programs', key: 'index.programs' },
  { page: 'disbursements', href: '/distribution/disbursements', key: 'index.disbursements' },
  { page: 'hawl', href: '/distribution/hawl', key: 'index.hawl' },
];

function jsonScript(id: string, value: unknown): SafeHtml {
  return html`<script type="application/json" id="${id}">${new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'))}</script>`;
}

/** The room's header: its nav (this page marked), the way back to the console and the language switch. */
function roomHeader(locale: Locale, page: RoomPage | 'hawl', query: string): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const switchQuery = query === '' ? `lang=${other}` : `${query}&lang=${other}`;
  return html`<header class="top"><div class="brand"><p class="title"><strong>amanah</strong> · ${t('room.title')}</p>
<nav aria-label="${t('room.nav')}"><ul class="nav">${ROOM_NAV.map((item) => html`<li><a href="${item.href}"${item.page === page ? html` aria-current="page"` : ''}>${t(item.key)}</a></li>`)}<li><a href="/console">${t('room.console')}</a></li></ul></nav>
<a class="lang" href="?${switchQuery}" lang="${other}" hreflang="${other}">${t('room.switch')}</a></div></header>`;
}

function roomDocument(locale: Locale, page: RoomPage, query: string, heading: string, main: SafeHtml): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>amanah: ${heading}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/console.css"><script src="/distribution/distribution.js" defer></script></head>
<body data-page="distribution-${page}" data-locale="${INTL_LOCALE[locale]}"><a class="skip" href="#main">${t('room.skip')}</a>
${roomHeader(locale, page, query)}
<main id="main" tabindex="-1">${main}<p id="announcer" class="visually-hidden" role="status" aria-live="polite"></p></main>
${jsonScript('distribution-messages', { messages: scriptMessages(locale), errors: distributionErrorTitles(locale) })}
</body></html>`.text;
}

/** What a browser gets before it sends a token: no rows, only the script that asks again with the console's token. */
export function roomShell(locale: Locale, page: RoomPage, query: string): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  return roomDocument(locale, page, query, t('room.title'), html`<h1>${t('room.title')}</h1><p id="room-status">${t('room.loading')}</p>
<p id="room-signed-out" hidden>${t('room.signedOut')} <a href="/console">${t('room.signIn')}</a></p>`);
}

export function roomIndexPage(locale: Locale, query: string): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  return roomDocument(locale, 'index', query, t('index.heading'), html`<h1>${t('index.heading')}</h1><p>${t('index.explain')}</p>
<ul>${ROOM_NAV.filter((item) => item.page !== 'index').map((item) => html`<li><a href="${item.href}">${t(item.key)}</a></li>`)}</ul>`);
}

function roomField(name: string, label: string, control: SafeHtml): SafeHtml {
  return html`<div class="field"><label for="f-${name}">${label}</label>${control}<p class="field-error" id="f-${name}-error"></p></div>`;
}

function asnafBoxes(locale: Locale, legend: string, checked: readonly Asnaf[] = []): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  return html`<fieldset class="field" id="f-asnaf" aria-describedby="f-asnaf-error"><legend>${legend}</legend>${ASNAF.map((asnaf) => html`<label><input type="checkbox" name="asnaf" value="${asnaf}"${checked.includes(asnaf) ? html` checked` : ''}> ${t(`asnaf.${asnaf}`)}</label>`)}
<p class="field-error" id="f-asnaf-error"></p></fieldset>`;
}

function choices(locale: Locale, values: readonly string[], prefix: string, anyValue: string | null, selected?: string): SafeHtml[] {
  const list = values.map((value) => html`<option value="${value}"${value === selected ? html` selected` : ''}>${distributionText(locale, `${prefix}.${value}` as DistributionKey)}</option>`);
  return anyValue === null ? list : [html`<option value="">${anyValue}</option>`, ...list];
}

function roomTable(caption: string, head: readonly { text: string; number?: boolean }[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  return html`<div class="table-wrap"><table><caption class="visually-hidden">${caption}</caption><thead><tr>${head.map((cell) => html`<th scope="col"${cell.number === true ? html` class="number"` : ''}>${cell.text}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>${rows.length === 0 ? html`<p class="empty">${empty}</p>` : ''}`;
}

/** Keyset paging as the API's: the next page is the rows before the last id shown. */
function pager(locale: Locale, path: string, filters: Record<string, string | undefined>, nextCursor: string | null, paged: boolean): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const base = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '');
  const first = `${path}?${new URLSearchParams(base).toString()}`;
  const next = nextCursor === null ? null : `${path}?${new URLSearchParams([...base, ['before', nextCursor]]).toString()}`;
  if (!paged && next === null) return html``;
  return html`<nav class="pager" aria-label="${t('next')}">${paged ? html`<a href="${first}">${t('first')}</a>` : ''}${next === null ? '' : html`<a id="page-next" href="${next}">${t('next')}</a>`}</nav>`;
}

const shortDate = (locale: Locale, at: Date) => new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'medium', timeZone: 'UTC' }).format(at);
const asnafText = (locale: Locale, list: readonly Asnaf[]) => list.map((asnaf) => distributionText(locale, `asnaf.${asnaf}`)).join(', ');

export interface MustahikPageInput {
  filters: { asnaf?: Asnaf | undefined; verification?: Verification | undefined; before?: string | undefined };
  rows: readonly MustahikRow[];
  nextCursor: string | null;
}

/** The registry: NIKs masked (maskNik), the full number never in the page. */
export function mustahikPage(locale: Locale, query: string, input: MustahikPageInput): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const { filters } = input;
  const rows = input.rows.map((row) => html`<tr><td>${String(row.id)}</td><td><a href="/distribution/mustahik/${String(row.id)}"><span dir="auto">${row.name}</span></a></td><td>${t(`kind.${row.kind}`)}</td>
<td>${row.nik === null ? '' : maskNik(row.nik)}</td><td>${asnafText(locale, row.asnaf)}</td><td><span dir="auto">${row.region}</span></td>
<td>${t(`verification.${row.verification}`)}</td><td>${shortDate(locale, row.created_at)}</td><td>${row.verification === 'verified' ? '' : html`<form class="bulk" data-method="PATCH" data-api="/api/distribution/mustahik/${String(row.id)}" data-done="mustahik.verified" data-error="m-${String(row.id)}-error" novalidate>
<input type="hidden" name="verification" value="verified"><input type="hidden" name="expected_updated_at" value="${row.updated_at.toISOString()}"><button type="submit" id="m-${String(row.id)}-verify">${t('mustahik.verify')}</button></form><p class="field-error" id="m-${String(row.id)}-error" role="alert"></p>`}</td></tr>`);
  const main = html`<h1>${t('mustahik.heading')}</h1><p class="note">${t('mustahik.privacy')}</p>
<form class="filters" method="get" action="/distribution/mustahik" role="search" aria-label="${t('mustahik.heading')}">
${roomField('filter-asnaf', t('col.asnaf'), html`<select id="f-filter-asnaf" name="asnaf">${choices(locale, ASNAF, 'asnaf', t('any'), filters.asnaf)}</select>`)}
${roomField('filter-verification', t('col.verification'), html`<select id="f-filter-verification" name="verification">${choices(locale, VERIFICATIONS, 'verification', t('any'), filters.verification)}</select>`)}
<div class="field"><button type="submit">${t('apply')}</button></div></form>
${roomTable(t('mustahik.heading'), [{ text: t('col.id') }, { text: t('col.name') }, { text: t('col.kind') }, { text: t('col.nik') }, { text: t('col.asnaf') },
    { text: t('col.region') }, { text: t('col.verification') }, { text: t('col.created') }, { text: t('col.actions') }], rows, t('none'))}
${pager(locale, '/distribution/mustahik', { asnaf: filters.asnaf, verification: filters.verification }, input.nextCursor, filters.before !== undefined)}
<h2 id="mustahik-form-heading">${t('mustahik.create')}</h2>
<form id="mustahik-form" class="form" data-api="/api/distribution/mustahik" data-done="mustahik.created" aria-labelledby="mustahik-form-heading" novalidate>
${roomField('kind', t('field.kind'), html`<select id="f-kind" name="kind" aria-describedby="f-kind-error">${choices(locale, ['person', 'institution'], 'kind', null)}</select>`)}
${roomField('name', t('field.name'), html`<input id="f-name" name="name" required maxlength="200" dir="auto" autocomplete="off" aria-describedby="f-name-error">`)}
${roomField('nik', t('field.nik'), html`<input id="f-nik" name="nik" inputmode="numeric" maxlength="16" autocomplete="off" spellcheck="false" aria-describedby="f-nik-error">`)}
${roomField('region', t('field.region'), html`<input id="f-region" name="region" required maxlength="200" dir="auto" aria-describedby="f-region-error">`)}
${roomField('verification', t('field.verification'), html`<select id="f-verification" name="verification" aria-describedby="f-verification-error">${choices(locale, VERIFICATIONS, 'verification', null)}</select>`)}
${roomField('evidence_notes', t('field.evidence_notes'), html`<textarea id="f-evidence_notes" name="evidence_notes" maxlength="4000" dir="auto" aria-describedby="f-evidence_notes-error"></textarea>`)}
${asnafBoxes(locale, t('field.asnaf'))}
<div class="field"><button type="submit">${t('mustahik.submit')}</button></div><p id="mustahik-form-error" class="field-error" role="alert"></p></form>`;
  return roomDocument(locale, 'mustahik', query, t('mustahik.heading'), main);
}

export interface MustahikRecordInput {
  row: MustahikRow;
  /** Its newest disbursements, at most a page of them; `more` when older ones are not shown. */
  disbursements: readonly DisbursementRow[];
  more: boolean;
  programNames: ReadonlyMap<string, string>;
}

const dateTime = (locale: Locale, at: Date) => new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(at);

/** What staff may see of one mustahik, the NIK in full (as GET /api/distribution/mustahik/:id answers it). */
function recordFacts(locale: Locale, row: MustahikRow): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const fact = (label: string, value: SafeHtml | string, id: string) => html`<dt>${label}</dt><dd id="record-${id}">${value}</dd>`;
  return html`<dl class="facts">${fact(t('col.id'), String(row.id), 'id')}${fact(t('col.name'), html`<span dir="auto">${row.name}</span>`, 'name')}
${fact(t('col.kind'), t(`kind.${row.kind}`), 'kind')}${fact(t('col.nik'), row.nik ?? t('record.noNik'), 'nik')}
${fact(t('col.asnaf'), asnafText(locale, row.asnaf), 'asnaf')}${fact(t('col.region'), html`<span dir="auto">${row.region}</span>`, 'region')}
${fact(t('col.verification'), t(`verification.${row.verification}`), 'verification')}
${fact(t('record.notes'), row.evidence_notes === null ? t('record.noNotes') : html`<span dir="auto">${row.evidence_notes}</span>`, 'evidence_notes')}
${fact(t('col.created'), html`${dateTime(locale, row.created_at)} · <span dir="auto">${actorName(row.created_by)}</span>`, 'created')}
${fact(t('record.updated'), dateTime(locale, row.updated_at), 'updated')}</dl>`;
}

/**
 * The edit form, filled with the mustahik's values: the script sends only the fields that differ from them
 * (data-changed="only"), so a save never rewrites a field someone else changed meanwhile and this one left alone.
 * Kind is not here (it never changes); the NIK is, for a person. A new name or NIK sets verification back to
 * unverified unless the same save sets it (patchMustahik). The save carries the updated_at the page was rendered
 * with, so a change someone made meanwhile (a new NIK that set verification back) refuses it with
 * mustahik_changed instead of being overwritten by a person who never saw it.
 */
function recordForm(locale: Locale, row: MustahikRow): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  // The newline after <textarea> is the one the HTML parser drops, so notes that begin with one keep it.
  return html`<h2 id="record-form-heading">${t('record.edit')}</h2><p class="note">${t('record.fixed')}</p>
<form id="record-form" class="form" data-method="PATCH" data-api="/api/distribution/mustahik/${String(row.id)}" data-done="record.saved" data-changed="only" aria-labelledby="record-form-heading" novalidate>
<input type="hidden" name="expected_updated_at" value="${row.updated_at.toISOString()}">
${roomField('name', t('field.name'), html`<input id="f-name" name="name" value="${row.name}" required maxlength="200" dir="auto" autocomplete="off" aria-describedby="f-name-error">`)}
${row.kind === 'person' ? roomField('nik', t('field.nik'), html`<input id="f-nik" name="nik" value="${row.nik ?? ''}" required inputmode="numeric" maxlength="16" autocomplete="off" aria-describedby="f-nik-error">`) : ''}
${roomField('region', t('field.region'), html`<input id="f-region" name="region" value="${row.region}" required maxlength="200" dir="auto" autocomplete="off" aria-describedby="f-region-error">`)}
${roomField('verification', t('field.verification'), html`<select id="f-verification" name="verification" aria-describedby="f-verification-error">${choices(locale, VERIFICATIONS, 'verification', null, row.verification)}</select>`)}
${roomField('evidence_notes', t('field.evidence_notes'), html`<textarea id="f-evidence_notes" name="evidence_notes" maxlength="4000" dir="auto" aria-describedby="f-evidence_notes-error">
${row.evidence_notes ?? ''}</textarea>`)}
${asnafBoxes(locale, t('field.asnaf'), row.asnaf)}
<div class="field"><button type="submit">${t('record.submit')}</button></div><p id="record-form-error" class="field-error" role="alert"></p></form>`;
}

function recordDisbursements(locale: Locale, input: MustahikRecordInput): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const rows = input.disbursements.map((row) => html`<tr id="d-${String(row.id)}" data-status="${row.status}"><td>${String(row.id)}</td>
<td><span dir="auto">${input.programNames.get(String(row.program_id)) ?? String(row.program_id)}</span></td>
<td>${t(`fund.${row.fund}`)}${row.asnaf === null ? '' : html` · ${t(`asnaf.${row.asnaf}`)}`}</td>
<td class="number">${formatDisplay(row.amount_minor, row.currency, INTL_LOCALE[locale])}</td><td>${t(`status.${row.status}`)}</td>
<td>${shortDate(locale, row.created_at)}</td><td><span dir="auto">${row.payment_reference ?? ''}</span></td></tr>`);
  return html`<h2 id="record-disbursements">${t('record.disbursements')}</h2>
${roomTable(t('record.disbursements'), [{ text: t('col.id') }, { text: t('col.program') }, { text: t('col.fund') }, { text: t('col.amount'), number: true },
    { text: t('col.status') }, { text: t('col.created') }, { text: t('col.reference') }], rows, t('none'))}
${input.more ? html`<p class="note">${t('record.more')}</p>` : ''}`;
}

/** One mustahik: everything staff may see, the edit form, and the disbursements made to it. */
export function mustahikRecordPage(locale: Locale, query: string, input: MustahikRecordInput): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const { row } = input;
  // The title names the number, not the person: titles are kept in the browser's history.
  const main = html`<p><a href="/distribution/mustahik">${t('record.back')}</a></p><h1><span dir="auto">${row.name}</span></h1>
<p class="note">${t('record.privacy')}</p>${recordFacts(locale, row)}${recordForm(locale, row)}${recordDisbursements(locale, input)}`;
  return roomDocument(locale, 'mustahik-record', query, `${t('col.mustahik')} ${String(row.id)}`, main);
}

export function programsPage(locale: Locale, query: string, programs: readonly ProgramRow[]): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const rows = programs.map((row) => html`<tr><td>${String(row.id)}</td><td><span dir="auto">${row.name}</span></td><td>${t(`fund.${row.fund}`)}</td>
<td>${asnafText(locale, row.asnaf)}</td><td>${row.social ? t('yes') : t('no')}</td><td>${t(`programStatus.${row.status}`)}</td><td>${shortDate(locale, row.created_at)}</td>
<td><form class="bulk" data-method="PATCH" data-api="/api/distribution/programs/${String(row.id)}" data-done="programs.saved" data-error="p-${String(row.id)}-error" novalidate>
<input type="hidden" name="status" value="${row.status === 'active' ? 'closed' : 'active'}"><button type="submit" id="p-${String(row.id)}-status"${row.status === 'active' ? html` class="danger"` : ''}>${t(row.status === 'active' ? 'programs.close' : 'programs.reopen')}</button></form>
<p class="field-error" id="p-${String(row.id)}-error" role="alert"></p></td></tr>`);
  const main = html`<h1>${t('programs.heading')}</h1>
${roomTable(t('programs.heading'), [{ text: t('col.id') }, { text: t('col.name') }, { text: t('col.fund') }, { text: t('col.asnaf') }, { text: t('col.social') },
    { text: t('col.status') }, { text: t('col.created') }, { text: t('col.actions') }], rows, t('none'))}
<h2 id="program-form-heading">${t('programs.create')}</h2>
<form id="program-form" class="form" data-api="/api/distribution/programs" data-done="programs.created" aria-labelledby="program-form-heading" novalidate>
${roomField('name', t('field.name'), html`<input id="f-name" name="name" required maxlength="200" dir="auto" aria-describedby="f-name-error">`)}
${roomField('fund', t('field.fund'), html`<select id="f-fund" name="fund" aria-describedby="f-fund-error">${choices(locale, LEDGER_FUNDS, 'fund', null)}</select>`)}
<div class="field"><label><input id="f-social" type="checkbox" name="social" value="true" aria-describedby="f-social-error"> ${t('field.social')}</label><p class="field-error" id="f-social-error"></p></div>
${asnafBoxes(locale, t('field.asnaf'))}
<div class="field"><button type="submit">${t('programs.submit')}</button></div><p id="program-form-error" class="field-error" role="alert"></p></form>`;
  return roomDocument(locale, 'programs', query, t('programs.heading'), main);
}

export interface DisbursementsPageInput {
  filters: { status?: DisbursementStatus | undefined; before?: string | undefined };
  rows: readonly DisbursementRow[];
  nextCursor: string | null;
  programs: readonly ProgramRow[];
  /** Names of the mustahik in the rows and of the verified ones the request form offers. */
  mustahikNames: ReadonlyMap<string, string>;
  verifiedMustahik: readonly MustahikRow[];
  campaigns: readonly CampaignRow[];
}

/** "token:12:Rina" as history labels it: the name is what a person reads. */
const actorName = (label: string | null) => (label === null ? '' : label.replace(/^token:[^:]*:/, ''));

function rowActions(locale: Locale, row: DisbursementRow): SafeHtml {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const id = String(row.id);
  const api = `/api/distribution/disbursements/${id}`;
  const error = html`<p class="field-error" id="d-${id}-error" role="alert"></p>`;
  // A request is rejected by a checker or cancelled (by anyone, its maker too); an approved one only cancelled.
  const close = (reject: boolean) => html`<form class="bulk" data-api="${api}/cancel" data-done="disbursements.cancelled" data-error="d-${id}-error" novalidate>
<label class="visually-hidden" for="d-${id}-reason">${t('field.reason')}</label><input id="d-${id}-reason" name="reason" required maxlength="1000" placeholder="${t('field.reason')}">
${reject ? html`<button type="submit" class="danger" id="d-${id}-reject" data-api="${api}/reject" data-done="disbursements.rejected">${t('disbursements.reject')}</button>` : ''}
<button type="submit" class="danger" id="d-${id}-cancel" data-api="${api}/cancel" data-done="disbursements.cancelled">${t('disbursements.cancel')}</button></form>`;
  if (row.status === 'requested') {
    return html`<form class="bulk" data-api="${api}/approve" data-done="disbursements.approved" data-error="d-${id}-error" novalidate><button type="submit" id="d-${id}-approve">${t('disbursements.approve')}</button></form>${close(true)}${error}`;
  }
  if (row.status === 'approved') {
    return html`<form class="bulk" data-api="${api}/pay" data-done="disbursements.paid" data-error="d-${id}-error" novalidate>
<label class="visually-hidden" for="d-${id}-reference">${t('field.reference')}</label><input id="d-${id}-reference" name="reference" required maxlength="200" placeholder="${t('field.reference')}">
<button type="submit" id="d-${id}-pay">${t('disbursements.pay')}</button></form>${close(false)}${error}`;
  }
  return html``;
}

export function disbursementsPage(locale: Locale, query: string, input: DisbursementsPageInput): string {
  const t = (key: DistributionKey) => distributionText(locale, key);
  const programNames = new Map(input.programs.map((program) => [String(program.id), program.name]));
  const campaignNames = new Map(input.campaigns.map((campaign) => [String(campaign.id), campaign.name]));
  const rows = input.rows.map((row) => html`<tr id="d-${String(row.id)}" data-status="${row.status}"><td>${String(row.id)}</td>
<td><a href="/distribution/mustahik/${String(row.mustahik_id)}"><span dir="auto">${input.mustahikNames.get(String(row.mustahik_id)) ?? String(row.mustahik_id)}</span></a></td>
<td><span dir="auto">${programNames.get(String(row.program_id)) ?? String(row.program_id)}</span></td>
<td><span dir="auto">${campaignNames.get(String(row.campaign_id)) ?? String(row.campaign_id)}</span></td>
<td>${t(`fund.${row.fund}`)}${row.asnaf === null ? '' : html` · ${t(`asnaf.${row.asnaf}`)}`}</td>
<td class="number">${formatDisplay(row.amount_minor, row.currency, INTL_LOCALE[locale])}</td><td>${t(`status.${row.status}`)}</td>
<td><span dir="auto">${actorName(row.requested_by)}</span></td><td><span dir="auto">${actorName(row.approved_by)}</span></td>
<td><span dir="auto">${row.payment_reference ?? ''}</span></td><td>${rowActions(locale, row)}</td></tr>`);
  const main = html`<h1>${t('disbursements.heading')}</h1><p>${t('disbursements.explain')}</p>
<form class="filters" method="get" action="/distribution/disbursements" role="search" aria-label="${t('disbursements.heading')}">
${roomField('filter-status', t('col.status'), html`<select id="f-filter-status" name="status">${choices(locale, DISBURSEMENT_STATUSES, 'status', t('any'), input.filters.status)}</select>`)}
<div class="field"><button type="submit">${t('apply')}</button></div></form>
${roomTable(t('disbursements.heading'), [{ text: t('col.id') }, { text: t('col.mustahik') }, { text: t('col.program') }, { text: t('col.campaign') }, { text: t('col.fund') },
    { text: t('col.amount'), number: true }, { text: t('col.status') }, { text: t('col.requestedBy') }, { text: t('col.approvedBy') }, { text: t('col.reference') },
    { text: t('col.actions') }], rows, t('none'))}
${pager(locale, '/distribution/disbursements', { status: input.filters.status }, input.nextCursor, input.filters.before !== undefined)}
<h2 id="disbursement-form-heading">${t('disbursements.request')}</h2>
<form id="disbursement-form" class="form" data-api="/api/distribution/disbursements" data-done="disbursements.requested" aria-labelledby="disbursement-form-heading" novalidate>
${roomField('campaign_id', t('field.campaign_id'), html`<select id="f-campaign_id" name="campaign_id" aria-describedby="f-campaign_id-error">${input.campaigns.map((campaign) => html`<option value="${String(campaign.id)}" dir="auto">${campaign.name} (${campaign.fund}, ${campaign.currency})</option>`)}</select>`)}
${roomField('program_id', t('field.program_id'), html`<select id="f-program_id" name="program_id" aria-describedby="f-program_id-error">${input.programs.filter((program) => program.status === 'active').map((program) => html`<option value="${String(program.id)}" dir="auto">${program.name} (${t(`fund.${program.fund}`)})</option>`)}</select>`)}
${roomField('mustahik_id', t('field.mustahik_id'), html`<select id="f-mustahik_id" name="mustahik_id" aria-describedby="f-mustahik_id-error">${input.verifiedMustahik.map((row) => html`<option value="${String(row.id)}" dir="auto">${row.name} (${row.region})</option>`)}</select>`)}
${roomField('asnaf', t('field.asnaf_one'), html`<select id="f-asnaf" name="asnaf" aria-describedby="f-asnaf-error"><option value="">${t('asnaf.none')}</option>${choices(locale, ASNAF, 'asnaf', null)}</select>`)}
${roomField('amount', t('field.amount'), html`<input id="f-amount" name="amount" required inputmode="decimal" maxlength="40" autocomplete="off" aria-describedby="f-amount-error">`)}
${roomField('purpose', t('field.purpose'), html`<textarea id="f-purpose" name="purpose" maxlength="1000" dir="auto" aria-describedby="f-purpose-error"></textarea>`)}
<div class="field"><button type="submit">${t('disbursements.submit')}</button></div><p id="disbursement-form-error" class="field-error" role="alert"></p></form>`;
  return roomDocument(locale, 'disbursements', query, t('disbursements.heading'), main);
}
