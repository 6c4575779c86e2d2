// The receipt check page, /receipts/verify/:code in a browser: what anyone holding a receipt's code may see
// (issuer, number, issue date, amount, valid or void; never a name), in one language at a time, Indonesian or
// English as the viewer chose (src/http/page-locale.ts), with a switch to the other. No script; styles inline.
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import { html } from '../http/html.ts';
import { formatDisplay, parseAmount } from '../money/index.ts';
import type { verifyCode } from './receipts.ts';

export type Verification = Awaited<ReturnType<typeof verifyCode>>;

/** Nothing runs, nothing loads, nothing posts, never framed: the page is its own text and styles. */
export const CHECK_PAGE_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TEXT = {
  id: {
    title: 'Verifikasi bukti setor', languageLabel: 'Bahasa', languageSwitch: 'English',
    issuer: 'Penerbit', number: 'Nomor', date: 'Tanggal terbit', amount: 'Jumlah', status: 'Status',
    valid: 'SAH', void: 'BATAL',
    validNote: 'Bukti ini sah: diterbitkan oleh lembaga di atas dan tidak dibatalkan.',
    voidNote: 'Bukti ini batal: dananya dikembalikan, atau bukti ini diganti dengan bukti koreksi.',
  },
  en: {
    title: 'Receipt check', languageLabel: 'Language', languageSwitch: 'Bahasa Indonesia',
    issuer: 'Issuer', number: 'Number', date: 'Issued on', amount: 'Amount', status: 'Status',
    valid: 'VALID', void: 'VOID',
    validNote: 'This receipt is valid: issued by the institution above and not voided.',
    voidNote: 'This receipt is void: the gift was refunded, or the receipt was replaced by a corrected one.',
  },
} as const satisfies Record<Locale, Record<string, string>>;

/** Built once per locale: a DateTimeFormat costs about 1 ms to build (src/receipts/issuer.ts). */
const DATE_FORMATS: Record<Locale, Intl.DateTimeFormat> = {
  id: new Intl.DateTimeFormat(INTL_LOCALE.id, { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat(INTL_LOCALE.en, { dateStyle: 'long', timeZone: 'UTC' }),
};

const STYLES = `:root{color-scheme:light dark;--ink:#1b1b1b;--bg:#fff;--line:#ccc;--link:#0b57d0;--ok:#0a6b2d;--bad:#a50e0e}
@media (prefers-color-scheme:dark){:root{--ink:#e8e8e8;--bg:#121212;--line:#444;--link:#8ab4f8;--ok:#6fdc8c;--bad:#ff8a80}}
body{font:16px/1.5 system-ui,sans-serif;color:var(--ink);background:var(--bg);margin:0}header,main{max-width:40rem;margin:0 auto;padding:.75rem 1rem}
header{display:flex;justify-content:flex-end;border-bottom:1px solid var(--line)}a{color:var(--link)}:focus-visible{outline:3px solid var(--link);outline-offset:2px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem}dt{font-weight:600}dd{margin:0}.valid{color:var(--ok)}.void{color:var(--bad)}`;

/**
 * The page for a code that names a receipt. The day is the receipt's own (its frozen content, YYYY-MM-DD in the
 * institution's zone), shown in the viewer's words, never moved to another zone. The amount arrives as the
 * check's canonical decimal text (the JSON answer's), which parses back to the exact minor units before it is
 * formatted for the locale as the donor page does.
 */
export function checkPage(locale: Locale, code: string, result: Verification): string {
  const t = TEXT[locale];
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const valid = result.status === 'valid';
  const date = DATE_FORMATS[locale].format(new Date(`${result.date}T00:00:00Z`));
  const amount = formatDisplay(parseAmount(result.amount, result.currency), result.currency, INTL_LOCALE[locale]);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${t.title} ${result.number}</title><link rel="icon" href="data:,"><style>${STYLES}</style></head><body>
<header><nav aria-label="${t.languageLabel}"><a href="/receipts/verify/${encodeURIComponent(code)}?lang=${other}" lang="${other}" hreflang="${other}">${t.languageSwitch}</a></nav></header>
<main><h1>${t.title}</h1>
<dl><dt>${t.issuer}</dt><dd dir="auto">${result.issuer}</dd><dt>${t.number}</dt><dd>${result.number}</dd>
<dt>${t.date}</dt><dd><time datetime="${result.date}">${date}</time></dd><dt>${t.amount}</dt><dd>${amount}</dd>
<dt>${t.status}</dt><dd><strong class="${valid ? 'valid' : 'void'}">${valid ? t.valid : t.void}</strong></dd></dl>
<p>${valid ? t.validNote : t.voidNote}</p></main></body></html>`.text;
}
