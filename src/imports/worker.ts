// An import in a worker thread with a bounded heap. Parsing and validating is a few microseconds of CPU and a
// few hundred bytes of short-lived objects per row; V8 sizes the young generation of the main isolate by the
// machine's memory (up to a 64 MB semi-space here, on 24 GB), and the import's allocation rate makes it grow to
// that: 330-350 MB peak RSS for a 300k- or a 1M-row file run in the main thread, against 187-195 MB in a worker
// whose young generation is capped at IMPORT_WORKER_YOUNG_MB (same files, same throughput within the noise; a
// 128 MB cap was no faster). Through `amanah import` the peak is 229-238 MB for 43k or 1M rows: the CLI's main
// thread holds ~136 MB before any work, because src/cli/main.ts loads every command's modules. The worker also
// keeps the parsing off the server's event loop for HTTP uploads, and it dies with its process: kill -9
// leaves nothing running.
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { DatabaseConfig } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { isMappingError } from './mapping.ts';
import { checkImport, isImportError, runImport, startRun, type ImportHooks, type ImportProgress, type ImportRequest, type ImportSummary } from './pipeline.ts';
import { findImport, setImportStatus, type Reject } from './queries.ts';
import { REJECTS_HEADER, rejectCsvLine } from './rejects.ts';

/** The worker's young generation, in MiB: see the measurement above. */
export const IMPORT_WORKER_YOUNG_MB = 32;
/** The worker's old generation, in MiB: the live data is the batches in flight and the module code, a few tens of MB. */
export const IMPORT_WORKER_OLD_MB = 192;
/** Bytes read from the file at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

export interface ImportJob {
  readonly database: DatabaseConfig;
  readonly request: ImportRequest;
  /** The file to read; null reads the worker's stdin, which the caller feeds. */
  readonly path: string | null;
  /** A run recorded earlier (an HTTP upload); null records a new one. */
  readonly runId: bigint | null;
  readonly rejectsPath: string | null;
  /** Apply pending migrations first (the CLI does; a server has already). */
  readonly migrate: boolean;
}

export type WorkerMessage =
  | { kind: 'started'; importId: bigint }
  | { kind: 'progress'; progress: ImportProgress }
  | { kind: 'finished'; summary: ImportSummary }
  | { kind: 'failed'; message: string; userError: boolean };

/** Writes rejects to a CSV file as batches commit, waiting when the disk is slower than the import. */
function rejectsFile(path: string | null): { write(rejects: readonly Reject[]): Promise<void>; close(): Promise<void> } {
  if (path === null) return { async write() {}, async close() {} };
  const stream: WriteStream = createWriteStream(path);
  stream.write(REJECTS_HEADER);
  return {
    async write(rejects) {
      for (const reject of rejects) {
        if (!stream.write(rejectCsvLine(reject))) await once(stream, 'drain');
      }
    },
    async close() {
      stream.end();
      await once(stream, 'finish');
    },
  };
}

async function execute(database: Database, job: ImportJob, post: (message: WorkerMessage) => void, signal: AbortSignal): Promise<void> {
  if (job.migrate) await migrate(database);
  const checked = await checkImport(database, job.request);
  const run = job.runId === null ? await startRun(database, checked) : await findImport(database, String(job.runId));
  if (!run) throw new Error(`import ${job.runId} is not recorded`);
  if (job.runId !== null) await setImportStatus(database, run.id, 'running');
  post({ kind: 'started', importId: run.id });
  const rejects = rejectsFile(job.rejectsPath);
  try {
    const source = job.path === null ? process.stdin : createReadStream(job.path, { highWaterMark: READ_CHUNK_BYTES });
    const hooks: ImportHooks = { onProgress: (progress) => post({ kind: 'progress', progress }), onRejects: (batch) => rejects.write(batch), signal };
    post({ kind: 'finished', summary: await runImport(database, source, checked, run, hooks) });
  } finally {
    await rejects.close();
  }
}

/** The worker's side: runs the job it was started with, reporting to its parent, then closes its database. */
async function workerMain(job: ImportJob): Promise<void> {
  const port = parentPort!;
  const interrupt = new AbortController();
  port.on('message', (message: { kind: string; reason?: string }) => {
    if (message.kind === 'abort') interrupt.abort(new Error(message.reason ?? 'aborted'));
  });
  const post = (message: WorkerMessage) => port.postMessage(message);
  const database = await openDatabase(job.database);
  try {
    await execute(database, job, post, interrupt.signal);
  } catch (error) {
    if (job.runId !== null) await setImportStatus(database, job.runId, 'failed', { error: error instanceof Error ? error.message : String(error) }).catch(() => {});
    post({ kind: 'failed', message: error instanceof Error ? error.message : String(error), userError: isImportError(error) || isMappingError(error) });
  } finally {
    await database.close();
    port.close();
  }
}

if ((workerData as { amanahImport?: ImportJob } | null)?.amanahImport) await workerMain((workerData as { amanahImport: ImportJob }).amanahImport);

export interface WorkerHooks {
  onStarted?(importId: bigint): void;
  onProgress?(progress: ImportProgress): void;
  /** Aborting stops the import between chunks; what committed stays. */
  signal?: AbortSignal;
  /** Fed to the worker's stdin when the job reads stdin. */
  stdin?: NodeJS.ReadableStream;
}

/** Raised by runInWorker for a problem with the request or the file (bad campaign, mapping, currency). */
export class WorkerImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerImportError';
  }
}

/** Runs an import job in a worker thread with a bounded heap; resolves to its summary. */
export async function runInWorker(job: ImportJob, hooks: WorkerHooks = {}): Promise<ImportSummary> {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { amanahImport: job },
    stdin: job.path === null,
    resourceLimits: { maxYoungGenerationSizeMb: IMPORT_WORKER_YOUNG_MB, maxOldGenerationSizeMb: IMPORT_WORKER_OLD_MB },
  });
  if (job.path === null && hooks.stdin) hooks.stdin.pipe(worker.stdin!);
  const abort = () => worker.postMessage({ kind: 'abort', reason: String(hooks.signal?.reason instanceof Error ? hooks.signal.reason.message : 'aborted') });
  hooks.signal?.addEventListener('abort', abort, { once: true });
  let outcome: { summary: ImportSummary } | { error: Error } | undefined;
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'started') hooks.onStarted?.(message.importId);
    else if (message.kind === 'progress') hooks.onProgress?.(message.progress);
    else if (message.kind === 'finished') outcome = { summary: message.summary };
    else outcome = { error: message.userError ? new WorkerImportError(message.message) : new Error(message.message) };
  });
  const [exitCode] = await Promise.race([
    once(worker, 'exit') as Promise<[number]>,
    once(worker, 'error').then(([error]) => { throw error; }),
  ]);
  hooks.signal?.removeEventListener('abort', abort);
  if (outcome === undefined) throw new Error(`the import worker exited (code ${exitCode}) without a result`);
  if ('error' in outcome) throw outcome.error;
  return outcome.summary;
}
