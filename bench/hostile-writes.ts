// A poisoned request costs only itself (issue 10, section 6): POST /api/donations at 64 connections with one
// request in ten hostile, next to the same server taking only good requests, in the same run.
//
// The hostile requests are the ones that used to reach the database and fail there, taking their whole
// group-commit batch with them (the committer then rewrote the batch one request at a time): a NUL in
// external_ref, donor_email or campaign_id, donated_at in year 0000 or on 2026-02-30, an amount past the
// per-donation maximum, a bidi override in the donor's name. They are now refused before any batch (the text
// guard, src/text/, and intake's prepare), so the good requests around them keep their throughput. The headline
// is good donations per second with 10% hostile ÷ good donations per second with none; the target is ≥ 0.8.
//
// Fairness: one server process (`amanah serve`, as in api-writes) serves both sides, warmed up first, in
// interleaved halves (clean, mixed, clean, mixed). Every good request must be a 201 and every
// hostile one a 4xx, or the benchmark fails.
import autocannon from 'autocannon';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { insertCampaign } from '../src/campaigns/queries.ts';

export const name = 'hostile-writes';

const CONNECTIONS = 64;
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 3;
const QUICK_DURATION_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 1;
const REQUEST_TIMEOUT_SECONDS = 10;
const LATENCY_SAMPLES_MAX = 250_000;
/** Each side runs in this many interleaved parts of duration / rounds seconds. */
const PHASE_ROUNDS = 2;
/** One request in this many is hostile in the mixed phase: 10%. */
const HOSTILE_EVERY = 10;

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Bodies that passed the old schema and failed in PostgreSQL (or were silently moved), one per kind. */
function hostileBody(campaignId: string, serial: number): Record<string, unknown> {
  const good = { campaign_id: campaignId, amount: '10000.00', currency: 'IDR', donor_name: `Hostile ${serial}` };
  const kinds = [
    { ...good, external_ref: `ref\u0000${serial}` },
    { ...good, donor_email: `x\u0000${serial}@example.org` },
    { ...good, campaign_id: `${campaignId}\u0000` },
    { ...good, donated_at: '0000-01-01T00:00:00Z' },
    { ...good, donated_at: '2026-02-30T10:00:00Z' },
    { ...good, amount: '92233720368547758.07' },
    { ...good, donor_name: `evil\u202e${serial}` },
  ];
  return kinds[serial % kinds.length]!;
}

interface Phase {
  good: number;
  hostile: number;
  elapsedSeconds: number;
  latency: LatencyRecorder;
}

async function measure(url: string, seconds: number, connections: number, campaignId: string, hostileEvery: number, prefix: string, signal: AbortSignal,
  latency = new LatencyRecorder(LATENCY_SAMPLES_MAX), tolerate5xx = false): Promise<Phase> {
  let serial = 0;
  const statuses = new Map<string, number>();
  const instance = autocannon({
    url, connections, duration: seconds, timeout: REQUEST_TIMEOUT_SECONDS,
    requests: [{
      method: 'POST', path: '/api/donations',
      setupRequest: (request) => {
        const index = serial++;
        const hostile = hostileEvery > 0 && index % hostileEvery === hostileEvery - 1;
        const body = hostile ? hostileBody(campaignId, index) : { campaign_id: campaignId, amount: `${10_000 + (index % 1_000) * 500}.00`, currency: 'IDR', donor_name: `Bench donor ${index}` };
        // The key says which kind the request was, so the response handler can check its answer.
        const key = `${prefix}-${hostile ? 'h' : 'g'}-${index}`;
        return { ...request, headers: { ...request.headers, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) };
      },
    }],
  });
  let good = 0;
  let hostile = 0;
  let wrong = 0;
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(String(statusCode), (statuses.get(String(statusCode)) ?? 0) + 1);
    if (statusCode === 201) {
      good += 1;
      latency.record(responseTimeMs);
    } else if (statusCode >= 400 && statusCode < 500) hostile += 1;
    else if (tolerate5xx && statusCode >= 500) hostile += 1;
    else wrong += 1;
  });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  if (wrong > 0 || outcome.errors > 0) throw new Error(`answers other than 201 and 4xx: ${JSON.stringify(Object.fromEntries(statuses))}, ${outcome.errors} errors`);
  return { good, hostile, elapsedSeconds: outcome.duration, latency };
}

/** The halves of one side as one phase; they recorded their latencies into one recorder. */
function combine(phases: readonly Phase[]): Phase {
  return {
    good: phases.reduce((sum, phase) => sum + phase.good, 0),
    hostile: phases.reduce((sum, phase) => sum + phase.hostile, 0),
    elapsedSeconds: phases.reduce((sum, phase) => sum + phase.elapsedSeconds, 0),
    latency: phases[0]!.latency,
  };
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const connections = context.integerOption('connections', CONNECTIONS, 1, 90);
  const durationSeconds = context.integerOption('duration-seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 600);
  const warmupSeconds = context.integerOption('warmup-seconds', context.quick ? QUICK_WARMUP_SECONDS : WARMUP_SECONDS, 0, 600);
  const campaign = await insertCampaign(context.database, {
    slug: 'bench-hostile-writes', name: 'Benchmark campaign', description: '', fund: 'sadaqah', currency: 'IDR',
    goalMinor: null, status: 'active', startsAt: null, endsAt: null,
  });
  const campaignId = String(campaign.id);
  // `--tolerate-5xx`: for measuring a build from before the hostile requests were refused up front (they were then
  // 500s, or even 201s); the hostile rows it wrote are subtracted from the good count below.
  const tolerate5xx = context.options['tolerate-5xx'] === true;
  const server = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false',
  });
  let clean: Phase;
  let mixed: Phase;
  try {
    context.log(`warm-up ${warmupSeconds} s, then ${durationSeconds} s clean and ${durationSeconds} s with 1 in ${HOSTILE_EVERY} hostile, at ${connections} connections`);
    await measure(server.url, warmupSeconds, connections, campaignId, HOSTILE_EVERY, 'warm', context.signal, undefined, tolerate5xx);
    // Interleaved halves (clean, mixed, clean, mixed), so a neighbour's load or the table's growth during the run
    // falls on both sides alike rather than on whichever ran second.
    const halves: Phase[] = [];
    const latencies = [new LatencyRecorder(LATENCY_SAMPLES_MAX), new LatencyRecorder(LATENCY_SAMPLES_MAX)];
    for (let round = 0; round < PHASE_ROUNDS; round += 1) {
      for (const [side, hostileEvery] of [0, HOSTILE_EVERY].entries()) {
        halves.push(await measure(server.url, durationSeconds / PHASE_ROUNDS, connections, campaignId, hostileEvery,
          `${hostileEvery === 0 ? 'clean' : 'mixed'}${round}`, context.signal, latencies[side], tolerate5xx));
      }
    }
    clean = combine(halves.filter((_, index) => index % 2 === 0));
    mixed = combine(halves.filter((_, index) => index % 2 === 1));
    if (clean.hostile > 0) throw new Error(`${clean.hostile} good requests were refused`);
  } finally {
    await server.stop();
  }
  const { rows } = await context.database.query<{ count: bigint }>("select count(*) as count from donations where idempotency_key like 'mixed%-h-%'");
  const hostileWritten = Number(rows[0]!.count);
  if (hostileWritten !== 0 && !tolerate5xx) throw new Error(`${hostileWritten} hostile requests were written`);
  mixed = { ...mixed, good: mixed.good - hostileWritten, hostile: mixed.hostile + hostileWritten };
  if (context.signal.aborted) throw new Error('stopped before the end');
  const cleanRate = clean.good / clean.elapsedSeconds;
  const mixedRate = mixed.good / mixed.elapsedSeconds;
  const [cleanP50 = Number.NaN, cleanP99 = Number.NaN] = clean.latency.percentiles(50, 99);
  const [mixedP50 = Number.NaN, mixedP99 = Number.NaN] = mixed.latency.percentiles(50, 99);
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    name,
    workload: `good POST /api/donations with 10% hostile mixed in: ${whole.format(mixedRate)} req/s, p50 ${mixedP50.toFixed(1)} ms, p99 ${mixedP99.toFixed(1)} ms`,
    reference: `the same server, no hostile requests: ${whole.format(cleanRate)} req/s, p50 ${cleanP50.toFixed(1)} ms, p99 ${cleanP99.toFixed(1)} ms`,
    ratio: round(mixedRate / cleanRate, 3),
    target: 0.8,
    figures: {
      connections, duration_seconds: durationSeconds, warmup_seconds: warmupSeconds,
      clean_good: clean.good, clean_good_per_second: round(cleanRate, 1), clean_p50_ms: round(cleanP50, 2), clean_p99_ms: round(cleanP99, 2),
      mixed_good: mixed.good, mixed_hostile_refused: mixed.hostile, mixed_good_per_second: round(mixedRate, 1),
      mixed_p50_ms: round(mixedP50, 2), mixed_p99_ms: round(mixedP99, 2),
    },
    notes: 'ratio = good donations/s with 1 request in 10 hostile ÷ good donations/s with none, one server, same run; '
      + 'every hostile request answered 4xx and none written.',
  };
}
