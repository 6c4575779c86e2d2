// JSON Schemas for /api/imports: the query string that carries the options of an upload, and the run's JSON.
import { IMPORT_BATCH_ROWS_MAX } from './pipeline.ts';
import { MAP_SPEC_CHARS_MAX } from './mapping.ts';

export const importQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    campaign: { type: 'string', minLength: 1, maxLength: 64, description: 'Campaign id or slug (or map a campaign column)' },
    currency: { type: 'string', pattern: '^[A-Za-z]{3}$', description: 'For files without a currency column' },
    map: { type: 'string', maxLength: MAP_SPEC_CHARS_MAX, description: 'target=column,… e.g. donor_name=donator,donated_at=date' },
    status: { type: 'string', enum: ['approved', 'pending'], default: 'approved' },
    key_column: { type: 'string', minLength: 1, maxLength: 200, description: 'Column whose value is each row\'s idempotency key' },
    batch_rows: { type: 'integer', minimum: 1, maximum: IMPORT_BATCH_ROWS_MAX },
    name: { type: 'string', maxLength: 200, description: 'The file name, for the record' },
  },
} as const;

export const importParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,18}$' } },
} as const;

const count = { type: 'integer' } as const;

export const importSchema = {
  type: 'object',
  required: ['id', 'campaign_id', 'status', 'format', 'source_name', 'rows_read', 'imported', 'duplicates_skipped',
    'rejected', 'bytes_read', 'bytes_total', 'error', 'started_at', 'updated_at', 'finished_at', 'seconds', 'rows_per_second'],
  properties: {
    id: { type: 'string' },
    campaign_id: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['receiving', 'running', 'succeeded', 'failed'] },
    format: { type: 'string', enum: ['csv', 'ndjson'] },
    source_name: { type: 'string' },
    options: { type: 'object', additionalProperties: true },
    rows_read: count, imported: count, duplicates_skipped: count, rejected: count, bytes_read: count,
    bytes_total: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
    started_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
    seconds: { type: 'number' },
    rows_per_second: { type: 'number' },
    rejects_url: { type: 'string' },
  },
} as const;

export const acceptedSchema = {
  type: 'object',
  required: ['id', 'status', 'url'],
  properties: { id: { type: 'string' }, status: { type: 'string' }, url: { type: 'string' } },
} as const;
