// JSON Schemas for the ledger routes: they validate requests and compile the response serialisers.
import { LEDGER_FUNDS } from './logic.ts';

const fundsWithShare = LEDGER_FUNDS.filter((fund) => fund !== 'amil');

export const amilRateParams = {
  type: 'object', required: ['fund'], additionalProperties: false,
  properties: { fund: { type: 'string', enum: fundsWithShare } },
} as const;

export const amilRateBody = {
  type: 'object', required: ['rate'], additionalProperties: false,
  properties: { rate: { type: 'string', maxLength: 8, description: 'Percent of what the fund receives, at most two decimals, e.g. "12.5"' } },
} as const;

const amilRate = {
  type: 'object', required: ['fund', 'rate', 'rate_max', 'source', 'updated_by', 'updated_at'],
  properties: {
    fund: { type: 'string' },
    rate: { type: 'string', description: 'Percent now in force; "0.00" when none is set' },
    rate_max: { type: ['string', 'null'], description: 'The legal cap in percent; null: the fund takes no share' },
    source: { type: ['string', 'null'], description: 'The regulation the cap comes from' },
    updated_by: { type: ['string', 'null'] },
    updated_at: { type: ['string', 'null'] },
  },
} as const;

export const amilRateSchema = amilRate;
export const amilRateListSchema = { type: 'object', required: ['rates'], properties: { rates: { type: 'array', items: amilRate } } } as const;

export const entryParams = {
  type: 'object', required: ['id'], additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[0-9]{1,19}$' } },
} as const;

export const entrySchema = {
  type: 'object',
  required: ['id', 'kind', 'campaign_id', 'import_id', 'reverses_entry_id', 'amil_rate', 'memo', 'posted_at', 'lines', 'donation_ids'],
  properties: {
    id: { type: 'string' }, kind: { type: 'string' }, campaign_id: { type: ['string', 'null'] }, import_id: { type: ['string', 'null'] },
    reverses_entry_id: { type: ['string', 'null'] }, amil_rate: { type: 'string' }, memo: { type: ['string', 'null'] }, posted_at: { type: 'string' },
    lines: {
      type: 'array',
      items: {
        type: 'object', required: ['account_id', 'account', 'currency', 'debit', 'credit'],
        properties: {
          account_id: { type: 'string' }, account: { type: 'string', description: 'fund:<fund> or clearing:<channel>' },
          currency: { type: 'string' }, debit: { type: ['string', 'null'] }, credit: { type: ['string', 'null'] },
        },
      },
    },
    donation_ids: { type: 'array', items: { type: 'string' }, description: 'The donations it posted or reversed (at most 1,000)' },
  },
} as const;

export const accountsQuery = {
  type: 'object', additionalProperties: false,
  properties: { campaign: { type: 'string', pattern: '^[0-9]{1,19}$' } },
} as const;

export const accountListSchema = {
  type: 'object', required: ['accounts', 'funds'],
  properties: {
    accounts: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'campaign_id', 'account', 'currency', 'balance'],
        properties: { id: { type: 'string' }, campaign_id: { type: 'string' }, account: { type: 'string' }, currency: { type: 'string' },
          balance: { type: 'string', description: 'Debit positive, credit negative, in major units' } },
      },
    },
    funds: {
      type: 'array',
      items: { type: 'object', required: ['fund', 'currency', 'balance'], properties: { fund: { type: 'string' }, currency: { type: 'string' }, balance: { type: 'string', description: 'What the fund holds, in major units' } } },
    },
  },
} as const;

export const donationEntriesSchema = {
  type: 'object', required: ['donation_id', 'receipt_entry_id', 'refund_entry_id'],
  properties: {
    donation_id: { type: 'string' },
    receipt_entry_id: { type: ['string', 'null'], description: 'The entry that posted it when approved; null while not approved, or refunded before the ledger' },
    refund_entry_id: { type: ['string', 'null'], description: 'The entry that reversed it when refunded' },
  },
} as const;
