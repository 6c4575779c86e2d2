// POST /api/donations at 64 concurrent clients, next to the physical limit of the same writes: 64 node-postgres
// clients each running BEGIN; INSERT donation; COMMIT in a loop, measured in the same run.
//
// Fairness. Both sides write the same rows: one pending IDR donation from a donor known by name only (the name
// is on the donation), with its idempotency key and a 32-byte request fingerprint, with the SQL the API's intake
// sends (copied below); the reference commits each donation on its own (one fsync each). What the API adds is its whole cost: HTTP parsing, JSON Schema
// validation, the idempotency look-up, the campaign read, the read-back of the donation and the JSON reply.
// The reference is what one Node process with node-postgres can push through PostgreSQL with single-row
// transactions; group commit in the API is the way past it (a ratio above 1).
//
// The server runs as a child process (`node src/cli/main.ts serve`, the production entry point, with its default
// pool) rather than buildApp in the runner's process: autocannon itself needs most of a core, and in one process
// it would take that CPU from the server's event loop and add its own scheduling delay to every latency measured.
// In a child, the server and the load generator are scheduled separately, as a client and a server are.
//
// Order: API (warm-up, then measured), the server stops, then the reference (warm-up, then measured). Stopping the
// server first keeps the two sides from holding 64 + pool connections at once against max_connections = 100.
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { findTotalsMismatches, insertCampaign } from '../src/campaigns/queries.ts';
import type { DonationInput } from '../src/donations/donations.ts';
import { parseAmount } from '../src/money/index.ts';

export const name = 'api-writes';

const CONNECTIONS = 64;
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 5;
/** `--quick`: long enough to see that everything works, too short for figures worth quoting. */
const QUICK_DURATION_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 1;
/** autocannon gives up on a request after this; a timeout fails the benchmark. */
const REQUEST_TIMEOUT_SECONDS = 10;
/** Latency samples kept per phase: at 8 bytes each, 2 MB bounds a phase at 250k requests, far above what runs. */
const LATENCY_SAMPLES_MAX = 250_000;
/** Per reference client per phase; the phase's time limit normally ends it long before. */
const REFERENCE_TRANSACTIONS_PER_CLIENT_MAX = 100_000;
/** Amounts cycle through this many steps of 500 IDR from 10,000 IDR, so the rows are not all alike. */
const AMOUNT_STEPS = 1_000;

const INT8_OID = 20;
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

interface Phase {
  /** Donations written (201 responses, or committed reference transactions). */
  count: number;
  elapsedSeconds: number;
  latency: LatencyRecorder;
}

interface Parameters {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

function parameters(context: BenchContext): Parameters {
  return {
    connections: context.integerOption('connections', CONNECTIONS, 1, 90),
    durationSeconds: context.integerOption('duration-seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 600),
    warmupSeconds: context.integerOption('warmup-seconds', context.quick ? QUICK_WARMUP_SECONDS : WARMUP_SECONDS, 0, 600),
  };
}

/** The request body and key of donation number `serial`; both sides write the rows these describe. */
function donationRequest(campaignId: string, prefix: string, serial: number): { key: string; body: DonationInput } {
  return {
    key: `${prefix}-${serial}`,
    body: { campaign_id: campaignId, amount: `${10_000 + (serial % AMOUNT_STEPS) * 500}.00`, currency: 'IDR', donor_name: `Bench donor ${serial}` },
  };
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const settings = parameters(context);
  // Written straight to the table before the server starts, so no cache in the server can hold an older view.
  const campaign = await insertCampaign(context.database, {
    slug: 'bench-api-writes', name: 'Benchmark campaign', description: '', fund: 'sadaqah', currency: 'IDR',
    goalMinor: null, status: 'active', startsAt: null, endsAt: null,
  });
  const campaignId = String(campaign.id);
  const poolSize = context.integerOption('server-pool-size', context.config.database.poolSize, 1, 500);

  context.log(`starting amanah serve (pool ${poolSize})`);
  const server = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, DATABASE_POOL_SIZE: String(poolSize), LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false',
  });
  let apiSerial = 0;
  const nextApi = () => donationRequest(campaignId, 'api', apiSerial++);
  let api: Phase;
  let written = 0;
  try {
    context.log(`API warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s at ${settings.connections} connections`);
    const warmup = await measureApi(server.url, settings.warmupSeconds, settings.connections, nextApi, context.signal);
    api = await measureApi(server.url, settings.durationSeconds, settings.connections, nextApi, context.signal);
    written += warmup.count + api.count;
    await checkApiRows(context, written, settings.connections);
  } finally {
    await server.stop();
  }

  // The same API with group commit off: one transaction per request, the path group commit replaces.
  context.log('starting amanah serve with AMANAH_GROUP_COMMIT=false');
  const perRequestServer = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, DATABASE_POOL_SIZE: String(poolSize), LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false',
    AMANAH_GROUP_COMMIT: 'false',
  });
  let perRequest: Phase;
  try {
    const warmup = await measureApi(perRequestServer.url, settings.warmupSeconds, settings.connections, nextApi, context.signal);
    perRequest = await measureApi(perRequestServer.url, settings.durationSeconds, settings.connections, nextApi, context.signal);
    written += warmup.count + perRequest.count;
    await checkApiRows(context, written, settings.connections * 2);
  } finally {
    await perRequestServer.stop();
  }

  let referenceSerial = 0;
  const nextReference = () => donationRequest(campaignId, 'ref', referenceSerial++);
  context.log(`reference warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s at ${settings.connections} clients`);
  const clients = await connectClients(context.databaseUrl, settings.connections);
  let reference: Phase;
  try {
    const warmup = await measureReference(clients, settings.warmupSeconds, campaign.id, nextReference, context.signal);
    reference = await measureReference(clients, settings.durationSeconds, campaign.id, nextReference, context.signal);
    await checkReferenceRows(context, warmup.count + reference.count);
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
  }
  if (context.signal.aborted) throw new Error('stopped before the end');
  return result(settings, poolSize, api, perRequest, reference);
}

function result(settings: Parameters, poolSize: number, api: Phase, perRequest: Phase, reference: Phase): BenchResult {
  const apiRate = api.count / api.elapsedSeconds;
  const referenceRate = reference.count / reference.elapsedSeconds;
  const [apiP50 = Number.NaN, apiP99 = Number.NaN] = api.latency.percentiles(50, 99);
  const [referenceP50 = Number.NaN, referenceP99 = Number.NaN] = reference.latency.percentiles(50, 99);
  const perRequestRate = perRequest.count / perRequest.elapsedSeconds;
  const [perRequestP50 = Number.NaN, perRequestP99 = Number.NaN] = perRequest.latency.percentiles(50, 99);
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  const rate = (value: number) => whole.format(Math.round(value));
  return {
    name,
    workload: `POST /api/donations: ${rate(apiRate)} req/s, p50 ${apiP50.toFixed(1)} ms, p99 ${apiP99.toFixed(1)} ms`,
    reference: `single-row insert transactions: ${rate(referenceRate)} tx/s, p50 ${referenceP50.toFixed(1)} ms, p99 ${referenceP99.toFixed(1)} ms`,
    ratio: round(apiRate / referenceRate, 3),
    figures: {
      connections: settings.connections,
      duration_seconds: settings.durationSeconds,
      warmup_seconds: settings.warmupSeconds,
      server: 'child process: node src/cli/main.ts serve',
      server_pool_size: poolSize,
      api_requests: api.count,
      api_elapsed_seconds: round(api.elapsedSeconds, 2),
      api_requests_per_second: round(apiRate, 1),
      api_latency_p50_ms: round(apiP50, 2),
      api_latency_p99_ms: round(apiP99, 2),
      per_request_requests_per_second: round(perRequestRate, 1),
      per_request_latency_p50_ms: round(perRequestP50, 2),
      per_request_latency_p99_ms: round(perRequestP99, 2),
      group_commit_speedup: round(apiRate / perRequestRate, 2),
      reference_transactions: reference.count,
      reference_elapsed_seconds: round(reference.elapsedSeconds, 2),
      reference_transactions_per_second: round(referenceRate, 1),
      reference_latency_p50_ms: round(referenceP50, 2),
      reference_latency_p99_ms: round(referenceP99, 2),
    },
    notes: 'ratio = API requests/s ÷ reference transactions/s; group_commit_speedup = API with group commit ÷ the same API '
      + `with AMANAH_GROUP_COMMIT=false (${rate(perRequestRate)} req/s, p50 ${perRequestP50.toFixed(1)} ms, p99 ${perRequestP99.toFixed(1)} ms); `
      + 'each unit writes one pending donation carrying its donor\'s name; '
      + 'the reference commits each on its own, the API commits however its intake path does.',
  };
}

/** Runs autocannon for `seconds`; every response must be a 201 (a new donation), or the benchmark fails. */
async function measureApi(url: string, seconds: number, connections: number, next: () => { key: string; body: DonationInput }, signal: AbortSignal): Promise<Phase> {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  if (seconds === 0) return { count: 0, elapsedSeconds: 0, latency };
  const statuses = new Map<number, number>();
  const instance = autocannon({
    url, connections, duration: seconds, timeout: REQUEST_TIMEOUT_SECONDS,
    requests: [{
      method: 'POST', path: '/api/donations',
      // A fresh key and body for every request: each one is a first use, so each makes a donation.
      setupRequest: (request) => {
        const { key, body } = next();
        return { ...request, headers: { ...request.headers, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) };
      },
    }],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    if (statusCode === 201) latency.record(responseTimeMs);
  });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  const created = statuses.get(201) ?? 0;
  const others = [...statuses].filter(([status]) => status !== 201);
  if (others.length > 0 || outcome.errors > 0) {
    throw new Error(`API answered other than 201: ${JSON.stringify(Object.fromEntries(others))}, ${outcome.errors} errors (${outcome.timeouts} timeouts)`);
  }
  return { count: created, elapsedSeconds: outcome.duration, latency };
}

/** One connected node-postgres client per concurrent writer, reading bigint columns as bigint like the app. */
async function connectClients(url: string, count: number): Promise<pg.Client[]> {
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => oid === INT8_OID ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format) };
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url, types, application_name: 'amanah-bench-reference' }));
  try {
    await Promise.all(clients.map((client) => client.connect()));
  } catch (error) {
    await Promise.all(clients.map((client) => client.end().catch(() => {})));
    throw error;
  }
  return clients;
}

// The reference's statement is the one row the API's intake writes for a donation from a donor without an
// email (insertDonation in src/donations/queries.ts when this was written; since migration 0004 such a donor
// is a name on the donation, not a donors row), copied rather than imported so that the reference stays the
// fixed single-row baseline while the API's write path changes.
const INSERT_DONATION = `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                        idempotency_key, request_sha256, external_ref, donated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now()))
  on conflict (idempotency_key) do nothing returning id`;

/** Each client writes donations in single-row transactions until `seconds` have passed. */
async function measureReference(clients: readonly pg.Client[], seconds: number, campaignId: bigint, next: () => { key: string; body: DonationInput }, signal: AbortSignal): Promise<Phase> {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  let count = 0;
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1_000;
  await Promise.all(clients.map(async (client) => {
    for (let written = 0; written < REFERENCE_TRANSACTIONS_PER_CLIENT_MAX && performance.now() < deadline && !signal.aborted; written += 1) {
      const { key, body } = next();
      const amountMinor = parseAmount(body.amount, body.currency);
      const fingerprint = createHash('sha256').update(JSON.stringify(body)).digest();
      const transactionStartedAt = performance.now();
      await client.query('begin');
      const donation = await client.query<{ id: bigint }>(INSERT_DONATION,
        [campaignId, body.donor_name ?? '', false, amountMinor, body.currency, 'pending', 'api', key, fingerprint, null, null]);
      await client.query('commit');
      latency.record(performance.now() - transactionStartedAt);
      if (donation.rows.length !== 1) throw new Error(`reference key ${key} was already taken`);
      count += 1;
    }
  }));
  return { count, elapsedSeconds: (performance.now() - startedAt) / 1_000, latency };
}

/**
 * Every 201 is a donation in the database. A request cut off when autocannon stops may still have committed, so
 * the table may hold up to one more per connection per phase; more than that, or fewer than the 201s, is a bug.
 */
async function checkApiRows(context: BenchContext, created: number, connections: number): Promise<void> {
  const rows = await countDonations(context, 'api-%');
  if (rows < created || rows > created + 2 * connections) {
    throw new Error(`API answered 201 ${created} times but the database holds ${rows} API donations`);
  }
}

async function checkReferenceRows(context: BenchContext, committed: number): Promise<void> {
  const rows = await countDonations(context, 'ref-%');
  if (rows !== committed) throw new Error(`reference committed ${committed} transactions but the database holds ${rows} of its donations`);
  const mismatches = await findTotalsMismatches(context.database);
  if (mismatches.length > 0) throw new Error(`campaign totals differ from their donations after the run: ${mismatches.map((row) => row.slug).join(', ')}`);
}

async function countDonations(context: BenchContext, keyPattern: string): Promise<number> {
  const { rows } = await context.database.query<{ count: bigint }>(
    "select count(*) as count from donations where idempotency_key like $1 and status = 'pending'", [keyPattern]);
  return Number(rows[0]!.count);
}
