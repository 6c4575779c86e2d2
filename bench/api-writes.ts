// POST /api/donations at 64 concurrent clients, next to three references measured in the same run, each writing
// the same rows (issue 10, section 8, says which is which):
// - pgbench single-statement inserts (the headline): Debian's pgbench, 64 clients, a custom script of one INSERT
//   per transaction in autocommit, prepared: one round trip and one commit a row, the ceiling for one row per
//   transaction that no Node client reaches.
// - single-row insert transactions: 64 node-postgres clients each running BEGIN; INSERT; COMMIT in a loop, three
//   round trips a row (pgbench's single statement beats it about 2×).
// - batched multi-row inserts: a few node-postgres clients inserting many rows per statement (by unnest, as the
//   API's intake does), each statement its own transaction: what the disk and server take when rows come batched.
// The API batches too (group commit), so it can pass the first two; the third is its ceiling.
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
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
/** Debian's pgbench for the server's major version (the benchmarks run on PostgreSQL 15). */
const PGBENCH = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';
/** pgbench threads: one per core of this machine. */
const PGBENCH_THREADS = 2;
/** The batched reference: this many clients, each inserting this many rows per statement. */
const BATCHED_CLIENTS = 4;
const BATCHED_ROWS_PER_STATEMENT = 500;

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
  let apiCpuSeconds: number;
  let written = 0;
  try {
    context.log(`API warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s at ${settings.connections} connections`);
    const warmup = await measureApi(server.url, settings.warmupSeconds, settings.connections, nextApi, context.signal);
    const cpuBefore = cpuSeconds(server.pid);
    api = await measureApi(server.url, settings.durationSeconds, settings.connections, nextApi, context.signal);
    apiCpuSeconds = cpuSeconds(server.pid) - cpuBefore;
    written += warmup.count + api.count;
    await checkApiRows(context, written, settings.connections);
  } finally {
    await server.stop();
  }

  // The headline reference next, closest in time to the API's run: pgbench, one INSERT per transaction.
  context.log(`pgbench warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s at ${settings.connections} clients`);
  const pgbenchWarmup = await measurePgbench(context, settings.warmupSeconds, settings.connections, campaign.id, 'pgw');
  const pgbench = await measurePgbench(context, settings.durationSeconds, settings.connections, campaign.id, 'pgb');
  await checkRows(context, 'pgw-%', pgbenchWarmup.count);
  await checkRows(context, 'pgb-%', pgbench.count);

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

  let batchedSerial = 0;
  const nextBatched = () => donationRequest(campaignId, 'bat', batchedSerial++);
  context.log(`batched reference: ${BATCHED_CLIENTS} clients × ${BATCHED_ROWS_PER_STATEMENT} rows a statement`);
  const batchedClients = await connectClients(context.databaseUrl, BATCHED_CLIENTS);
  let batched: Phase;
  try {
    const warmup = await measureBatched(batchedClients, settings.warmupSeconds, campaign.id, nextBatched, context.signal);
    batched = await measureBatched(batchedClients, settings.durationSeconds, campaign.id, nextBatched, context.signal);
    await checkRows(context, 'bat-%', warmup.count + batched.count);
  } finally {
    await Promise.all(batchedClients.map((client) => client.end().catch(() => {})));
  }
  if (context.signal.aborted) throw new Error('stopped before the end');
  return result(settings, poolSize, { ...api, cpuSeconds: apiCpuSeconds }, perRequest, reference, { pgbench, batched });
}

function result(settings: Parameters, poolSize: number, api: Phase & { cpuSeconds: number }, perRequest: Phase, reference: Phase, ceilings: { pgbench: Phase; batched: Phase }): BenchResult {
  const summary = (phase: Phase) => {
    const [p50 = Number.NaN, p99 = Number.NaN] = phase.latency.percentiles(50, 99);
    return { rate: phase.count / phase.elapsedSeconds, p50, p99 };
  };
  const [a, single, pgbench, batched, perReq] = [api, reference, ceilings.pgbench, ceilings.batched, perRequest].map(summary) as [
    ReturnType<typeof summary>, ReturnType<typeof summary>, ReturnType<typeof summary>, ReturnType<typeof summary>, ReturnType<typeof summary>];
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  const rate = (value: number) => whole.format(Math.round(value));
  const shown = (item: ReturnType<typeof summary>, unit: string) => `${rate(item.rate)} ${unit}, p50 ${item.p50.toFixed(1)} ms, p99 ${item.p99.toFixed(1)} ms`;
  return {
    name,
    workload: `POST /api/donations: ${shown(a, 'req/s')}`,
    reference: `pgbench single-statement inserts: ${shown(pgbench, 'tx/s')}`,
    ratio: round(a.rate / pgbench.rate, 3),
    target: 0.9,
    figures: {
      connections: settings.connections,
      duration_seconds: settings.durationSeconds,
      warmup_seconds: settings.warmupSeconds,
      load_average_1m: round(loadavg()[0]!, 2),
      server: 'child process: node src/cli/main.ts serve',
      server_pool_size: poolSize,
      api_requests: api.count,
      api_elapsed_seconds: round(api.elapsedSeconds, 2),
      api_requests_per_second: round(a.rate, 1),
      api_latency_p50_ms: round(a.p50, 2),
      api_latency_p99_ms: round(a.p99, 2),
      // CPU the server process spent per request: what a loaded, shared machine moves least.
      api_server_cpu_ms_per_request: round((api.cpuSeconds * 1_000) / api.count, 3),
      pgbench_transactions: ceilings.pgbench.count,
      pgbench_transactions_per_second: round(pgbench.rate, 1),
      pgbench_latency_p50_ms: round(pgbench.p50, 2),
      pgbench_latency_p99_ms: round(pgbench.p99, 2),
      api_over_pgbench: round(a.rate / pgbench.rate, 3),
      reference_transactions: reference.count,
      reference_elapsed_seconds: round(reference.elapsedSeconds, 2),
      reference_transactions_per_second: round(single.rate, 1),
      reference_latency_p50_ms: round(single.p50, 2),
      reference_latency_p99_ms: round(single.p99, 2),
      api_over_single_row_transactions: round(a.rate / single.rate, 3),
      batched_clients: BATCHED_CLIENTS,
      batched_rows_per_statement: BATCHED_ROWS_PER_STATEMENT,
      batched_rows_per_second: round(batched.rate, 1),
      batched_statement_latency_p50_ms: round(batched.p50, 2),
      batched_statement_latency_p99_ms: round(batched.p99, 2),
      api_over_batched: round(a.rate / batched.rate, 3),
      per_request_requests_per_second: round(perReq.rate, 1),
      per_request_latency_p50_ms: round(perReq.p50, 2),
      per_request_latency_p99_ms: round(perReq.p99, 2),
      group_commit_speedup: round(a.rate / perReq.rate, 2),
    },
    notes: 'ratio = API requests/s ÷ pgbench single-statement transactions/s (64 clients, -M prepared, one INSERT in autocommit); '
      + `api_over_single_row_transactions ÷ 64 node-postgres clients running BEGIN/INSERT/COMMIT (${rate(single.rate)} tx/s); `
      + `api_over_batched ÷ ${BATCHED_CLIENTS} clients inserting ${BATCHED_ROWS_PER_STATEMENT} rows a statement (${rate(batched.rate)} rows/s); `
      + 'group_commit_speedup = API with group commit ÷ the same API '
      + `with AMANAH_GROUP_COMMIT=false (${rate(perReq.rate)} req/s, p50 ${perReq.p50.toFixed(1)} ms, p99 ${perReq.p99.toFixed(1)} ms); `
      + 'each unit writes one pending donation carrying its donor\'s name.',
  };
}

const execFileAsync = promisify(execFile);

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks at the usual 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The benchmark database's connection, as the libpq environment variables pgbench reads. */
function libpqEnvironment(url: string): Record<string, string> {
  const parsed = new URL(url);
  return {
    PGHOST: parsed.hostname, PGPORT: parsed.port || '5432', PGUSER: decodeURIComponent(parsed.username) || 'postgres',
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)), ...(parsed.password ? { PGPASSWORD: decodeURIComponent(parsed.password) } : {}),
  };
}

/**
 * The pgbench script: the same row as INSERT_DONATION below, one statement, one transaction. The key is unique
 * per transaction (txid_current()); the 32-byte fingerprint is a SHA-256 computed by the server instead of Node.
 */
function pgbenchScript(campaignId: bigint, prefix: string): string {
  const minorPerUnit = parseAmount('1', 'IDR');
  return `\\set step random(0, ${AMOUNT_STEPS - 1})
insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                       idempotency_key, request_sha256, external_ref, donated_at)
  values (${campaignId}, 'Bench donor ' || :client_id, false, (10000 + :step * 500) * ${minorPerUnit}, 'IDR', 'pending', 'api',
          '${prefix}-' || :client_id || '-' || txid_current(), sha256(convert_to('${prefix}-' || txid_current(), 'UTF8')), null, now())
  on conflict (idempotency_key) do nothing returning id;
`;
}

/** Runs pgbench for `seconds`; latencies come from its per-transaction log (microseconds, third field). */
async function measurePgbench(context: BenchContext, seconds: number, connections: number, campaignId: bigint, prefix: string): Promise<Phase> {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  if (seconds === 0) return { count: 0, elapsedSeconds: 0, latency };
  const directory = await mkdtemp(join(tmpdir(), 'amanah-pgbench-'));
  try {
    const script = join(directory, 'insert.sql');
    await writeFile(script, pgbenchScript(campaignId, prefix));
    const { stdout } = await execFileAsync(PGBENCH, ['-n', '-M', 'prepared', '-c', String(connections), '-j', String(PGBENCH_THREADS),
      '-T', String(seconds), '-f', script, '-l', '--log-prefix', join(directory, 'log')],
    { env: { ...process.env, ...libpqEnvironment(context.databaseUrl) }, signal: context.signal, maxBuffer: 1024 * 1024 });
    const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
    const tps = /tps = ([0-9.]+) \(without initial connection time\)/.exec(stdout);
    if (!processed || !tps) throw new Error(`pgbench said something unexpected:\n${stdout}`);
    for (const file of (await readdir(directory)).filter((name) => name.startsWith('log'))) {
      for (const line of (await readFile(join(directory, file), 'utf8')).split('\n')) {
        const microseconds = Number(line.split(' ')[2]);
        if (Number.isFinite(microseconds) && line !== '') latency.record(microseconds / 1_000);
      }
    }
    const count = Number(processed[1]);
    return { count, elapsedSeconds: count / Number(tps[1]), latency };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

// The batched reference's statement: the rows INSERT_DONATION writes, many per statement by unnest, as the
// API's intake (insertDonationBatch) sends them; each statement is its own transaction (autocommit).
const INSERT_DONATION_BATCH = `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                        idempotency_key, request_sha256, external_ref, donated_at)
  select $1, donor_name, false, amount_minor, 'IDR', 'pending', 'api', idempotency_key, decode(request_sha256, 'hex'), null, now()
    from unnest($2::text[], $3::bigint[], $4::text[], $5::text[]) as input(donor_name, amount_minor, idempotency_key, request_sha256)
  on conflict (idempotency_key) do nothing returning id`;

/** Each client inserts BATCHED_ROWS_PER_STATEMENT rows a statement until `seconds` have passed; counts rows. */
async function measureBatched(clients: readonly pg.Client[], seconds: number, campaignId: bigint, next: () => { key: string; body: DonationInput }, signal: AbortSignal): Promise<Phase> {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  let count = 0;
  const startedAt = performance.now();
  const deadline = startedAt + seconds * 1_000;
  await Promise.all(clients.map(async (client) => {
    while (performance.now() < deadline && !signal.aborted) {
      const rows = Array.from({ length: BATCHED_ROWS_PER_STATEMENT }, next);
      const statementStartedAt = performance.now();
      const inserted = await client.query(INSERT_DONATION_BATCH, [campaignId, rows.map((row) => row.body.donor_name ?? ''),
        rows.map((row) => parseAmount(row.body.amount, row.body.currency)), rows.map((row) => row.key),
        rows.map((row) => createHash('sha256').update(JSON.stringify(row.body)).digest('hex'))]);
      latency.record(performance.now() - statementStartedAt);
      if (inserted.rows.length !== rows.length) throw new Error(`batched reference: ${rows.length - inserted.rows.length} keys were already taken`);
      count += rows.length;
    }
  }));
  return { count, elapsedSeconds: (performance.now() - startedAt) / 1_000, latency };
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

/** Exactly `committed` pending donations whose keys match `keyPattern`. */
async function checkRows(context: BenchContext, keyPattern: string, committed: number): Promise<void> {
  const rows = await countDonations(context, keyPattern);
  if (rows !== committed) throw new Error(`${committed} ${keyPattern} rows were committed but the database holds ${rows}`);
}

async function countDonations(context: BenchContext, keyPattern: string): Promise<number> {
  const { rows } = await context.database.query<{ count: bigint }>(
    "select count(*) as count from donations where idempotency_key like $1 and status = 'pending'", [keyPattern]);
  return Number(rows[0]!.count);
}
