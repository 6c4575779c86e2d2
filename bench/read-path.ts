// The read path at peak: one campaign's page reloaded by thousands.
//
//  1. Cached `GET /api/campaigns/:id` from `amanah serve` (a child process, cache on, every measured request a
//     hit) next to a bare node:http server (another child) that answers every request with the very bytes and
//     headers amanah sent: the least a Node HTTP server can do per request. Headline ratio: amanah's requests/s
//     over the bare server's (target 0.9), with the p99 of both (target: within 2 ms). The two are loaded in
//     turn, `rounds` times each, interleaved, and each side's best round is compared (see `best`); the server
//     CPU time per request of each is reported too, a measure other work on the machine hardly moves.
//  2. The same endpoint with AMANAH_CACHE=off: what the cache buys (every request reads PostgreSQL).
//  3. 1,000 cached reads in process, through CampaignCache: the seed's bar is 10 ms; the target is 0.1 ms.
//  4. 10,000 idle keep-alive connections held by one amanah process, and by the bare server: resident memory
//     per connection (the growth of the server's RSS while a client process holds them, divided by the count).
//
// The load generator is wrk (Debian's package, C, one thread) when installed, else autocannon in the runner's
// process; either way it runs in a process apart from the server's, one core each on this 2-core machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { BenchContext, BenchResult } from './run.ts';
import { freePort, startServerProcess, type ServerProcess } from './support.ts';
import { insertCampaign } from '../src/campaigns/queries.ts';
import { CampaignCache } from '../src/cache/campaign-cache.ts';

export const name = 'read-path';

const CONNECTIONS = 64;
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 3;
const ROUNDS = 4;
const QUICK_DURATION_SECONDS = 2;
const QUICK_WARMUP_SECONDS = 1;
const HELD_CONNECTIONS = 10_000;
const QUICK_HELD_CONNECTIONS = 1_000;
/** In-process reads per sample (the seed's figure), and samples taken; the median sample is reported. */
const READS_PER_SAMPLE = 1_000;
const IN_PROCESS_SAMPLES = 501;
/** Other campaigns beside the viral one, so the cache and the table are not trivially small. */
const OTHER_CAMPAIGNS = 999;
/** Time for a server to settle (GC, lazy compilation) before its memory is read. */
const SETTLE_MS = 1_000;
const CHILD_READY_TIMEOUT_MS = 30_000;
/** Headers Node's HTTP server writes itself on every response; the bare server's Node writes them the same way. */
const NODE_OWN_HEADERS = new Set(['date', 'connection', 'keep-alive']);
const BARE_SERVER = new URL('./bare-http-server.ts', import.meta.url).pathname;
const HOLD_CONNECTIONS = new URL('./hold-connections.ts', import.meta.url).pathname;

interface Parameters {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  heldConnections: number;
}

interface Load {
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) the server process spent per request in the measured run, in microseconds. */
  serverCpuUsPerRequest: number;
}

interface Sample {
  headers: string[];
  body: Buffer;
}

interface Child {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

function parameters(context: BenchContext): Parameters {
  return {
    connections: context.integerOption('connections', CONNECTIONS, 1, 1_000),
    durationSeconds: context.integerOption('duration-seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 600),
    warmupSeconds: context.integerOption('warmup-seconds', context.quick ? QUICK_WARMUP_SECONDS : WARMUP_SECONDS, 0, 600),
    rounds: context.integerOption('rounds', context.quick ? 1 : ROUNDS, 1, 10),
    heldConnections: context.integerOption('held-connections', context.quick ? QUICK_HELD_CONNECTIONS : HELD_CONNECTIONS, 1, 15_000),
  };
}

function serverEnvironment(context: BenchContext, cache: 'on' | 'off'): Record<string, string> {
  return { DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false', AMANAH_CACHE: cache };
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const settings = parameters(context);
  const campaignId = await seed(context);
  const path = `/api/campaigns/${campaignId}`;
  const generator = hasWrk() ? 'wrk' : 'autocannon';
  context.log(`load generator: ${generator}; ${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ${settings.durationSeconds} s × ${settings.rounds} rounds`);
  const cached = await startServerProcess(context.repositoryDirectory, serverEnvironment(context, 'on'));
  let sample: Sample;
  const cachedLoads: Load[] = [];
  const bareLoads: Load[] = [];
  try {
    sample = await captureHit(cached.url + path);
    const bare = await startBareServer(sample);
    try {
      const hitsBefore = await responseCacheHits(cached.url);
      let cachedRequests = 0;
      for (let round = 0; round < settings.rounds && !context.signal.aborted; round += 1) {
        context.log(`round ${round + 1}: amanah (cached), then bare node:http`);
        const load = await measure(generator, cached.url + path, settings, context.signal, cached.pid);
        cachedLoads.push(load.measured);
        cachedRequests += load.warmupRequests + load.measured.requests;
        bareLoads.push((await measure(generator, bare.url + path, settings, context.signal, bare.pid)).measured);
      }
      const hits = (await responseCacheHits(cached.url)) - hitsBefore;
      if (hits < cachedRequests) throw new Error(`only ${hits} of ${cachedRequests} requests were cache hits`);
    } finally {
      await bare.stop();
    }
  } finally {
    await cached.stop();
  }
  context.log('caching off');
  const uncached = await measureUncached(context, path, generator, settings);
  context.log('in-process reads');
  const inProcess = await measureInProcess(context, campaignId);
  context.log(`${settings.heldConnections} held connections: amanah, then bare node:http`);
  const held = await measureHeldConnections(context, path, sample, settings.heldConnections);
  if (context.signal.aborted) throw new Error('stopped before the end');
  return result(settings, generator, { cachedLoads, bareLoads, uncached, inProcess, held, bodyBytes: sample.body.length });
}

/** The viral campaign with totals, and others beside it; written before any server starts. */
async function seed(context: BenchContext): Promise<string> {
  const campaign = await insertCampaign(context.database, {
    slug: 'ramadan-viral', name: 'Ramadan: food for 10,000 families', description: 'Iftar parcels for families in need, delivered in the last ten nights.',
    fund: 'sadaqah', currency: 'IDR', goalMinor: 500_000_000_000n, status: 'active', startsAt: null, endsAt: null,
  });
  await context.database.query(
    'update campaigns set raised_minor = 123456789000, donation_count = 48210, donor_count = 39877 where id = $1', [campaign.id]);
  await context.database.query(
    `insert into campaigns (slug, name, fund, currency, status, raised_minor, donation_count, donor_count)
     select 'campaign-' || n, 'Campaign ' || n, 'zakat', 'IDR', 'active', n * 1000, n, n from generate_series(1, $1::int) as n`,
    [OTHER_CAMPAIGNS]);
  return String(campaign.id);
}

function hasWrk(): boolean {
  return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined;
}

/** GETs `url` until amanah answers from its cache; returns that response's headers (less Node's own) and body. */
async function captureHit(url: string): Promise<Sample> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await rawGet(url);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    const xCache = response.headers.findIndex((name, index) => index % 2 === 0 && name.toLowerCase() === 'x-cache');
    if (xCache >= 0 && response.headers[xCache + 1] === 'HIT') {
      const headers = response.headers.filter((_value, index) => index % 2 === 0 ? !NODE_OWN_HEADERS.has(response.headers[index]!.toLowerCase()) : !NODE_OWN_HEADERS.has(response.headers[index - 1]!.toLowerCase()));
      return { headers, body: response.body };
    }
  }
  throw new Error(`${url} was never answered from the cache`);
}

function rawGet(url: string): Promise<{ status: number; headers: string[]; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.rawHeaders, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject).end();
  });
}

async function responseCacheHits(baseUrl: string): Promise<number> {
  const text = (await rawGet(`${baseUrl}/metrics`)).body.toString('utf8');
  const match = /^amanah_cache_hits_total\{cache="responses"\} (\d+)$/m.exec(text);
  if (!match) throw new Error('amanah_cache_hits_total{cache="responses"} is not on /metrics');
  return Number(match[1]);
}

/** Starts bench/bare-http-server.ts with the captured response, and resolves once it answers. */
async function startBareServer(sample: Sample): Promise<Child> {
  const directory = mkdtempSync(join(tmpdir(), 'amanah-bare-'));
  const file = join(directory, 'response.json');
  writeFileSync(file, JSON.stringify({ headers: sample.headers, bodyBase64: sample.body.toString('base64') }));
  const port = await freePort();
  const child = spawn(process.execPath, [BARE_SERVER, String(port), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await waitForLine(child, 'listening');
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

function waitForLine(child: ChildProcess, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" from the child within ${CHILD_READY_TIMEOUT_MS} ms`)), CHILD_READY_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith(prefix)) return;
      clearTimeout(timer);
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the child exited (${code}) before "${prefix}"`)); });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A warm-up run (discarded), then the measured run. */
/** A warm-up run (discarded), then the measured run, with the CPU time the server (`pid`) spent on it. */
async function measure(generator: 'wrk' | 'autocannon', url: string, settings: Parameters, signal: AbortSignal, pid: number): Promise<{ warmupRequests: number; measured: Load }> {
  const once = (seconds: number) => generator === 'wrk' ? runWrk(url, seconds, settings.connections) : runAutocannon(url, seconds, settings.connections, signal);
  const warmup = settings.warmupSeconds > 0 ? await once(settings.warmupSeconds) : undefined;
  const cpuBefore = cpuSeconds(pid);
  const measured = await once(settings.durationSeconds);
  measured.serverCpuUsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / measured.requests;
  return { warmupRequests: warmup?.requests ?? 0, measured };
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`; 100 on Linux x86-64). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * User plus system CPU time of a process so far. Unlike requests/s, CPU per request hardly moves when other
 * work on the machine takes cores away from the server, so it is the steadier of the two on a shared machine.
 */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state is field 3, utime field 14 and stime field 15 (proc(5)), so indexes 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

async function runWrk(url: string, seconds: number, connections: number): Promise<Load> {
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${output}`);
  return parseWrk(output);
}

/** Reads wrk's report: requests/s, the request count, the 50th and 99th latency percentiles; fails on errors. */
export function parseWrk(output: string): Load {
  const number = (pattern: RegExp, what: string) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`wrk printed no ${what}:\n${output}`);
    return match;
  };
  const milliseconds = (percent: number) => {
    const [, value, unit] = number(new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'), `${percent}% latency`);
    return Number(value) * (unit === 'us' ? 0.001 : unit === 's' ? 1_000 : 1);
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} responses other than 2xx/3xx`);
  if (socketErrors && socketErrors.slice(1).some((count) => count !== '0')) throw new Error(`wrk saw socket errors: ${socketErrors[0]}`);
  return {
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    requests: Number(number(/(\d+) requests in/, 'request count')[1]),
    p50Ms: milliseconds(50),
    p99Ms: milliseconds(99),
    serverCpuUsPerRequest: Number.NaN,
  };
}

async function runAutocannon(url: string, seconds: number, connections: number, signal: AbortSignal): Promise<Load> {
  const instance = autocannon({ url, connections, duration: seconds });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  if (outcome.errors > 0 || outcome.non2xx > 0) throw new Error(`autocannon saw ${outcome.errors} errors and ${outcome.non2xx} non-2xx responses`);
  return {
    requestsPerSecond: outcome.requests.total / outcome.duration, requests: outcome.requests.total,
    p50Ms: outcome.latency.p50, p99Ms: outcome.latency.p99, serverCpuUsPerRequest: Number.NaN,
  };
}

async function measureUncached(context: BenchContext, path: string, generator: 'wrk' | 'autocannon', settings: Parameters): Promise<Load> {
  const server = await startServerProcess(context.repositoryDirectory, serverEnvironment(context, 'off'));
  try {
    const headers = (await rawGet(server.url + path)).headers;
    if (headers.some((name) => name.toLowerCase() === 'x-cache')) throw new Error('AMANAH_CACHE=off still answered with x-cache');
    return (await measure(generator, server.url + path, settings, context.signal, server.pid)).measured;
  } finally {
    await server.stop();
  }
}

interface InProcess {
  syncMs: number;
  awaitedMs: number;
}

/** Median time of READS_PER_SAMPLE cached reads: `cached()` (synchronous) and `await get()` (the routes' call). */
async function measureInProcess(context: BenchContext, campaignId: string): Promise<InProcess> {
  const cache = new CampaignCache(context.database, { enabled: true, ttlMs: 60_000, bytesMax: 64 * 1024 * 1024 });
  if ((await cache.get(campaignId)) === undefined) throw new Error('the campaign is not there');
  let checksum = 0;
  const sync: number[] = [];
  const awaited: number[] = [];
  for (let sample = 0; sample < IN_PROCESS_SAMPLES; sample += 1) {
    let startedAt = performance.now();
    for (let read = 0; read < READS_PER_SAMPLE; read += 1) checksum += cache.cached(campaignId)!.slug.length;
    sync.push(performance.now() - startedAt);
    startedAt = performance.now();
    for (let read = 0; read < READS_PER_SAMPLE; read += 1) checksum += (await cache.get(campaignId))!.slug.length;
    awaited.push(performance.now() - startedAt);
  }
  if (checksum !== 2 * IN_PROCESS_SAMPLES * READS_PER_SAMPLE * 'ramadan-viral'.length) throw new Error('a cached read returned the wrong campaign');
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { syncMs: median(sync), awaitedMs: median(awaited) };
}

interface Held {
  count: number;
  amanahRssBytesPerConnection: number;
  bareRssBytesPerConnection: number;
  amanahRssBeforeBytes: number;
  amanahRssAfterBytes: number;
}

async function measureHeldConnections(context: BenchContext, path: string, sample: Sample, count: number): Promise<Held> {
  const amanah = await startServerProcess(context.repositoryDirectory, serverEnvironment(context, 'on'));
  let amanahGrowth: { before: number; after: number };
  try {
    await captureHit(amanah.url + path);
    amanahGrowth = await rssGrowth(amanah, path, count);
  } finally {
    await amanah.stop();
  }
  const bare = await startBareServer(sample);
  let bareGrowth: { before: number; after: number };
  try {
    bareGrowth = await rssGrowth(bare, path, count);
  } finally {
    await bare.stop();
  }
  return {
    count,
    amanahRssBytesPerConnection: (amanahGrowth.after - amanahGrowth.before) / count,
    bareRssBytesPerConnection: (bareGrowth.after - bareGrowth.before) / count,
    amanahRssBeforeBytes: amanahGrowth.before,
    amanahRssAfterBytes: amanahGrowth.after,
  };
}

/** The server's resident memory before and while a client process holds `count` answered keep-alive connections. */
async function rssGrowth(server: ServerProcess | Child, path: string, count: number): Promise<{ before: number; after: number }> {
  await sleep(SETTLE_MS);
  const before = residentBytes(server.pid);
  const holder = spawn(process.execPath, [HOLD_CONNECTIONS, server.url + path, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await waitForLine(holder, 'held');
    await sleep(SETTLE_MS);
    return { before, after: residentBytes(server.pid) };
  } finally {
    await stopChild(holder);
  }
}

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

function mean(loads: readonly Load[], field: keyof Load): number {
  return loads.reduce((sum, load) => sum + load[field], 0) / loads.length;
}

/**
 * The round least disturbed by other work on the machine: the most requests/s. On this shared 2-core machine a
 * neighbour's test run takes a core from the server or from wrk for seconds at a time (rounds of one server
 * were seen to range from 17k to 27k req/s in one run), so the best round of each side, taken from
 * interleaved rounds, is the fairer comparison of what each can do; the means are reported beside it.
 */
function best(loads: readonly Load[]): Load {
  return loads.reduce((top, load) => (load.requestsPerSecond > top.requestsPerSecond ? load : top));
}

interface Measured {
  cachedLoads: readonly Load[];
  bareLoads: readonly Load[];
  uncached: Load;
  inProcess: InProcess;
  held: Held;
  bodyBytes: number;
}

function result(settings: Parameters, generator: string, measured: Measured): BenchResult {
  const { uncached, inProcess, held } = measured;
  const cached = best(measured.cachedLoads);
  const bare = best(measured.bareLoads);
  return {
    name,
    workload: `cached GET /api/campaigns/:id: ${Math.round(cached.requestsPerSecond)} req/s, p99 ${cached.p99Ms.toFixed(2)} ms (best of ${settings.rounds})`,
    reference: `bare node:http, same bytes and headers: ${Math.round(bare.requestsPerSecond)} req/s, p99 ${bare.p99Ms.toFixed(2)} ms (best of ${settings.rounds})`,
    ratio: round(cached.requestsPerSecond / bare.requestsPerSecond, 3),
    target: 0.9,
    figures: {
      load_generator: generator,
      connections: settings.connections,
      duration_seconds: settings.durationSeconds,
      warmup_seconds: settings.warmupSeconds,
      rounds: settings.rounds,
      response_body_bytes: measured.bodyBytes,
      ...throughputFigures(measured.cachedLoads, measured.bareLoads),
      uncached_requests_per_second: round(uncached.requestsPerSecond, 0),
      uncached_latency_p50_ms: round(uncached.p50Ms, 3),
      uncached_latency_p99_ms: round(uncached.p99Ms, 3),
      uncached_server_cpu_us_per_request: round(uncached.serverCpuUsPerRequest, 1),
      cache_speedup: round(cached.requestsPerSecond / uncached.requestsPerSecond, 2),
      in_process_1000_cached_reads_ms: round(inProcess.syncMs, 4),
      in_process_1000_awaited_reads_ms: round(inProcess.awaitedMs, 4),
      in_process_seed_bar_ms: 10,
      in_process_target_ms: 0.1,
      held_connections: held.count,
      amanah_rss_before_bytes: held.amanahRssBeforeBytes,
      amanah_rss_holding_bytes: held.amanahRssAfterBytes,
      amanah_rss_bytes_per_connection: round(held.amanahRssBytesPerConnection, 0),
      bare_rss_bytes_per_connection: round(held.bareRssBytesPerConnection, 0),
    },
    notes: 'ratio = amanah cached req/s ÷ bare node:http req/s (same response bytes and headers), best interleaved round of each; '
      + 'cpu ratio = bare server CPU per request ÷ amanah\'s (steadier on a shared machine); '
      + 'memory per connection = growth of the server\'s RSS while another process holds that many answered keep-alive connections.',
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function throughputFigures(cachedLoads: readonly Load[], bareLoads: readonly Load[]): Record<string, number | string> {
  const cached = best(cachedLoads);
  const bare = best(bareLoads);
  const byRound = (loads: readonly Load[]) => loads.map((load) => Math.round(load.requestsPerSecond)).join(', ');
  return {
    cached_requests_per_second: round(cached.requestsPerSecond, 0),
    cached_latency_p50_ms: round(cached.p50Ms, 3),
    cached_latency_p99_ms: round(cached.p99Ms, 3),
    cached_requests_per_second_by_round: byRound(cachedLoads),
    cached_requests_per_second_mean: round(mean(cachedLoads, 'requestsPerSecond'), 0),
    cached_server_cpu_us_per_request: round(mean(cachedLoads, 'serverCpuUsPerRequest'), 2),
    bare_requests_per_second: round(bare.requestsPerSecond, 0),
    bare_latency_p50_ms: round(bare.p50Ms, 3),
    bare_latency_p99_ms: round(bare.p99Ms, 3),
    bare_requests_per_second_by_round: byRound(bareLoads),
    bare_requests_per_second_mean: round(mean(bareLoads, 'requestsPerSecond'), 0),
    bare_server_cpu_us_per_request: round(mean(bareLoads, 'serverCpuUsPerRequest'), 2),
    p99_difference_ms: round(cached.p99Ms - bare.p99Ms, 3),
    ratio_of_means: round(mean(cachedLoads, 'requestsPerSecond') / mean(bareLoads, 'requestsPerSecond'), 3),
    cpu_ratio: round(mean(bareLoads, 'serverCpuUsPerRequest') / mean(cachedLoads, 'serverCpuUsPerRequest'), 3),
  };
}
