// Batched writes of prepared rows, one transaction per batch: the new donations (and donors known by email
// or reference), the campaign totals, the run's counters and the batch's rejects commit together or not at
// all, so a process killed at any moment leaves only whole batches behind, and the same file imported again
// skips them by key.
//
// Three ways to write a batch were built and measured (bench/import.ts prints these figures; PostgreSQL 15
// with its default settings on this 2-core machine; 200,000 generated GDQ-shaped rows into one empty campaign,
// approved, donors known by name only, 5,000-row batches). rows/s; the first figure of each pair is from an
// earlier session (a donors row and a campaign_donors row per donation, a machine shared with other work),
// the second from 2026-11-25 after migration 0004 (one row per donation, a quiet machine):
//
//   method                                              1 writer        2 writers       3 writers
//   copy:    COPY straight into the table               30,119 57,425   43,759 95,156   43,610 89,475
//            (direct-copy.ts)
//   staging: COPY into a temp table, then one           26,524 48,181   30,138 75,793
//            INSERT … SELECT … ON CONFLICT statement
//   unnest:  the rows as eleven array parameters of     25,091 44,417   28,401 75,983
//            that same statement
//
// Sending one batch of 5,000 rows alone (median of 40, server-side read included): 22.5 ms as arrays, 12.7 ms
// by COPY. COPY wins twice: cheaper to encode and parse, and a COPY into the real table is written with
// multi-row heap inserts, where INSERT … SELECT … ON CONFLICT inserts, checks and logs each tuple on its own.
// Two writers use both cores (a PostgreSQL backend each); a third only adds contention. Batches of 2,000 rows
// measured 78,861 and 79,955 rows/s, of 10,000 89,504 and 98,930, against 96,686 and 95,156 for 5,000 (2
// writers, two runs): 10,000 is not reliably faster and holds twice the rows in memory, so copy, 2 writers,
// and 5,000 rows (limits.ts, IMPORT_BATCH_ROWS_DEFAULT).
//
// Against the reference, raw COPY of the same donation rows into the same table in one stream, a 1M-row
// `amanah import` ran at 0.83-0.87 of its rate (77,202 vs 93,167 rows/s; 77,888 vs 89,421) once donors known by
// name only stopped costing a donors row, a campaign_donors row and two more foreign-key checks per donation
// (0.34-0.52 before), and at 0.86 (81,786 vs 94,964) once the row fingerprint stopped being a Buffer per row
// (keys.ts). What is left is the import's own CPU on the same two cores: the worker thread spends ~3 µs a row
// parsing, validating, hashing and encoding, and ~2.9 µs in the garbage collector (1M rows, profiled).
// The statement paths stay: staging is copy's fallback when a batch meets a taken key or a refused value, and
// unnest is PGlite's only path (no COPY FROM STDIN through its driver).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Queryable } from '../db/database.ts';
import { PostgresDatabase } from '../db/postgres.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import { ChangeSet, type ChangeEvent, type ChangeFeed } from '../events/changes.ts';
import type { PreparedRow } from './validate.ts';
import {
  BATCH_COLUMNS, CREATE_STAGING, STAGING_TABLE, copyLines, writeBatchFromStaging, writeBatchUnnest,
  type BatchCounters, type ImportedStatus, type Reject,
} from './queries.ts';
import { writeBatchDirect } from './direct-copy.ts';
import type { WriteMethod } from './limits.ts';
import type { RetryLimits } from '../db/availability.ts';
import { BEGIN_WITH_TXID, importRetryLimits, txidOf, writeRetrying, type CommitProbe } from './retry.ts';

export { IMPORT_WRITE_METHOD_DEFAULT, type WriteMethod } from './limits.ts';

/** One batch: valid rows (unique keys within the batch), the rows rejected while reading it, and counters. */
export interface Batch {
  readonly rows: readonly PreparedRow[];
  readonly rejects: readonly Reject[];
  /** Valid rows dropped before the write because an earlier row of the same batch had their key. */
  readonly duplicatesInBatch: number;
  /** Bytes of the file read when the batch was closed. */
  readonly bytesRead: number;
}

export interface BatchOutcome {
  readonly imported: number;
  readonly duplicates: number;
  /** The batch's rejects, plus any row the database refused (found by splitting the batch). */
  readonly rejects: readonly Reject[];
  readonly rowsRead: number;
}

export interface BatchWriter {
  readonly method: WriteMethod;
  write(batch: Batch): Promise<BatchOutcome>;
}

export interface WriterSettings {
  readonly importId: bigint;
  readonly status: ImportedStatus;
  /** Told which campaigns a committed batch moved (caches, the live dashboard, other processes). */
  readonly feed: ChangeFeed | undefined;
  /** How long, and how often, a batch that lost its connection is tried again (retry.ts). */
  readonly retry?: RetryLimits;
}

/** Announces, inside the batch's transaction (so only if it commits), the campaigns the batch moved. */
async function publishBatch(tx: Queryable, feed: ChangeFeed | undefined, rows: readonly PreparedRow[], imported: number): Promise<ChangeEvent | undefined> {
  if (feed === undefined || imported === 0) return undefined;
  const changes = new ChangeSet();
  for (const row of rows) changes.campaign(row.campaignId);
  return feed.publish(tx, changes);
}

/** One batch transaction; `probe` records how far it got, for the retry after a lost connection (retry.ts). */
type WriteOnce = (rows: readonly PreparedRow[], rejects: readonly Reject[], offered: number, bytesRead: number, probe?: CommitProbe) => Promise<number>;

/** `writeOnce`, written again while the database is away: each transaction on its own (retry.ts). */
function retrying(database: Database, settings: WriterSettings, writeOnce: WriteOnce): WriteOnce {
  const limits = settings.retry ?? importRetryLimits();
  return (rows, rejects, offered, bytesRead) => writeRetrying(database, limits, (probe) => writeOnce(rows, rejects, offered, bytesRead, probe));
}

/** Data errors (class 22) and constraint violations (class 23) are about rows; anything else stops the import. */
function isRowError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** The reject reason for a row the database refused; an overflowing total says so in the API's terms (total_overflow). */
function rowRefusal(error: unknown): string {
  if (sqlState(error) === SqlState.NUMERIC_VALUE_OUT_OF_RANGE) return 'total_overflow: the campaign total would pass the largest amount a total holds (9223372036854775807 minor units)';
  return `database: ${(error as Error).message}`;
}

/**
 * Writes a batch; if the database refuses it for a row's data (a check the validator missed), splits it in
 * halves and retries each, down to the single row, which becomes a reject with the database's reason. At most
 * 2·log2(batch) extra transactions per bad row, and a bad row never stops the import.
 */
async function writeSplitting(writeOnce: WriteOnce, rows: readonly PreparedRow[], rejects: readonly Reject[], offered: number, bytesRead: number): Promise<{ imported: number; rejects: Reject[] }> {
  try {
    return { imported: await writeOnce(rows, rejects, offered, bytesRead), rejects: [...rejects] };
  } catch (error) {
    if (!isRowError(error) || rows.length === 0) throw error;
    if (rows.length === 1) {
      const row = rows[0]!;
      const refused = [...rejects, { line: row.line, raw: row.raw, reason: rowRefusal(error).slice(0, 1000) }];
      await writeOnce([], refused, offered - 1, bytesRead);
      return { imported: 0, rejects: refused };
    }
    const middle = Math.ceil(rows.length / 2);
    const first = await writeSplitting(writeOnce, rows.slice(0, middle), rejects, offered - (rows.length - middle), bytesRead);
    const second = await writeSplitting(writeOnce, rows.slice(middle), [], rows.length - middle, bytesRead);
    return { imported: first.imported + second.imported, rejects: [...first.rejects, ...second.rejects] };
  }
}

async function writeWith(writeOnce: WriteOnce, batch: Batch): Promise<BatchOutcome> {
  const offered = batch.rows.length + batch.duplicatesInBatch;
  const result = await writeSplitting(writeOnce, batch.rows, batch.rejects, offered, batch.bytesRead);
  return {
    imported: result.imported,
    duplicates: offered - result.imported - (result.rejects.length - batch.rejects.length),
    rejects: result.rejects,
    rowsRead: offered + batch.rejects.length,
  };
}

/** The unnest path: each batch in one transaction through the Database interface (both engines). */
export function unnestWriter(database: Database, settings: WriterSettings): BatchWriter {
  const writeOnce: WriteOnce = async (rows, rejects, offered, bytesRead, probe) => {
    let event: ChangeEvent | undefined;
    const imported = await database.transaction(async (tx) => {
      // PGlite has one in-process connection, which is never lost: no id to ask about later.
      if (probe && database.engine === 'postgres') probe.txid = (await tx.query<{ txid: string }>('select txid_current()::text as txid')).rows[0]?.txid;
      const counters = { importId: settings.importId, status: settings.status, rowsRead: offered + rejects.length, bytesRead, offered };
      const count = await writeBatchUnnest(tx, settings.status, rows, rejects, counters);
      event = await publishBatch(tx, settings.feed, rows, count);
      probe?.sendingCommit(count, () => settings.feed?.emitLocal(event));
      return count;
    });
    settings.feed?.emitLocal(event);
    return imported;
  };
  return { method: 'unnest', write: (batch) => writeWith(retrying(database, settings, writeOnce), batch) };
}

/** Deadlocks between concurrent batches (rows of one donor in both) are retried this many times in all. */
const TRANSACTION_ATTEMPTS_MAX = 3;

function queryable(client: PoolClient): Queryable {
  return {
    query: async <Row>(text: string, params?: readonly unknown[]) => {
      const result = await client.query(text, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

type BatchWork = (client: PoolClient, tx: Queryable, rows: readonly PreparedRow[], rejects: readonly Reject[], counters: BatchCounters) => Promise<number>;

/** The staging path: COPY the rows into a session-local table (emptied at commit), then the batch statement. */
const writeStaged: BatchWork = async (client, tx, rows, rejects, counters) => {
  await client.query(CREATE_STAGING);
  if (rows.length > 0) {
    await pipeline(Readable.from([copyLines(rows)]), client.query(copyFrom(`copy ${STAGING_TABLE} (${BATCH_COLUMNS}) from stdin`)));
  }
  return writeBatchFromStaging(tx, counters.status, rejects, counters);
};

/** Runs `work` for one batch in its own transaction on a pooled connection, retrying deadlocks. */
function inTransaction(database: PostgresDatabase, settings: WriterSettings, work: BatchWork): WriteOnce {
  const attempt: WriteOnce = (rows, rejects, offered, bytesRead, probe) => database.withClient(async (client) => {
    const begun: unknown = await client.query(BEGIN_WITH_TXID);
    if (probe) probe.txid = txidOf(begun);
    try {
      const tx = queryable(client);
      const counters = { importId: settings.importId, status: settings.status, rowsRead: offered + rejects.length, bytesRead, offered };
      const imported = await work(client, tx, rows, rejects, counters);
      const event = await publishBatch(tx, settings.feed, rows, imported);
      probe?.sendingCommit(imported, () => settings.feed?.emitLocal(event));
      await client.query('commit');
      settings.feed?.emitLocal(event);
      return imported;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    }
  });
  return async (...args) => {
    for (let attempts = 1; ; attempts += 1) {
      try {
        return await attempt(...args);
      } catch (error) {
        if (sqlState(error) !== SqlState.DEADLOCK_DETECTED || attempts >= TRANSACTION_ATTEMPTS_MAX) throw error;
      }
    }
  };
}

/**
 * The COPY paths (PostgreSQL only). 'copy' writes each batch by COPY straight into the tables (direct-copy.ts)
 * and, if that batch meets a key taken meanwhile or a value the database refuses, writes it again through the
 * staging path, whose statement skips taken keys and whose failures are split down to the bad row. Batches
 * skip the taken-keys look-up until one meets a taken key, and take it up again until one finds none.
 */
export function copyWriter(database: PostgresDatabase, settings: WriterSettings, method: 'copy' | 'staging'): BatchWriter {
  const staged = inTransaction(database, settings, writeStaged);
  if (method === 'staging') return { method, write: (batch) => writeWith(retrying(database, settings, staged), batch) };
  let lookUpKeys = false;
  const direct = inTransaction(database, settings, async (client, tx, rows, rejects, counters) => {
    const outcome = await writeBatchDirect(client, tx, counters.status, rows, rejects, counters, lookUpKeys);
    if (outcome.taken === 0) lookUpKeys = false;
    return outcome.imported;
  });
  const writeOnce: WriteOnce = async (...args) => {
    try {
      return await direct(...args);
    } catch (error) {
      if (!isRowError(error)) throw error;
      if (sqlState(error) === SqlState.UNIQUE_VIOLATION) lookUpKeys = true;
      return staged(...args);
    }
  };
  return { method, write: (batch) => writeWith(retrying(database, settings, writeOnce), batch) };
}

/** The writer for this engine and method; PGlite always gets unnest. */
export function batchWriter(database: Database, method: WriteMethod, settings: WriterSettings): BatchWriter {
  if (method !== 'unnest' && database instanceof PostgresDatabase) return copyWriter(database, settings, method);
  return unnestWriter(database, settings);
}
