// approve, reject and refund with an Idempotency-Key: a retry answers what the first answered, even when the
// first answer was lost after its commit; the same key with another request is 409; without a key, as before.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import type { Database } from '../../src/db/database.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { createTestDatabase, testConfig, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';

let testDatabase: TestDatabase;
let token: string;
const apps: FastifyInstance[] = [];

/** An app on the shared test database; `overrides` are environment variables, `database` a wrapper of it. */
async function startApp(overrides: Record<string, string> = {}, database: Database = testDatabase.database): Promise<FastifyInstance> {
  const config = testConfig({ ...overrides, DATABASE_URL: testDatabase.url ?? 'memory://' });
  const app = await buildApp({ config, database });
  apps.push(app);
  return app;
}

before(async () => {
  testDatabase = await createTestDatabase();
  token = (await createToken(testDatabase.database, 'keys staff', 'staff')).token;
  const app = await startApp();
  const response = await app.inject({
    method: 'POST', url: '/api/campaigns', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    payload: { slug: 'keys', name: 'Keys', fund: 'sadaqah', currency: 'USD', status: 'active' },
  });
  assert.equal(response.statusCode, 201, response.body);
});

after(async () => {
  assert.deepEqual(await findTotalsMismatches(testDatabase.database), []);
  for (const app of apps) await app.close();
  await testDatabase.drop();
});

let serial = 0;
async function pendingDonation(app: FastifyInstance): Promise<string> {
  const response = await app.inject({
    method: 'POST', url: '/api/donations', headers: { 'idempotency-key': `keys-donation-${process.pid}-${serial++}` },
    payload: { campaign_id: 'keys', amount: '5.00', currency: 'USD', donor_name: 'Keyed' },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

function change(app: FastifyInstance, id: string, action: string, key?: string, reason?: string) {
  return app.inject({
    method: 'POST', url: `/api/donations/${id}/${action}`,
    headers: { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    ...(reason === undefined ? {} : { payload: { reason } }),
  });
}

async function historyRows(id: string): Promise<{ to_status: string; idempotency_key: string | null }[]> {
  const { rows } = await testDatabase.database.query<{ to_status: string; idempotency_key: string | null }>(
    'select to_status, idempotency_key from donation_status_changes where donation_id = $1 order by id', [id]);
  return rows;
}

describe('status changes with an Idempotency-Key', () => {
  test('a retry answers 200 and what the first answered; without a key a second approval is still 409', async () => {
    // Proves the replay (same body, even after the donation moved on), and that keyless behaviour is unchanged.
    const app = await startApp();
    const id = await pendingDonation(app);
    const first = await change(app, id, 'approve', 'approve-once');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().status, 'approved');
    const retry = await change(app, id, 'approve', 'approve-once');
    assert.equal(retry.statusCode, 200);
    assert.deepEqual(retry.json(), first.json());
    const keyless = await change(app, id, 'approve');
    assert.equal(keyless.statusCode, 409);
    assert.equal(keyless.json().code, 'donation_status_conflict');
    const refund = await change(app, id, 'refund', 'refund-once', 'chargeback');
    assert.equal(refund.statusCode, 200);
    assert.deepEqual((await change(app, id, 'refund', 'refund-once', 'chargeback')).json(), refund.json());
    // The approval's retry still answers what the approval answered, not what the donation is now.
    assert.deepEqual((await change(app, id, 'approve', 'approve-once')).json(), first.json());
    assert.deepEqual(await historyRows(id), [{ to_status: 'approved', idempotency_key: 'approve-once' }, { to_status: 'refunded', idempotency_key: 'refund-once' }]);
    const rejected = await pendingDonation(app);
    const reject = await change(app, rejected, 'reject', 'reject-once', 'duplicate');
    assert.equal(reject.statusCode, 200);
    assert.deepEqual((await change(app, rejected, 'reject', 'reject-once', 'duplicate')).json(), reject.json());
  });

  test('the same key with another request is 409 idempotency_key_reused and changes nothing', async () => {
    // Proves the fingerprint: another donation, another action or another reason under one key is refused.
    const app = await startApp();
    const id = await pendingDonation(app);
    const other = await pendingDonation(app);
    assert.equal((await change(app, id, 'approve', 'shared-key')).statusCode, 200);
    for (const response of [await change(app, other, 'approve', 'shared-key'), await change(app, other, 'reject', 'shared-key', 'x')]) {
      assert.equal(response.statusCode, 409);
      assert.equal(response.json().code, 'idempotency_key_reused');
    }
    assert.deepEqual(await historyRows(other), []);
    const bad = await change(app, other, 'approve', 'has space');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
  });

  test('an approval that committed but whose answer was lost is answered 200 on retry by the restarted server', async () => {
    // Proves durability: the key is committed with the change, so a new process answers the retry from it.
    let loseAnswers = false;
    let dead = false;
    const inner = testDatabase.database;
    const crashing: Database = {
      engine: inner.engine,
      // The commit happens, then the process "dies" before it can answer, and nothing it sends after reaches the
      // database. A one-group batch is the status-change statement alone in autocommit (LOCK ORDER in
      // src/donations/queries.ts), a larger one a transaction.
      query: async <Row>(text: string, params?: readonly unknown[]) => {
        if (dead) throw new Error('simulated crash after commit');
        const result = await inner.query<Row>(text, params);
        if (loseAnswers && text.includes('update donations d set status')) dead = true;
        if (dead) throw new Error('simulated crash after commit');
        return result;
      },
      transaction: async (work) => {
        if (dead) throw new Error('simulated crash after commit');
        const result = await inner.transaction(work);
        if (loseAnswers) dead = true;
        if (dead) throw new Error('simulated crash after commit');
        return result;
      },
      execute: inner.execute.bind(inner),
      listen: inner.listen.bind(inner),
      poolStats: inner.poolStats.bind(inner),
      close: inner.close.bind(inner),
    };
    const doomed = await startApp({}, crashing);
    const id = await pendingDonation(doomed);
    loseAnswers = true;
    const lost = await change(doomed, id, 'approve', 'lost-answer');
    assert.ok(lost.statusCode >= 500, `the first answer is lost (${lost.statusCode})`);
    loseAnswers = false;
    await doomed.close();
    const restarted = await startApp();
    const retry = await change(restarted, id, 'approve', 'lost-answer');
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal(retry.json().id, id);
    assert.equal(retry.json().status, 'approved');
    assert.deepEqual(await historyRows(id), [{ to_status: 'approved', idempotency_key: 'lost-answer' }]);
    const summary = (await restarted.inject('/api/campaigns/keys/summary')).json();
    assert.ok(summary.count >= 1);
  });

  test('concurrent retries with one key make one change and all answer 200 with it', async () => {
    // Proves the race: in one batch, across batches with group commit off, and (PostgreSQL) across two processes.
    const batched = await startApp();
    const unbatched = await startApp({ AMANAH_GROUP_COMMIT: 'false' });
    const pairs = testDatabase.database.engine === 'postgres' ? [[batched, batched], [unbatched, unbatched], [batched, unbatched]] : [[batched, batched], [unbatched, unbatched]];
    for (const [one, two] of pairs) {
      const id = await pendingDonation(one!);
      const key = `race-${serial++}`;
      const responses = await Promise.all(Array.from({ length: 12 }, (_, index) => change(index % 2 === 0 ? one! : two!, id, 'approve', key)));
      assert.deepEqual(responses.map((response) => response.statusCode), responses.map(() => 200), responses.map((response) => response.body).join('\n'));
      assert.equal(new Set(responses.map((response) => response.body)).size, 1, 'every retry answers the same');
      assert.deepEqual(await historyRows(id), [{ to_status: 'approved', idempotency_key: key }]);
    }
  });

  test('two different requests racing with one key: one wins, the other is 409, never a 500', async () => {
    // Proves the unique index settles a misused key: the loser changes nothing.
    const unbatched = await startApp({ AMANAH_GROUP_COMMIT: 'false' });
    const batched = await startApp();
    for (const app of [unbatched, batched]) {
      const ids = [await pendingDonation(app), await pendingDonation(app), await pendingDonation(app)];
      const key = `misused-${serial++}`;
      const responses = await Promise.all(ids.map((id) => change(app, id, 'approve', key)));
      const codes = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(codes, [200, 409, 409], responses.map((response) => response.body).join('\n'));
      for (const response of responses.filter((r) => r.statusCode === 409)) assert.equal(response.json().code, 'idempotency_key_reused');
      const changed = (await Promise.all(ids.map(historyRows))).filter((rows) => rows.length > 0);
      assert.equal(changed.length, 1);
    }
  });
});
