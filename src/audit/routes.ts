// GET /api/audit and /api/audit.csv (staff): the audit log, newest first, keyset-paginated, filtered by actor,
// action and time. Reading the log as CSV is itself audited.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { parseCursor } from '../http/format.ts';
import { parseDateRange } from '../http/date-range.ts';
import { cursorParameter, deprecatedCursorParameter, pageOf, pageProperties } from '../http/pagination.ts';
import { csvRecord } from '../exports/csv.ts';
import { AUDIT_ACTIONS, appendAudit, listAudit, type AuditRow } from './queries.ts';

/** A page is one screen; the CSV export walks pages of this size until the log (or `csvRowsMax`) ends. */
export const AUDIT_PAGE_ROWS_MAX = 200;
/** An audit CSV stops here: a log is read in ranges, and a bound keeps one download from holding a connection for minutes. */
export const AUDIT_CSV_ROWS_MAX = 100_000;

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', minLength: 1, maxLength: 40, description: 'Token id ("env" for AMANAH_ADMIN_TOKEN, "cli" for the command line)' },
    action: { type: 'string', enum: AUDIT_ACTIONS },
    from: { type: 'string', maxLength: 40, description: 'at on or after: a date (midnight UTC) or an RFC 3339 timestamp' },
    to: { type: 'string', maxLength: 40, description: 'at before (exclusive)' },
    limit: { type: 'integer', minimum: 1, maximum: AUDIT_PAGE_ROWS_MAX, default: 50 },
    cursor: cursorParameter('^[0-9]{1,19}$'),
    before: deprecatedCursorParameter('^[0-9]{1,19}$'),
  },
} as const;

interface AuditQuery { actor?: string; action?: string; from?: string; to?: string; limit: number; cursor?: string; before?: string }

export interface AuditJson {
  id: string; actor_token_id: string; actor_name: string; action: string; target: string | null;
  detail: Record<string, unknown>; at: string;
}

export function auditJson(row: AuditRow): AuditJson {
  return {
    id: String(row.id), actor_token_id: row.actor_token_id, actor_name: row.actor_name, action: row.action,
    target: row.target, detail: row.detail, at: row.at.toISOString(),
  };
}

const auditListSchema = {
  type: 'object',
  required: ['entries', 'next_cursor', 'has_more'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' }, actor_token_id: { type: 'string' }, actor_name: { type: 'string' }, action: { type: 'string' },
          target: { type: ['string', 'null'] }, detail: { type: 'object', additionalProperties: true }, at: { type: 'string', format: 'date-time' },
        },
      },
    },
    ...pageProperties,
  },
} as const;

/** A leading apostrophe on text a spreadsheet would run as a formula (OWASP; as exports/queries.ts does in SQL). */
function cell(text: string | null): string | null {
  return text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export async function auditRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);

  const filterOf = (query: AuditQuery, limit: number) => {
    const range = parseDateRange(query.from, query.to);
    return { actor: query.actor, action: query.action, from: range.from, to: range.to, beforeId: parseCursor(query.cursor ?? query.before, query.cursor === undefined ? 'before' : 'cursor'), limit };
  };

  app.get<{ Querystring: AuditQuery }>('/api/audit', {
    preHandler: staff,
    schema: {
      summary: 'The audit log, newest first (staff): every staff and admin action', tags: ['audit'], security: [{ bearer: [] }],
      querystring: auditQuery, response: { 200: auditListSchema, 400: problemResponse, 401: problemResponse, 403: problemResponse },
    },
  }, async (request) => {
    const filter = filterOf(request.query, request.query.limit + 1);
    const rows = await listAudit(database, filter);
    const page = pageOf(rows, request.query.limit, (row) => String(row.id));
    return { entries: page.rows.map(auditJson), next_cursor: page.next_cursor, has_more: page.has_more };
  });

  app.get<{ Querystring: AuditQuery }>('/api/audit.csv', {
    preHandler: staff,
    schema: {
      summary: 'The audit log as CSV (staff), same filters; the export is itself audited', tags: ['audit'], security: [{ bearer: [] }],
      querystring: auditQuery, response: { 200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, 400: problemResponse, 401: problemResponse, 403: problemResponse },
    },
  }, async (request, reply) => {
    const filter = filterOf(request.query, AUDIT_PAGE_ROWS_MAX);
    await appendAudit(database, { actor: request.principal!, action: 'export.audit', target: null, detail: { query: request.query } });
    const lines = [csvRecord(['id', 'at', 'actor_token_id', 'actor_name', 'action', 'target', 'detail'])];
    // Pages of 200 by keyset until the end or the bound: memory holds one page and the text built so far.
    let beforeId = filter.beforeId;
    for (let rows = 0; rows < AUDIT_CSV_ROWS_MAX;) {
      const page = await listAudit(database, { ...filter, beforeId, limit: Math.min(AUDIT_PAGE_ROWS_MAX, AUDIT_CSV_ROWS_MAX - rows) });
      for (const row of page) {
        lines.push(csvRecord([String(row.id), row.at.toISOString(), cell(row.actor_token_id), cell(row.actor_name), row.action, cell(row.target), JSON.stringify(row.detail)]));
      }
      rows += page.length;
      if (page.length < AUDIT_PAGE_ROWS_MAX) break;
      beforeId = page[page.length - 1]!.id;
    }
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit.csv"')
      .header('cache-control', 'no-store').send(lines.join(''));
  });
}
