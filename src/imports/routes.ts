// /api/imports: staff upload a CSV or NDJSON file as the raw request body; it goes through the same pipeline as
// `amanah import`, in the background, and the run is followed by id.
//
// The upload is streamed to a temporary file first, and the import reads that file. Streaming the request
// straight into the pipeline would hold the client's connection for the whole import (minutes for a large
// file, paced by the database) and lose the upload if the client gave up; on disk the upload finishes at
// network speed, the client gets 202 with the run's id at once, and memory stays flat either way. Disk use is
// bounded by IMPORT_UPLOAD_BYTES_MAX per upload times IMPORT_RUNS_CONCURRENT_MAX. If the process dies mid-run,
// the run stays "running" with its last committed counters; uploading the same file again finishes it exactly
// once (the rows' keys do not depend on the run).
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { Database } from '../db/database.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { actorOf, requireRole } from '../http/auth.ts';
import { appendAudit } from '../audit/queries.ts';
import { isMappingError, parseMapSpec } from './mapping.ts';
import type { ImportFormat } from './parse.ts';
import { checkImport, IMPORT_BATCH_ROWS_DEFAULT, IMPORT_WRITERS_DEFAULT, isImportError, runImport, type CheckedImport, type ImportRequest } from './pipeline.ts';
import { findImport, insertImport, listImports, listRejects, setImportStatus, type ImportRow } from './queries.ts';
import { parseCursor } from '../http/format.ts';
import { cursorParameter, pageOf, pageProperties } from '../http/pagination.ts';

/** A page of the imports list; imports are a few a day, so a page covers weeks. */
const IMPORTS_PAGE_ROWS_MAX = 200;
import { REJECTS_HEADER, rejectCsvLine } from './rejects.ts';
import { IMPORT_WRITE_METHOD_DEFAULT } from './writer.ts';
import { runInWorker } from './worker.ts';
import { acceptedSchema, importParams, importQuery, importSchema } from './schemas.ts';

/** The largest upload accepted: 1 GiB, about 20 million GDQ-sized rows. */
export const IMPORT_UPLOAD_BYTES_MAX = 1024 * 1024 * 1024;
/** Background imports one process runs at once; more answer 503 with Retry-After. */
export const IMPORT_RUNS_CONCURRENT_MAX = 2;
/** Rejects read per query when the rejects file is downloaded. */
const REJECTS_PAGE_ROWS = 1_000;

const CONTENT_TYPES: Record<string, ImportFormat> = { 'text/csv': 'csv', 'application/x-ndjson': 'ndjson' };

interface ImportQuery {
  campaign?: string; currency?: string; map?: string; status: 'approved' | 'pending'; key_column?: string;
  batch_rows?: number; name?: string;
}

/** Counts bytes on their way to disk and fails the upload when they pass the limit. */
export class ByteLimit extends Transform {
  readonly #limitBytes: number;
  bytes = 0;

  constructor(limitBytes: number) {
    super();
    this.#limitBytes = limitBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.byteLength;
    if (this.bytes > this.#limitBytes) callback(new AppError('payload_too_large', `the upload is larger than ${this.#limitBytes} bytes`));
    else callback(null, chunk);
  }
}

export function importJson(row: ImportRow): Record<string, unknown> {
  const end = row.finished_at ?? row.updated_at;
  const seconds = Math.max(0, (end.getTime() - row.started_at.getTime()) / 1000);
  return {
    id: String(row.id), campaign_id: row.campaign_id === null ? null : String(row.campaign_id), status: row.status,
    format: row.format, source_name: row.source_name, options: row.options,
    rows_read: Number(row.rows_read), imported: Number(row.imported), duplicates_skipped: Number(row.duplicates),
    rejected: Number(row.rejected), bytes_read: Number(row.bytes_read),
    bytes_total: row.bytes_total === null ? null : Number(row.bytes_total), error: row.error,
    started_at: row.started_at.toISOString(), updated_at: row.updated_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null, seconds,
    rows_per_second: seconds > 0 ? Math.round(Number(row.rows_read) / seconds) : 0,
    rejects_url: `/api/imports/${row.id}/rejects`,
  };
}

function importRequestOf(request: FastifyRequest<{ Querystring: ImportQuery }>, format: ImportFormat): ImportRequest {
  const query = request.query;
  try {
    return {
      campaign: query.campaign, currency: query.currency?.toUpperCase(), map: parseMapSpec(query.map), status: query.status,
      keyColumn: query.key_column, format, batchRows: query.batch_rows ?? IMPORT_BATCH_ROWS_DEFAULT,
      actor: actorOf(request.principal), sourceName: query.name ?? `upload.${format}`,
      bytesTotal: request.headers['content-length'] === undefined ? null : Number(request.headers['content-length']),
      writeMethod: IMPORT_WRITE_METHOD_DEFAULT, writers: IMPORT_WRITERS_DEFAULT, options: { ...query },
    };
  } catch (error) {
    if (isMappingError(error)) throw new AppError('validation_failed', error.message, { field: 'map' });
    throw error;
  }
}

async function checked(database: Database, request: ImportRequest): Promise<CheckedImport> {
  try {
    return await checkImport(database, request);
  } catch (error) {
    if (isImportError(error)) throw new AppError(error.code, error.message);
    throw error;
  }
}

async function* rejectsCsv(database: Database, importId: bigint): AsyncGenerator<string> {
  yield REJECTS_HEADER;
  let after = 0n;
  for (;;) {
    const page = await listRejects(database, importId, after, REJECTS_PAGE_ROWS);
    if (page.length === 0) return;
    yield page.map((row) => rejectCsvLine({ line: Number(row.line_number), raw: row.original_line, reason: row.reason })).join('');
    after = page[page.length - 1]!.line_number;
  }
}

/**
 * On PostgreSQL the import runs in a worker thread (its own connections, a bounded heap, and its parsing off
 * this event loop); PGlite is one connection that this process already holds, so there it runs in-process.
 */
function importInBackground(context: AppContext, checkedImport: CheckedImport, run: ImportRow, path: string, signal: AbortSignal): Promise<unknown> {
  if (context.database.engine === 'pglite') return runImport(context.database, createReadStream(path), checkedImport, run, { signal, feed: context.changes });
  const job = { database: context.config.database, request: checkedImport.request, path, runId: run.id, rejectsPath: null, migrate: false };
  return runInWorker(job, { signal });
}

export async function importRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);
  const uploads = join(tmpdir(), 'amanah-imports');
  const running = new Map<bigint, { controller: AbortController; done: Promise<unknown> }>();
  let receiving = 0;

  // The body is not parsed here: the handler streams it to disk (Fastify's bodyLimit does not apply to it).
  app.addContentTypeParser(Object.keys(CONTENT_TYPES), (_request, payload, done) => done(null, payload));
  app.addHook('onClose', async () => {
    for (const run of running.values()) run.controller.abort(new Error('the server stopped; upload the file again to finish'));
    await Promise.allSettled([...running.values()].map((run) => run.done));
  });

  app.post<{ Querystring: ImportQuery; Body: Readable }>('/api/imports', {
    preHandler: staff,
    schema: {
      summary: 'Upload a CSV or NDJSON file to import in the background (staff)', tags: ['imports'], security: [{ bearer: [] }],
      description: `Send the file as the raw body with Content-Type text/csv or application/x-ndjson, at most ${IMPORT_UPLOAD_BYTES_MAX} bytes.`,
      querystring: importQuery,
      response: { 202: acceptedSchema, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 413: problemResponse, 415: problemResponse, 422: problemResponse, 503: problemResponse },
    },
  }, async (request, reply) => {
    const format = CONTENT_TYPES[(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()];
    if (format === undefined) throw new AppError('unsupported_media_type', 'send the file as text/csv or application/x-ndjson');
    const importRequest = importRequestOf(request, format);
    if (importRequest.bytesTotal !== null && importRequest.bytesTotal > IMPORT_UPLOAD_BYTES_MAX) {
      throw new AppError('payload_too_large', `the upload is larger than ${IMPORT_UPLOAD_BYTES_MAX} bytes`);
    }
    // A slot is held from here, so uploads still arriving count against the limit too.
    if (running.size + receiving >= IMPORT_RUNS_CONCURRENT_MAX) throw new AppError('overloaded', `${running.size + receiving} imports are running in this process`, {}, 30);
    receiving += 1;
    try {
      return await receive(request, reply, format, importRequest);
    } finally {
      receiving -= 1;
    }
  });

  async function receive(request: FastifyRequest<{ Querystring: ImportQuery; Body: Readable }>, reply: FastifyReply, format: ImportFormat, importRequest: ImportRequest) {
    const checkedImport = await checked(database, importRequest);
    const run = await insertImport(database, {
      campaignId: checkedImport.campaign?.id ?? null, status: 'receiving', format, sourceName: importRequest.sourceName,
      options: importRequest.options, actor: importRequest.actor, bytesTotal: importRequest.bytesTotal,
    });
    // The import row was written in autocommit; its audit row follows at once (issue 12).
    if (request.principal) await appendAudit(database, { actor: request.principal, action: 'import.create', target: `import:${run.id}`, detail: { format, source_name: importRequest.sourceName, campaign_id: checkedImport.campaign ? String(checkedImport.campaign.id) : null } });
    mkdirSync(uploads, { recursive: true });
    const path = join(uploads, `${run.id}-${process.pid}.${format}`);
    const limit = new ByteLimit(IMPORT_UPLOAD_BYTES_MAX);
    try {
      await pipeline(request.body, limit, createWriteStream(path));
    } catch (error) {
      await unlink(path).catch(() => {});
      await setImportStatus(database, run.id, 'failed', { error: `upload: ${error instanceof Error ? error.message : String(error)}` });
      throw error;
    }
    await setImportStatus(database, run.id, 'running', { bytesTotal: limit.bytes });
    const controller = new AbortController();
    const job = { ...checkedImport, request: { ...importRequest, bytesTotal: limit.bytes } };
    const done = importInBackground(context, job, run, path, controller.signal)
      .catch((error: unknown) => request.log.warn({ err: error, importId: String(run.id) }, 'import failed'))
      .finally(() => {
        running.delete(run.id);
        return unlink(path).catch(() => {});
      });
    running.set(run.id, { controller, done });
    reply.code(202).header('location', `/api/imports/${run.id}`);
    return { id: String(run.id), status: 'running', url: `/api/imports/${run.id}` };
  }

  app.get<{ Querystring: { limit: number; cursor?: string } }>('/api/imports', {
    preHandler: staff,
    schema: {
      summary: 'Imports, newest first, with their progress and summary (staff)', tags: ['imports'], security: [{ bearer: [] }],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { limit: { type: 'integer', minimum: 1, maximum: IMPORTS_PAGE_ROWS_MAX, default: 50 }, cursor: cursorParameter('^[0-9]{1,19}$') },
      },
      response: {
        200: { type: 'object', required: ['imports', 'next_cursor', 'has_more'], properties: { imports: { type: 'array', items: importSchema }, ...pageProperties } },
        400: problemResponse, 401: problemResponse,
      },
    },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const page = pageOf(await listImports(database, limit + 1, parseCursor(cursor, 'cursor')), limit, (row) => String(row.id));
    return { imports: page.rows.map(importJson), next_cursor: page.next_cursor, has_more: page.has_more };
  });

  app.get<{ Params: { id: string } }>('/api/imports/:id', {
    preHandler: staff,
    schema: {
      summary: 'Progress and summary of an import (staff)', tags: ['imports'], security: [{ bearer: [] }],
      params: importParams, response: { 200: importSchema, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    const run = await findImport(database, request.params.id);
    if (!run) throw new AppError('import_not_found', `no import with id "${request.params.id}"`);
    return importJson(run);
  });

  app.get<{ Params: { id: string } }>('/api/imports/:id/rejects', {
    preHandler: staff,
    schema: {
      summary: 'The rejected rows of an import as CSV: line, original_line, reason (staff)', tags: ['imports'], security: [{ bearer: [] }],
      params: importParams, response: { 200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request, reply) => {
    const run = await findImport(database, request.params.id);
    if (!run) throw new AppError('import_not_found', `no import with id "${request.params.id}"`);
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="import-${run.id}-rejects.csv"`);
    return reply.send(Readable.from(rejectsCsv(database, run.id)));
  });
}
