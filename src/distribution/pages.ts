// The hawl report's staff page: a server-rendered shell in Indonesian or English (the console's locale rules and
// styles) whose script, hawl.js, reads the console's staff token from sessionStorage, asks
// GET /api/distribution/hawl and fills the table with textContent. No data is in the shell: it is public, the
// figures are not.
import { html, SafeHtml } from '../http/html.ts';
import type { Locale } from '../console/i18n.ts';
import { HAWL_DAYS } from './logic.ts';

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
<title>${t('title')}</title><link rel="stylesheet" href="/console.css"></head>
<body data-locale="${locale}"><main>
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
