// The benchmark runner: `npm run bench` runs every benchmark in BENCHMARKS, `npm run bench -- api-writes` runs
// the named ones. Each benchmark gets a fresh, migrated PostgreSQL database of its own (dropped afterwards),
// measures its workload next to a reference measured in the same run, and returns the ratio. The runner prints a
// table, writes bench/results/<name>.json and bench/results/latest.json, and exits 1 if any benchmark threw.
//
// A benchmark module exports `name` and `run(context)`; add its file to BENCHMARKS to include it. Flags after the
// names reach every benchmark: `--quick` for a short run, `--name=value` for a benchmark's own parameters.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';

/** The benchmark files, relative to this one. A listed file that is absent (not written yet) is skipped. */
const BENCHMARKS: readonly string[] = ['./api-writes.ts', './hostile-writes.ts', './approvals.ts', './import.ts', './read-path.ts', './live.ts', './export.ts', './analytics.ts', './outage.ts', './webhooks.ts', './checkout.ts', './disbursements.ts', './receipts.ts', './reports.ts'];

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** One benchmark may take this long before it is told to stop and its database is dropped anyway. */
const BENCHMARK_TIMEOUT_MS = 15 * 60_000;
/** After the timeout, a benchmark that ignores its signal gets this long to wind down before the runner moves on. */
const BENCHMARK_WIND_DOWN_MS = 30_000;
const RESULTS_DIRECTORY = fileURLToPath(new URL('./results/', import.meta.url));
const REPOSITORY_DIRECTORY = fileURLToPath(new URL('../', import.meta.url));

export interface BenchContext {
  /** This benchmark's own fresh, migrated database, through amanah's data layer (for setup and checks). */
  readonly database: PostgresDatabase;
  /** Its URL, for raw clients and child processes. */
  readonly databaseUrl: string;
  /** amanah's configuration for that database (the same environment a child `amanah serve` would read). */
  readonly config: Config;
  /** The repository root, the working directory for child processes. */
  readonly repositoryDirectory: string;
  /** `--quick`: shorter phases for a smoke run; the figures are then not for the README. */
  readonly quick: boolean;
  /** Flags given as `--name=value` (or `--name` alone: true). */
  readonly options: Readonly<Record<string, string | boolean>>;
  /** A whole-number flag `--name=N` within [min, max], else `fallback`; a bad value throws. */
  integerOption(name: string, fallback: number, min: number, max: number): number;
  /** Aborted on Ctrl-C or when the benchmark runs past BENCHMARK_TIMEOUT_MS: loops should stop early. */
  readonly signal: AbortSignal;
  /** A progress line on stderr, prefixed with the benchmark's name. */
  log(message: string): void;
}

export interface BenchResult {
  readonly name: string;
  /** What was measured and its headline figure, e.g. "POST /api/donations: 2,100 req/s". */
  readonly workload: string;
  /** The reference measured in the same run and its headline figure. */
  readonly reference: string;
  /** workload / reference on the headline figure (higher is better for the workload). */
  readonly ratio: number;
  /** The ratio the project aims for, when one is set. */
  readonly target?: number;
  readonly figures: Record<string, number | string>;
  readonly notes?: string;
}

export interface BenchModule {
  readonly name: string;
  run(context: BenchContext): Promise<BenchResult>;
}

class UsageError extends Error {}

async function loadBenchmarks(): Promise<BenchModule[]> {
  const modules: BenchModule[] = [];
  for (const file of BENCHMARKS) {
    if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) continue;
    const loaded = (await import(file)) as Partial<BenchModule>;
    if (typeof loaded.name !== 'string' || typeof loaded.run !== 'function') {
      console.error(`bench: skipping ${file}: it does not export name and run`);
      continue;
    }
    modules.push({ name: loaded.name, run: loaded.run });
  }
  return modules;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function integerOption(options: Record<string, string | boolean>) {
  return (name: string, fallback: number, min: number, max: number): number => {
    const raw = options[name];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, as --${name}=N`);
    }
    return Number(raw);
  };
}

interface RunSettings {
  serverUrl: string;
  quick: boolean;
  options: Record<string, string | boolean>;
  interrupt: AbortSignal;
}

/** Runs one benchmark on a database of its own, created and migrated here and dropped whatever happens. */
async function runOne(benchmark: BenchModule, settings: RunSettings): Promise<BenchResult> {
  const databaseName = `amanah_bench_${benchmark.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${Date.now()}`;
  const databaseUrl = withDatabaseName(settings.serverUrl, databaseName);
  const admin = new pg.Client({ connectionString: settings.serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(databaseName)}`);
    const config = loadConfig({ DATABASE_URL: databaseUrl });
    const database = await openPostgres(databaseUrl, config.database);
    const timeout = AbortSignal.timeout(BENCHMARK_TIMEOUT_MS);
    try {
      await migrate(database);
      const context: BenchContext = {
        database, databaseUrl, config, repositoryDirectory: REPOSITORY_DIRECTORY,
        quick: settings.quick, options: settings.options, integerOption: integerOption(settings.options),
        signal: AbortSignal.any([settings.interrupt, timeout]),
        log: (message) => console.error(`[${benchmark.name}] ${message}`),
      };
      return await untilTimedOut(benchmark.run(context), timeout, benchmark.name);
    } finally {
      await database.close();
    }
  } finally {
    // WITH (FORCE) ends any connection a benchmark left open (a child server that did not stop, say).
    await admin.query(`drop database if exists ${pg.escapeIdentifier(databaseName)} with (force)`).catch((error: unknown) => {
      console.error(`bench: could not drop ${databaseName}: ${error instanceof Error ? error.message : String(error)}`);
    });
    await admin.end();
  }
}

/** Resolves as `work` does, unless `timeout` fires and `work` then takes longer than the wind-down allowance. */
async function untilTimedOut<T>(work: Promise<T>, timeout: AbortSignal, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timeout.addEventListener('abort', () => {
      timer = setTimeout(() => reject(new Error(`${name} ran past ${BENCHMARK_TIMEOUT_MS} ms and did not stop`)), BENCHMARK_WIND_DOWN_MS);
    }, { once: true });
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function serverVersion(serverUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  return client.connect()
    .then(() => client.query<{ server_version: string }>('show server_version'))
    .then((result) => result.rows[0]?.server_version ?? 'unknown')
    .finally(() => client.end());
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPOSITORY_DIRECTORY, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function environment(serverUrl: string): Promise<Record<string, string | number>> {
  return {
    node: process.version,
    postgres: await serverVersion(serverUrl),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    load_average_1m: Number(loadavg()[0]!.toFixed(2)),
    commit: gitCommit(),
  };
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

function printTable(results: readonly BenchResult[], failures: readonly { name: string; error: string }[]): void {
  const rows = [
    ['benchmark', 'workload', 'reference', 'ratio', 'target'],
    ...results.map((result) => [result.name, result.workload, result.reference, number.format(result.ratio),
      result.target === undefined ? '' : number.format(result.target)]),
    ...failures.map((failure) => [failure.name, `FAILED: ${failure.error}`, '', '', '']),
  ];
  const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log('');
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
  for (const result of results) {
    console.log(`\n${result.name}`);
    for (const [key, value] of Object.entries(result.figures)) {
      console.log(`  ${key.padEnd(36)} ${typeof value === 'number' ? number.format(value) : value}`);
    }
    if (result.notes) console.log(`  ${result.notes}`);
  }
}

function parseCommandLine(argv: string[]): { names: string[]; quick: boolean; options: Record<string, string | boolean> } {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false, options: { quick: { type: 'boolean' } } });
  const options: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined) options[key] = value as string | boolean;
  return { names: positionals, quick: values.quick === true, options };
}

const USAGE = 'usage: npm run bench [-- [names…] [--quick] [--name=value…]]';

export async function main(argv: string[]): Promise<number> {
  const { names, quick, options } = parseCommandLine(argv);
  const available = await loadBenchmarks();
  if (options.help) {
    console.log(`${USAGE}\n\nbenchmarks: ${available.map((benchmark) => benchmark.name).join(', ')}`);
    return 0;
  }
  const unknown = names.filter((name) => !available.some((benchmark) => benchmark.name === name));
  if (unknown.length > 0) {
    console.error(`bench: unknown benchmark ${unknown.join(', ')}; available: ${available.map((benchmark) => benchmark.name).join(', ')}\n${USAGE}`);
    return 2;
  }
  const selected = names.length === 0 ? available : available.filter((benchmark) => names.includes(benchmark.name));
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) console.error(`bench: configuration: ${error.message}`);
    else throw error;
    return 2;
  }
  const serverUrl = config.database.url ?? DEFAULT_SERVER_URL;
  if (!serverUrl.startsWith('postgres')) {
    console.error(`bench: benchmarks run on PostgreSQL; DATABASE_URL is ${serverUrl}`);
    return 2;
  }
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    console.error('bench: stopping (Ctrl-C again to quit at once)');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return runAll(selected, { serverUrl, quick, options, interrupt: interrupt.signal });
}

async function runAll(selected: readonly BenchModule[], settings: RunSettings): Promise<number> {
  const startedAt = new Date().toISOString();
  let about: Record<string, string | number>;
  try {
    about = await environment(settings.serverUrl);
  } catch (error) {
    const shown = new URL(settings.serverUrl);
    if (shown.password) shown.password = 'hidden';
    console.error(`bench: PostgreSQL at ${shown.toString()} did not answer: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const results: BenchResult[] = [];
  const failures: { name: string; error: string }[] = [];
  for (const benchmark of selected) {
    if (settings.interrupt.aborted) break;
    console.error(`bench: ${benchmark.name}${settings.quick ? ' (quick)' : ''}`);
    try {
      const result = await runOne(benchmark, settings);
      results.push(result);
      const record = { ...result, quick: settings.quick, date: new Date().toISOString(), environment: about };
      writeFileSync(`${RESULTS_DIRECTORY}${result.name}.json`, `${JSON.stringify(record, null, 2)}\n`);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      console.error(`bench: ${benchmark.name} failed:`, error);
      failures.push({ name: benchmark.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const latest = { date: startedAt, quick: settings.quick, environment: about, results, failures };
  writeFileSync(`${RESULTS_DIRECTORY}latest.json`, `${JSON.stringify(latest, null, 2)}\n`);
  printTable(results, failures);
  return failures.length > 0 || settings.interrupt.aborted ? 1 : 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) console.error(`bench: ${error.message}\n${USAGE}`);
    else console.error('bench:', error);
    code = error instanceof UsageError ? 2 : 1;
  }
  // Exit explicitly: a benchmark that failed half-way may leave a socket or timer that would keep the process up.
  process.exit(code);
}
