// The observer: admin-only JSON snapshot, history and live stream; a bounded CPU profile and a heap snapshot,
// both downloadable in DevTools formats; the figures on /metrics; and load shedding (503 + Retry-After, with
// liveness, metrics and the observer still answering).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { get as httpGet, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { SERIES } from '../../src/observer/sampler.ts';
import { CPU_PROFILE_SECONDS_MAX } from '../../src/observer/profiler.ts';
import { OBSERVER_STREAMS_MAX } from '../../src/observer/stream.ts';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';

const admin = bearer(TEST_ADMIN_TOKEN);
/** How many times a test polls for a state that arrives with the next 1 s sample, 100 ms apart. */
const POLLS_MAX = 100;

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 1; attempt < POLLS_MAX && !done(value); attempt += 1) {
    await sleep(100);
    value = await read();
  }
  return value;
}

interface OpenStream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly response: IncomingMessage;
  close(): void;
}

/**
 * Opens an observer stream with node:http on a connection of its own (no agent), so closing it closes the
 * socket at once; fetch's pool may open spare sockets that hold a closing server until its keep-alive timeout.
 */
function openStream(url: string, headers: Record<string, string>): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${url}/api/observer/stream`, { agent: false, headers: { ...headers, accept: 'text/event-stream' } }, (response) => {
      resolve({ status: response.statusCode!, headers: response.headers, response, close: () => request.destroy() });
    });
    request.on('error', (error) => { if (!request.destroyed) reject(error); });
  });
}

/** Reads server-sent events until `count` events of `type` have arrived. */
async function readEvents(stream: OpenStream, type: string, count: number): Promise<Array<{ id: string; data: unknown }>> {
  const events: Array<{ id: string; data: unknown }> = [];
  let buffer = '';
  for await (const chunk of stream.response) {
    buffer += String(chunk);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) => block.split('\n').find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      if (field('event') === type) events.push({ id: field('id')!, data: JSON.parse(field('data')!) });
    }
    if (events.length >= count) break;
  }
  stream.close();
  return events;
}

describe('observer', () => {
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => { await t.close(); });

  test('the observer API is for admins only', async () => {
    // Proves no token is a 401, a staff token a 403, both as problem+json, and an admin token is let in.
    for (const path of ['/api/observer/snapshot', '/api/observer/history', '/api/observer/stream']) {
      const anonymous = await t.app.inject(path);
      assert.equal(anonymous.statusCode, 401, path);
      assert.match(anonymous.headers['content-type'] as string, /^application\/problem\+json/);
      assert.equal((await t.app.inject({ url: path, headers: bearer(t.staffToken) })).statusCode, 403, path);
    }
    for (const path of ['/api/observer/profile?seconds=1', '/api/observer/heap-snapshot']) {
      assert.equal((await t.app.inject({ method: 'POST', url: path, headers: bearer(t.staffToken) })).statusCode, 403, path);
    }
    assert.equal((await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).statusCode, 200);
  });

  test('the snapshot describes the process, its pool, caches, queues and pressure', async () => {
    // Proves the snapshot's shape: system figures, heap spaces, versions, pool, built-in caches and queue, the
    // load-shedding state, and pg_stat_statements reported as available or not with a reason.
    const snapshot = (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json();
    assert.equal(snapshot.sample_interval_ms, 1_000);
    assert.equal(snapshot.series_samples_max, 900);
    assert.ok(snapshot.system.memory.rss_bytes > 0);
    assert.ok(snapshot.system.memory.heap_used_bytes > 0);
    assert.ok(snapshot.system.heap_spaces.some((space: { name: string }) => space.name === 'old_space'));
    assert.ok(snapshot.system.uptime_seconds > 0);
    assert.equal(snapshot.system.versions.node, process.versions.node);
    assert.match(snapshot.system.versions.database, /PostgreSQL/);
    assert.ok(Object.values(snapshot.system.active_resources).every((count) => typeof count === 'number'));
    assert.equal(snapshot.database.engine, t.database.engine);
    assert.equal(typeof snapshot.database.pool.max, 'number');
    assert.equal(snapshot.pressure.under_pressure, false);
    assert.equal(snapshot.pressure.shed.total, 0);
    assert.equal(typeof snapshot.pressure.thresholds.retry_after_seconds, 'number');
    assert.ok(Array.isArray(snapshot.caches));
    assert.ok(snapshot.queues.some((queue: { name: string }) => queue.name.includes('group commit')));
    assert.deepEqual(snapshot.source_errors, []);
    assert.equal(snapshot.profiler.running, null);
    assert.equal(snapshot.profiler.cpu_profile_seconds_max, CPU_PROFILE_SECONDS_MAX);
    if (snapshot.statements.available) assert.ok(Array.isArray(snapshot.statements.statements));
    else assert.ok(snapshot.statements.reason.length > 0);
  });

  test('pg_stat_statements installed but not loaded is reported, not an error', { skip: process.env.DATABASE_URL?.startsWith('postgres') !== true }, async () => {
    // Proves the observer names the reason when the extension exists in the database but the server did not
    // preload it (or lists statements where it did), instead of failing the snapshot.
    await t.database.query('create extension if not exists pg_stat_statements');
    const { statements } = (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json();
    if (statements.available) assert.ok(statements.statements.length > 0);
    else assert.match(statements.reason, /pg_stat_statements/);
    const { database } = (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json();
    assert.ok(database.pool.acquires > 0, 'the pool counts its acquires');
  });

  test('the stream sends a sample a second and the history keeps them, with HTTP counted', async () => {
    // Proves the SSE stream delivers samples with every series, requests made meanwhile appear in the HTTP
    // series, and the history returns equal-length columns for every series.
    const stream = await openStream(url, admin);
    assert.equal(stream.status, 200);
    assert.match(stream.headers['content-type']!, /^text\/event-stream/);
    // Real requests: the figures come from the HTTP server, which app.inject does not go through.
    for (let index = 0; index < 5; index += 1) await (await fetch(`${url}/healthz`)).text();
    const events = await readEvents(stream, 'sample', 2);
    assert.equal(events.length, 2);
    const live = events[1]!.data as { sequence: number; values: Record<string, number>; pressure: unknown; database: unknown };
    assert.equal(Number(events[1]!.id), live.sequence);
    for (const name of SERIES) assert.ok(name in live.values, name);
    assert.ok(live.values.rss_bytes! > 0);
    assert.ok(live.pressure && live.database);
    const history = (await t.app.inject({ url: '/api/observer/history', headers: admin })).json();
    const length = history.series.time.length;
    assert.ok(length >= 2);
    for (const name of SERIES) assert.equal(history.series[name].length, length, name);
    const requests = history.series.requests_per_second.reduce((sum: number, value: number | null) => sum + (value ?? 0), 0);
    assert.ok(requests > 0, 'the requests made during the samples are counted');
  });

  test('observer streams are bounded', async () => {
    // Proves the stream count has a limit: one past it is refused with 429 while the others stay open.
    const open = await Promise.all(Array.from({ length: OBSERVER_STREAMS_MAX }, () => openStream(url, admin)));
    assert.ok(open.every((stream) => stream.status === 200));
    const refused = await t.app.inject({ url: '/api/observer/stream', headers: admin });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().code, 'rate_limited');
    for (const stream of open) stream.close();
    const snapshot = await poll(async () => (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json(), (body) => body.streams.open === 0);
    assert.equal(snapshot.streams.open, 0, 'closed streams are forgotten');
  });

  test('a CPU profile is bounded and downloads as a DevTools .cpuprofile', async () => {
    // Proves the duration limit is enforced and a short profile comes back as an attachment of profile JSON.
    const tooLong = await t.app.inject({ method: 'POST', url: `/api/observer/profile?seconds=${CPU_PROFILE_SECONDS_MAX + 1}`, headers: admin });
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().code, 'validation_failed');
    const response = await t.app.inject({ method: 'POST', url: '/api/observer/profile?seconds=1', headers: admin });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-disposition'] as string, /^attachment; filename="amanah-\d+-[\dT-]+Z\.cpuprofile"$/);
    const profile = response.json();
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0);
    assert.ok(Array.isArray(profile.samples));
    assert.ok(profile.endTime > profile.startTime);
  });

  test('one profiling job runs at a time', async () => {
    // Proves a heap snapshot asked for while a CPU profile records is refused with 409 profiler_busy, and the
    // profile still completes.
    const profiling = t.app.inject({ method: 'POST', url: '/api/observer/profile?seconds=2', headers: admin });
    const busy = await poll(async () => (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json(), (body) => body.profiler.running !== null);
    assert.equal(busy.profiler.running, 'cpu-profile');
    const refused = await t.app.inject({ method: 'POST', url: '/api/observer/heap-snapshot', headers: admin });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'profiler_busy');
    assert.equal((await profiling).statusCode, 200);
  });

  test('a heap snapshot downloads as a DevTools .heapsnapshot', async () => {
    // Proves the snapshot is an attachment holding V8's heap snapshot JSON, and the job is free afterwards.
    const response = await fetch(`${url}/api/observer/heap-snapshot`, { method: 'POST', headers: admin });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-disposition')!, /\.heapsnapshot"$/);
    const snapshot = await response.json() as { snapshot: { meta: { node_fields: string[] } }; nodes: number[]; strings: string[] };
    assert.ok(snapshot.snapshot.meta.node_fields.includes('name'));
    assert.ok(snapshot.nodes.length > 0 && snapshot.strings.length > 0);
    // The job ends when the temporary file is closed and deleted, just after the last byte is sent.
    const after = await poll(async () => (await t.app.inject({ url: '/api/observer/snapshot', headers: admin })).json(), (body) => body.profiler.running === null);
    assert.equal(after.profiler.running, null);
  });

  test('/metrics exports the observer figures once each', async () => {
    // Proves event-loop utilisation, shedding, pressure and pool-acquire series are exported beside
    // prom-client's event-loop delay, GC and heap-space series, and no metric name is declared twice.
    const body = (await t.app.inject('/metrics')).body;
    for (const name of ['amanah_event_loop_utilization', 'amanah_under_pressure 0', 'amanah_load_shed_total',
      'amanah_db_pool_acquires_total', 'amanah_db_pool_acquire_wait_seconds_total', 'nodejs_eventloop_lag_p99_seconds',
      'nodejs_gc_duration_seconds', 'nodejs_heap_space_size_used_bytes', 'nodejs_active_handles']) {
      assert.ok(body.includes(name), name);
    }
    const helps = body.split('\n').filter((line) => line.startsWith('# HELP ')).map((line) => line.split(' ')[2]);
    assert.equal(new Set(helps).size, helps.length);
  });

  test('the page and its uPlot files are served without a build step', async () => {
    // Proves /observer is a page that asks for a token (no data in it), and uPlot comes from node_modules.
    const page = await t.app.inject({ url: '/observer', headers: { 'accept-language': 'en-GB,en;q=0.8' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /<label for="token">Admin token<\/label>/);
    const script = await t.app.inject('/observer/assets/uPlot.iife.min.js');
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /uPlot/);
    assert.equal((await t.app.inject('/observer/assets/observer.js')).statusCode, 200);
    assert.equal((await t.app.inject('/observer/assets/uPlot.min.css')).statusCode, 200);
    assert.equal((await t.app.inject('/observer/assets/..%2Fpackage.json')).statusCode, 404);
  });

  test('the page speaks the viewer\'s language, with a switch, and follows the system dark mode', async () => {
    // Proves: Accept-Language id gives an Indonesian page, ?lang=en switches (and sets the cookie), the catalogue
    // goes to the script as a data block (not script), and the page declares both colour schemes.
    const indonesian = await t.app.inject({ url: '/observer', headers: { 'accept-language': 'id-ID,id;q=0.9' } });
    assert.match(indonesian.body, /<html lang="id">/);
    assert.match(indonesian.body, /<h1>Pemantau amanah<\/h1>/);
    assert.match(indonesian.body, /<body data-locale="id-ID">/);
    assert.match(indonesian.body, /<a class="lang" href="\?lang=en" lang="en" hreflang="en">English<\/a>/);
    assert.match(indonesian.body, /<meta name="color-scheme" content="light dark">/);
    assert.match(indonesian.body, /@media \(prefers-color-scheme:dark\)/);
    assert.match(indonesian.body, /<script type="application\/json" id="messages">\{"page.title":"Pemantau amanah"/);
    assert.match(indonesian.headers.vary as string, /accept-language/);
    const english = await t.app.inject({ url: '/observer?lang=en', headers: { 'accept-language': 'id' } });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /<h1>amanah observer<\/h1>/);
    assert.match(english.headers['set-cookie'] as string, /^amanah_lang=en; Path=\/;/);
  });
});

describe('load shedding', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  before(async () => {
    // A 1-byte heap limit: the process is over it from the first sample on.
    database = await createTestDatabase({ AMANAH_SHED_HEAP_USED_BYTES: '1', AMANAH_SHED_RETRY_AFTER_SECONDS: '7' });
    app = await buildApp({ config: database.config, database: database.database });
  });
  after(async () => {
    await app.close();
    await database.drop();
  });

  test('over a threshold, requests get 503 overloaded with Retry-After; health, metrics and the observer answer', async () => {
    // Proves shedding answers problem+json 503 with the configured Retry-After, counts it by reason on
    // /metrics and in the observer, and leaves /healthz, /metrics and the observer answering.
    const shed = await poll(() => app.inject('/api/campaigns'), (response) => response.statusCode === 503);
    assert.equal(shed.statusCode, 503);
    assert.match(shed.headers['content-type'] as string, /^application\/problem\+json/);
    assert.equal(shed.headers['retry-after'], '7');
    assert.equal(shed.json().code, 'overloaded');
    assert.equal(shed.json().reason, 'heapUsedBytes');
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const metrics = await app.inject('/metrics');
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /amanah_load_shed_total\{reason="heapUsedBytes"\} [1-9]/);
    assert.match(metrics.body, /amanah_under_pressure 1/);
    const snapshot = await app.inject({ url: '/api/observer/snapshot', headers: admin });
    assert.equal(snapshot.statusCode, 200);
    const { pressure } = snapshot.json();
    assert.equal(pressure.under_pressure, true);
    assert.ok(pressure.shed.by_reason.heapUsedBytes >= 1);
    assert.equal(pressure.thresholds.heap_used_bytes_max, 1);
    assert.equal((await app.inject('/observer')).statusCode, 200);
  });
});
