// Caches across processes on one PostgreSQL: a change written through one `amanah serve` process reaches the
// cache of another through LISTEN/NOTIFY, and `amanah serve --workers N` runs N coherent workers on one port,
// replacing a crashed one and stopping on SIGTERM. PGlite is skipped: its database belongs to one process.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startServerProcess, type ServerProcess } from '../../bench/support.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const SKIP_PGLITE = 'needs PostgreSQL (DATABASE_URL=postgres://…): a PGlite database belongs to one process';
/** Generous: the bound the API documents is 100 ms; the test asserts the change arrives, not how fast. */
const PROPAGATION_DEADLINE_MS = 10_000;
const POLL_INTERVAL_MS = 2;
const SERVER_READY_DEADLINE_MS = 30_000;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

function serverEnvironment(url: string): Record<string, string> {
  return { DATABASE_URL: url, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false', AMANAH_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    // No shedding on event-loop delay: a worker's loop held for a whole sample (its start) reads as Infinity and sheds.
    AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0' };
}

/** Reads `url` until `accept` holds for its JSON, or the deadline passes; returns the milliseconds it took. */
async function pollUntil(url: string, accept: (body: Record<string, unknown>) => boolean): Promise<number> {
  const startedAt = performance.now();
  const attemptsMax = Math.ceil(PROPAGATION_DEADLINE_MS / POLL_INTERVAL_MS);
  for (let attempt = 0; attempt < attemptsMax && performance.now() - startedAt < PROPAGATION_DEADLINE_MS; attempt += 1) {
    if (accept(await (await fetch(url)).json() as Record<string, unknown>)) return performance.now() - startedAt;
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`${url} did not change within ${PROPAGATION_DEADLINE_MS} ms`);
}

async function createActiveCampaign(base: string, slug: string): Promise<string> {
  const response = await fetch(`${base}/api/campaigns`, {
    method: 'POST', headers: admin,
    body: JSON.stringify({ slug, name: `Campaign ${slug}`, fund: 'sadaqah', currency: 'IDR', status: 'active' }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

describe('invalidation across two server processes', () => {
  let testDatabase: TestDatabase;
  let writer: ServerProcess | undefined;
  let reader: ServerProcess | undefined;
  before(async () => {
    testDatabase = await createTestDatabase();
    if (testDatabase.url === undefined) return;
    [writer, reader] = await Promise.all([
      startServerProcess(REPOSITORY, serverEnvironment(testDatabase.url)),
      startServerProcess(REPOSITORY, serverEnvironment(testDatabase.url)),
    ]);
  });
  after(async () => {
    await Promise.all([writer?.stop(), reader?.stop()]);
    await testDatabase.drop();
  });

  test('a patch and an approval through one process show in the other process\'s cached reads', async (t: TestContext) => {
    // Proves LISTEN/NOTIFY invalidation: the reader served from its cache before, and the change still shows.
    if (writer === undefined || reader === undefined) return t.skip(SKIP_PGLITE);
    const id = await createActiveCampaign(writer.url, 'across');
    const url = `${reader.url}/api/campaigns/${id}`;
    await fetch(url);
    assert.equal((await fetch(url)).headers.get('x-cache'), 'HIT', 'the reader has it cached');
    await fetch(`${reader.url}/api/campaigns/across/summary`);
    const patched = await fetch(`${writer.url}/api/campaigns/${id}`, { method: 'PATCH', headers: admin, body: JSON.stringify({ name: 'Renamed elsewhere' }) });
    assert.equal(patched.status, 200);
    const renameMs = await pollUntil(url, (body) => body.name === 'Renamed elsewhere');
    const donation = await fetch(`${writer.url}/api/donations`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `across-${process.pid}` },
      body: JSON.stringify({ campaign_id: id, amount: '50000', currency: 'IDR' }),
    });
    assert.equal(donation.status, 201);
    const approve = await fetch(`${writer.url}/api/donations/${((await donation.json()) as { id: string }).id}/approve`, { method: 'POST', headers: { authorization: admin.authorization } });
    assert.equal(approve.status, 200);
    const approveMs = await pollUntil(`${reader.url}/api/campaigns/across/summary`, (body) => body.total === '50000.00');
    t.diagnostic(`seen in the other process after ${renameMs.toFixed(1)} ms (patch) and ${approveMs.toFixed(1)} ms (approval)`);
  });
});

interface Cluster {
  readonly child: ChildProcess;
  readonly base: string;
  readonly exited: Promise<number | null>;
  /** Workers that have logged "Server listening" since the start (a replacement counts again). */
  listened(): number;
}

async function startCluster(url: string, workers: number): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--workers', String(workers)], {
    cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'],
    // Info level, for each worker's "Server listening" line: a forked worker is not serving until it logs it.
    env: { ...process.env, ...serverEnvironment(url), LOG_LEVEL: 'info', PORT: String(port), HOST: '127.0.0.1' },
  });
  child.stderr!.resume();
  let listened = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => { if (line.includes('Server listening at')) listened += 1; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cluster: Cluster = { child, base: `http://127.0.0.1:${port}`, exited, listened: () => listened };
  await until(() => listened >= workers && childPids(child.pid!).length === workers, `serve --workers ${workers} listening`);
  return cluster;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const startedAt = performance.now();
  while (!condition()) {
    if (performance.now() - startedAt > SERVER_READY_DEADLINE_MS) throw new Error(`${what}: not within ${SERVER_READY_DEADLINE_MS} ms`);
    await sleep(50);
  }
}

/** The processes a process started (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('amanah serve --workers', () => {
  let testDatabase: TestDatabase;
  let cluster: Cluster | undefined;
  before(async () => {
    testDatabase = await createTestDatabase();
    if (testDatabase.url !== undefined) cluster = await startCluster(testDatabase.url, 2);
  });
  after(async () => {
    if (cluster?.child.exitCode === null) cluster.child.kill('SIGKILL');
    await testDatabase.drop();
  });

  test('two workers on one port stay coherent: after a write, every read through either shows it', async (t: TestContext) => {
    // Proves each worker's cache is invalidated, whichever worker took the write.
    if (cluster === undefined) return t.skip(SKIP_PGLITE);
    const id = await createActiveCampaign(cluster.base, 'workers');
    const url = `${cluster.base}/api/campaigns/${id}`;
    // One request per connection, one after another: round-robin hands each worker several, so both cache it.
    const warm: (string | null)[] = [];
    for (let index = 0; index < 8; index += 1) warm.push((await fetch(url, { headers: { connection: 'close' } })).headers.get('x-cache'));
    assert.ok(warm.filter((state) => state === 'HIT').length >= 2, `x-cache: ${warm.join(', ')}`);
    const patched = await fetch(url, { method: 'PATCH', headers: admin, body: JSON.stringify({ name: 'Seen by both' }) });
    assert.equal(patched.status, 200);
    await pollUntil(url, (body) => body.name === 'Seen by both');
    // New connections are spread over both workers; every one of them must show the change.
    const reads = await Promise.all(Array.from({ length: 8 }, async () => (await fetch(url, { headers: { connection: 'close' } })).json() as Promise<{ name: string }>));
    assert.ok(reads.every((body) => body.name === 'Seen by both'));
  });

  test('a worker that dies is replaced, and SIGTERM to the primary stops them all with exit code 0', async (t: TestContext) => {
    // Proves the primary's restart and its signal forwarding.
    if (cluster === undefined) return t.skip(SKIP_PGLITE);
    const primary = cluster.child.pid!;
    const [victim, survivor] = childPids(primary);
    const listenedBefore = cluster.listened();
    process.kill(victim!, 'SIGKILL');
    await until(() => cluster!.listened() > listenedBefore, 'a replacement worker listening');
    const replaced = childPids(primary);
    assert.equal(replaced.length, 2);
    assert.ok(!replaced.includes(victim!) && replaced.includes(survivor!));
    assert.equal((await fetch(`${cluster.base}/healthz`)).status, 200);
    cluster.child.kill('SIGTERM');
    assert.equal(await cluster.exited, 0);
    for (const pid of replaced) assert.throws(() => process.kill(pid, 0), 'the worker is gone');
  });
});

describe('amanah serve --workers on PGlite', () => {
  test('is refused with a usage error naming PostgreSQL', async () => {
    // Proves a PGlite data folder is never opened by several processes.
    const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--workers', '2'], {
      cwd: REPOSITORY, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DATABASE_URL: 'memory://', LOG_LEVEL: 'silent' },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /--workers above 1 needs DATABASE_URL=postgres/);
  });
});
