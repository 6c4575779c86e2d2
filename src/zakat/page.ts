// The zakat calculator page at /zakat: plain HTML forms that post back to the server, which answers with the
// same page and the breakdown. No script and no build step: the arithmetic is the API's, run on the server, so
// the page and the API can never disagree. Every value shown is escaped by the `html` template. The page is in
// Indonesian or English (page-text.ts, fitrah-page.ts), the language the route negotiated; each form posts it back.
import { html, type SafeHtml } from '../http/html.ts';
import { formatDisplay, formatScaled, parseAmount, parseScaled } from '../money/index.ts';
import { AppError, errorTitle, type ErrorCode } from '../errors.ts';
import { DEFAULT_LOCALE, INTL_LOCALE } from '../console/i18n.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { GRAM_DECIMALS, NISAB_BASES } from './calculator.ts';
import type { QuoteJson } from './fitrah.ts';
import { kindForms, kindResult, pageText, type PageLocale } from './fitrah-page.ts';
import { zakatPageText } from './page-text.ts';
import {
  ASSET_FIELDS, type BreakdownLine, type IncomeAnswer, type IncomeRequest, type PayRequest, type WealthAnswer, type WealthRequest,
} from './zakat.ts';

/** What the forms last held, to fill them in again; every value is text as typed. */
export type FormValues = Record<string, string | undefined>;

/** A refusal as the page shows it: the code picks the title in the page's language, the detail stays as raised. */
export interface PageRefusal { code: ErrorCode; detail: string }

export interface PageState {
  values: FormValues;
  wealth?: WealthAnswer | undefined;
  income?: IncomeAnswer | undefined;
  /** A refused input, shown above the forms. */
  error?: PageRefusal | undefined;
  /** Active zakat-fund campaigns in the answer's currency, offered for paying the zakat just calculated. */
  campaigns?: readonly CampaignRow[] | undefined;
  /** A fresh Idempotency-Key for the pay form, so a double submit makes one donation. */
  paymentKey?: string | undefined;
  /** The page's language, negotiated by the route; Indonesian when absent. */
  locale?: PageLocale | undefined;
  /** A fitrah or fidyah quote. */
  kind?: QuoteJson | undefined;
  /** Shown after a payment was recorded. */
  paid?: { id: string; amount: string; currency: string; campaign: string } | undefined;
}

/**
 * People read amounts formatted for their currency and the page's language, the same Intl locale the console
 * and the dashboard use (INTL_LOCALE: Rp 2.500.000,00 in Indonesian, IDR 2,500,000.00 in English) with the
 * currency's ISO 4217 exponent; the signed decimal text is parsed back to minor units exactly, never a float.
 */
function display(amount: string, currency: string, locale: PageLocale): string {
  const negative = amount.startsWith('-');
  const minor = parseAmount(negative ? amount.slice(1) : amount, currency);
  return formatDisplay(negative ? -minor : minor, currency, INTL_LOCALE[locale]);
}

/**
 * Grams and the rate are decimal text too; Intl formats a numeric string exactly (no float on the way), so
 * "10.000" g reads "10" and "0.025" reads "2,5%" in Indonesian, where "10.000" would be ten thousand.
 */
function decimalDisplay(text: string, locale: PageLocale, style: 'decimal' | 'percent' = 'decimal'): string {
  return new Intl.NumberFormat(INTL_LOCALE[locale], { style, maximumFractionDigits: GRAM_DECIMALS }).format(text as Intl.StringNumericLiteral);
}

/**
 * The characters an amount, grams or currency field takes: far above any real figure (a rupiah amount in the
 * trillions with decimals is 20), so a person typing never meets routes.ts's form limits instead.
 */
export const FIELD_CHARACTERS_MAX = 40;

function field(name: string, label: string, values: FormValues, hint = ''): SafeHtml {
  return html`<p><label for="${name}">${label}</label> <input id="${name}" name="${name}" inputmode="decimal" autocomplete="off" maxlength="${String(FIELD_CHARACTERS_MAX)}" value="${values[name] ?? ''}">${hint ? html` <small>${hint}</small>` : ''}</p>`;
}

/** A select whose options send the stable value and show the page's word for it. */
function choice<T extends string>(name: string, label: string, options: Record<T, string>, values: FormValues, fallback: T): SafeHtml {
  const selected = values[name] ?? fallback;
  return html`<p><label for="${name}">${label}</label> <select id="${name}" name="${name}">${Object.entries<string>(options).map(([option, shown]) =>
    html`<option value="${option}"${option === selected ? html` selected` : ''}>${shown}</option>`)}</select></p>`;
}

/** Each form posts the page's language back, so its answer comes in the language the form was shown in. */
const langField = (locale: PageLocale) => html`<input type="hidden" name="lang" value="${locale}">`;

function wealthForm(values: FormValues, locale: PageLocale): SafeHtml {
  const t = zakatPageText(locale);
  const hawl = values.hawl_complete === 'on' || values.hawl_complete === 'true';
  return html`<form method="post" action="/zakat"><fieldset><legend>${t.wealthLegend}</legend>
<input type="hidden" name="form" value="wealth">${langField(locale)}
${field('currency', t.currency, { ...values, currency: values.currency ?? 'IDR' })}
${choice('nisab_basis', t.nisabBasis, t.basis, values, 'gold')}
${field('gold_price_per_gram', t.goldPrice, values)}
${field('silver_price_per_gram', t.silverPrice, values, t.silverPriceHint)}
${field('cash', t.cash, values)}
${field('gold_grams', t.goldGrams, values)}
${field('silver_grams', t.silverGrams, values)}
${field('investments', t.investments, values)}
${field('business_inventory', t.businessInventory, values)}
${field('receivables', t.receivables, values)}
${field('debts_due', t.debtsDueNow, values)}
<p><input type="checkbox" id="hawl_complete" name="hawl_complete" value="on"${hawl ? html` checked` : ''}> <label for="hawl_complete">${t.hawl}</label></p>
<p><button type="submit">${t.calculate}</button></p></fieldset></form>`;
}

function incomeForm(values: FormValues, locale: PageLocale): SafeHtml {
  const t = zakatPageText(locale);
  return html`<form method="post" action="/zakat"><fieldset><legend>${t.incomeLegend}</legend>
<input type="hidden" name="form" value="income">${langField(locale)}
${choice('period', t.period, t.periods, values, 'month')}
${field('income', t.income, values)}
${field('other_income', t.otherIncome, values)}
<p><label for="on_date">${t.onDate}</label> <input id="on_date" name="on_date" type="date" value="${values.on_date ?? ''}"> <small>${t.onDateHint}</small></p>
<p><button type="submit">${t.calculate}</button></p></fieldset></form>`;
}

function payForm(answer: { currency: string; zakat: string }, state: PageState, locale: PageLocale): SafeHtml {
  const t = zakatPageText(locale);
  const campaigns = state.campaigns ?? [];
  if (campaigns.length === 0) return html`<p>${t.noCampaign(answer.currency)}</p>`;
  return html`<form method="post" action="/zakat/pay"><fieldset><legend>${t.payLegend}</legend>
<input type="hidden" name="idempotency_key" value="${state.paymentKey ?? ''}">
<input type="hidden" name="currency" value="${answer.currency}">${langField(locale)}
<p><label for="campaign_id">${t.campaign}</label> <select id="campaign_id" name="campaign_id">${campaigns.map((campaign) =>
    html`<option value="${String(campaign.id)}">${campaign.name}</option>`)}</select></p>
<p><label for="amount">${t.amountIn(answer.currency)}</label> <input id="amount" name="amount" inputmode="decimal" maxlength="${String(FIELD_CHARACTERS_MAX)}" value="${answer.zakat}"></p>
<p><label for="donor_name">${t.donorName}</label> <input id="donor_name" name="donor_name" maxlength="200"></p>
<p><label for="donor_email">${t.donorEmail}</label> <input id="donor_email" name="donor_email" type="email" maxlength="320"></p>
<p><button type="submit">${t.pay}</button></p></fieldset></form>`;
}

/**
 * How a metal line was valued, in the page's language: the API's note ("10.000 g × 1500000.00 IDR/g") is
 * rebuilt from the grams and price the form sent, which the calculation has just accepted.
 */
function metalNote(line: BreakdownLine, currency: string, state: PageState, locale: PageLocale): string {
  if (line.note === undefined || (line.line !== 'gold' && line.line !== 'silver')) return line.note ?? '';
  const grams = state.values[`${line.line}_grams`]?.trim();
  const price = state.values[`${line.line}_price_per_gram`]?.trim();
  if (!grams || !price) return line.note;
  return `${decimalDisplay(formatScaled(parseScaled(grams, GRAM_DECIMALS), GRAM_DECIMALS), locale)} g × ${display(price, currency, locale)}/g`;
}

function wealthExplanation(answer: WealthAnswer, locale: PageLocale): string {
  const t = zakatPageText(locale);
  const wealth = display(answer.zakatable_wealth, answer.currency, locale);
  const nisab = `${display(answer.nisab, answer.currency, locale)} (${t.nisabGrams(answer.nisab_grams, answer.nisab_basis)})`;
  if (answer.reason === 'below_nisab') return t.wealthBelow(wealth, nisab);
  if (answer.reason === 'hawl_incomplete') return t.wealthNoHawl(wealth, nisab);
  return t.wealthDue(wealth, nisab, display(answer.zakat, answer.currency, locale));
}

function wealthResult(answer: WealthAnswer, state: PageState, locale: PageLocale): SafeHtml {
  const t = zakatPageText(locale);
  const shown = (amount: string) => display(amount, answer.currency, locale);
  return html`<section aria-live="polite"><h2>${t.breakdown}</h2><table>
<tr><th scope="col">${t.line}</th><th scope="col">${t.amount}</th><th scope="col">${t.how}</th></tr>
${answer.breakdown.map((line) => html`<tr><td>${t.lines[line.line] ?? line.line}</td><td class="amount">${shown(line.amount)}</td><td>${metalNote(line, answer.currency, state, locale)}</td></tr>`)}
<tr><th scope="row">${t.zakatable}</th><td class="amount"><strong>${shown(answer.zakatable_wealth)}</strong></td><td></td></tr>
<tr><th scope="row">${t.nisab}</th><td class="amount">${shown(answer.nisab)}</td><td>${t.nisabGrams(answer.nisab_grams, answer.nisab_basis)}</td></tr>
<tr><th scope="row">${t.zakatDue}</th><td class="amount"><strong id="zakat">${shown(answer.zakat)}</strong></td><td>${t.rateHow(decimalDisplay(answer.rate, locale, 'percent'))}</td></tr>
</table><p>${wealthExplanation(answer, locale)}</p>${answer.due ? payForm(answer, state, locale) : ''}</section>`;
}

function incomeExplanation(answer: IncomeAnswer, locale: PageLocale): string {
  const t = zakatPageText(locale);
  const income = display(answer.income_total, answer.currency, locale);
  const nisab = display(answer.nisab, answer.currency, locale);
  if (!answer.due) return t.incomeBelow(income, answer.period, nisab, answer.table.title);
  return t.incomeDue(income, answer.period, nisab, answer.table.title, display(answer.zakat, answer.currency, locale));
}

function incomeResult(answer: IncomeAnswer, state: PageState, locale: PageLocale): SafeHtml {
  const t = zakatPageText(locale);
  const shown = (amount: string) => display(amount, answer.currency, locale);
  return html`<section aria-live="polite"><h2>${t.incomeHeading}</h2><table>
<tr><th scope="row">${t.incomeOf(answer.period)}</th><td class="amount">${shown(answer.income_total)}</td></tr>
<tr><th scope="row">${t.nisabPer(answer.period)}</th><td class="amount">${shown(answer.nisab)}</td></tr>
<tr><th scope="row">${t.zakatDue}</th><td class="amount"><strong id="zakat">${shown(answer.zakat)}</strong></td></tr>
</table><p>${incomeExplanation(answer, locale)}</p>
<p>${t.table(answer.table.title, answer.table.effective_from, answer.on_date, answer.table.source)}</p>
${answer.due ? payForm(answer, state, locale) : ''}</section>`;
}

/**
 * A refusal: its code's title in the page's language (the registry's), then the detail, which names the input
 * refused. The detail is the validator's English on every page, so an Indonesian page marks it lang="en" for a
 * screen reader to read it in English.
 */
function refusal(error: PageRefusal, locale: PageLocale): SafeHtml {
  const detail = locale === 'en' ? html`${error.detail}` : html`<span lang="en">${error.detail}</span>`;
  return html`<p class="error" role="alert" data-code="${error.code}"><strong>${errorTitle(error.code, locale)}.</strong> ${detail}</p>`;
}

function paidNotice(paid: NonNullable<PageState['paid']>, locale: PageLocale): SafeHtml {
  return html`<p class="paid" role="status">${zakatPageText(locale).paid(display(paid.amount, paid.currency, locale), paid.campaign, paid.id)}</p>`;
}

export function renderZakatPage(state: PageState): string {
  const locale = state.locale ?? DEFAULT_LOCALE;
  const other: PageLocale = locale === 'id' ? 'en' : 'id';
  const t = pageText(locale);
  const words = zakatPageText(locale);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t.title} · amanah</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#111;background:#fafafa}
fieldset{background:#fff;border:1px solid #ccc;border-radius:.5rem;margin:1rem 0}label{display:inline-block;min-width:16rem}
table{border-collapse:collapse;background:#fff}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}.amount{text-align:right;font-variant-numeric:tabular-nums}
.error{background:#fee;border:1px solid #c00;padding:.5rem 1rem}.paid{background:#efe;border:1px solid #070;padding:.5rem 1rem}a{color:#0645ad}</style></head>
<body><header><h1>${t.title}</h1><p><a href="/">${words.campaigns}</a> · <a href="/docs">${words.apiDocs}</a> · <a href="/zakat?lang=${other}" hreflang="${other}" lang="${other}">${t.switchTo}</a></p></header><main>
${state.error ? refusal(state.error, locale) : ''}
${state.paid ? paidNotice(state.paid, locale) : ''}
${state.wealth ? wealthResult(state.wealth, state, locale) : ''}${state.income ? incomeResult(state.income, state, locale) : ''}
${state.kind ? kindResult(state.kind, locale) : ''}${kindForms(state.values, locale)}
${wealthForm(state.values, locale)}${incomeForm(state.values, locale)}
<p><small>${words.note}</small></p>
</main></body></html>`.text;
}

function present(values: FormValues, name: string): string | undefined {
  const value = values[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(values: FormValues, name: string, allowed: readonly T[], fallback: T): T {
  const value = present(values, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new AppError('validation_failed', `${name} must be one of ${allowed.join(', ')}`, { field: name });
  }
  return value as T;
}

/** The wealth form as an API request: empty fields are absent, as the API's absent assets are zero. */
export function wealthRequestFromForm(values: FormValues): WealthRequest {
  return {
    currency: present(values, 'currency') ?? 'IDR',
    nisab_basis: oneOf(values, 'nisab_basis', NISAB_BASES, 'gold'),
    gold_price_per_gram: present(values, 'gold_price_per_gram'),
    silver_price_per_gram: present(values, 'silver_price_per_gram'),
    hawl_complete: values.hawl_complete === 'on' || values.hawl_complete === 'true',
    assets: Object.fromEntries(ASSET_FIELDS.map((name) => [name, present(values, name)])),
    liabilities: { debts_due: present(values, 'debts_due') },
  };
}

export function incomeRequestFromForm(values: FormValues): IncomeRequest {
  return {
    period: oneOf(values, 'period', ['month', 'year'] as const, 'month'),
    income: present(values, 'income') ?? '',
    other_income: present(values, 'other_income'),
    on_date: present(values, 'on_date'),
  };
}

const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;

export function payRequestFromForm(values: FormValues): PayRequest {
  const email = present(values, 'donor_email');
  if (email !== undefined && !EMAIL_PATTERN.test(email)) {
    throw new AppError('validation_failed', 'donor_email is not an email address', { field: 'donor_email' });
  }
  return {
    campaign_id: present(values, 'campaign_id') ?? '',
    amount: present(values, 'amount') ?? '',
    currency: present(values, 'currency') ?? '',
    donor_name: present(values, 'donor_name'),
    donor_email: email,
  };
}
