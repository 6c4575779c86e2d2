// The zakat calculator page at /zakat: plain HTML forms that post back to the server, which answers with the
// same page and the breakdown. No script and no build step: the arithmetic is the API's, run on the server, so
// the page and the API can never disagree. Every value shown is escaped by the `html` template.
import { html, type SafeHtml } from '../http/html.ts';
import { formatDisplay, parseAmount } from '../money/index.ts';
import { AppError } from '../errors.ts';
import { INTL_LOCALE } from '../console/i18n.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { NISAB_BASES } from './calculator.ts';
import type { QuoteJson } from './fitrah.ts';
import { kindForms, kindResult, pageText, type PageLocale } from './fitrah-page.ts';
import { ASSET_FIELDS, type IncomeAnswer, type IncomeRequest, type PayRequest, type WealthAnswer, type WealthRequest } from './zakat.ts';

/** What the forms last held, to fill them in again; every value is text as typed. */
export type FormValues = Record<string, string | undefined>;

export interface PageState {
  values: FormValues;
  wealth?: WealthAnswer | undefined;
  income?: IncomeAnswer | undefined;
  /** A refused input, shown above the forms. */
  error?: string | undefined;
  /** Active zakat-fund campaigns in the answer's currency, offered for paying the zakat just calculated. */
  campaigns?: readonly CampaignRow[] | undefined;
  /** A fresh Idempotency-Key for the pay form, so a double submit makes one donation. */
  paymentKey?: string | undefined;
  /** The fitrah and fidyah section's language (fitrah-page.ts); the wealth and income forms are in English. */
  locale?: PageLocale | undefined;
  /** A fitrah or fidyah quote. */
  kind?: QuoteJson | undefined;
  /** Shown after a payment was recorded. */
  paid?: { id: string; amount: string; currency: string; campaign: string } | undefined;
}

const LINE_LABELS: Record<string, string> = {
  cash: 'Cash and bank balances', gold: 'Gold', silver: 'Silver', investments: 'Investments and shares',
  business_inventory: 'Business inventory', receivables: 'Receivables expected to be paid', debts_due: 'Debts due',
};

/**
 * People read amounts formatted for their currency and the page's language, the same Intl locale the console
 * and the dashboard use (INTL_LOCALE: Rp 2.500.000,00 in Indonesian, IDR 2,500,000.00 in English) with the
 * currency's ISO 4217 exponent; the signed decimal text is parsed back to minor units exactly, never a float.
 */
function display(amount: string, currency: string, locale: PageLocale | undefined): string {
  const negative = amount.startsWith('-');
  const minor = parseAmount(negative ? amount.slice(1) : amount, currency);
  return formatDisplay(negative ? -minor : minor, currency, INTL_LOCALE[locale ?? 'en']);
}

function field(name: string, label: string, values: FormValues, hint = ''): SafeHtml {
  return html`<p><label for="${name}">${label}</label> <input id="${name}" name="${name}" inputmode="decimal" autocomplete="off" value="${values[name] ?? ''}">${hint ? html` <small>${hint}</small>` : ''}</p>`;
}

function choice(name: string, label: string, options: readonly string[], values: FormValues, fallback: string): SafeHtml {
  const selected = values[name] ?? fallback;
  return html`<p><label for="${name}">${label}</label> <select id="${name}" name="${name}">${options.map((option) =>
    html`<option value="${option}"${option === selected ? html` selected` : ''}>${option}</option>`)}</select></p>`;
}

function wealthForm(values: FormValues): SafeHtml {
  const hawl = values.hawl_complete === 'on' || values.hawl_complete === 'true';
  return html`<form method="post" action="/zakat"><fieldset><legend>Zakat on wealth (zakat mal)</legend>
<input type="hidden" name="form" value="wealth">
${field('currency', 'Currency (ISO 4217)', { ...values, currency: values.currency ?? 'IDR' })}
${choice('nisab_basis', 'Nisab basis', ['gold', 'silver'], values, 'gold')}
${field('gold_price_per_gram', 'Gold price per gram', values)}
${field('silver_price_per_gram', 'Silver price per gram', values, 'needed for a silver nisab or silver held')}
${field('cash', 'Cash and bank balances', values)}
${field('gold_grams', 'Gold held (grams)', values)}
${field('silver_grams', 'Silver held (grams)', values)}
${field('investments', 'Investments and shares', values)}
${field('business_inventory', 'Business inventory', values)}
${field('receivables', 'Receivables expected to be paid', values)}
${field('debts_due', 'Debts due now', values)}
<p><input type="checkbox" id="hawl_complete" name="hawl_complete" value="on"${hawl ? html` checked` : ''}> <label for="hawl_complete">A lunar year (hawl) has passed since the wealth reached nisab</label></p>
<p><button type="submit">Calculate</button></p></fieldset></form>`;
}

function incomeForm(values: FormValues): SafeHtml {
  return html`<form method="post" action="/zakat"><fieldset><legend>Zakat on income (zakat penghasilan, rupiah)</legend>
<input type="hidden" name="form" value="income">
${choice('period', 'Period', ['month', 'year'], values, 'month')}
${field('income', 'Gross income of the period (IDR)', values)}
${field('other_income', 'Other income of the period (IDR)', values)}
<p><label for="on_date">Calculation date</label> <input id="on_date" name="on_date" type="date" value="${values.on_date ?? ''}"> <small>today in Jakarta when empty</small></p>
<p><button type="submit">Calculate</button></p></fieldset></form>`;
}

function payForm(answer: { currency: string; zakat: string }, state: PageState): SafeHtml {
  const campaigns = state.campaigns ?? [];
  if (campaigns.length === 0) return html`<p>No active zakat campaign takes ${answer.currency}, so this zakat cannot be paid here.</p>`;
  return html`<form method="post" action="/zakat/pay"><fieldset><legend>Pay this zakat</legend>
<input type="hidden" name="idempotency_key" value="${state.paymentKey ?? ''}">
<input type="hidden" name="currency" value="${answer.currency}">
<p><label for="campaign_id">Zakat campaign</label> <select id="campaign_id" name="campaign_id">${campaigns.map((campaign) =>
    html`<option value="${String(campaign.id)}">${campaign.name}</option>`)}</select></p>
<p><label for="amount">Amount (${answer.currency})</label> <input id="amount" name="amount" inputmode="decimal" value="${answer.zakat}"></p>
<p><label for="donor_name">Your name (optional)</label> <input id="donor_name" name="donor_name" maxlength="200"></p>
<p><label for="donor_email">Your email (optional)</label> <input id="donor_email" name="donor_email" type="email" maxlength="320"></p>
<p><button type="submit">Pay zakat</button></p></fieldset></form>`;
}

function wealthResult(answer: WealthAnswer, state: PageState): SafeHtml {
  const { currency } = answer;
  return html`<section aria-live="polite"><h2>Breakdown</h2><table>
<tr><th scope="col">Line</th><th scope="col">Amount</th><th scope="col">How</th></tr>
${answer.breakdown.map((line) => html`<tr><td>${LINE_LABELS[line.line] ?? line.line}</td><td class="amount">${display(line.amount, currency, state.locale)}</td><td>${line.note ?? ''}</td></tr>`)}
<tr><th scope="row">Zakatable wealth</th><td class="amount"><strong>${display(answer.zakatable_wealth, currency, state.locale)}</strong></td><td></td></tr>
<tr><th scope="row">Nisab</th><td class="amount">${display(answer.nisab, currency, state.locale)}</td><td>${answer.nisab_grams} g of ${answer.nisab_basis}</td></tr>
<tr><th scope="row">Zakat due</th><td class="amount"><strong id="zakat">${display(answer.zakat, currency, state.locale)}</strong></td><td>rate ${answer.rate}, rounding ${answer.rounding}</td></tr>
</table><p>${answer.explanation}</p>${answer.due ? payForm(answer, state) : ''}</section>`;
}

function incomeResult(answer: IncomeAnswer, state: PageState): SafeHtml {
  const { currency } = answer;
  return html`<section aria-live="polite"><h2>Income zakat</h2><table>
<tr><th scope="row">Income of the ${answer.period}</th><td class="amount">${display(answer.income_total, currency, state.locale)}</td></tr>
<tr><th scope="row">Nisab per ${answer.period}</th><td class="amount">${display(answer.nisab, currency, state.locale)}</td></tr>
<tr><th scope="row">Zakat due</th><td class="amount"><strong id="zakat">${display(answer.zakat, currency, state.locale)}</strong></td></tr>
</table><p>${answer.explanation}</p>
<p>Nisab table: ${answer.table.title}, in effect from ${answer.table.effective_from} (for ${answer.on_date}). Source: ${answer.table.source}</p>
${answer.due ? payForm(answer, state) : ''}</section>`;
}

export function renderZakatPage(state: PageState): string {
  const locale = state.locale ?? 'en';
  const t = pageText(locale);
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t.title} · amanah</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#111;background:#fafafa}
fieldset{background:#fff;border:1px solid #ccc;border-radius:.5rem;margin:1rem 0}label{display:inline-block;min-width:16rem}
table{border-collapse:collapse;background:#fff}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}.amount{text-align:right;font-variant-numeric:tabular-nums}
.error{background:#fee;border:1px solid #c00;padding:.5rem 1rem}.paid{background:#efe;border:1px solid #070;padding:.5rem 1rem}a{color:#0645ad}</style></head>
<body><header><h1>${t.title}</h1><p><a href="/">Campaigns</a> · <a href="/docs">API docs</a> · <a href="/zakat?lang=${locale === 'id' ? 'en' : 'id'}" hreflang="${locale === 'id' ? 'en' : 'id'}" lang="${locale === 'id' ? 'en' : 'id'}">${t.switchTo}</a></p></header><main>
${state.error ? html`<p class="error" role="alert">${state.error}</p>` : ''}
${state.paid ? html`<p class="paid" role="status">Recorded: ${display(state.paid.amount, state.paid.currency, state.locale)} to ${state.paid.campaign}, donation ${state.paid.id} (pending until the charity confirms the transfer).</p>` : ''}
${state.wealth ? wealthResult(state.wealth, state) : ''}${state.income ? incomeResult(state.income, state) : ''}
${state.kind ? kindResult(state.kind, locale) : ''}${kindForms(state.values, locale)}
<div lang="en">${wealthForm(state.values)}${incomeForm(state.values)}
<p><small>Wealth: 2.5% of assets less debts due, when that reaches the nisab (85 g of gold, BAZNAS's convention, or 595 g of silver) and a lunar year has passed.
Income: 2.5% of gross income when it reaches BAZNAS's nisab for the period, from the decree in effect on the date.</small></p></div>
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
