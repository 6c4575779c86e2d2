// 10,000 live dashboard subscribers on one `amanah serve` process while 1,000 donations a second are approved:
// how long an approval takes to reach the subscribers (commit to receipt, p50 and p99), and what each
// subscriber costs the server in memory. Next to the reference measured in the same run: a bare node:http
// server fanning out an event of the same size to the same number of streams at the same cadence
// (bench/live-reference-server.ts), which is the floor for both figures.
//
// Processes: the server (a child, the production entry point), the subscribers (another child,
// bench/live-subscribers.ts: 10,000 sockets and their parsing must not share the server's event loop or the
// approver's), and this one, which approves. Both children start under `ulimit -n` raised to
// FILE_DESCRIPTORS_MIN, since each stream is a file descriptor on either side.
//
// Measuring "commit to receipt". Approvals are sent open-loop at the target rate (one every 1/rate s, whether
// or not earlier ones have been answered, up to APPROVALS_IN_FLIGHT_MAX), round-robin over CAMPAIGNS campaigns.
// A campaign's approvals commit one after another (each takes the campaign row's lock), and each is answered
// just after its commit, so the k-th answer of a campaign is, to within the answers' own jitter, the commit that
// made its donation count k. A subscriber that receives an update saying campaign c has n donations has received
// c's first n commits; each one's delay is the update's arrival minus that answer's time (the answer's own
// latency is reported beside it). One subscriber in SAMPLE_EVERY is timed, spread over the connection order,
// since the hub writes to subscribers in that order; all of them read everything.
//
// Memory per subscriber is the marginal cost: half the subscribers connect, the server's resident memory is
// read, the other half connect, and it is read again. The first half absorbs what a fresh process grows anyway
// (heap spaces, JIT code), which would otherwise be charged to the subscribers; the reference is measured alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext, BenchResult } from './run.ts';
import { freePort, LatencyRecorder } from './support.ts';
import type { CollectedMessage, SampledSubscriber } from './live-subscribers.ts';
import { findTotalsMismatches } from '../src/campaigns/queries.ts';
import { LIVE_FLUSH_INTERVAL_MS } from '../src/live/hub.ts';

export const name = 'live';

const SUBSCRIBERS = 10_000;
const APPROVALS_PER_SECOND = 1_000;
const DURATION_SECONDS = 30;
/** Approvals are spread over this many campaigns, each approved one at a time (see the header). */
const CAMPAIGNS = 20;
const QUICK_SUBSCRIBERS = 1_000;
const QUICK_APPROVALS_PER_SECOND = 200;
const QUICK_DURATION_SECONDS = 5;
/** One subscriber in this many is timed (and the last one). */
const SAMPLE_EVERY = 100;
/**
 * Approvals sent but not yet answered, at most; past this the approver falls behind its schedule (reported as
 * approver_lag_ms) instead of piling requests into the server's pool queue, where the hub's own reads would wait
 * behind them and the delay measured would be the queue's. 64, as in the api-writes benchmark.
 */
const APPROVALS_IN_FLIGHT_MAX = 64;
const FILE_DESCRIPTORS_MIN = 65_536;
/** After the subscribers connect, memory is read once this long has passed (snapshots sent, buffers settled). */
const SETTLE_MS = 3_000;
/** After the last approval, subscribers get this long to receive the last update. */
const DRAIN_MS = 2_000;
const SERVER_READY_TIMEOUT_MS = 60_000;
const LATENCY_SAMPLES_MAX = 2_000_000;
const ADMIN_TOKEN = 'live-bench-admin-token-0123456789';

const SERVER_ENTRY = ['src/cli/main.ts', 'serve'];

/** `sh -c` raises the open-file limit, then execs node, so the child's pid is node's. */
function spawnWithFileLimit(context: BenchContext, args: string[], env: Record<string, string>, ipc: boolean): ChildProcess {
  const script = `ulimit -n ${FILE_DESCRIPTORS_MIN} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('sh', ['-c', script, process.execPath, ...args], {
    cwd: context.repositoryDirectory,
    env: { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
}

async function waitUntilReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = Date.now() + SERVER_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`no answer from ${url}/readyz within ${SERVER_READY_TIMEOUT_MS} ms`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process, from /proc (Linux). */
function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; clock ticks at the usual 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function heapUsedBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  const match = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** Campaigns with pending donations enough for the whole run, written in two statements. */
async function prepare(context: BenchContext, campaigns: number, donations: number): Promise<Map<string, string[]>> {
  const { rows: campaignRows } = await context.database.query<{ id: bigint }>(
    `insert into campaigns (slug, name, fund, currency, status, goal_minor)
     select 'live-bench-' || n, 'Live benchmark campaign ' || n, 'general', 'IDR', 'active', 100000000000
       from generate_series(1, $1::int) n returning id`, [campaigns]);
  const campaignIds = campaignRows.map((row) => String(row.id));
  const { rows } = await context.database.query<{ id: bigint; campaign_id: bigint }>(
    `with donors_made as (
       insert into donors (display_name) select 'Benchmark donor ' || n from generate_series(1, $1::int) n returning id, display_name
     )
     insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
     select ($2::bigint[])[1 + (d.id % array_length($2::bigint[], 1))], d.id, d.display_name, false, 100000 + (d.id % 1000) * 500, 'IDR',
            'pending', 'api', 'live-bench-' || d.id, sha256(('live-bench-' || d.id)::bytea)
       from donors_made d
     returning id, campaign_id`, [donations, campaignIds]);
  const queues = new Map(campaignIds.map((id) => [id, [] as string[]]));
  for (const row of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) queues.get(String(row.campaign_id))!.push(String(row.id));
  return queues;
}

interface Subscribers {
  child: ChildProcess;
  open(url: string, firstIndex: number, count: number, total: number): Promise<{ opened: number; failed: number }>;
  collect(): Promise<CollectedMessage>;
}

function startSubscribers(context: BenchContext): Subscribers {
  const child = spawnWithFileLimit(context, ['bench/live-subscribers.ts'], {}, true);
  const reply = <T>(type: string) => new Promise<T>((resolve, reject) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the subscribers' process exited with ${code}`)));
  });
  return {
    child,
    open(url, firstIndex, count, total) {
      const answer = reply<{ opened: number; failed: number }>('opened');
      child.send({ type: 'open', url, firstIndex, count, total, sampleEvery: SAMPLE_EVERY });
      return answer;
    },
    collect() {
      const answer = reply<CollectedMessage>('collected');
      child.send({ type: 'collect' });
      return answer;
    },
  };
}

interface Approvals {
  /** Per campaign, when each approval was answered, in order: the k-th is the commit that made the count k. */
  answeredMs: Map<string, number[]>;
  latency: LatencyRecorder;
  count: number;
  failed: number;
  /** Failed approvals by HTTP status (503: the server shed load), or 'network'. */
  failures: Record<string, number>;
  seconds: number;
  /** How far behind its schedule the last approval was sent (the approver or the server could not keep up). */
  lagMs: number;
}

/** Open-loop approvals at `ratePerSecond`, round-robin over the campaigns, at most APPROVALS_IN_FLIGHT_MAX at once. */
async function approve(url: string, queues: Map<string, string[]>, ratePerSecond: number, seconds: number, signal: AbortSignal): Promise<Approvals> {
  const result: Approvals = { answeredMs: new Map(), latency: new LatencyRecorder(LATENCY_SAMPLES_MAX), count: 0, failed: 0, failures: {}, seconds: 0, lagMs: 0 };
  const fail = (reason: string) => { result.failed += 1; result.failures[reason] = (result.failures[reason] ?? 0) + 1; };
  const lanes = [...queues].map(([campaignId, donationIds]) => ({ campaignId, donationIds, next: 0 }));
  for (const lane of lanes) result.answeredMs.set(lane.campaignId, []);
  const inFlight = new Set<Promise<void>>();
  const total = Math.min(Math.floor(ratePerSecond * seconds), lanes.reduce((sum, lane) => sum + lane.donationIds.length, 0));
  const startMs = performance.now();
  for (let index = 0; index < total && !signal.aborted; index += 1) {
    const dueMs = startMs + (index * 1000) / ratePerSecond;
    if (dueMs > performance.now()) await sleep(dueMs - performance.now());
    while (inFlight.size >= APPROVALS_IN_FLIGHT_MAX) await Promise.race(inFlight);
    result.lagMs = Math.max(0, performance.now() - dueMs);
    const lane = lanes[index % lanes.length]!;
    const donationId = lane.donationIds[lane.next++]!;
    const sentMs = performance.now();
    const request: Promise<void> = fetch(`${url}/api/donations/${donationId}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      .then(async (response) => {
        await response.arrayBuffer();
        if (!response.ok) { fail(String(response.status)); return; }
        result.answeredMs.get(lane.campaignId)!.push(performance.timeOrigin + performance.now());
        result.latency.record(performance.now() - sentMs);
        result.count += 1;
      }, () => { fail('network'); })
      .finally(() => { inFlight.delete(request); });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  result.seconds = (performance.now() - startMs) / 1000;
  return result;
}

interface Delivery {
  delay: LatencyRecorder;
  firstChangeDelay: LatencyRecorder;
  beforeAnswer: number;
  /** Sampled subscribers whose last update did not show every approval. */
  behind: number;
}

/** The delay of every approval at every sampled subscriber (see the header). */
function deliveries(sampled: readonly SampledSubscriber[], approvals: Approvals): Delivery {
  const result: Delivery = { delay: new LatencyRecorder(LATENCY_SAMPLES_MAX), firstChangeDelay: new LatencyRecorder(LATENCY_SAMPLES_MAX), beforeAnswer: 0, behind: 0 };
  for (const subscriber of sampled) {
    const seen = new Map<string, number>();
    for (const [index, counts] of subscriber.counts.entries()) {
      const receivedMs = subscriber.receivedMs[index]!;
      result.firstChangeDelay.record(receivedMs - subscriber.firstChangeMs[index]!);
      for (const [campaignId, donations] of counts) {
        const answered = approvals.answeredMs.get(campaignId);
        if (!answered) continue;
        for (let k = (seen.get(campaignId) ?? 0) + 1; k <= donations; k += 1) {
          const delayMs = receivedMs - answered[k - 1]!;
          if (delayMs < 0) result.beforeAnswer += 1;
          result.delay.record(Math.max(0, delayMs));
        }
        seen.set(campaignId, Math.max(seen.get(campaignId) ?? 0, donations));
      }
    }
    for (const [campaignId, answered] of approvals.answeredMs) if ((seen.get(campaignId) ?? 0) < answered.length) { result.behind += 1; break; }
  }
  return result;
}

interface Phase {
  residentBefore: number;
  residentAfter: number;
  heapBefore: number;
  heapAfter: number;
  opened: number;
  failed: number;
  /** Subscribers connected between the two memory readings. */
  measured: number;
}

/**
 * Connects `count` subscribers to `streamUrl` in two halves and measures the server's memory between them and
 * after: the figures are the second half's marginal cost (see the header).
 */
async function connect(subscribers: Subscribers, serverPid: number, baseUrl: string, streamUrl: string, count: number, heap: boolean): Promise<Phase> {
  const firstHalf = Math.floor(count / 2);
  const first = await subscribers.open(streamUrl, 0, firstHalf, count);
  await sleep(SETTLE_MS);
  const residentBefore = residentBytes(serverPid);
  const heapBefore = heap ? await heapUsedBytes(baseUrl) : Number.NaN;
  const second = await subscribers.open(streamUrl, firstHalf, count - firstHalf, count);
  await sleep(SETTLE_MS);
  return {
    residentBefore, residentAfter: residentBytes(serverPid), heapBefore, heapAfter: heap ? await heapUsedBytes(baseUrl) : Number.NaN,
    opened: first.opened + second.opened, failed: first.failed + second.failed, measured: second.opened,
  };
}

async function runAmanah(context: BenchContext, settings: Settings) {
  const queues = await prepare(context, settings.campaigns, Math.ceil(settings.ratePerSecond * settings.seconds * 1.1));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnWithFileLimit(context, SERVER_ENTRY, {
    DATABASE_URL: context.databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
    AMANAH_ADMIN_TOKEN: ADMIN_TOKEN, AMANAH_SEED_DEMO: 'false', AMANAH_LIVE_SUBSCRIBERS_MAX: String(settings.subscribers + 100),
  }, false);
  server.stdout!.resume();
  const subscribers = startSubscribers(context);
  try {
    await waitUntilReady(server, url);
    const phase = await connect(subscribers, server.pid!, url, `${url}/api/live`, settings.subscribers, true);
    context.log(`${phase.opened} subscribers connected (${phase.failed} failed); approving ${settings.ratePerSecond}/s for ${settings.seconds} s`);
    const cpuBefore = { server: cpuSeconds(server.pid!), subscribers: cpuSeconds(subscribers.child.pid!), approver: process.cpuUsage() };
    const approvals = await approve(url, queues, settings.ratePerSecond, settings.seconds, context.signal);
    await sleep(DRAIN_MS);
    const approverCpu = process.cpuUsage(cpuBefore.approver);
    const cpu = {
      server: cpuSeconds(server.pid!) - cpuBefore.server,
      subscribers: cpuSeconds(subscribers.child.pid!) - cpuBefore.subscribers,
      approver: (approverCpu.user + approverCpu.system) / 1e6,
    };
    const residentLoaded = residentBytes(server.pid!);
    const collected = await subscribers.collect();
    const stats = await (await fetch(`${url}/api/live/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as Record<string, number>;
    return { phase, approvals, collected, stats, residentLoaded, cpu, delivery: deliveries(collected.sampled, approvals) };
  } finally {
    await stop(subscribers.child);
    await stop(server);
  }
}

async function runReference(context: BenchContext, settings: Settings, messageBytes: number) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnWithFileLimit(context, ['bench/live-reference-server.ts', String(port), String(LIVE_FLUSH_INTERVAL_MS), String(messageBytes)], {}, false);
  server.stdout!.resume();
  const subscribers = startSubscribers(context);
  try {
    await waitUntilReady(server, url);
    const phase = await connect(subscribers, server.pid!, url, `${url}/stream`, settings.subscribers, false);
    await sleep(Math.min(settings.seconds, 10) * 1000);
    const collected = await subscribers.collect();
    const fanOut = new LatencyRecorder(LATENCY_SAMPLES_MAX);
    for (const subscriber of collected.sampled) for (const [index, receivedMs] of subscriber.receivedMs.entries()) fanOut.record(receivedMs - subscriber.firstChangeMs[index]!);
    return { phase, fanOut };
  } finally {
    await stop(subscribers.child);
    await stop(server);
  }
}

interface Settings { subscribers: number; ratePerSecond: number; seconds: number; campaigns: number }

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export async function run(context: BenchContext): Promise<BenchResult> {
  const settings: Settings = {
    subscribers: context.integerOption('subscribers', context.quick ? QUICK_SUBSCRIBERS : SUBSCRIBERS, 1, 50_000),
    ratePerSecond: context.integerOption('rate', context.quick ? QUICK_APPROVALS_PER_SECOND : APPROVALS_PER_SECOND, 1, 100_000),
    seconds: context.integerOption('seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 600),
    campaigns: context.integerOption('campaigns', CAMPAIGNS, 1, 1_000),
  };
  const amanah = await runAmanah(context, settings);
  const mismatches = await findTotalsMismatches(context.database);
  if (mismatches.length > 0) throw new Error(`campaign totals do not match their donations after the run: ${mismatches.map((row) => row.slug).join(', ')}`);
  const updatesPerSubscriber = amanah.collected.updatesMax;
  const bytesPerUpdate = Math.round(amanah.collected.bytes / Math.max(1, amanah.collected.subscribers) / Math.max(1, updatesPerSubscriber));
  context.log(`amanah done; reference fan-out of ${bytesPerUpdate}-byte events to ${settings.subscribers} streams`);
  const reference = await runReference(context, settings, bytesPerUpdate);

  const perSubscriber = (phase: Phase) => (phase.residentAfter - phase.residentBefore) / Math.max(1, phase.measured);
  const amanahBytes = perSubscriber(amanah.phase);
  const referenceBytes = perSubscriber(reference.phase);
  const [delayP50, delayP99] = amanah.delivery.delay.percentiles(50, 99);
  const [firstP50, firstP99] = amanah.delivery.firstChangeDelay.percentiles(50, 99);
  const [approveP50, approveP99] = amanah.approvals.latency.percentiles(50, 99);
  const [fanOutP50, fanOutP99] = reference.fanOut.percentiles(50, 99);
  return {
    name,
    workload: `${amanah.phase.opened} subscribers, ${whole(amanah.approvals.count / amanah.approvals.seconds)} approvals/s: ` +
      `commit→receipt p50 ${round(delayP50!)} ms, p99 ${round(delayP99!)} ms; ${whole(amanahBytes)} B/subscriber`,
    reference: `bare node:http SSE fan-out: ${whole(referenceBytes)} B/connection, fan-out p99 ${round(fanOutP99!)} ms`,
    ratio: round(referenceBytes / amanahBytes, 3),
    figures: {
      subscribers: amanah.phase.opened,
      campaigns: settings.campaigns,
      subscribers_failed: amanah.phase.failed,
      approvals: amanah.approvals.count,
      approvals_per_second: round(amanah.approvals.count / amanah.approvals.seconds),
      approvals_failed: amanah.approvals.failed,
      approvals_failed_by_status: JSON.stringify(amanah.approvals.failures),
      approver_lag_ms: round(amanah.approvals.lagMs),
      approval_latency_p50_ms: round(approveP50!, 2),
      approval_latency_p99_ms: round(approveP99!, 2),
      delivery_delay_p50_ms: round(delayP50!),
      delivery_delay_p99_ms: round(delayP99!),
      delivery_samples: amanah.delivery.delay.count,
      delivered_before_approval_answered: amanah.delivery.beforeAnswer,
      first_change_to_receipt_p50_ms: round(firstP50!),
      first_change_to_receipt_p99_ms: round(firstP99!),
      flush_interval_ms: LIVE_FLUSH_INTERVAL_MS,
      updates_per_subscriber_min: amanah.collected.updatesMin,
      updates_per_subscriber_max: amanah.collected.updatesMax,
      updates_per_subscriber_per_second: round(updatesPerSubscriber / amanah.approvals.seconds, 2),
      bytes_per_update: bytesPerUpdate,
      resyncs: amanah.collected.resyncs,
      sampled_subscribers_behind: amanah.delivery.behind,
      server_resident_bytes_per_subscriber: Math.round(amanahBytes),
      server_heap_bytes_per_subscriber: Math.round((amanah.phase.heapAfter - amanah.phase.heapBefore) / Math.max(1, amanah.phase.measured)),
      server_resident_mb_half_connected: round(amanah.phase.residentBefore / 1048576),
      server_resident_mb_connected: round(amanah.phase.residentAfter / 1048576),
      server_resident_mb_after_load: round(amanah.residentLoaded / 1048576),
      server_bytes_written: amanah.stats.bytesWritten ?? Number.NaN,
      server_last_fan_out_ms: round(amanah.stats.lastFanOutMs ?? Number.NaN),
      // Where the machine's CPU went while approving (seconds of CPU per second of the run; 2 = both cores).
      server_cpu_cores: round(amanah.cpu.server / amanah.approvals.seconds, 2),
      subscribers_process_cpu_cores: round(amanah.cpu.subscribers / amanah.approvals.seconds, 2),
      approver_cpu_cores: round(amanah.cpu.approver / amanah.approvals.seconds, 2),
      load_average_1m_at_end: round(loadavg()[0]!, 2),
      reference_resident_bytes_per_connection: Math.round(referenceBytes),
      reference_fan_out_p50_ms: round(fanOutP50!),
      reference_fan_out_p99_ms: round(fanOutP99!),
      reference_connections: reference.phase.opened,
    },
    notes: 'ratio = reference resident bytes per connection / amanah resident bytes per subscriber (1 = no overhead). ' +
      'Delivery delay counts from the approval\'s answer to an update showing it at a timed subscriber; it includes the ' +
      `wait for the next flush (up to ${LIVE_FLUSH_INTERVAL_MS} ms, by design), so its floor is about ` +
      `${LIVE_FLUSH_INTERVAL_MS / 2} ms (p50) and ${LIVE_FLUSH_INTERVAL_MS} ms plus the reference fan-out (p99).`,
  };
}

const whole = (value: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(value);
