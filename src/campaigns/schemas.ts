// JSON Schemas for campaigns: they validate requests and compile the response serialisers.
import { FUNDS, CAMPAIGN_STATUSES } from './queries.ts';
import { cursorParameter, deprecatedCursorParameter, pageProperties } from '../http/pagination.ts';

const amount = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$', maxLength: 32, description: 'Decimal string in major units, e.g. "150000.50"' } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;

export const campaignSchema = {
  $id: 'Campaign',
  type: 'object',
  required: ['id', 'slug', 'name', 'description', 'fund', 'currency', 'goal', 'status', 'starts_at', 'ends_at',
    'raised', 'donation_count', 'donor_count', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    slug: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    fund: { type: 'string', enum: FUNDS },
    currency: { type: 'string' },
    goal: { type: ['string', 'null'] },
    status: { type: 'string', enum: CAMPAIGN_STATUSES },
    starts_at: nullableTimestamp,
    ends_at: nullableTimestamp,
    raised: { type: 'string', description: 'Sum of approved donations, decimal string in major units' },
    donation_count: { type: 'integer' },
    donor_count: { type: 'integer' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

const editable = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string', maxLength: 10_000 },
  fund: { type: 'string', enum: FUNDS },
  currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  goal: { anyOf: [amount, { type: 'null' }] },
  status: { type: 'string', enum: CAMPAIGN_STATUSES },
  starts_at: { type: ['string', 'null'], maxLength: 40 },
  ends_at: { type: ['string', 'null'], maxLength: 40 },
} as const;

export const createCampaignBody = {
  type: 'object',
  additionalProperties: false,
  required: ['slug', 'name', 'fund', 'currency'],
  properties: {
    slug: { type: 'string', pattern: '^(?![0-9]+$)[a-z0-9][a-z0-9-]{0,63}$', description: 'Lower-case letters, digits and dashes; not all digits' },
    ...editable,
  },
} as const;

export const patchCampaignBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: editable,
} as const;

export const campaignParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 64, description: 'Campaign id or slug' } },
} as const;

export const CAMPAIGN_PAGE_LIMIT_MAX = 1_000;
export const CAMPAIGN_PAGE_LIMIT_DEFAULT = 100;

export const listCampaignsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: CAMPAIGN_STATUSES },
    fund: { type: 'string', enum: FUNDS },
    limit: { type: 'integer', minimum: 1, maximum: CAMPAIGN_PAGE_LIMIT_MAX, default: CAMPAIGN_PAGE_LIMIT_DEFAULT },
    cursor: cursorParameter('^[0-9]{1,19}$'),
    after: deprecatedCursorParameter('^[0-9]{1,19}$'),
  },
} as const;

export const campaignListSchema = {
  type: 'object',
  required: ['campaigns', 'next_cursor', 'has_more'],
  properties: {
    campaigns: { type: 'array', items: { $ref: 'Campaign#' } },
    ...pageProperties,
  },
} as const;

export const summarySchema = {
  type: 'object',
  required: ['campaign_id', 'currency', 'total', 'count', 'average', 'donor_count'],
  properties: {
    campaign_id: { type: 'string' },
    currency: { type: 'string' },
    total: { type: 'string' },
    count: { type: 'integer' },
    average: { type: 'string', description: 'total / count in minor units, rounded half to even' },
    donor_count: { type: 'integer' },
  },
} as const;
