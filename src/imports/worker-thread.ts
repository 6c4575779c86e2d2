// The import worker thread's side (src/imports/worker.ts starts it): opens its own database connection(s),
// runs the job it was started with through the pipeline, reports to its parent, and closes. Kept apart from
// worker.ts so that the process starting the worker does not load the pipeline, the database drivers and the
// writers it never runs (30 MB of the CLI's memory budget, worker.ts's header).
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { isMappingError } from './mapping.ts';
import { checkImport, isImportError, runImport, startRun, type ImportHooks } from './pipeline.ts';
import { findImport, setImportStatus, type Reject } from './queries.ts';
import { REJECTS_HEADER, rejectCsvLine } from './rejects.ts';
import type { ImportJob, WorkerMessage } from './worker.ts';
import { isDatabaseUnavailable, retryWhileUnavailable, type RetryLimits } from '../db/availability.ts';
import { importRetryLimits } from './retry.ts';

/** Bytes read from the file at a time. */
const READ_CHUNK_BYTES = 256 * 1024;

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

async function execute(database: Database, job: ImportJob, post: (message: WorkerMessage) => void, signal: AbortSignal, retry: RetryLimits): Promise<void> {
  // Nothing is written before startRun, and a run recorded twice by a retried insert is only an unused record.
  const { checked, run } = await retryWhileUnavailable(async () => {
    if (job.migrate) await migrate(database);
    const checked = await checkImport(database, job.request);
    const run = job.runId === null ? await startRun(database, checked) : await findImport(database, String(job.runId));
    if (!run) throw new Error(`import ${job.runId} is not recorded`);
    if (job.runId !== null) await setImportStatus(database, run.id, 'running');
    return { checked, run };
  }, retry);
  post({ kind: 'started', importId: run.id });
  const rejects = rejectsFile(job.rejectsPath);
  try {
    const source = job.path === null ? process.stdin : createReadStream(job.path, { highWaterMark: READ_CHUNK_BYTES });
    // Ctrl-C or SIGTERM: end the read at once, even one waiting for input that never comes (a silent pipe), so
    // the loop stops within the batch being written; what committed stays, and the same command resumes.
    const stopReading = () => source.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) stopReading();
    else signal.addEventListener('abort', stopReading, { once: true });
    const hooks: ImportHooks = { onProgress: (progress) => post({ kind: 'progress', progress }), onWarning: (message) => post({ kind: 'warning', message }), onRejects: (batch) => rejects.write(batch), signal, retry };
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
  const retry = importRetryLimits(job.database.retryWaitMs);
  let database: Database | undefined;
  try {
    database = await retryWhileUnavailable(() => openDatabase(job.database), retry);
    await execute(database, job, post, interrupt.signal, retry);
  } catch (error) {
    if (job.runId !== null && database) await setImportStatus(database, job.runId, 'failed', { error: error instanceof Error ? error.message : String(error) }).catch(() => {});
    if (isDatabaseUnavailable(error)) post({ kind: 'failed', message: unreachableMessage(error, retry), userError: true });
    else post({ kind: 'failed', message: error instanceof Error ? error.message : String(error), userError: isImportError(error) || isMappingError(error) });
  } finally {
    await database?.close();
    port.close();
    // An import that stopped before the end of stdin (a bad header, an interrupt) would otherwise keep this thread,
    // and so the command, waiting forever on the pipe from the parent (destroying the stream does not release it).
    // Messages posted before are still delivered.
    if (job.path === null) process.exit(0);
  }
}

/** The one line an import that gave up on the database ends with. */
function unreachableMessage(error: unknown, retry: RetryLimits): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return `the database could not be reached for ${Math.round(retry.waitMsMax / 1000)} s (${reason}); ` +
    'every batch committed so far is kept: run the same command again to resume';
}

await workerMain((workerData as { amanahImport: ImportJob }).amanahImport);
