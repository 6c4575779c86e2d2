// GET /api/exports/donations.csv (staff): the donations export, streamed.
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { appendAudit } from '../audit/queries.ts';
import { EXPORT_STATUSES } from './queries.ts';
import { resolveExportFilter, writeDonationsCsv, type ExportRequest } from './exports.ts';

/**
 * Exports running at once in one process. Each holds one pooled connection (PostgreSQL) for as long as its
 * client takes to read, so without a bound a few slow downloads could take the pool from every other request.
 * Two leave 18 of the default 20 connections to the API; a third export waits for a 503 and Retry-After.
 */
export const EXPORTS_CONCURRENT_MAX = 2;
const EXPORT_RETRY_AFTER_SECONDS = 30;

const exportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    campaign: { type: 'string', maxLength: 64, description: 'Campaign id or slug' },
    status: { type: 'string', enum: EXPORT_STATUSES },
    from: { type: 'string', maxLength: 40, description: 'donated_at on or after: 2025-03-01 (UTC) or an ISO 8601 timestamp with offset' },
    to: { type: 'string', maxLength: 40, description: 'donated_at before (exclusive), same forms as from' },
    bom: { type: 'string', enum: ['1', '0', 'true', 'false'], description: 'bom=1: start with a UTF-8 byte order mark (for Excel)' },
  },
} as const;

export async function exportRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);
  let running = 0;

  app.get<{ Querystring: ExportRequest & { bom?: '1' | '0' | 'true' | 'false' } }>('/api/exports/donations.csv', {
    preHandler: staff,
    schema: {
      summary: 'Donations as CSV, streamed (staff): filter by campaign, status and donated_at range', tags: ['exports'],
      security: [{ bearer: [] }], querystring: exportQuery,
      response: { 200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 503: problemResponse },
    },
  }, async (request, reply) => {
    const filter = await resolveExportFilter(database, request.query);
    if (running >= EXPORTS_CONCURRENT_MAX) {
      throw new AppError('overloaded', `${EXPORTS_CONCURRENT_MAX} exports are already running; retry later`, {}, EXPORT_RETRY_AFTER_SECONDS);
    }
    running += 1;
    // Written at the moment the export starts: who downloaded which donations, and with what filter.
    try {
      if (request.principal) await appendAudit(database, { actor: request.principal, action: 'export.donations', target: null, detail: { query: request.query } });
    } catch (error) {
      running -= 1;
      throw error;
    }
    const body = new PassThrough();
    const started = performance.now();
    // Once the 200 is sent a failure can only cut the response short: the chunked body then has no final
    // chunk, so a client sees an incomplete download, never a complete-looking truncated file.
    const bom = request.query.bom === '1' || request.query.bom === 'true';
    writeDonationsCsv(database, filter, { bom, leaveOpen: true }, body).then(
      (result) => {
        running -= 1;
        body.end();
        request.log.info({ rows: result.rows, path: result.path, ms: Math.round(performance.now() - started) }, 'export finished');
      },
      (error: unknown) => {
        running -= 1;
        body.destroy(error instanceof Error ? error : new Error(String(error)));
        request.log.warn({ err: error }, 'export stopped');
      },
    );
    const name = request.query.campaign === undefined ? 'donations' : `donations-${request.query.campaign}`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name.replace(/[^a-z0-9-]/gi, '_')}.csv"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
