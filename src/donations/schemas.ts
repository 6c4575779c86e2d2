// JSON Schemas for donations: request validation and compiled response serialisation.
import { NPWP_TEXT_LENGTH_MAX } from '../text/npwp.ts';
import { cursorParameter, deprecatedCursorParameter, pageProperties } from '../http/pagination.ts';
const donationProperties = {
  id: { type: 'string' },
  campaign_id: { type: 'string' },
  amount: { type: 'string', description: 'Decimal string in major units' },
  currency: { type: 'string' },
  status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'refunded', 'expired'] },
  source: { type: 'string', enum: ['api', 'import', 'manual'] },
  donor_name: { type: ['string', 'null'], description: 'The name given with this donation; null when it was given anonymously (or without a name)' },
  anonymous: { type: 'boolean', description: 'As given with this donation; a later donation by the same donor never changes it' },
  external_ref: { type: ['string', 'null'], description: 'A bank or provider reference: staff only' },
  donated_at: { type: 'string', format: 'date-time' },
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
} as const;

/** A donation as staff see it, and as the answer to the request that made it. */
export const donationSchema = {
  $id: 'Donation',
  type: 'object',
  required: ['id', 'campaign_id', 'amount', 'currency', 'status', 'source', 'donor_name', 'anonymous',
    'external_ref', 'donated_at', 'created_at', 'updated_at'],
  properties: donationProperties,
} as const;

const { external_ref: _staffOnly, ...publicProperties } = donationProperties;

/**
 * A donation as anyone without a staff token sees it: approved ones only, and never external_ref, an email or
 * the status history. The serialiser drops any property not listed here, so nothing else can slip out.
 */
export const publicDonationSchema = {
  $id: 'PublicDonation',
  type: 'object',
  required: ['id', 'campaign_id', 'amount', 'currency', 'status', 'source', 'donor_name', 'anonymous',
    'donated_at', 'created_at', 'updated_at'],
  properties: publicProperties,
} as const;

/**
 * A read that anyone may make: PublicDonation without a staff token, Donation with one. The serialiser takes the
 * first schema the answer satisfies; only a staff answer carries external_ref, which Donation requires.
 */
export const visibleDonationSchema = {
  description: 'PublicDonation without a staff token; Donation (with external_ref) with one',
  anyOf: [{ $ref: 'Donation#' }, { $ref: 'PublicDonation#' }],
} as const;

/**
 * The donor's tax ids, given with the gift so the first receipt carries them (a Bukti Setor Zakat names the
 * payer's NPWP or NIK). Staff-only personal data: no answer, list or export shows them; the receipt does.
 */
export const taxIdProperties = {
  donor_npwp: { type: 'string', minLength: 1, maxLength: NPWP_TEXT_LENGTH_MAX, description: "The donor's NPWP for the receipt: 15 or 16 digits, dots and dashes allowed" },
  donor_nik: { type: 'string', minLength: 1, maxLength: 16, description: "The donor's NIK for the receipt: 16 digits" },
} as const;

export const createDonationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['campaign_id', 'amount', 'currency'],
  properties: {
    campaign_id: { type: 'string', minLength: 1, maxLength: 64, description: 'Campaign id or slug' },
    amount: { type: 'string', minLength: 1, maxLength: 32, description: 'Decimal string in major units, e.g. "150000.50"' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    // PostgreSQL text cannot hold NUL; refusing it here keeps a bad name a 400, not a database error.
    donor_name: { type: 'string', maxLength: 200, pattern: '^[^\\u0000]*$' },
    donor_email: { type: 'string', maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' },
    anonymous: { type: 'boolean' },
    external_ref: { type: 'string', minLength: 1, maxLength: 200 },
    donated_at: { type: 'string', maxLength: 40, description: 'ISO 8601 with an offset' },
    ...taxIdProperties,
  },
} as const;

export const donationParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 20 } },
} as const;

export const REASON_LENGTH_MAX = 1_000;

export const reasonBody = (required: boolean) => ({
  type: 'object',
  additionalProperties: false,
  required: required ? ['reason'] : [],
  properties: { reason: { type: 'string', minLength: 1, maxLength: REASON_LENGTH_MAX } },
}) as const;

export const DONATION_PAGE_LIMIT_MAX = 500;
export const DONATION_PAGE_LIMIT_DEFAULT = 50;

export const listDonationsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'refunded'], description: 'Staff only; the public sees approved donations' },
    limit: { type: 'integer', minimum: 1, maximum: DONATION_PAGE_LIMIT_MAX, default: DONATION_PAGE_LIMIT_DEFAULT },
    cursor: cursorParameter('^[0-9]{1,19}$'),
    before: deprecatedCursorParameter('^[0-9]{1,19}$'),
  },
} as const;

export const donationPageSchema = {
  type: 'object',
  required: ['donations', 'next_cursor', 'has_more'],
  properties: {
    donations: { type: 'array', items: visibleDonationSchema },
    ...pageProperties,
  },
} as const;

export const historySchema = {
  type: 'object',
  required: ['donation_id', 'history'],
  properties: {
    donation_id: { type: 'string' },
    history: {
      type: 'array',
      items: {
        type: 'object',
        required: ['from_status', 'to_status', 'actor', 'reason', 'changed_at'],
        properties: {
          from_status: { type: ['string', 'null'] },
          to_status: { type: 'string' },
          actor: { type: 'string' },
          reason: { type: ['string', 'null'] },
          changed_at: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;
