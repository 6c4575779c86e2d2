// Zakat requests and answers as they cross the wire (API, page and CLI alike): decimal text in, decimal text
// out, every bad value refused by name as problem+json. The arithmetic is calculator.ts's; this file reads,
// checks, and explains. A zakat payment becomes a pending donation to a campaign of the zakat fund, through
// the same idempotent intake as every other donation.
import { parseRfc3339 } from '../text/timestamp.ts';
import { AppError } from '../errors.ts';
import type { Database } from '../db/database.ts';
import {
  formatAmount, formatScaled, isCurrencyCode, isMoneyError, parseAmount, parseScaled, ZAKAT_RATE, type Rate,
} from '../money/index.ts';
import { findCampaign } from '../campaigns/queries.ts';
import type { IntakeRequest, IntakeResult } from '../donations/intake.ts';
import {
  calculateIncomeZakat, calculateWealthZakat, GRAM_DECIMALS, NISAB_GRAMS, ZAKAT_ROUNDING,
  type IncomePeriod, type NisabBasis, type NotDueReason, type WealthLine,
} from './calculator.ts';
import { isCalendarDate, jakartaDate, NISAB_TABLE_CURRENCY, NISAB_TABLES, nisabTableOn, type NisabTable } from './nisab-tables.ts';

export const ASSET_FIELDS = ['cash', 'gold_grams', 'silver_grams', 'investments', 'business_inventory', 'receivables'] as const;
export type AssetField = (typeof ASSET_FIELDS)[number];

export interface WealthRequest {
  currency: string;
  nisab_basis: NisabBasis;
  gold_price_per_gram?: string | undefined;
  silver_price_per_gram?: string | undefined;
  hawl_complete: boolean;
  assets?: Partial<Record<AssetField, string | undefined>> | undefined;
  liabilities?: { debts_due?: string | undefined } | undefined;
}

export interface BreakdownLine { line: WealthLine['line']; amount: string; note?: string }

export interface WealthAnswer {
  currency: string; zakatable_wealth: string; nisab: string; nisab_basis: NisabBasis; nisab_grams: string;
  due: boolean; zakat: string; rate: string; rounding: string; breakdown: BreakdownLine[];
  reason?: NotDueReason; explanation: string;
}

/** The rate as decimal text, "0.025"; the rate's denominator is a power of ten by construction. */
export function rateText(rate: Rate): string {
  const decimals = rate.denominator.toString().length - 1;
  if (10n ** BigInt(decimals) !== rate.denominator) throw new RangeError(`rate denominator ${rate.denominator} is not a power of ten`);
  return formatScaled(rate.numerator, decimals);
}

export const ZAKAT_RATE_TEXT = rateText(ZAKAT_RATE);

function amountField(field: string, text: string, currency: string): bigint {
  try {
    return parseAmount(text, currency);
  } catch (error) {
    if (isMoneyError(error)) throw new AppError('invalid_amount', `${field}: ${error.message}`, { field, reason: error.reason });
    throw error;
  }
}

function gramsField(field: string, text: string): bigint {
  try {
    return parseScaled(text, GRAM_DECIMALS);
  } catch (error) {
    if (isMoneyError(error)) throw new AppError('invalid_quantity', `${field}: ${error.message.replace(/^quantity/, 'grams')}`, { field, reason: error.reason });
    throw error;
  }
}

function checkCurrency(currency: string): string {
  if (!isCurrencyCode(currency)) {
    throw new AppError('validation_failed', `currency "${currency}" is not an ISO 4217 code, e.g. "IDR"`, { field: 'currency' });
  }
  return currency;
}

/** A metal's price: required (and above zero) for the nisab basis, and for any metal actually held. */
function metalPrice(metal: NisabBasis, request: WealthRequest, milligrams: bigint): bigint {
  const field = `${metal}_price_per_gram`;
  const text = metal === 'gold' ? request.gold_price_per_gram : request.silver_price_per_gram;
  const isBasis = request.nisab_basis === metal;
  if (text === undefined) {
    if (isBasis) throw new AppError('validation_failed', `${field} is required when nisab_basis is "${metal}"`, { field });
    if (milligrams > 0n) throw new AppError('validation_failed', `${field} is required to value assets.${metal}_grams`, { field });
    return 0n;
  }
  const price = amountField(field, text, request.currency);
  if (price === 0n && (isBasis || milligrams > 0n)) {
    throw new AppError('invalid_amount', `${field} must be greater than zero`, { field });
  }
  return price;
}

function lineNote(line: WealthLine, pricePerGramMinor: bigint, currency: string): string | undefined {
  if (line.milligrams === undefined || line.milligrams === 0n) return undefined;
  return `${formatScaled(line.milligrams, GRAM_DECIMALS)} g × ${formatAmount(pricePerGramMinor, currency)} ${currency}/g`;
}

function wealthExplanation(answer: Omit<WealthAnswer, 'explanation'>): string {
  const { currency } = answer;
  const nisab = `the nisab of ${answer.nisab} ${currency} (${answer.nisab_grams} g of ${answer.nisab_basis})`;
  if (answer.reason === 'below_nisab') return `Zakatable wealth of ${answer.zakatable_wealth} ${currency} is below ${nisab}: no zakat is due.`;
  if (answer.reason === 'hawl_incomplete') {
    return `Zakatable wealth of ${answer.zakatable_wealth} ${currency} reaches ${nisab}, but a lunar year (hawl) has not passed: no zakat is due yet.`;
  }
  return `Zakatable wealth of ${answer.zakatable_wealth} ${currency} reaches ${nisab} and a lunar year has passed: ` +
    `zakat is 2.5% of it, ${answer.zakat} ${currency}, rounded half-up to the minor unit.`;
}

/** Answers a wealth-zakat request; absent assets count as zero. */
export function wealthZakat(request: WealthRequest): WealthAnswer {
  const currency = checkCurrency(request.currency);
  const assets = request.assets ?? {};
  const amount = (field: AssetField) => (assets[field] === undefined ? 0n : amountField(`assets.${field}`, assets[field]!, currency));
  const grams = (field: AssetField) => (assets[field] === undefined ? 0n : gramsField(`assets.${field}`, assets[field]!));
  const goldMilligrams = grams('gold_grams');
  const silverMilligrams = grams('silver_grams');
  const goldPrice = metalPrice('gold', request, goldMilligrams);
  const silverPrice = metalPrice('silver', request, silverMilligrams);
  const debts = request.liabilities?.debts_due;
  const result = calculateWealthZakat({
    nisabBasis: request.nisab_basis,
    goldPricePerGramMinor: goldPrice,
    silverPricePerGramMinor: silverPrice,
    hawlComplete: request.hawl_complete,
    assets: {
      cashMinor: amount('cash'), goldMilligrams, silverMilligrams, investmentsMinor: amount('investments'),
      businessInventoryMinor: amount('business_inventory'), receivablesMinor: amount('receivables'),
    },
    debtsDueMinor: debts === undefined ? 0n : amountField('liabilities.debts_due', debts, currency),
  });
  const answer: Omit<WealthAnswer, 'explanation'> = {
    currency,
    zakatable_wealth: formatAmount(result.zakatableMinor, currency),
    nisab: formatAmount(result.nisabMinor, currency),
    nisab_basis: request.nisab_basis,
    nisab_grams: String(NISAB_GRAMS[request.nisab_basis]),
    due: result.due,
    zakat: formatAmount(result.zakatMinor, currency),
    rate: ZAKAT_RATE_TEXT,
    rounding: ZAKAT_ROUNDING,
    breakdown: result.lines.map((line) => {
      const note = lineNote(line, line.line === 'gold' ? goldPrice : silverPrice, currency);
      return { line: line.line, amount: formatAmount(line.amountMinor, currency), ...(note ? { note } : {}) };
    }),
    ...(result.reason ? { reason: result.reason } : {}),
  };
  return { ...answer, explanation: wealthExplanation(answer) };
}

export interface IncomeRequest {
  period: IncomePeriod;
  income: string;
  other_income?: string | undefined;
  /** The calculation date, YYYY-MM-DD; today in Jakarta when absent. */
  on_date?: string | undefined;
}

export interface TableJson { id: string; title: string; decree: string | null; effective_from: string; nisab_year: string; nisab_month: string; source: string }

export interface IncomeAnswer {
  currency: string; period: IncomePeriod; on_date: string; income_total: string; nisab: string; due: boolean;
  zakat: string; rate: string; rounding: string; table: TableJson; reason?: 'below_nisab'; explanation: string;
}

export function tableJson(table: NisabTable): TableJson {
  return {
    id: table.id, title: table.title, decree: table.decree, effective_from: table.effectiveFrom,
    nisab_year: formatAmount(table.nisabYearMinor, NISAB_TABLE_CURRENCY),
    nisab_month: formatAmount(table.nisabMonthMinor, NISAB_TABLE_CURRENCY), source: table.source,
  };
}

function tableFor(onDate: string): NisabTable {
  if (!isCalendarDate(onDate)) throw new AppError('validation_failed', `on_date "${onDate}" is not a calendar date written YYYY-MM-DD`, { field: 'on_date' });
  // The same range as every other date amanah takes (src/text/timestamp.ts): year 9999 is a typo, not a plan.
  const range = parseRfc3339(`${onDate}T00:00:00Z`);
  if (typeof range === 'string') throw new AppError('validation_failed', `on_date ${onDate} ${range}`, { field: 'on_date' });
  const table = nisabTableOn(onDate);
  if (!table) {
    throw new AppError('validation_failed', `on_date ${onDate} is before the first BAZNAS nisab table amanah holds (${NISAB_TABLES[0]!.effectiveFrom})`, { field: 'on_date' });
  }
  return table;
}

/** Answers an income-zakat request (rupiah) from the BAZNAS table in effect on the date. */
export function incomeZakat(request: IncomeRequest, now: Date = new Date()): IncomeAnswer {
  const currency = NISAB_TABLE_CURRENCY;
  const onDate = request.on_date ?? jakartaDate(now);
  const table = tableFor(onDate);
  const other = request.other_income === undefined ? 0n : amountField('other_income', request.other_income, currency);
  const totalMinor = amountField('income', request.income, currency) + other;
  const result = calculateIncomeZakat(totalMinor, request.period, table);
  const total = formatAmount(totalMinor, currency);
  const nisab = formatAmount(result.nisabMinor, currency);
  const explanation = result.due
    ? `Income of ${total} ${currency} a ${request.period} reaches the nisab of ${nisab} ${currency} set by ${table.title}: zakat is 2.5% of the gross income, ${formatAmount(result.zakatMinor, currency)} ${currency}.`
    : `Income of ${total} ${currency} a ${request.period} is below the nisab of ${nisab} ${currency} set by ${table.title}: no zakat is due.`;
  return {
    currency, period: request.period, on_date: onDate, income_total: total, nisab, due: result.due,
    zakat: formatAmount(result.zakatMinor, currency), rate: ZAKAT_RATE_TEXT, rounding: ZAKAT_ROUNDING,
    table: tableJson(table), ...(result.due ? {} : { reason: 'below_nisab' as const }), explanation,
  };
}

export interface PayRequest {
  campaign_id: string;
  amount: string;
  currency: string;
  donor_name?: string | undefined;
  donor_email?: string | undefined;
}

/**
 * Makes a zakat payment a pending donation to a campaign of the zakat fund, exactly once per idempotency key.
 * Zakat may only go where it can be spent on its eight recipients (asnaf), so any other fund is refused. The
 * fund is read before the intake reads the campaign again; a fund changed between the two reads is an admin
 * edit racing a payment, and the payment then lands where the campaign pointed at the first read. `submit` is
 * the donation intake (the API's group committer), so a zakat payment is written like any other donation.
 */
export async function payZakat(database: Database, submit: (request: IntakeRequest) => Promise<IntakeResult>, key: string, request: PayRequest): Promise<IntakeResult> {
  const campaign = await findCampaign(database, request.campaign_id);
  if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.campaign_id}"`, { field: 'campaign_id' });
  if (campaign.fund !== 'zakat') {
    throw new AppError('campaign_not_zakat', `campaign "${campaign.slug}" is in the ${campaign.fund} fund; zakat is paid only to a campaign of the zakat fund`,
      { field: 'campaign_id', fund: campaign.fund });
  }
  return submit({
    key, source: 'api', input: {
      campaign_id: request.campaign_id, amount: request.amount, currency: request.currency,
      donor_name: request.donor_name, donor_email: request.donor_email,
    },
  });
}
