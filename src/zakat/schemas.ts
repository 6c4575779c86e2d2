// JSON Schemas for the zakat API: request validation and compiled response serialisation. Amounts and grams
// are decimal strings; the exact rules (decimals per currency, no leading zeros) are the money module's, so
// the schemas bound only length and shape, and zakat.ts names any value they let through that it refuses.
import { ASSET_FIELDS } from './zakat.ts';
import { NISAB_BASES } from './calculator.ts';

/** Longest decimal text accepted for an amount or a weight; the money module refuses longer text too. */
export const DECIMAL_TEXT_LENGTH_MAX = 32;

const decimalText = (description: string) => ({ type: 'string', minLength: 1, maxLength: DECIMAL_TEXT_LENGTH_MAX, description }) as const;

export const wealthRequestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['currency', 'nisab_basis', 'hawl_complete'],
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    nisab_basis: { type: 'string', enum: NISAB_BASES, description: '85 g of gold (BAZNAS) or 595 g of silver' },
    gold_price_per_gram: decimalText('Price of 1 g of gold in major units; required when nisab_basis is gold or gold is held'),
    silver_price_per_gram: decimalText('Price of 1 g of silver in major units; required when nisab_basis is silver or silver is held'),
    hawl_complete: { type: 'boolean', description: 'Whether a lunar year has passed since the wealth reached nisab' },
    assets: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(ASSET_FIELDS.map((field) => [field, decimalText(
        field.endsWith('_grams') ? 'Grams, up to 3 decimals; absent is zero' : 'Amount in major units; absent is zero',
      )])),
    },
    liabilities: {
      type: 'object',
      additionalProperties: false,
      properties: { debts_due: decimalText('Debts falling due now, in major units; absent is zero') },
    },
  },
} as const;

const breakdownLine = {
  type: 'object',
  required: ['line', 'amount'],
  properties: {
    line: { type: 'string' },
    amount: { type: 'string', description: 'Signed decimal string: debts are negative' },
    note: { type: 'string', description: 'How a metal line was valued: grams × price per gram' },
  },
} as const;

export const wealthAnswerSchema = {
  type: 'object',
  required: ['currency', 'zakatable_wealth', 'nisab', 'nisab_basis', 'nisab_grams', 'due', 'zakat', 'rate', 'rounding', 'breakdown', 'explanation'],
  properties: {
    currency: { type: 'string' },
    zakatable_wealth: { type: 'string', description: 'Assets less debts due, never below zero' },
    nisab: { type: 'string' },
    nisab_basis: { type: 'string', enum: NISAB_BASES },
    nisab_grams: { type: 'string' },
    due: { type: 'boolean' },
    zakat: { type: 'string' },
    rate: { type: 'string', description: 'Exact rate as a decimal, "0.025"' },
    rounding: { type: 'string', description: 'half_up: metal values and the zakat are each rounded half-up to the minor unit, once' },
    breakdown: { type: 'array', items: breakdownLine },
    reason: { type: 'string', enum: ['below_nisab', 'hawl_incomplete'] },
    explanation: { type: 'string' },
  },
} as const;

export const incomeRequestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['period', 'income'],
  properties: {
    period: { type: 'string', enum: ['month', 'year'] },
    income: decimalText('Gross income of the period in rupiah (IDR)'),
    other_income: decimalText('Other income of the same period in rupiah; absent is zero'),
    on_date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Calculation date, YYYY-MM-DD; today in Jakarta when absent' },
  },
} as const;

export const nisabTableSchema = {
  type: 'object',
  required: ['id', 'title', 'decree', 'effective_from', 'nisab_year', 'nisab_month', 'source'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    decree: { type: ['string', 'null'] },
    effective_from: { type: 'string', description: 'YYYY-MM-DD' },
    nisab_year: { type: 'string' },
    nisab_month: { type: 'string' },
    source: { type: 'string' },
  },
} as const;

export const incomeAnswerSchema = {
  type: 'object',
  required: ['currency', 'period', 'on_date', 'income_total', 'nisab', 'due', 'zakat', 'rate', 'rounding', 'table', 'explanation'],
  properties: {
    currency: { type: 'string' },
    period: { type: 'string', enum: ['month', 'year'] },
    on_date: { type: 'string', description: 'YYYY-MM-DD' },
    income_total: { type: 'string' },
    nisab: { type: 'string' },
    due: { type: 'boolean' },
    zakat: { type: 'string' },
    rate: { type: 'string' },
    rounding: { type: 'string' },
    table: nisabTableSchema,
    reason: { type: 'string', enum: ['below_nisab'] },
    explanation: { type: 'string' },
  },
} as const;

export const nisabTablesSchema = {
  type: 'object',
  required: ['tables'],
  properties: { tables: { type: 'array', items: nisabTableSchema } },
} as const;

export const payRequestBody = {
  type: 'object',
  additionalProperties: false,
  required: ['campaign_id', 'amount', 'currency'],
  properties: {
    campaign_id: { type: 'string', minLength: 1, maxLength: 64, description: 'Id or slug of a campaign of the zakat fund' },
    amount: decimalText('Zakat to pay, in major units, e.g. the calculator\'s "zakat"'),
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    donor_name: { type: 'string', maxLength: 200 },
    donor_email: { type: 'string', maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' },
  },
} as const;
