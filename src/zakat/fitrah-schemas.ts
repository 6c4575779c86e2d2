// JSON Schemas for the fitrah and fidyah API: quotes and payments. Counts are JSON integers; the bounds are
// fitrah.ts's (FITRAH_PEOPLE_MAX, FIDYAH_DAYS_MAX), which also names a value the schema lets through and it refuses.
import { DECIMAL_TEXT_LENGTH_MAX } from './schemas.ts';
import { FIDYAH_DAYS_MAX, FITRAH_PEOPLE_MAX, type SpecialKind } from './fitrah.ts';

const countOf = (kind: SpecialKind) => (kind === 'fitrah'
  ? { people: { type: 'integer', minimum: 1, maximum: FITRAH_PEOPLE_MAX, description: 'People the fitrah is paid for' } }
  : { days: { type: 'integer', minimum: 1, maximum: FIDYAH_DAYS_MAX, description: 'Days of fasting the fidyah is paid for' } });

// PostgreSQL text cannot hold NUL: refused here, a bad value is a 400, never a database error.
const region = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: 'Price table region; "jabodetabek" when absent' } as const;

export const quoteBody = (kind: SpecialKind) => ({
  type: 'object',
  additionalProperties: false,
  required: [kind === 'fitrah' ? 'people' : 'days'],
  properties: {
    ...countOf(kind),
    region,
    at: { type: 'string', maxLength: 40, description: 'When it would be paid, RFC 3339 with an offset; now when absent' },
  },
}) as const;

export const payBody = (kind: SpecialKind) => ({
  type: 'object',
  additionalProperties: false,
  required: ['campaign_id', kind === 'fitrah' ? 'people' : 'days'],
  properties: {
    ...countOf(kind),
    region,
    campaign_id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000]*$', description: kind === 'fitrah' ? 'Id or slug of a zakat-fund campaign' : 'Id or slug of a campaign of any fund but waqf' },
    amount: { type: 'string', minLength: 1, maxLength: DECIMAL_TEXT_LENGTH_MAX, description: 'Optional: refused (zakat_amount_mismatch) unless it is the computed amount' },
    currency: { type: 'string', enum: ['IDR'] },
    donor_name: { type: 'string', maxLength: 200, pattern: '^[^\\u0000]*$' },
    donor_email: { type: 'string', maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' },
    anonymous: { type: 'boolean' },
  },
}) as const;

const priceTable = {
  type: 'object',
  required: ['id', 'region', 'title', 'decree', 'effective_from', 'fitrah_per_person', 'fidyah_per_day', 'rice_kg', 'rice_liters', 'verified', 'source'],
  properties: {
    id: { type: 'string' }, region: { type: 'string' }, title: { type: 'string' }, decree: { type: 'string' },
    effective_from: { type: 'string' }, fitrah_per_person: { type: 'string' }, fidyah_per_day: { type: 'string' },
    rice_kg: { type: 'string' }, rice_liters: { type: 'string' },
    verified: { type: 'boolean', description: 'Whether the figures were confirmed against a published report; see source' },
    source: { type: 'string' },
  },
} as const;

export const quoteSchema = {
  type: 'object',
  required: ['kind', 'recorded_as', 'ledger_fund', 'quantity', 'unit', 'region', 'on_date', 'currency', 'unit_price', 'amount', 'table', 'explanation'],
  properties: {
    kind: { type: 'string', enum: ['fitrah', 'fidyah'] },
    recorded_as: { type: 'string', enum: ['fitrah', 'fidyah', 'sadaqah'], description: 'sadaqah: a fitrah after the Eid prayer' },
    ledger_fund: { type: 'string', enum: ['zakat', 'infak_sedekah', 'dskl'] },
    quantity: { type: 'integer' },
    unit: { type: 'string', enum: ['person', 'day'] },
    region: { type: 'string' },
    on_date: { type: 'string', description: 'Jakarta civil date the table was chosen for' },
    currency: { type: 'string' },
    unit_price: { type: 'string' },
    amount: { type: 'string' },
    rice_kg: { type: 'string' },
    rice_liters: { type: 'string' },
    table: priceTable,
    eid: {
      type: 'object',
      required: ['hijri_year', 'date', 'basis', 'prayer_at', 'prayer_local', 'source'],
      properties: {
        hijri_year: { type: 'integer' }, date: { type: 'string' },
        basis: { type: 'string', enum: ['kemenag', 'umalqura'], description: 'kemenag: sidang isbat decision held as data; umalqura: Intl fallback' },
        prayer_at: { type: 'string', format: 'date-time' }, prayer_local: { type: 'string' }, source: { type: 'string' },
      },
    },
    explanation: { type: 'string' },
  },
} as const;

export const paymentSchema = {
  type: 'object',
  required: ['donation', 'recorded', 'quote'],
  properties: {
    donation: { $ref: 'Donation#' },
    recorded: {
      type: 'object',
      required: ['asked_kind', 'recorded_as', 'quantity', 'region', 'price_table', 'ledger_fund', 'note'],
      description: 'What the donation was stored as (a replay answers what the first request stored)',
      properties: {
        asked_kind: { type: 'string' }, recorded_as: { type: 'string' }, quantity: { type: 'integer' }, region: { type: 'string' },
        price_table: { type: 'string' }, ledger_fund: { type: 'string' }, note: { type: ['string', 'null'] },
      },
    },
    quote: quoteSchema,
  },
} as const;

export const priceTablesSchema = {
  type: 'object',
  required: ['regions', 'tables', 'eid'],
  properties: {
    regions: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, authority: { type: 'string' } } } },
    tables: { type: 'array', items: priceTable },
    eid: { type: 'array', items: { type: 'object', properties: { hijri_year: { type: 'integer' }, date: { type: 'string' }, source: { type: 'string' } } } },
  },
} as const;
