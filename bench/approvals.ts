// POST /api/donations/:id/approve at 64 concurrent clients, over 1 campaign and over 50, with one `amanah serve`
// process and with `serve --workers 2`, at 1, 2 and 4 group-commit batches in flight: twelve short cases in one
// run, each counting the deadlocks PostgreSQL detected (pg_stat_database.deadlocks of the benchmark's database).
//
// Why these cases (issue 10, section 8). Approval batches move campaign totals; when two batches in flight lock
// overlapping campaign rows in different orders, PostgreSQL detects a deadlock after deadlock_timeout (1 s) and
// the victim retries: 50 campaigns with 4 in flight, or two processes, collapsed to ~100 approvals/s. One
// campaign cannot deadlock (one row), so it is the reference: the rate where batches simply queue on one lock.
// The headline ratio is the worst case over 50 campaigns ÷ the one-process, 1-campaign, 1-in-flight rate.
//
// The donations carry their donor's name (migration 0005). Each approval is of a different pending donation, so each answers 200; the donations are interleaved over the
// campaigns by id, so every batch touches most of the campaigns, and their donors are donors rows (email donors)
// that recur in a campaign, so campaign_donors rows are shared between batches as well. After each case the
// maintained totals are recounted from the donations (as `amanah verify` does); a mismatch fails the benchmark.
//
// Cases are short (1 s warm-up, 5 s measured) because the machine is shared; `uptime`'s load is in the figures.
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { findTotalsMismatches } from '../src/campaigns/queries.ts';

export const name = 'approvals';

const CONNECTIONS = 64;
const DURATION_SECONDS = 5;
const WARMUP_SECONDS = 1;
const QUICK_DURATION_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 1;
const CAMPAIGN_COUNTS = [1, 50] as const;
const PROCESS_COUNTS = [1, 2] as const;
const BATCHES_IN_FLIGHT = [1, 2, 4] as const;
/** Pending donations made for a case: above what 64 clients approve in warm-up plus measurement at ~6k/s. */
const DONATIONS_PER_CASE = 45_000;
/** Distinct donors (donors rows) the donations cycle through, so each recurs in a campaign within a case. */
const DONORS = 3_000;
const REQUEST_TIMEOUT_SECONDS = 20;
const LATENCY_SAMPLES_MAX = 250_000;
const ADMIN_TOKEN = 'approvals-bench-admin-token-0123456789';

interface Case {
  campaigns: number;
  processes: number;
  batchesInFlight: number;
}

interface Measured extends Case {
  approvals: number;
  seconds: number;
  ratePerSecond: number;
  p50Ms: number;
  p99Ms: number;
  deadlocks: number;
  /** Answers other than 200, by status ('error' for a dropped connection or a timeout). */
  failures: Record<string, number>;
  exhausted: boolean;
  load1m: number;
}

/** Pending donations for one case, interleaved over `campaigns` fresh campaigns by id; returns their ids in order. */
async function prepare(context: BenchContext, label: string, campaigns: number, donorIds: readonly bigint[]): Promise<string[]> {
  const { rows: campaignRows } = await context.database.query<{ id: bigint }>(
    `insert into campaigns (slug, name, fund, currency, status)
     select $1 || '-' || n, 'Approvals benchmark ' || n, 'general', 'IDR', 'active' from generate_series(1, $2::int) n
     returning id`, [label, campaigns]);
  const { rows } = await context.database.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                            idempotency_key, request_sha256)
     select ($1::bigint[])[1 + n % cardinality($1::bigint[])], ($2::bigint[])[1 + n % cardinality($2::bigint[])],
            'Approvals donor', false, 100000 + (n % 1000) * 500, 'IDR', 'pending', 'api', $3 || '-' || n, sha256(($3 || '-' || n)::bytea)
       from generate_series(0, $4::int - 1) n
     order by n returning id`, [campaignRows.map((row) => row.id), donorIds, label, DONATIONS_PER_CASE]);
  return rows.map((row) => String(row.id)).sort((a, b) => Number(BigInt(a) - BigInt(b)));
}

async function deadlocks(context: BenchContext): Promise<number> {
  const { rows } = await context.database.query<{ deadlocks: bigint }>(
    'select deadlocks from pg_stat_database where datname = current_database()');
  return Number(rows[0]!.deadlocks);
}

/** Approves from `queue` at `connections` for `seconds`; answers other than 200 are counted, not fatal. */
async function measure(url: string, seconds: number, connections: number, queue: { ids: string[]; next: number }, signal: AbortSignal) {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  const statuses = new Map<number, number>();
  let exhausted = false;
  const instance = autocannon({
    url, connections, duration: seconds, timeout: REQUEST_TIMEOUT_SECONDS,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    requests: [{
      method: 'POST',
      setupRequest: (request) => {
        if (queue.next >= queue.ids.length) exhausted = true;
        // Past the end (a much faster machine), ids repeat: the answers are then 409s and are reported as such.
        const id = queue.ids[queue.next++ % queue.ids.length]!;
        return { ...request, path: `/api/donations/${id}/approve` };
      },
    }],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    if (statusCode === 200) latency.record(responseTimeMs);
  });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  const failures: Record<string, number> = Object.fromEntries([...statuses].filter(([status]) => status !== 200).map(([status, count]) => [String(status), count]));
  if (outcome.errors > 0) failures.error = outcome.errors;
  return { approvals: statuses.get(200) ?? 0, seconds: outcome.duration, latency, failures, exhausted };
}

async function runCase(context: BenchContext, item: Case, donorIds: readonly bigint[], settings: { durationSeconds: number; warmupSeconds: number }): Promise<Measured> {
  const label = `approvals-${item.campaigns}c-${item.processes}p-${item.batchesInFlight}f`;
  const queue = { ids: await prepare(context, label, item.campaigns, donorIds), next: 0 };
  const deadlocksBefore = await deadlocks(context);
  const server = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false', AMANAH_ADMIN_TOKEN: ADMIN_TOKEN,
    AMANAH_GROUP_COMMIT_BATCHES_IN_FLIGHT_MAX: String(item.batchesInFlight),
  }, item.processes > 1 ? ['--workers', String(item.processes)] : []);
  let phase;
  try {
    if (settings.warmupSeconds > 0) await measure(server.url, settings.warmupSeconds, CONNECTIONS, queue, context.signal);
    phase = await measure(server.url, settings.durationSeconds, CONNECTIONS, queue, context.signal);
  } finally {
    await server.stop();
  }
  // A backend reports its deadlocks to the statistics when it ends (or within a second): the server has stopped.
  const deadlocksAfter = await deadlocks(context);
  const mismatches = await findTotalsMismatches(context.database);
  if (mismatches.length > 0) throw new Error(`${label}: campaign totals differ from their approved donations: ${mismatches.map((row) => row.slug).join(', ')}`);
  const [p50Ms = Number.NaN, p99Ms = Number.NaN] = phase.latency.percentiles(50, 99);
  const measured: Measured = {
    ...item, approvals: phase.approvals, seconds: phase.seconds, ratePerSecond: phase.approvals / phase.seconds, p50Ms, p99Ms,
    deadlocks: deadlocksAfter - deadlocksBefore, failures: phase.failures, exhausted: phase.exhausted, load1m: loadavg()[0]!,
  };
  context.log(`${label}: ${Math.round(measured.ratePerSecond)} approvals/s, p50 ${p50Ms.toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms, `
    + `${measured.deadlocks} deadlocks, failures ${JSON.stringify(phase.failures)}, load ${measured.load1m.toFixed(2)}`);
  return measured;
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const settings = {
    durationSeconds: context.integerOption('duration-seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 60),
    warmupSeconds: context.integerOption('warmup-seconds', context.quick ? QUICK_WARMUP_SECONDS : WARMUP_SECONDS, 0, 60),
  };
  const { rows: donorRows } = await context.database.query<{ id: bigint }>(
    `insert into donors (display_name, email, anonymous)
     select 'Approvals donor ' || n, 'approvals-donor-' || n || '@example.org', false from generate_series(1, $1::int) n
     returning id`, [DONORS]);
  const donorIds = donorRows.map((row) => row.id);
  const loadBefore = loadavg()[0]!;
  const cases: Measured[] = [];
  for (const campaigns of CAMPAIGN_COUNTS) {
    for (const processes of PROCESS_COUNTS) {
      for (const batchesInFlight of BATCHES_IN_FLIGHT) {
        if (context.signal.aborted) throw new Error('stopped before the end');
        cases.push(await runCase(context, { campaigns, processes, batchesInFlight }, donorIds, settings));
      }
    }
  }
  return result(cases, loadBefore);
}

function result(cases: readonly Measured[], loadBefore: number): BenchResult {
  const find = (campaigns: number, processes: number, batchesInFlight: number) =>
    cases.find((item) => item.campaigns === campaigns && item.processes === processes && item.batchesInFlight === batchesInFlight)!;
  const reference = find(1, 1, 1);
  const spread = cases.filter((item) => item.campaigns === 50);
  const worst = spread.reduce((low, item) => (item.ratePerSecond < low.ratePerSecond ? item : low));
  const worstP99 = Math.max(...spread.map((item) => item.p99Ms));
  const round = (value: number, digits = 1) => Number(value.toFixed(digits));
  const figures: Record<string, number | string> = { connections: CONNECTIONS, load_average_1m_before: round(loadBefore, 2) };
  for (const item of cases) {
    const key = `c${item.campaigns}_p${item.processes}_f${item.batchesInFlight}`;
    figures[`${key}_approvals_per_second`] = round(item.ratePerSecond);
    figures[`${key}_p50_ms`] = round(item.p50Ms, 2);
    figures[`${key}_p99_ms`] = round(item.p99Ms, 2);
    figures[`${key}_deadlocks`] = item.deadlocks;
    figures[`${key}_ratio_to_reference`] = round(item.ratePerSecond / reference.ratePerSecond, 3);
    figures[`${key}_load_1m`] = round(item.load1m, 2);
    if (Object.keys(item.failures).length > 0) figures[`${key}_failures`] = JSON.stringify(item.failures);
    if (item.exhausted) figures[`${key}_ran_out_of_donations`] = 'yes';
  }
  const processRatios = CAMPAIGN_COUNTS.flatMap((campaigns) => BATCHES_IN_FLIGHT.map((inFlight) =>
    find(campaigns, 2, inFlight).ratePerSecond / find(campaigns, 1, inFlight).ratePerSecond));
  figures.two_processes_over_one_lowest = round(Math.min(...processRatios), 3);
  figures.deadlocks_total = cases.reduce((sum, item) => sum + item.deadlocks, 0);
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  return {
    name,
    workload: `approvals over 50 campaigns, slowest case (${worst.processes} process${worst.processes > 1 ? 'es' : ''}, `
      + `${worst.batchesInFlight} in flight): ${rate(worst.ratePerSecond)}/s, p99 ${worst.p99Ms.toFixed(1)} ms (worst p99 ${worstP99.toFixed(1)} ms)`,
    reference: `approvals on 1 campaign, 1 process, 1 batch in flight: ${rate(reference.ratePerSecond)}/s, p99 ${reference.p99Ms.toFixed(1)} ms`,
    ratio: round(worst.ratePerSecond / reference.ratePerSecond, 3),
    target: 1,
    figures,
    notes: 'key cC_pP_fF: C campaigns, P server processes, F group-commit batches in flight; ratio_to_reference ÷ the 1-campaign, '
      + '1-process, 1-in-flight case; deadlocks = pg_stat_database.deadlocks delta over the case; two_processes_over_one_lowest = '
      + 'the lowest --workers 2 ÷ 1 process rate over the same campaigns and batches in flight.',
  };
}
