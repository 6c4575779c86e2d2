// The import pipeline: bytes → records (parse.ts) → fields (mapping.ts) → checked rows (validate.ts) → batches →
// batched writes (writer.ts), streaming end to end. The parser is pulled only when the loop wants records, and a
// full batch is handed over only when fewer than `writers` batches are being written, so at most writers + 1
// batches are in memory: some being written (each in its own transaction on its own connection; PostgreSQL
// runs a backend per connection, so two writers use both cores of a small machine) while the next is built.
// That wait is the backpressure that keeps memory flat whatever the file size.
//
// Sizing: a GDQ row is ~47 bytes in the file and a few hundred bytes of JS objects once prepared; three
// batches of 5,000 rows are under 10 MB. At 40,000-80,000 rows/s a batch commits every 100-250 ms,
// so a kill -9 loses at most the batches in flight, and a rerun skips everything committed before it.
import type { Database } from '../db/database.ts';
import { findCampaign, type CampaignRow } from '../campaigns/queries.ts';
import { PostgresDatabase } from '../db/postgres.ts';
import { ChangeFeed } from '../events/changes.ts';
import { readRecords, type ByteSource, type ImportFormat, type SourceRecord } from './parse.ts';
import { csvFieldReader, ndjsonFieldReader, suggestedTargets, type FieldReader, type MapSpec, type RowFields } from './mapping.ts';
import { prepareRow, type PreparedRow, type ValidationContext } from './validate.ts';
import { findCampaignsByReference, insertImport, setImportStatus, type ImportedStatus, type ImportRow, type Reject } from './queries.ts';
import { OccurrenceCounter } from './keys.ts';
import { batchWriter, type Batch, type BatchOutcome, type BatchWriter } from './writer.ts';
import { IMPORT_BATCH_ROWS_MAX, IMPORT_WRITERS_MAX, type WriteMethod } from './limits.ts';
import { retryWhileUnavailable, type RetryLimits } from '../db/availability.ts';
import { importRetryLimits } from './retry.ts';

export { IMPORT_BATCH_ROWS_DEFAULT, IMPORT_BATCH_ROWS_MAX, IMPORT_WRITERS_DEFAULT, IMPORT_WRITERS_MAX } from './limits.ts';
/** Campaigns remembered by id or slug when a campaign column names them; the cache is cleared past this. */
export const IMPORT_CAMPAIGNS_CACHED_MAX = 10_000;

/** A problem that stops an import before or while it reads the header: bad campaign, mapping, currency. */
export class ImportError extends Error {
  /** The API error this becomes over HTTP. */
  readonly code: 'validation_failed' | 'campaign_not_found' | 'campaign_not_accepting' | 'currency_mismatch';

  constructor(message: string, code: ImportError['code'] = 'validation_failed') {
    super(message);
    this.name = 'ImportError';
    this.code = code;
  }
}

export function isImportError(error: unknown): error is ImportError {
  return error instanceof ImportError;
}

export interface ImportRequest {
  /** Campaign id or slug; undefined when a mapped campaign column names each row's campaign. */
  readonly campaign: string | undefined;
  readonly currency: string | undefined;
  readonly map: MapSpec;
  readonly status: ImportedStatus;
  readonly keyColumn: string | undefined;
  readonly format: ImportFormat;
  readonly batchRows: number;
  readonly actor: string;
  readonly sourceName: string;
  readonly bytesTotal: number | null;
  /** How batches reach PostgreSQL; PGlite always uses unnest. */
  readonly writeMethod: WriteMethod;
  /** Batches written at once on PostgreSQL, each on its own connection (PGlite has one: always 1). */
  readonly writers: number;
  /** The options as given, stored with the run. */
  readonly options: Record<string, unknown>;
  /** Stop before the first row when an unmapped column's name suggests a field (mapping.ts suggestedTargets). */
  readonly strict?: boolean;
}

export interface ImportProgress {
  readonly importId: bigint;
  readonly rowsRead: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly bytesRead: number;
  readonly bytesTotal: number | null;
  readonly seconds: number;
}

export interface ImportSummary extends ImportProgress {
  readonly rowsPerSecond: number;
  /** Columns of the file that fed no field (listed in the summary, so a mapping mistake shows). */
  readonly unmappedColumns?: readonly string[];
}

export interface ImportHooks {
  onProgress?(progress: ImportProgress): void;
  /** A column whose name suggests a field is not mapped (without `strict`; with it the import stops). */
  onWarning?(message: string): void;
  /** Called with each committed batch's rejects, in line order; awaited, so a slow file slows the import. */
  onRejects?(rejects: readonly Reject[]): Promise<void> | void;
  /** Stops the import between chunks (server shutdown); committed batches stay. */
  signal?: AbortSignal;
  /** Where committed batches announce the campaigns they moved; other processes hear it by NOTIFY either way. */
  feed?: ChangeFeed;
  /** How long the import waits for a database that went away before it stops (retry.ts); 60 s unless told. */
  retry?: RetryLimits;
}

/** What an import needs before its first row: the campaign (if one is named) and the checked options. */
export interface CheckedImport {
  readonly request: ImportRequest;
  readonly campaign: CampaignRow | undefined;
}

/** Checks what can be checked before reading: the campaign exists and is active, the currency is its own. */
export async function checkImport(database: Database, request: ImportRequest): Promise<CheckedImport> {
  if (request.batchRows < 1 || request.batchRows > IMPORT_BATCH_ROWS_MAX) {
    throw new ImportError(`batch rows must be from 1 to ${IMPORT_BATCH_ROWS_MAX}`);
  }
  if (request.writers < 1 || request.writers > IMPORT_WRITERS_MAX) throw new ImportError(`writers must be from 1 to ${IMPORT_WRITERS_MAX}`);
  if (request.campaign === undefined) {
    if (!request.map.has('campaign')) throw new ImportError('name a campaign with --campaign, or map a campaign column with --map campaign=COLUMN');
    return { request, campaign: undefined };
  }
  const campaign = await findCampaign(database, request.campaign);
  if (!campaign) throw new ImportError(`no campaign with id or slug "${request.campaign}"`, 'campaign_not_found');
  if (campaign.status !== 'active') throw new ImportError(`campaign "${campaign.slug}" is ${campaign.status}, not active`, 'campaign_not_accepting');
  if (request.currency !== undefined && request.currency !== campaign.currency) {
    throw new ImportError(`campaign "${campaign.slug}" takes ${campaign.currency}, not ${request.currency}`, 'currency_mismatch');
  }
  return { request, campaign };
}

/** Records the run (status running), for a run that did not record itself earlier (the CLI). */
export async function startRun(database: Database, checked: CheckedImport): Promise<ImportRow> {
  const { request, campaign } = checked;
  return insertImport(database, {
    campaignId: campaign?.id ?? null, status: 'running', format: request.format, sourceName: request.sourceName,
    options: request.options, actor: request.actor, bytesTotal: request.bytesTotal,
  });
}

/** Streams `source` into the run's campaign(s); marks the run succeeded or failed. */
export async function runImport(database: Database, source: ByteSource, checked: CheckedImport, run: ImportRow, hooks: ImportHooks = {}): Promise<ImportSummary> {
  const { request } = checked;
  const retry = hooks.retry ?? importRetryLimits();
  const settings = { importId: run.id, status: request.status, feed: hooks.feed ?? new ChangeFeed(), retry };
  const method = database instanceof PostgresDatabase ? request.writeMethod : 'unnest';
  try {
    const writer = batchWriter(database, method, settings);
    const writers = database.engine === 'postgres' ? request.writers : 1;
    const summary = await new ImportLoop(database, checked, run.id, writer, writers, hooks).run(source);
    await retryWhileUnavailable(() => setImportStatus(database, run.id, 'succeeded', { bytesTotal: summary.bytesRead }), retry);
    return summary;
  } catch (error) {
    await setImportStatus(database, run.id, 'failed', { error: error instanceof Error ? error.message : String(error) }).catch(() => {});
    throw error;
  }
}

/** The rows and rejects gathered for the next batch; keys seen in it, to drop in-batch duplicates early. */
class BatchBuilder {
  /** Keys from content and occurrence are unique by construction; only key-column keys can repeat. */
  readonly keyed: boolean;
  rows: PreparedRow[] = [];
  rejects: Reject[] = [];
  keys = new Set<string>();
  duplicates = 0;

  constructor(keyed: boolean) {
    this.keyed = keyed;
  }

  get size(): number {
    return this.rows.length + this.rejects.length + this.duplicates;
  }

  add(row: PreparedRow): void {
    if (!this.keyed) {
      this.rows.push(row);
      return;
    }
    if (this.keys.has(row.key)) {
      this.duplicates += 1;
      return;
    }
    this.keys.add(row.key);
    this.rows.push(row);
  }

  take(bytesRead: number): Batch {
    const batch = { rows: this.rows, rejects: this.rejects, duplicatesInBatch: this.duplicates, bytesRead };
    this.rows = [];
    this.rejects = [];
    this.keys = new Set();
    this.duplicates = 0;
    return batch;
  }
}

class ImportLoop {
  readonly #database: Database;
  readonly #request: ImportRequest;
  readonly #writer: BatchWriter;
  readonly #hooks: ImportHooks;
  readonly #importId: bigint;
  readonly #context: ValidationContext & { campaigns: Map<string, CampaignRow | null> };
  readonly #parse = { bytesRead: 0 };
  readonly #startedAt = performance.now();
  #reader: FieldReader | undefined;
  readonly #builder: BatchBuilder;
  readonly #writers: number;
  /** Batches being written, oldest first. */
  readonly #inFlight: Promise<void>[] = [];
  #totals = { rowsRead: 0, imported: 0, duplicates: 0, rejected: 0 };
  /** Bytes of the file behind the committed batches: progress counts what is done, not what is parsed. */
  #committedBytes = 0;

  constructor(database: Database, checked: CheckedImport, importId: bigint, writer: BatchWriter, writers: number, hooks: ImportHooks) {
    this.#database = database;
    this.#writers = writers;
    this.#builder = new BatchBuilder(checked.request.keyColumn !== undefined);
    this.#request = checked.request;
    this.#writer = writer;
    this.#hooks = hooks;
    this.#importId = importId;
    this.#context = {
      campaign: checked.campaign, campaigns: new Map(), currency: checked.request.currency, now: new Date(), occurrences: new OccurrenceCounter(),
    };
    if (checked.request.format === 'ndjson') this.#reader = ndjsonFieldReader(checked.request.map, checked.request.keyColumn);
  }

  async run(source: ByteSource): Promise<ImportSummary> {
    try {
      for await (const records of readRecords(source, this.#request.format, this.#parse)) {
        this.#hooks.signal?.throwIfAborted();
        await this.#take(records);
      }
      if (this.#builder.size > 0) await this.#flush();
    } finally {
      // Never leave while a batch is still being written: the caller may close the database next.
      await Promise.allSettled(this.#inFlight);
    }
    for (const write of this.#inFlight.splice(0)) await write;
    this.#committedBytes = this.#parse.bytesRead;
    const unmappedColumns = this.#reader?.unmapped ?? [];
    return { ...this.#progress(), rowsPerSecond: this.#totals.rowsRead / Math.max(this.#seconds(), 1e-3), unmappedColumns };
  }

  /** Turns one chunk's records into rows and rejects, flushing a batch whenever one is full. */
  async #take(records: readonly SourceRecord[]): Promise<void> {
    const fields = this.#readFields(records);
    if (this.#context.campaign === undefined) await this.#lookUpCampaigns(fields);
    for (let index = 0; index < records.length; index += 1) {
      const read = fields[index];
      if (read === undefined) continue;
      const record = records[index]!;
      const row = typeof read === 'string' ? read : prepareRow(record, read, this.#context);
      if (typeof row === 'string') this.#builder.rejects.push({ line: record.line, raw: record.raw, reason: row });
      else this.#builder.add(row);
      if (this.#builder.size >= this.#request.batchRows) await this.#flush();
    }
  }

  /** Each record's fields, or why it cannot be read; undefined for the CSV header, which sets the mapping. */
  #readFields(records: readonly SourceRecord[]): (RowFields | string | undefined)[] {
    return records.map((record) => {
      if (record.malformed !== undefined) {
        if (this.#reader === undefined) throw new ImportError(`the header (line ${record.line}) cannot be read: ${record.malformed}`);
        return record.malformed;
      }
      if (this.#reader === undefined) {
        this.#reader = csvFieldReader(record.cells!, this.#request.map, this.#request.keyColumn);
        this.#checkProvides(this.#reader);
        return undefined;
      }
      return this.#reader.read(record);
    });
  }

  #checkProvides(reader: FieldReader): void {
    for (const { column, target } of suggestedTargets(reader)) {
      const message = `column "${column}" looks like ${target} but is not imported; map it with --map ${target}=${column}`;
      if (this.#request.strict === true) throw new ImportError(`${message} (or leave out --strict to import without it)`);
      this.#hooks.onWarning?.(`${message}, or pass --strict to make this an error`);
    }
    if (this.#request.currency === undefined && !reader.provides.has('currency')) {
      throw new ImportError('the file has no currency column: pass --currency (e.g. --currency USD) or map one with --map currency=COLUMN');
    }
    if (this.#context.campaign === undefined && !reader.provides.has('campaign')) {
      throw new ImportError('the file has no campaign column: pass --campaign or map one with --map campaign=COLUMN');
    }
  }

  /** Loads, in one query, the campaigns that this chunk's rows name and the cache does not hold yet. */
  async #lookUpCampaigns(fields: readonly (RowFields | string | undefined)[]): Promise<void> {
    const cache = this.#context.campaigns;
    const wanted = new Set<string>();
    for (const read of fields) {
      const reference = typeof read === 'object' ? read.campaign?.trim() : undefined;
      if (reference && !cache.has(reference)) wanted.add(reference);
    }
    if (wanted.size === 0) return;
    if (cache.size + wanted.size > IMPORT_CAMPAIGNS_CACHED_MAX) cache.clear();
    const found = await retryWhileUnavailable(() => findCampaignsByReference(this.#database, [...wanted]), this.#hooks.retry ?? importRetryLimits());
    for (const reference of wanted) {
      cache.set(reference, found.find((campaign) => String(campaign.id) === reference || campaign.slug === reference) ?? null);
    }
  }

  /** Hands the batch to a writer once fewer than #writers batches are being written (the backpressure point). */
  async #flush(): Promise<void> {
    const batch = this.#builder.take(this.#parse.bytesRead);
    while (this.#inFlight.length >= this.#writers) await this.#inFlight.shift();
    const write = this.#writer.write(batch).then((outcome) => this.#account(outcome, batch.bytesRead));
    // A failure is rethrown where the write is awaited; this only keeps it from counting as unhandled meanwhile.
    write.catch(() => {});
    this.#inFlight.push(write);
  }

  async #account(outcome: BatchOutcome, bytesRead: number): Promise<void> {
    this.#committedBytes = Math.max(this.#committedBytes, bytesRead);
    this.#totals.rowsRead += outcome.rowsRead;
    this.#totals.imported += outcome.imported;
    this.#totals.duplicates += outcome.duplicates;
    this.#totals.rejected += outcome.rejects.length;
    if (outcome.rejects.length > 0) await this.#hooks.onRejects?.([...outcome.rejects].sort((a, b) => a.line - b.line));
    this.#hooks.onProgress?.(this.#progress());
  }

  #seconds(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  #progress(): ImportProgress {
    return {
      importId: this.#importId, ...this.#totals, bytesRead: this.#committedBytes,
      bytesTotal: this.#request.bytesTotal, seconds: this.#seconds(),
    };
  }
}
