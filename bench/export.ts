// The donations export on PostgreSQL, against the physical limit: psql's `\copy (same query) to '/dev/null'`.
//
//  1. `amanah export --output /dev/null` (the CLI in a child process) for DONATIONS rows, against psql running the
//     very same SELECT through \copy with the same session setting (no parallel workers). Headline: psql's time
//     over amanah's (both include connecting; amanah's excludes Node's start-up, reported apart). Target 0.7.
//  2. Peak RSS of the exporting process, for the full export, a tenth of it, and `export --help` (the process
//     with every module loaded and nothing exported): constant memory means the three are close.
//  3. Over HTTP from `amanah serve`: the download time, and the latency of another request (one campaign by slug,
//     cache off so it reads PostgreSQL) while no export runs and while one does.
// Rounds alternate amanah and psql, so drift on this shared machine falls on both; medians are reported.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createToken } from '../src/auth/tokens.ts';
import { exportQuerySql } from '../src/exports/queries.ts';
import { generateDonations } from './donation-data.ts';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';

export const name = 'export';

const DONATIONS = 1_000_000;
const QUICK_DONATIONS = 50_000;
const CAMPAIGNS = 20;
const DONORS = 200_000;
const ROUNDS = 3;
const QUICK_ROUNDS = 1;
/** Requests timed idle, and at most during the export (that loop stops when the export ends, well before). */
const IDLE_LATENCY_REQUESTS = 2_000;
const LATENCY_REQUESTS_MAX = 100_000;
const EXPORT_CHILD = new URL('./export-child.ts', import.meta.url).pathname;
const TARGET_RATIO = 0.7;

interface ChildRun { elapsedMs: number; wallMs: number; maxRssKb: number }

/** Runs `amanah <args>` through export-child.ts and reads its report. */
function runCli(context: BenchContext, args: string[]): ChildRun {
  const started = performance.now();
  const result = spawnSync(process.execPath, [EXPORT_CHILD, ...args], {
    cwd: context.repositoryDirectory, encoding: 'utf8', maxBuffer: 1024 * 1024,
    env: { ...process.env, DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'silent' },
  });
  const wallMs = performance.now() - started;
  const report = JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '{}') as { code?: number; elapsedMs?: number; maxRssKb?: number };
  if (result.status !== 0 || report.code !== 0) throw new Error(`amanah ${args.join(' ')} failed: ${result.stderr}`);
  return { elapsedMs: report.elapsedMs!, wallMs, maxRssKb: report.maxRssKb! };
}

/** psql's \copy of `query` to /dev/null, with amanah's export session setting; the wall time of the process. */
function runPsql(context: BenchContext, query: string, parallel: boolean): number {
  const started = performance.now();
  const result = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', context.databaseUrl,
    '-c', `set max_parallel_workers_per_gather = ${parallel ? 2 : 0}`,
    '-c', `\\copy (${query.replace(/\s+/g, ' ')}) to '/dev/null' with (format csv, header)`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed: ${result.error?.message ?? result.stderr}`);
  return performance.now() - started;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** GETs `url` and discards the body, resolving with the number of bytes. */
function download(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      response.on('end', () => (response.statusCode === 200 ? resolve(bytes) : reject(new Error(`export answered ${response.statusCode}`))));
      response.on('error', reject);
    }).on('error', reject).end();
  });
}

/** Times sequential requests to `url` until `done()` or `requestsMax`; returns p50 and p99 in ms. */
async function latencies(url: string, requestsMax: number, done: () => boolean): Promise<{ p50: number; p99: number; count: number }> {
  const recorder = new LatencyRecorder(requestsMax);
  for (let index = 0; index < requestsMax && !done(); index += 1) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    recorder.record(performance.now() - started);
  }
  const [p50, p99] = recorder.percentiles(50, 99);
  return { p50: p50!, p99: p99!, count: recorder.count };
}

function peakRssKb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

async function httpFigures(context: BenchContext, campaignSlug: string): Promise<Record<string, number>> {
  const { token } = await createToken(context.database, 'export bench', 'staff');
  const server = await startServerProcess(context.repositoryDirectory, { DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'silent', AMANAH_SEED_DEMO: 'false', AMANAH_CACHE: 'off' });
  try {
    const probe = `${server.url}/api/campaigns/${campaignSlug}`;
    const idle = await latencies(probe, IDLE_LATENCY_REQUESTS, () => false);
    let finished = false;
    const started = performance.now();
    const exported = download(`${server.url}/api/exports/donations.csv`, token).finally(() => { finished = true; });
    const during = await latencies(probe, LATENCY_REQUESTS_MAX, () => finished);
    const bytes = await exported;
    const downloadMs = performance.now() - started;
    return {
      http_export_ms: Math.round(downloadMs), http_export_mb: Math.round(bytes / 1e5) / 10, server_peak_rss_mb: Math.round(peakRssKb(server.pid) / 1024),
      other_request_idle_p50_ms: idle.p50, other_request_idle_p99_ms: idle.p99,
      other_request_during_export_p50_ms: during.p50, other_request_during_export_p99_ms: during.p99, other_requests_during_export: during.count,
    };
  } finally {
    await server.stop();
  }
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const donations = context.integerOption('donations', context.quick ? QUICK_DONATIONS : DONATIONS, 1_000, 100_000_000);
  const rounds = context.integerOption('rounds', context.quick ? QUICK_ROUNDS : ROUNDS, 1, 20);
  const data = await generateDonations(context.database, { campaigns: CAMPAIGNS, donations, firstCampaignDonations: Math.floor(donations / CAMPAIGNS), donors: DONORS }, context.log, context.signal);
  const query = exportQuerySql({});
  // A tenth of the rows: donations are dated in order, so the first tenth of the time range.
  const { rows: [tenth] } = await context.database.query<{ at: Date }>('select donated_at as at from donations order by id offset $1 limit 1', [Math.floor(donations / 10)]);
  runPsql(context, query, false); // warm the cache for both
  const amanah: ChildRun[] = [];
  const psql: number[] = [];
  for (let round = 0; round < rounds && !context.signal.aborted; round += 1) {
    amanah.push(runCli(context, ['export', '--output', '/dev/null']));
    psql.push(runPsql(context, query, false));
    context.log(`round ${round + 1}: amanah ${Math.round(amanah.at(-1)!.elapsedMs)} ms, psql ${Math.round(psql.at(-1)!)} ms`);
  }
  const psqlParallelMs = runPsql(context, query, true);
  const rawTableMs = (() => {
    const started = performance.now();
    spawnSync('psql', ['-X', '-q', '-d', context.databaseUrl, '-c', `\\copy donations to '/dev/null' with (format csv, header)`]);
    return performance.now() - started;
  })();
  const small = runCli(context, ['export', '--to', tenth!.at.toISOString(), '--output', '/dev/null']);
  const idle = runCli(context, ['export', '--help']);
  const http = await httpFigures(context, data.firstCampaignSlug);
  const amanahMs = median(amanah.map((item) => item.elapsedMs));
  const psqlMs = median(psql);
  return {
    name,
    workload: `amanah export of ${donations.toLocaleString('en-US')} donations: ${Math.round(amanahMs)} ms`,
    reference: `psql \\copy of the same query to /dev/null: ${Math.round(psqlMs)} ms`,
    ratio: psqlMs / amanahMs,
    target: TARGET_RATIO,
    figures: {
      donations, rounds, data_load_s: Math.round(data.loadMs / 100) / 10,
      amanah_export_ms: Math.round(amanahMs), amanah_process_wall_ms: Math.round(median(amanah.map((item) => item.wallMs))),
      psql_copy_ms: Math.round(psqlMs), psql_copy_parallel_workers_ms: Math.round(psqlParallelMs), psql_copy_raw_table_ms: Math.round(rawTableMs),
      rows_per_second: Math.round(donations / (amanahMs / 1000)),
      peak_rss_full_export_mb: Math.round(median(amanah.map((item) => item.maxRssKb)) / 1024),
      peak_rss_tenth_export_mb: Math.round(small.maxRssKb / 1024),
      peak_rss_no_export_mb: Math.round(idle.maxRssKb / 1024),
      ...http,
    },
    notes: 'amanah_export_ms is main() inside the CLI process (connect, migrate check, COPY, CRLF rewrite, write); ' +
      'amanah_process_wall_ms adds Node start-up and module loading. psql runs the same SELECT with the same session setting.',
  };
}
