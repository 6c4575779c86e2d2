// JSON schemas of the receipt and statement routes: they validate input and compile the answers' serialisers.
export const receiptParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 20 } } } as const;
export const verifyParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', maxLength: 64 } } } as const;
export const receiptListQuery = {
  type: 'object', required: ['donation_id'], additionalProperties: false,
  properties: { donation_id: { type: 'string', maxLength: 20 } },
} as const;

export const receiptSchema = {
  type: 'object',
  required: ['id', 'donation_id', 'number', 'code', 'status', 'amount', 'currency', 'issued_at', 'voided_at', 'void_reason', 'replaces_id', 'content', 'content_sha256'],
  properties: {
    id: { type: 'string' }, donation_id: { type: 'string' }, number: { type: 'string', description: '<prefix>/<year>/<6 digits>' },
    code: { type: 'string', description: 'The verification code, checkable at /receipts/verify/:code' },
    status: { type: 'string', enum: ['valid', 'void'] },
    amount: { type: 'string', description: 'Decimal string in major units' }, currency: { type: 'string' },
    issued_at: { type: 'string', format: 'date-time' }, voided_at: { type: ['string', 'null'], format: 'date-time' },
    void_reason: { type: ['string', 'null'], enum: ['refunded', 'corrected', null] },
    replaces_id: { type: ['string', 'null'] },
    content: { type: 'object', additionalProperties: true, description: 'Everything the receipt shows, frozen at issue' },
    content_sha256: { type: 'string', description: 'Hex SHA-256 of the content as canonical JSON (keys sorted)' },
  },
} as const;

export const receiptListSchema = { type: 'object', required: ['receipts'], properties: { receipts: { type: 'array', items: receiptSchema } } } as const;

/** What anyone holding the code may see: issuer, number, date, amount, valid or void, and nothing else. */
export const verificationSchema = {
  type: 'object', additionalProperties: false,
  required: ['issuer', 'number', 'date', 'amount', 'currency', 'status'],
  properties: {
    issuer: { type: 'string' }, number: { type: 'string' }, date: { type: 'string', description: 'Issue date, YYYY-MM-DD' },
    amount: { type: 'string' }, currency: { type: 'string' }, status: { type: 'string', enum: ['valid', 'void'] },
  },
} as const;

export const statementBody = {
  type: 'object', additionalProperties: false, required: ['email', 'from', 'to'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' },
    from: { type: 'string', maxLength: 10, description: 'First day, YYYY-MM-DD (institution time zone)' },
    to: { type: 'string', maxLength: 10, description: 'Last day, inclusive' },
    format: { type: 'string', enum: ['json', 'csv', 'pdf'], default: 'json' },
  },
} as const;

export const statementSchema = {
  type: 'object', required: ['from', 'to', 'gifts', 'totals'],
  properties: {
    from: { type: 'string' }, to: { type: 'string' },
    gifts: {
      type: 'array', items: {
        type: 'object', required: ['donation_id', 'date', 'amount', 'currency', 'status', 'campaign', 'fund', 'receipt_number'],
        properties: {
          donation_id: { type: 'string' }, date: { type: 'string' }, amount: { type: 'string' }, currency: { type: 'string' },
          status: { type: 'string', enum: ['approved', 'refunded'] }, campaign: { type: 'string' }, fund: { type: 'string' },
          receipt_number: { type: ['string', 'null'] },
        },
      },
    },
    totals: {
      type: 'array', description: 'One per fund and currency: currencies are never added together',
      items: { type: 'object', required: ['fund', 'currency', 'amount', 'gifts'], properties: { fund: { type: 'string' }, currency: { type: 'string' }, amount: { type: 'string' }, gifts: { type: 'integer' } } },
    },
  },
} as const;

export const taxIdsBody = {
  type: 'object', additionalProperties: false, minProperties: 1,
  properties: {
    npwp: { type: 'string', maxLength: 24, description: '15 or 16 digits; dots and dashes are allowed' },
    nik: { type: 'string', maxLength: 16, description: '16 digits' },
  },
} as const;
