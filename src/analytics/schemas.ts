// JSON Schemas for analytics: bounded query parameters, and the response shapes (which also compile the
// serialisers). Amounts are decimal strings in major units; counts are integers.
import { PERCENTILES } from './distribution.ts';

export const ANALYTICS_TOP_MAX = 100;
export const ANALYTICS_TOP_DEFAULT = 10;
/** Days in the daily series: a year and a day at most (a year-round campaign, with room for a leap year). */
export const ANALYTICS_DAYS_MAX = 366;
export const ANALYTICS_DAYS_DEFAULT = 90;
/** Hours in the hourly series: 31 days at most (Ramadan hour by hour). */
export const ANALYTICS_HOURS_MAX = 744;
export const ANALYTICS_HOURS_DEFAULT = 48;
export const THRESHOLD_CAMPAIGNS_MAX = 1_000;
export const THRESHOLD_CAMPAIGNS_DEFAULT = 100;

const amount = { type: 'string', description: 'Decimal string in major units' } as const;
const nullableAmount = { type: ['string', 'null'], description: 'Decimal string in major units; null when there are no donations' } as const;
const timestampParameter = { type: 'string', maxLength: 40, description: '2025-03-01 (midnight UTC) or an ISO 8601 timestamp with an offset' } as const;

export const campaignAnalyticsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { ...timestampParameter, description: `donated_at on or after; ${timestampParameter.description}` },
    to: { ...timestampParameter, description: `donated_at before (exclusive); ${timestampParameter.description}` },
    tz: { type: 'string', maxLength: 64, default: 'UTC', description: 'IANA time zone of the daily and hourly series, e.g. Asia/Jakarta' },
    top: { type: 'integer', minimum: 1, maximum: ANALYTICS_TOP_MAX, default: ANALYTICS_TOP_DEFAULT },
    days: { type: 'integer', minimum: 1, maximum: ANALYTICS_DAYS_MAX, default: ANALYTICS_DAYS_DEFAULT },
    hours: { type: 'integer', minimum: 1, maximum: ANALYTICS_HOURS_MAX, default: ANALYTICS_HOURS_DEFAULT },
    // The page's language switch (id or en; anything else falls back to the cookie, then Accept-Language). The JSON
    // answer has no words in it, so the API accepts and ignores it: one query schema for the page and its data.
    lang: { type: 'string', maxLength: 8, description: 'Language of the analytics page: id or en (ignored by the JSON answer)' },
  },
} as const;

export const platformAnalyticsQuery = {
  type: 'object',
  additionalProperties: false,
  dependencies: { min_amount: ['currency'], currency: ['min_amount'] },
  properties: {
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: 'Currency of min_amount' },
    min_amount: { type: 'string', maxLength: 32, description: 'List the campaigns with an approved donation of at least this much' },
    limit: { type: 'integer', minimum: 1, maximum: THRESHOLD_CAMPAIGNS_MAX, default: THRESHOLD_CAMPAIGNS_DEFAULT },
  },
} as const;

const distributionProperties = {
  count: { type: 'integer' },
  total: amount,
  average: { ...nullableAmount, description: 'total / count, rounded half to even to the minor unit' },
  median: { ...nullableAmount, description: 'The middle amount; for an even count the mean of the two middle amounts, rounded half to even' },
  min: nullableAmount,
  max: nullableAmount,
  percentiles: {
    type: 'object',
    description: 'Nearest-rank percentiles (each an amount some donation has); empty when there are no donations',
    properties: Object.fromEntries(PERCENTILES.map((percent) => [`p${percent}`, amount])),
  },
  histogram: {
    type: 'array',
    description: 'Logarithmic 1-2-5 buckets [from, to) from the smallest amount to the largest',
    items: {
      type: 'object', required: ['from', 'to', 'count', 'total'],
      properties: { from: amount, to: amount, count: { type: 'integer' }, total: amount },
    },
  },
} as const;

const seriesSchema = {
  type: 'array',
  items: {
    type: 'object', required: ['start', 'count', 'total'],
    properties: { start: { type: 'string', description: 'Local day (YYYY-MM-DD) or hour (YYYY-MM-DDTHH:00)' }, count: { type: 'integer' }, total: amount },
  },
} as const;

export const campaignAnalyticsSchema = {
  type: 'object',
  required: ['campaign_id', 'slug', 'currency', 'counted_status', 'from', 'to', 'time_zone', ...Object.keys(distributionProperties),
    'donors', 'largest', 'daily', 'hourly'],
  properties: {
    campaign_id: { type: 'string' },
    slug: { type: 'string' },
    currency: { type: 'string' },
    counted_status: { type: 'string', enum: ['approved'] },
    from: { type: ['string', 'null'] },
    to: { type: ['string', 'null'] },
    time_zone: { type: 'string' },
    ...distributionProperties,
    donors: {
      type: 'object', required: ['unique', 'repeat'],
      properties: { unique: { type: 'integer' }, repeat: { type: 'integer', description: 'Donors with more than one approved donation' } },
    },
    largest: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'amount', 'donated_at', 'donor_name'],
        properties: { id: { type: 'string' }, amount, donated_at: { type: 'string' }, donor_name: { type: ['string', 'null'] } },
      },
    },
    daily: seriesSchema,
    hourly: seriesSchema,
  },
} as const;

const currencyTotals = {
  type: 'object', required: ['currency', 'campaigns', 'count', 'total'],
  properties: { currency: { type: 'string' }, campaigns: { type: 'integer' }, count: { type: 'integer' }, total: amount },
} as const;

export const platformAnalyticsSchema = {
  type: 'object',
  required: ['counted_status', 'by_fund', 'by_currency', 'campaigns_with_donation_at_least'],
  properties: {
    counted_status: { type: 'string', enum: ['approved'] },
    by_fund: {
      type: 'array',
      items: { type: 'object', required: ['fund', 'totals'], properties: { fund: { type: 'string' }, totals: { type: 'array', items: currencyTotals } } },
    },
    by_currency: {
      type: 'array',
      items: {
        type: 'object', required: ['currency', 'campaigns', 'donors', ...Object.keys(distributionProperties)],
        properties: { currency: { type: 'string' }, campaigns: { type: 'integer' }, donors: { type: 'integer' }, ...distributionProperties },
      },
    },
    campaigns_with_donation_at_least: {
      type: ['object', 'null'],
      required: ['currency', 'amount', 'campaigns'],
      properties: {
        currency: { type: 'string' },
        amount,
        campaigns: {
          type: 'array',
          items: {
            type: 'object', required: ['id', 'slug', 'name', 'fund', 'currency'],
            properties: { id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, fund: { type: 'string' }, currency: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;
