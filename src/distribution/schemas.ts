// JSON Schemas for /api/distribution: they validate requests and compile the response serialisers. Amounts are
// decimal strings in major units, ids strings, as everywhere in the API.
import { LEDGER_FUNDS } from '../ledger/logic.ts';
import { ASNAF, DISBURSEMENT_STATUSES, VERIFICATIONS } from './logic.ts';

/** A page of a list is one screen. */
export const DISTRIBUTION_PAGE_ROWS_MAX = 200;

const id = { type: 'string', pattern: '^[0-9]{1,19}$' } as const;
const asnafList = { type: 'array', items: { type: 'string', enum: ASNAF }, uniqueItems: true, maxItems: 8 } as const;

export const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id } } as const;

export const mustahikBody = {
  type: 'object', required: ['kind', 'name', 'asnaf', 'region'], additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: ['person', 'institution'] },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    nik: { type: 'string', maxLength: 16, description: 'People only: the 16-digit NIK (province, birth date as Dukcapil encodes it)' },
    asnaf: asnafList,
    region: { type: 'string', minLength: 1, maxLength: 200 },
    verification: { type: 'string', enum: VERIFICATIONS, default: 'unverified' },
    evidence_notes: { type: ['string', 'null'], maxLength: 4000 },
  },
} as const;

export const mustahikPatchBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    nik: { type: 'string', maxLength: 16, description: 'People only. A new name or NIK sets verification back to unverified unless the same change sets it' },
    asnaf: asnafList, region: { type: 'string', minLength: 1, maxLength: 200 }, verification: { type: 'string', enum: VERIFICATIONS },
    evidence_notes: { type: ['string', 'null'], maxLength: 4000 },
    expected_updated_at: { type: 'string', maxLength: 40, description: 'The updated_at the change was made against (the page\'s copy): if the mustahik changed since, 409 mustahik_changed and nothing is written' },
  },
} as const;

export const mustahikQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    asnaf: { type: 'string', enum: ASNAF }, verification: { type: 'string', enum: VERIFICATIONS },
    limit: { type: 'integer', minimum: 1, maximum: DISTRIBUTION_PAGE_ROWS_MAX, default: 50 }, before: { type: 'string', maxLength: 20 },
  },
} as const;

const mustahik = {
  type: 'object', required: ['id', 'kind', 'name', 'nik', 'asnaf', 'region', 'verification', 'evidence_notes', 'created_by', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' },
    nik: { type: ['string', 'null'], description: 'In full on a single mustahik; masked (digits 5–12) in lists' },
    asnaf: { type: 'array', items: { type: 'string' } }, region: { type: 'string' }, verification: { type: 'string' },
    evidence_notes: { type: ['string', 'null'] }, created_by: { type: 'string' }, created_at: { type: 'string' }, updated_at: { type: 'string' },
  },
} as const;
export const mustahikSchema = mustahik;
export const mustahikListSchema = {
  type: 'object', required: ['mustahik', 'next_cursor'],
  properties: { mustahik: { type: 'array', items: mustahik }, next_cursor: { type: ['string', 'null'] } },
} as const;

export const programBody = {
  type: 'object', required: ['name', 'fund'], additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    fund: { type: 'string', enum: LEDGER_FUNDS },
    asnaf: { ...asnafList, default: [] },
    social: { type: 'boolean', default: false, description: 'A social use (the only use of non-halal money)' },
  },
} as const;
export const programPatchBody = {
  type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: ['active', 'closed'] } },
} as const;

const program = {
  type: 'object', required: ['id', 'name', 'fund', 'asnaf', 'social', 'status', 'created_by', 'created_at'],
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, fund: { type: 'string' }, asnaf: { type: 'array', items: { type: 'string' } },
    social: { type: 'boolean' }, status: { type: 'string' }, created_by: { type: 'string' }, created_at: { type: 'string' },
  },
} as const;
export const programSchema = program;
export const programListSchema = { type: 'object', required: ['programs'], properties: { programs: { type: 'array', items: program } } } as const;

export const disbursementBody = {
  type: 'object', required: ['program_id', 'mustahik_id', 'campaign_id', 'amount'], additionalProperties: false,
  properties: {
    program_id: id, mustahik_id: id,
    campaign_id: { ...id, description: 'The campaign whose fund account (of the program\'s fund) it draws on' },
    asnaf: { type: ['string', 'null'], enum: [...ASNAF, null], default: null, description: 'The asnaf it is paid as; required for zakat, null for non-halal' },
    amount: { type: 'string', maxLength: 40, description: 'Decimal in the campaign currency' },
    purpose: { type: ['string', 'null'], maxLength: 1000 },
  },
} as const;
export const payBody = {
  type: 'object', required: ['reference'], additionalProperties: false,
  properties: { reference: { type: 'string', minLength: 1, maxLength: 200, description: 'The transfer or receipt reference' } },
} as const;
export const reasonBody = {
  type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

export const disbursementQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    status: { type: 'string', enum: DISBURSEMENT_STATUSES }, campaign: id, program: id, mustahik: id,
    limit: { type: 'integer', minimum: 1, maximum: DISTRIBUTION_PAGE_ROWS_MAX, default: 50 }, before: { type: 'string', maxLength: 20 },
  },
} as const;

const historyItem = {
  type: 'object', required: ['from', 'to', 'actor_token_id', 'actor', 'reason', 'at'],
  properties: { from: { type: ['string', 'null'] }, to: { type: 'string' }, actor_token_id: { type: 'string' }, actor: { type: 'string' }, reason: { type: ['string', 'null'] }, at: { type: 'string' } },
} as const;

const disbursement = {
  type: 'object',
  required: ['id', 'program_id', 'mustahik_id', 'campaign_id', 'fund', 'asnaf', 'currency', 'amount', 'status', 'purpose', 'requested_by',
    'approved_by', 'approved_at', 'paid_at', 'payment_reference', 'reservation_entry_id', 'ledger_entry_id', 'release_entry_id', 'created_at'],
  properties: {
    id: { type: 'string' }, program_id: { type: 'string' }, mustahik_id: { type: 'string' }, campaign_id: { type: 'string' }, fund: { type: 'string' },
    asnaf: { type: ['string', 'null'] }, currency: { type: 'string' }, amount: { type: 'string' }, status: { type: 'string' }, purpose: { type: ['string', 'null'] },
    requested_by: { type: 'string' }, approved_by: { type: ['string', 'null'] }, approved_at: { type: ['string', 'null'] }, paid_at: { type: ['string', 'null'] },
    payment_reference: { type: ['string', 'null'] }, reservation_entry_id: { type: ['string', 'null'] }, ledger_entry_id: { type: ['string', 'null'] },
    release_entry_id: { type: ['string', 'null'] }, created_at: { type: 'string' },
    history: { type: 'array', items: historyItem },
  },
} as const;
export const disbursementSchema = disbursement;
export const disbursementListSchema = {
  type: 'object', required: ['disbursements', 'next_cursor'],
  properties: { disbursements: { type: 'array', items: disbursement }, next_cursor: { type: ['string', 'null'] } },
} as const;

export const hawlQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    fund: { type: 'string', enum: LEDGER_FUNDS, default: 'zakat' },
    as_of: { type: 'string', maxLength: 40, description: 'A date (midnight UTC) or RFC 3339 timestamp; default now' },
  },
} as const;
export const hawlSchema = {
  type: 'object', required: ['fund', 'as_of', 'hawl_days', 'campaigns'],
  properties: {
    fund: { type: 'string' }, as_of: { type: 'string' }, hawl_days: { type: 'integer', description: 'One lunar year, counted as 354 days' },
    campaigns: {
      type: 'array',
      items: {
        type: 'object', required: ['campaign_id', 'slug', 'name', 'currency', 'undistributed', 'over_hawl', 'oldest_undistributed_at'],
        properties: {
          campaign_id: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, currency: { type: 'string' },
          undistributed: { type: 'string' }, over_hawl: { type: 'string', description: 'Received more than hawl_days before as_of and not yet distributed (FIFO)' },
          oldest_undistributed_at: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;
