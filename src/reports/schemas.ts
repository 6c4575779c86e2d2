// JSON Schemas for the report routes' query strings. The answers are built by logic.ts (statementJson and the
// routes' shapes) and documented in README, Reports.
const bound = { type: 'string', minLength: 1, maxLength: 40, description: 'A date (2026-01-01, midnight UTC) or an RFC 3339 timestamp' } as const;
const format = { type: 'string', enum: ['json', 'csv'], description: 'json (default) or csv' } as const;
const lang = { type: 'string', maxLength: 8 } as const;

export const periodQuery = {
  type: 'object', required: ['from', 'to'], additionalProperties: false,
  properties: { from: { ...bound, description: 'Inclusive' }, to: { ...bound, description: 'Exclusive' }, format, lang },
} as const;

export const instantQuery = {
  type: 'object', additionalProperties: false,
  properties: { at: { ...bound, description: 'The position after every line posted before this instant; default now' }, format, lang },
} as const;

export const baznasQuery = {
  type: 'object', required: ['year'], additionalProperties: false,
  properties: {
    year: { type: 'integer', minimum: 2000, maximum: 9998 },
    half: { type: 'string', enum: ['h1', 'annual'], default: 'annual', description: 'h1: January to June (the semiannual report); annual: the year' },
    format, lang,
  },
} as const;
