// An import in a worker thread with a bounded heap. Parsing and validating is a few microseconds of CPU and a
// few hundred bytes of short-lived objects per row; V8 sizes the young generation of the main isolate by the
// machine's memory (up to a 64 MB semi-space here, on 24 GB), and the import's allocation rate makes it grow to
// that: 330-350 MB peak RSS for a 300k- or a 1M-row file run in the main thread, against 187-195 MB in a worker
// whose young generation is capped at IMPORT_WORKER_YOUNG_MB (same files, same throughput within the noise; a
// 128 MB cap was no faster). Through `amanah import` (2026-11-25, after migration 0004 and the hex row
// fingerprint): 1M rows peak at 191-196 MB and 10M rows at 198 MB (83,344 rows/s), so memory stays flat with
// the file's size. A 64 MB cap imported 1M rows ~4% faster (90-94k against 87-88k rows/s) at 228-237 MB, too
// close to the 256 MB budget to keep.
//
// This file is the parent's side; the thread runs worker-thread.ts, so the process that starts it (the CLI's
// main thread, 89 MB before work) does not load the pipeline and drivers it never runs. The worker also keeps
// the parsing off the server's event loop for HTTP uploads, and it dies with its process: kill -9 leaves
// nothing running.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { DatabaseConfig } from '../config.ts';
import type { ImportProgress, ImportRequest, ImportSummary } from './pipeline.ts';

/** The worker's young generation, in MiB: see the measurement above. */
export const IMPORT_WORKER_YOUNG_MB = 32;
/** The worker's old generation, in MiB: the live data is the batches in flight and the module code, a few tens of MB. */
export const IMPORT_WORKER_OLD_MB = 192;
/** After Ctrl-C or SIGTERM the worker gets this long to finish the batch it is writing before it is ended. */
export const IMPORT_STOP_GRACE_MS = 1_000;

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
  | { kind: 'warning'; message: string }
  | { kind: 'finished'; summary: ImportSummary }
  | { kind: 'failed'; message: string; userError: boolean };

export interface WorkerHooks {
  onStarted?(importId: bigint): void;
  onProgress?(progress: ImportProgress): void;
  onWarning?(message: string): void;
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
  const worker = new Worker(new URL('./worker-thread.ts', import.meta.url), {
    workerData: { amanahImport: job },
    stdin: job.path === null,
    resourceLimits: { maxYoungGenerationSizeMb: IMPORT_WORKER_YOUNG_MB, maxOldGenerationSizeMb: IMPORT_WORKER_OLD_MB },
  });
  if (job.path === null && hooks.stdin) {
    hooks.stdin.pipe(worker.stdin!);
    // The worker may stop before the end of the input (a bad header): writing on would fail with EPIPE.
    worker.stdin!.on('error', () => {});
  }
  let hardStop: NodeJS.Timeout | undefined;
  const abort = () => {
    worker.postMessage({ kind: 'abort', reason: String(hooks.signal?.reason instanceof Error ? hooks.signal.reason.message : 'aborted') });
    // The worker stops within the batch being written. On PostgreSQL one that does not is ended as kill -9 would
    // end it, which loses only uncommitted batches (test/imports/kill.test.ts), so that an interrupt never hangs.
    // PGlite runs inside the worker: ending it mid-write may leave the folder unusable, so there it always finishes.
    if (job.database.url?.startsWith('postgres')) hardStop = setTimeout(() => void worker.terminate(), IMPORT_STOP_GRACE_MS);
  };
  hooks.signal?.addEventListener('abort', abort, { once: true });
  let outcome: { summary: ImportSummary } | { error: Error } | undefined;
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'started') hooks.onStarted?.(message.importId);
    else if (message.kind === 'progress') hooks.onProgress?.(message.progress);
    else if (message.kind === 'warning') hooks.onWarning?.(message.message);
    else if (message.kind === 'finished') outcome = { summary: message.summary };
    else outcome = { error: message.userError ? new WorkerImportError(message.message) : new Error(message.message) };
  });
  const [exitCode] = await Promise.race([
    once(worker, 'exit') as Promise<[number]>,
    once(worker, 'error').then(([error]) => { throw error; }),
  ]);
  hooks.signal?.removeEventListener('abort', abort);
  clearTimeout(hardStop);
  if (job.path === null && hooks.stdin) hooks.stdin.unpipe(worker.stdin!);
  if (outcome === undefined && hooks.signal?.aborted) throw new WorkerImportError(String(hooks.signal.reason instanceof Error ? hooks.signal.reason.message : hooks.signal.reason));
  if (outcome === undefined) throw new Error(`the import worker exited (code ${exitCode}) without a result`);
  if ('error' in outcome) throw outcome.error;
  return outcome.summary;
}
