// Schemas of the portal's forms and API. The email pattern is the donations' (src/donations/schemas.ts): a donor
// finds their page with the address they gave.
const email = { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' } as const;
const lang = { type: 'string', maxLength: 8 } as const;

export const linkFormBody = {
  type: 'object', required: ['email'], additionalProperties: true,
  properties: { email, lang },
} as const;

export const sessionFormBody = {
  type: 'object', required: ['token'], additionalProperties: true,
  properties: { token: { type: 'string', maxLength: 100 }, lang },
} as const;

export const csrfFormBody = {
  type: 'object', required: ['csrf'], additionalProperties: true,
  properties: { csrf: { type: 'string', maxLength: 100 }, confirm: { type: 'string', maxLength: 10 }, lang },
} as const;

export const pageQuery = { type: 'object', additionalProperties: true, properties: { lang } } as const;

export const receiptParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 20 } } } as const;

/** The statement form: dates are checked by checkRange (src/receipts/statements.ts), which names the field. */
export const statementQuery = {
  type: 'object', required: ['from', 'to'], additionalProperties: true,
  properties: { from: { type: 'string', maxLength: 10 }, to: { type: 'string', maxLength: 10 }, format: { type: 'string', enum: ['pdf', 'csv'], default: 'pdf' }, lang },
} as const;

export const linkTokenParams = { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 100 } } } as const;

export const linkRequestBody = {
  type: 'object', required: ['email'], additionalProperties: false,
  properties: { email, lang: { type: 'string', enum: ['id', 'en'] } },
} as const;

export const linkRequestResponse = {
  type: 'object', required: ['status', 'detail'],
  properties: { status: { type: 'string', enum: ['accepted'] }, detail: { type: 'string' } },
} as const;

export const erasureBody = {
  type: 'object', required: ['email'], additionalProperties: false,
  properties: { email: { ...email, pattern: '^[^@\\s]+@[^@\\s]+$' } },
} as const;

export const erasureResponse = {
  type: 'object', required: ['donor_id', 'pseudonym', 'donations', 'redacted', 'ledger_memos_with_personal_data'],
  properties: {
    donor_id: { type: 'string' }, pseudonym: { type: 'string' }, donations: { type: 'integer' },
    redacted: { type: 'object', additionalProperties: { type: 'integer' } },
    ledger_memos_with_personal_data: { type: 'integer' },
  },
} as const;
