// A large export over a real loopback HTTP server: it streams with backpressure, so clients that read slowly
// hold the export (and on PostgreSQL its one connection) without stopping other requests; a third export at
// once is refused; and a client that goes away mid-export frees its connection.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { EXPORTS_CONCURRENT_MAX } from '../../src/exports/routes.ts';

/**
 * Enough CSV that a client that does not read leaves the export waiting in the middle: the loopback socket
 * buffers on the way hold a few megabytes, twice over on PostgreSQL (HTTP and the COPY connection). About 22 MB
 * there, 11 MB on PGlite.
 */
const ROWS = process.env.DATABASE_URL?.startsWith('postgres') ? 200_000 : 100_000;
/** Polls for a condition at most this many times (50 ms apart) before the test fails. */
const POLLS_MAX = 200;

describe('streamed export over HTTP', () => {
  let testDatabase: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  let token: string;

  before(async () => {
    // Three connections: two slow exports may hold two, and the API must still have one.
    testDatabase = await createTestDatabase({ DATABASE_POOL_SIZE: '3' });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    token = (await createToken(testDatabase.database, 'export staff', 'staff')).token;
    const db = testDatabase.database;
    await db.query(`insert into campaigns (slug, name, fund, currency, status) values ('big', 'Big', 'general', 'USD', 'active')`);
    await db.query(`insert into donors (display_name) values ('Many Times')`);
    await db.query(
      `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256, donated_at)
       select (select id from campaigns), (select id from donors), 'Many Times', false, 100 + g, 'USD', 'approved', 'import', 'stream-' || g, '\\x00',
              timestamptz '2025-03-01T00:00:00Z' + g * interval '1 second'
         from generate_series(1, ${ROWS}) g`);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await testDatabase.drop();
  });

  /** Starts a GET and resolves with the response once its headers are in, without reading its body. */
  const open = async (path: string): Promise<{ response: IncomingMessage; abort: () => void }> => {
    const outgoing = request(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    outgoing.end();
    const [response] = (await once(outgoing, 'response')) as [IncomingMessage];
    response.pause();
    return { response, abort: () => outgoing.destroy() };
  };

  const readAll = async (response: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  /** COPY statements the server is running for this test's database (PostgreSQL only). */
  const runningCopies = async (): Promise<number> => {
    const { rows } = await testDatabase.database.query<{ count: bigint }>(
      `select count(*) as count from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and query like 'copy (%' and state = 'active'`);
    return Number(rows[0]!.count);
  };

  const until = async (condition: () => Promise<boolean>, what: string): Promise<void> => {
    for (let poll = 0; poll < POLLS_MAX; poll += 1) {
      if (await condition()) return;
      await sleep(50);
    }
    assert.fail(`${what} did not happen`);
  };

  test('two paused exports do not stop other requests, a third is refused, and both finish intact', async (t) => {
    // Proves backpressure (the exports wait for their readers), the bound on exports, and that the API still answers.
    const held = [await open('/api/exports/donations.csv'), await open('/api/exports/donations.csv')];
    // Whatever fails below, the held downloads must not keep the server from closing.
    t.after(() => { for (const { abort } of held) abort(); });
    for (const { response } of held) assert.equal(response.statusCode, 200);
    if (testDatabase.url) await until(async () => (await runningCopies()) === EXPORTS_CONCURRENT_MAX, 'both COPY statements running');

    const campaigns = await fetch(`${base}/api/campaigns`);
    assert.equal(campaigns.status, 200);
    assert.equal(((await campaigns.json()) as { campaigns: unknown[] }).campaigns.length, 1);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const third = await fetch(`${base}/api/exports/donations.csv`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(third.status, 503);
    assert.equal(third.headers.get('retry-after'), '30');
    // The slow exports were still in the middle of their COPY while all of that was answered.
    if (testDatabase.url) assert.equal(await runningCopies(), EXPORTS_CONCURRENT_MAX);

    for (const { response } of held) {
      response.resume();
      const lines = (await readAll(response)).split('\r\n');
      assert.equal(lines.length, ROWS + 2, 'header, every row, and the empty string after the last CRLF');
      const last = new Date(Date.UTC(2025, 2, 1) + ROWS * 1000).toISOString();
      assert.ok(lines[ROWS]!.startsWith(`${lines[ROWS]!.split(',')[0]},big,${last},${(100 + ROWS) / 100}.00,USD,approved,import,Many Times,,`), lines[ROWS]);
    }
  });

  test('a client that leaves mid-export frees its slot and its connection, and later exports are complete', async (t) => {
    // Proves the abandoned export ends (on PostgreSQL its COPY too) instead of waiting forever for a reader.
    const { response, abort } = await open('/api/exports/donations.csv');
    t.after(abort);
    response.resume();
    await once(response, 'data');
    abort();
    if (testDatabase.url) await until(async () => (await runningCopies()) === 0, 'the abandoned COPY ending');
    // Both slots are free again: two exports at once are accepted (ten minutes of donations each).
    const next = [await open('/api/exports/donations.csv?to=2025-03-01T00:10:00Z'), await open('/api/exports/donations.csv?to=2025-03-01T00:10:00Z')];
    for (const { response: nextResponse } of next) {
      assert.equal(nextResponse.statusCode, 200);
      nextResponse.resume();
      assert.equal((await readAll(nextResponse)).split('\r\n').length, 599 + 2);
    }
    await until(async () => testDatabase.database.poolStats().waiting === 0, 'the pool settling');
  });
});
