// The donations export: CSV (RFC 4180, UTF-8, optional BOM) streamed into any Writable (an HTTP response, a
// file, stdout) in constant memory, with backpressure: nothing is read from the database faster than the
// destination takes it.
//
// PostgreSQL: one `COPY (select …) TO STDOUT WITH (FORMAT csv, HEADER)` on one pooled connection, piped through
// the LF → CRLF rewrite into the destination. The server formats every cell (queries.ts), so no row becomes a
// JavaScript object; a slow client pauses the socket to PostgreSQL and the export holds its one connection and
// no more. COPY is one statement, so the file is one consistent snapshot.
//
// PGlite: pages of EXPORT_PAGE_ROWS rows by keyset on the id, through the same CSV writer, asked for only when
// the destination wants more. Between pages the single connection is free for other requests, so a long export
// interleaves with them instead of holding the database; the price is that the file is not one snapshot (a row
// approved during the export shows the status it had when its page was read).
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Database, Queryable } from '../db/database.ts';
import type { PostgresDatabase } from '../db/postgres.ts';
import { AppError } from '../errors.ts';
import { findCampaign } from '../campaigns/queries.ts';
import { parseDateRange } from '../http/date-range.ts';
import { CopyCsvToCrlf, csvRecord, UTF8_BOM } from './csv.ts';
import { EXPORT_COLUMNS, EXPORT_STATUSES, exportCopySql, exportPage, type ExportFilter, type ExportStatus } from './queries.ts';

/**
 * Rows per page on the paged path. Measured on PGlite (Node 24, 2 busy cores) exporting 100,000 rows: 500 rows a
 * page 2.2 s, 2,000 rows 2.0 s, 10,000 rows 3.5 s (bigger pages cost PGlite's WebAssembly heap more than round
 * trips save). 2,000 rows are about 220 kB of CSV.
 */
export const EXPORT_PAGE_ROWS = 2_000;

/**
 * The COPY runs under this statement timeout instead of the pool's (15 s by default), because an export of
 * millions of rows to a slow client legitimately takes minutes; past 30 minutes it is cut off.
 */
export const EXPORT_STATEMENT_TIMEOUT_MS = 30 * 60_000;

export interface ExportOptions {
  /** Write the UTF-8 byte order mark first, for spreadsheets that otherwise guess another encoding. */
  bom: boolean;
  /**
   * Leave the destination open when the export is done (the caller ends it). The HTTP route uses this so that
   * the response ends only after the export has committed and let go of its connection and its slot: a client
   * that starts the next export the moment one ends never finds the slot still taken.
   */
  leaveOpen?: boolean;
}

export interface ExportResult {
  rows: number;
  path: 'copy' | 'pages';
}

function isPostgres(database: Database): database is PostgresDatabase {
  return database.engine === 'postgres' && typeof (database as Partial<PostgresDatabase>).withClient === 'function';
}

/** Streams the donations `filter` selects as CSV into `destination`, ending it; rejects if either side fails. */
export async function writeDonationsCsv(database: Database, filter: ExportFilter, options: ExportOptions, destination: Writable): Promise<ExportResult> {
  if (isPostgres(database)) return copyExport(database, filter, options, destination);
  return pagedExport(database, filter, options, destination, EXPORT_PAGE_ROWS);
}

async function copyExport(database: PostgresDatabase, filter: ExportFilter, options: ExportOptions, destination: Writable): Promise<ExportResult> {
  return database.withClient(async (client) => {
    await client.query('begin transaction read only');
    await client.query(`set local statement_timeout = ${EXPORT_STATEMENT_TIMEOUT_MS}`);
    // One server process per export: without this PostgreSQL may add parallel workers to the scan, and an
    // export (a background chore) would take more than one core from the requests that share the server. The
    // price, measured with psql on 1M rows (2 cores): 3.8 s on one process against 2.4 s with parallel workers.
    await client.query('set local max_parallel_workers_per_gather = 0');
    const copy = client.query(copyTo(exportCopySql(filter)));
    // pg reports a dead connection to the active query as an 'error' event, which may come after the pipeline
    // has let go of the stream; without a listener it would crash the process.
    copy.on('error', ignore);
    try {
      await pipeline(copy, new CopyCsvToCrlf(options.bom ? UTF8_BOM : undefined), destination, { end: options.leaveOpen !== true });
      await client.query('commit');
      return { rows: copy.rowCount, path: 'copy' as const };
    } catch (error) {
      await abandon(client);
      throw error;
    }
  });
}

function ignore(): void {}

/**
 * Closes the connection of an export that stopped half way (the client went away, the destination failed). The
 * connection is in the middle of a COPY, so it cannot go back to the pool: its socket is destroyed, which makes
 * the server end the COPY and makes the pool discard the client when withClient releases it.
 */
async function abandon(client: pg.PoolClient): Promise<void> {
  client.on('error', ignore);
  const socket = client.connection.stream;
  if (socket.closed) return;
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

/** The paged path; `pageRows` is a parameter so that tests can cross page boundaries with few rows. */
export async function pagedExport(db: Queryable, filter: ExportFilter, options: ExportOptions, destination: Writable, pageRows: number): Promise<ExportResult> {
  const counter = { rows: 0 };
  await pipeline(Readable.from(pagedCsv(db, filter, options, pageRows, counter), { objectMode: false }), destination, { end: options.leaveOpen !== true });
  return { rows: counter.rows, path: 'pages' };
}

async function* pagedCsv(db: Queryable, filter: ExportFilter, options: ExportOptions, pageRows: number, counter: { rows: number }): AsyncGenerator<Buffer> {
  const header = Buffer.from(csvRecord(EXPORT_COLUMNS), 'utf8');
  yield options.bom ? Buffer.concat([UTF8_BOM, header]) : header;
  let afterId = 0n;
  // Each turn reads one page; the loop ends at the first short page, so it runs rows / pageRows + 1 times.
  for (;;) {
    const rows = await exportPage(db, filter, afterId, pageRows);
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) text += csvRecord(EXPORT_COLUMNS.map((column) => row[column]));
    counter.rows += rows.length;
    yield Buffer.from(text, 'utf8');
    if (rows.length < pageRows) return;
    afterId = BigInt(rows[rows.length - 1]!.id!);
  }
}

/** The export's filter as people give it: text from a query string or command-line flags. */
export interface ExportRequest {
  campaign?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Validates the request and resolves the campaign (by id or slug); a campaign that does not exist is a 404. */
export async function resolveExportFilter(db: Queryable, request: ExportRequest): Promise<ExportFilter> {
  const filter: ExportFilter = {};
  if (request.status !== undefined) {
    if (!(EXPORT_STATUSES as readonly string[]).includes(request.status)) {
      throw new AppError('validation_failed', `status must be one of ${EXPORT_STATUSES.join(', ')}`, { field: 'status' });
    }
    filter.status = request.status as ExportStatus;
  }
  const range = parseDateRange(request.from, request.to);
  filter.from = range.from;
  filter.to = range.to;
  if (request.campaign !== undefined) {
    const campaign = await findCampaign(db, request.campaign);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.campaign}"`, { field: 'campaign' });
    filter.campaignId = campaign.id;
  }
  return filter;
}
