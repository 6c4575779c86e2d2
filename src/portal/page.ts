// The donor's page, rendered on the server in the donor's language, script-free: every action is a plain form
// (so it works on any phone, and with scripts off). Every text is escaped by `html`; a donor's name is theirs
// to see here, on their own page only.
import { issuedOn as receiptIssuedOn } from '../receipts/document.ts';
import { html, type SafeHtml } from '../http/html.ts';
import { formatDisplay } from '../money/index.ts';
import { INTL_LOCALE } from '../console/i18n.ts';
import type { GiftRow } from './queries.ts';
import type { ReceiptRow } from '../receipts/queries.ts';
import { portalText, type PortalKey, type PortalLocale } from './i18n.ts';

/** No script at all; styles inline (one small page); forms post only here; never framed. */
export const PORTAL_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const STYLES = `body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff;margin:0}
header,main,footer{max-width:48rem;margin:0 auto;padding:.75rem 1rem}header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;border-bottom:1px solid #ccc}
a{color:#0b57d0}label{display:block;margin:.5rem 0 .25rem}input[type=email],input[type=date],select{width:100%;max-width:24rem;padding:.6rem;font:inherit;box-sizing:border-box;border:1px solid #555;border-radius:4px}
button{font:inherit;padding:.6rem 1.1rem;margin:.5rem 0;border:0;border-radius:4px;background:#0b57d0;color:#fff;cursor:pointer}button.danger{background:#a50e0e}
.check{display:flex;gap:.5rem;align-items:flex-start}.check input{margin-top:.35rem;width:1.2rem;height:1.2rem}
.note{background:#eef3fd;border-left:4px solid #0b57d0;padding:.5rem .75rem}.error{background:#fdeeee;border-left:4px solid #a50e0e;padding:.5rem .75rem}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}td.number{text-align:right;white-space:nowrap}
.muted{color:#555}:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
@media (max-width:36rem){table,thead,tbody,tr,th,td{display:block}thead{position:absolute;left:-9999px}tr{border-bottom:1px solid #ccc;padding:.4rem 0}td{border:0;padding:.1rem 0}td.number{text-align:left}td::before{content:attr(data-label) ": ";font-weight:600}}`;

function shell(locale: PortalLocale, body: SafeHtml): string {
  const t = portalText(locale);
  const other: PortalLocale = locale === 'id' ? 'en' : 'id';
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t.title} · ${t.brand}</title><link rel="icon" href="data:,"><style>${STYLES}</style></head><body>
<header><p><strong>${t.brand}</strong> · ${t.title}</p><nav aria-label="${t.langLabel}"><a href="/me?lang=${other}" lang="${other}" hreflang="${other}">${t.langSwitch}</a></nav></header>
<main id="main">${body}</main></body></html>`.text;
}

function emailForm(locale: PortalLocale, email = ''): SafeHtml {
  const t = portalText(locale);
  return html`<form method="post" action="/me/link"><input type="hidden" name="lang" value="${locale}">
<label for="email">${t.email}</label><input id="email" name="email" type="email" required maxlength="320" autocomplete="email" value="${email}">
<div><button type="submit">${t.send}</button></div></form>`;
}

export interface Notice { kind: 'note' | 'error'; text: string }

function notice(value: Notice | undefined): SafeHtml | string {
  if (!value) return '';
  return html`<p class="${value.kind}" role="${value.kind === 'error' ? 'alert' : 'status'}">${value.text}</p>`;
}

/** /me without a session: the email form. */
export function signInPage(locale: PortalLocale, options: { notice?: Notice; email?: string } = {}): string {
  const t = portalText(locale);
  return shell(locale, html`<h1>${t.signInHeading}</h1>${notice(options.notice)}<p>${t.signInIntro}</p>${emailForm(locale, options.email)}`);
}

/**
 * The page a magic link opens: a button that posts the token. Opening a link only shows this page; the token
 * is spent by the POST, so a mail scanner that fetches every link in a message does not use it up.
 */
export function linkPage(locale: PortalLocale, token: string): string {
  const t = portalText(locale);
  return shell(locale, html`<h1>${t.linkHeading}</h1><p>${t.linkIntro}</p>
<form method="post" action="/me/session"><input type="hidden" name="token" value="${token}"><input type="hidden" name="lang" value="${locale}"><button type="submit">${t.open}</button></form>`);
}

function giftRow(locale: PortalLocale, gift: GiftRow): SafeHtml {
  const t = portalText(locale);
  const intl = INTL_LOCALE[locale];
  const date = new Intl.DateTimeFormat(intl, { dateStyle: 'medium', timeZone: 'UTC' }).format(gift.donated_at);
  const fund = t[`fund.${gift.fund}` as PortalKey] ?? gift.fund;
  const status = t[`status.${gift.status}` as PortalKey] ?? gift.status;
  return html`<tr><td data-label="${t.colDate}"><time datetime="${gift.donated_at.toISOString()}">${date}</time></td>
<td data-label="${t.colCampaign}">${gift.campaign_name}</td><td data-label="${t.colFund}">${fund}</td>
<td data-label="${t.colAmount}" class="number">${formatDisplay(gift.amount_minor, gift.currency, intl)}</td><td data-label="${t.colStatus}">${status}</td>
<td data-label="${t.colName}" dir="auto">${gift.donor_name}${gift.donor_anonymous ? html` <span class="muted">(${t.anonymous})</span>` : ''}</td></tr>`;
}

function receiptRow(locale: PortalLocale, receipt: ReceiptRow, timeZone: string): SafeHtml {
  const t = portalText(locale);
  const intl = INTL_LOCALE[locale];
  // The receipt's issue day in the institution's zone, as its PDF and its check page give it (its content keeps
  // the instant, in UTC: the day read off it would be the day before for a receipt issued before 07:00 WIB).
  const issuedOn = receiptIssuedOn(receipt.content, timeZone);
  const date = new Intl.DateTimeFormat(intl, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${issuedOn}T00:00:00Z`));
  const status = receipt.status === 'valid' ? t['receipt.valid'] : t[receipt.void_reason === 'corrected' ? 'receipt.corrected' : 'receipt.refunded'];
  const number = receipt.content.number;
  return html`<tr><td data-label="${t.colNumber}">${number}</td><td data-label="${t.colIssued}"><time datetime="${issuedOn}">${date}</time></td>
<td data-label="${t.colAmount}" class="number">${formatDisplay(receipt.amount_minor, receipt.currency, intl)}</td><td data-label="${t.colStatus}">${status}</td>
<td data-label="${t.colFile}"><a href="/me/receipts/${String(receipt.id)}/pdf" download aria-label="${t.receiptPdf.replace('{number}', number)}">PDF</a></td></tr>`;
}

function receiptsSection(locale: PortalLocale, receipts: readonly ReceiptRow[], timeZone: string): SafeHtml {
  const t = portalText(locale);
  if (receipts.length === 0) return html`<p>${t.receiptsNone}</p>`;
  return html`<div class="table-wrap"><table><caption class="muted">${t.receiptsCaption}</caption>
<thead><tr><th scope="col">${t.colNumber}</th><th scope="col">${t.colIssued}</th><th scope="col">${t.colAmount}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colFile}</th></tr></thead>
<tbody>${receipts.map((receipt) => receiptRow(locale, receipt, timeZone))}</tbody></table></div>`;
}

/** A statement for any range (a plain GET form, so it works with scripts off), and the two years most asked for. */
function statementSection(locale: PortalLocale, year: number): SafeHtml {
  const t = portalText(locale);
  const link = (label: string, y: number) => html`<a href="/me/statement?from=${String(y)}-01-01&amp;to=${String(y)}-12-31&amp;format=pdf" download>${label.replace('{year}', String(y))}</a>`;
  return html`<h3>${t.statementHeading}</h3><p>${t.statementIntro}</p><p>${link(t.thisYear, year)} · ${link(t.lastYear, year - 1)}</p>
<form method="get" action="/me/statement" class="statement"><input type="hidden" name="lang" value="${locale}">
<label for="statement-from">${t.from}</label><input id="statement-from" name="from" type="date" required value="${String(year)}-01-01">
<label for="statement-to">${t.to}</label><input id="statement-to" name="to" type="date" required value="${String(year)}-12-31">
<label for="statement-format">${t.format}</label><select id="statement-format" name="format"><option value="pdf">${t.formatPdf}</option><option value="csv">${t.formatCsv}</option></select>
<div><button type="submit">${t.statementDownload}</button></div></form>`;
}

export interface DonorPageInput {
  email: string;
  gifts: readonly GiftRow[];
  receipts: readonly ReceiptRow[];
  /** The current year in the institution's time zone: the statement form's default. */
  year: number;
  /** The institution's time zone (RECEIPT_TIME_ZONE): the receipts' issue days are read in it. */
  timeZone: string;
  csrf: string;
  notice?: Notice;
}

/** /me in a session: the gifts, receipts and statements, recurring plans, sign-out and erasure. */
export function donorPage(locale: PortalLocale, input: DonorPageInput): string {
  const t = portalText(locale);
  const gifts = input.gifts.length === 0 ? html`<p>${t.giftsNone}</p>` : html`<div class="table-wrap"><table>
<caption class="muted">${t.giftsCaption}</caption><thead><tr><th scope="col">${t.colDate}</th><th scope="col">${t.colCampaign}</th><th scope="col">${t.colFund}</th>
<th scope="col">${t.colAmount}</th><th scope="col">${t.colStatus}</th><th scope="col">${t.colName}</th></tr></thead>
<tbody>${input.gifts.map((gift) => giftRow(locale, gift))}</tbody></table></div>`;
  return shell(locale, html`<h1>${t.title}</h1>${notice(input.notice)}
<p>${t.signedInAs.replace('{email}', input.email)}</p>
<form method="post" action="/me/logout"><input type="hidden" name="csrf" value="${input.csrf}"><button type="submit">${t.signOut}</button></form>
<section aria-labelledby="gifts-heading"><h2 id="gifts-heading">${t.gifts}</h2>${gifts}</section>
<section aria-labelledby="receipts-heading"><h2 id="receipts-heading">${t.receipts}</h2><h3>${t.receiptsHeading}</h3>${receiptsSection(locale, input.receipts, input.timeZone)}
${statementSection(locale, input.year)}<p><a href="/me/gifts.csv" download>${t.csv}</a></p></section>
<section aria-labelledby="recurring-heading"><h2 id="recurring-heading">${t.recurring}</h2><p>${t.recurringNone}</p></section>
<section aria-labelledby="erase-heading"><h2 id="erase-heading">${t.erase}</h2><p>${t.eraseIntro}</p>
<form method="post" action="/me/erase"><input type="hidden" name="csrf" value="${input.csrf}"><input type="hidden" name="lang" value="${locale}">
<div class="check"><input type="checkbox" id="confirm" name="confirm" value="yes" required><label for="confirm">${t.eraseConfirm}</label></div>
<button type="submit" class="danger">${t.eraseButton}</button></form></section>`);
}

/** A page that only says something (erased, signed out, an error), with the way back. */
export function messagePage(locale: PortalLocale, heading: string, value: Notice, withForm: boolean): string {
  const t = portalText(locale);
  return shell(locale, html`<h1>${heading}</h1>${notice(value)}${withForm ? emailForm(locale) : html`<p><a href="/me">${t.back}</a></p>`}`);
}
