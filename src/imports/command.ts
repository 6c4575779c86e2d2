// `amanah import <file|-> --campaign <id|slug>`: the import pipeline on the command line. Progress goes to stderr
// (a bar on a terminal, JSON lines otherwise), the summary to stdout, rejects to --rejects FILE (and always to
// the run's record in the database). Ctrl-C stops between batches; what committed stays, and the same command
// again finishes the job without duplicating anything.
import { statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { Config } from '../config.ts';
import type { ImportFormat } from './parse.ts';
import { isMappingError, parseMapSpec } from './mapping.ts';
import type { ImportRequest, ImportSummary } from './pipeline.ts';
import {
  IMPORT_BATCH_ROWS_DEFAULT, IMPORT_BATCH_ROWS_MAX, IMPORT_WRITE_METHOD_DEFAULT, IMPORT_WRITERS_DEFAULT, IMPORT_WRITERS_MAX,
  type WriteMethod,
} from './limits.ts';
import { barProgress, jsonProgress, summaryJson, summaryLine, type ProgressSink } from './progress.ts';
import { runInWorker, WorkerImportError } from './worker.ts';

const text = { type: 'string' } as const;

export const importCommand = {
  summary: 'Import donations from a CSV or NDJSON file (or - for stdin), exactly once',
  usage: 'amanah import <file|-> --campaign <id|slug> [--currency USD] [--map target=column,…] [--status approved|pending]\n' +
    '       [--rejects FILE] [--key-column COLUMN] [--format csv|ndjson] [--strict] [--batch-rows N] [--writers N] [--progress auto|bar|json]\n' +
    '       [--write-method copy|staging|unnest] [--json]\n' +
    '  map targets: amount, amount_minor, currency, donor_name, donor_email, donor_ref, anonymous, external_ref, donated_at, campaign',
  options: {
    help: { type: 'boolean', short: 'h' } as const,
    campaign: text, currency: text, map: text, status: text, rejects: text, 'key-column': text, format: text,
    'batch-rows': text, progress: text, 'write-method': text, writers: text, strict: { type: 'boolean' } as const, json: { type: 'boolean' } as const,
  },
  async run(config: Config, values: Record<string, unknown>, positionals: string[]): Promise<number> {
    let request: ImportRequest;
    let sink: ProgressSink;
    try {
      request = importRequest(values, positionals);
      sink = progressSink(values);
    } catch (error) {
      if (error instanceof FileProblem) {
        console.error(`amanah import: ${error.message}`);
        return 1;
      }
      if (!(error instanceof UsageProblem) && !isMappingError(error)) throw error;
      console.error(`amanah import: ${error.message}\nusage: ${importCommand.usage}`);
      return 2;
    }
    const path = positionals[0]!;
    const rejects = flag(values, 'rejects');
    try {
      const summary = await importInWorker(config, request, path === '-' ? null : path, rejects === undefined ? null : resolve(rejects), sink);
      sink.finished(summary);
      console.log(values.json === true ? JSON.stringify(summaryJson(summary)) : summaryLine(summary));
      return 0;
    } catch (error) {
      if (!(error instanceof WorkerImportError)) throw error;
      console.error(`amanah import: ${error.message}`);
      return 1;
    }
  },
};

/** Runs the import in a worker thread; Ctrl-C (or SIGTERM) stops it between batches. */
async function importInWorker(config: Config, request: ImportRequest, path: string | null, rejectsPath: string | null, sink: ProgressSink): Promise<ImportSummary> {
  const interrupt = new AbortController();
  const stop = () => interrupt.abort(new Error('interrupted; run the same command again to finish'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await runInWorker({ database: config.database, request, path, runId: null, rejectsPath, migrate: true }, {
      onStarted: (importId) => sink.started(importId, request.sourceName, request.status),
      onProgress: (progress) => sink.progress(progress),
      onWarning: (message) => sink.warning(message),
      signal: interrupt.signal,
      stdin: path === null ? process.stdin : undefined,
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

class UsageProblem extends Error {}

/** The file cannot be read: a failure (exit 1) in one line, not the stat call's stack. */
class FileProblem extends Error {}

function fileSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new FileProblem(`${path} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    throw new FileProblem(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

function flag(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const value = flag(values, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageProblem(`--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function wholeNumber(values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const value = flag(values, name);
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,8}$/.test(value) || Number(value) > max) throw new UsageProblem(`--${name} must be from 1 to ${max}`);
  return Number(value);
}

function formatOf(values: Record<string, unknown>, path: string): ImportFormat {
  const extension = extname(path).toLowerCase();
  const guessed = extension === '.ndjson' || extension === '.jsonl' ? 'ndjson' : 'csv';
  return oneOf(values, 'format', ['csv', 'ndjson'], guessed);
}

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function importRequest(values: Record<string, unknown>, positionals: string[]): ImportRequest {
  if (positionals.length !== 1) throw new UsageProblem('give one file, or - for stdin');
  const path = positionals[0]!;
  const currency = flag(values, 'currency')?.toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new UsageProblem('--currency must be an ISO 4217 code such as USD');
  const options = Object.fromEntries(['campaign', 'currency', 'map', 'status', 'key-column', 'format']
    .flatMap((name) => (flag(values, name) === undefined ? [] : [[name, flag(values, name)]])));
  return {
    campaign: flag(values, 'campaign'), currency, map: parseMapSpec(flag(values, 'map')),
    status: oneOf(values, 'status', ['approved', 'pending'], 'approved'),
    keyColumn: flag(values, 'key-column'), format: formatOf(values, path), batchRows: wholeNumber(values, 'batch-rows', IMPORT_BATCH_ROWS_DEFAULT, IMPORT_BATCH_ROWS_MAX), actor: actor(),
    sourceName: path === '-' ? 'stdin' : basename(path), bytesTotal: path === '-' ? null : fileSize(path),
    writeMethod: oneOf<WriteMethod>(values, 'write-method', ['copy', 'staging', 'unnest'], IMPORT_WRITE_METHOD_DEFAULT),
    writers: wholeNumber(values, 'writers', IMPORT_WRITERS_DEFAULT, IMPORT_WRITERS_MAX), options, strict: values.strict === true,
  };
}

function progressSink(values: Record<string, unknown>): ProgressSink {
  const mode = oneOf(values, 'progress', ['auto', 'bar', 'json'], 'auto');
  const bar = mode === 'bar' || (mode === 'auto' && process.stderr.isTTY);
  return bar ? barProgress(process.stderr) : jsonProgress(process.stderr);
}

