// Group commit: concurrent API donations share transactions, yet every request gets its own exact answer
// and a bad one fails alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/http/app.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '../helpers/database.ts';
import { bearer } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../src/http/context.ts';

describe('group commit', () => {
  let target: TestDatabase;
  before(async () => { target = await createTestDatabase(); });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(target.database), []);
    await target.drop();
  });

  const appWith = async (env: Record<string, string>) => {
    const config = testConfig({ ...env, ...(target.url ? { DATABASE_URL: target.url } : {}) });
    const app = await buildApp({ config, database: target.database });
    return app as FastifyInstance & { context?: AppContext };
  };
  let serial = 0;
  const post = (app: FastifyInstance, body: Record<string, unknown>, key = `gc-${serial++}`) =>
    app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': key }, payload: body });

  test('a hundred concurrent donations are written in far fewer transactions, each answered with its own row', async () => {
    // Proves batching happens and that every response carries the donation its request made.
    const app = await appWith({ AMANAH_GROUP_COMMIT_WINDOW_MS: '20' });
    await app.inject({ method: 'POST', url: '/api/campaigns', headers: bearer('test-admin-token-0123456789abcdef'),
      payload: { slug: 'gc', name: 'GC', fund: 'sadaqah', currency: 'USD', status: 'active' } });
    const responses = await Promise.all(Array.from({ length: 100 }, (_, index) =>
      post(app, { campaign_id: 'gc', amount: `${index + 1}.00`, currency: 'USD', donor_name: `Donor ${index}` }, `many-${index}`)));
    responses.forEach((response, index) => {
      assert.equal(response.statusCode, 201);
      assert.equal(response.json().amount, `${index + 1}.00`);
      assert.equal(response.json().donor_name, `Donor ${index}`);
    });
    assert.equal(new Set(responses.map((response) => response.json().id)).size, 100);
    const { rows } = await target.database.query<{ transactions: bigint }>(
      "select count(distinct xmin::text) as transactions from donations where idempotency_key like 'many-%'");
    assert.ok(rows[0]!.transactions < 20n, `${rows[0]!.transactions} transactions for 100 donations`);
    await app.close();
  });

  test('in one batch: invalid requests, a repeated key, a reused key and a poisoned row each fail alone', async () => {
    // Proves one bad donation fails only itself, and idempotency holds inside a batch.
    await target.database.execute(`create or replace function refuse_poison() returns trigger language plpgsql as $$
      begin if new.donor_name = 'poison' then raise exception 'poisoned donation'; end if; return new; end $$;
      create trigger refuse_poison before insert on donations for each row execute function refuse_poison();`);
    const app = await appWith({ AMANAH_GROUP_COMMIT_WINDOW_MS: '50' });
    try {
      const good = { campaign_id: 'gc', amount: '5.00', currency: 'USD' };
      const responses = await Promise.all([
        post(app, good, 'mix-good-1'),
        post(app, { ...good, currency: 'EUR' }, 'mix-bad-currency'),
        post(app, { ...good, amount: '5.001' }, 'mix-bad-amount'),
        post(app, { ...good, campaign_id: 'nope' }, 'mix-no-campaign'),
        post(app, good, 'mix-twice'),
        post(app, good, 'mix-twice'),
        post(app, good, 'mix-reused'),
        post(app, { ...good, amount: '6.00' }, 'mix-reused'),
        post(app, { ...good, donor_name: 'poison' }, 'mix-poison'),
        post(app, good, 'mix-good-2'),
      ]);
      const codes = responses.map((response) => response.statusCode);
      assert.deepEqual(codes.slice(0, 4), [201, 422, 422, 404]);
      assert.deepEqual(codes.slice(4, 6).sort(), [200, 201]);
      assert.equal(responses[4]!.json().id, responses[5]!.json().id);
      assert.deepEqual(codes.slice(6, 8).sort(), [201, 409]);
      assert.equal(codes[8], 500);
      assert.equal(codes[9], 201);
      const { rows } = await target.database.query<{ key: string }>("select idempotency_key as key from donations where idempotency_key like 'mix-%' order by 1");
      assert.deepEqual(rows.map((row) => row.key), ['mix-good-1', 'mix-good-2', 'mix-reused', 'mix-twice']);
    } finally {
      await target.database.execute('drop trigger refuse_poison on donations; drop function refuse_poison();');
      await app.close();
    }
  });

  test('with group commit off, the same rules hold one transaction per request', async () => {
    // Proves the baseline path used by the benchmark is the same intake.
    const app = await appWith({ AMANAH_GROUP_COMMIT: 'false' });
    const body = { campaign_id: 'gc', amount: '7.00', currency: 'USD' };
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(app, body, 'off-same')));
    assert.deepEqual(responses.map((response) => response.statusCode).sort(), [...Array(9).fill(200), 201].sort());
    assert.equal((await post(app, { ...body, amount: '8.00' }, 'off-same')).statusCode, 409);
    await app.close();
  });

  test('concurrent approvals share transactions; an approve and a reject of one donation in one batch make one decision', async () => {
    // Proves status changes are group-committed too, with each request answered by its own outcome.
    const app = await appWith({ AMANAH_GROUP_COMMIT_WINDOW_MS: '20' });
    const staff = bearer('test-admin-token-0123456789abcdef');
    const ids = await Promise.all(Array.from({ length: 30 }, async (_, index) =>
      (await post(app, { campaign_id: 'gc', amount: '2.00', currency: 'USD' }, `approve-${index}`)).json().id as string));
    const before_ = (await app.inject('/api/campaigns/gc')).json();
    const approvals = await Promise.all(ids.map((id) => app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: staff })));
    assert.deepEqual(approvals.map((response) => response.statusCode), Array(30).fill(200));
    const { rows } = await target.database.query<{ transactions: bigint }>(
      "select count(distinct h.xmin::text) as transactions from donation_status_changes h join donations d on d.id = h.donation_id where d.idempotency_key like 'approve-%'");
    assert.ok(rows[0]!.transactions < 10n, `${rows[0]!.transactions} transactions for 30 approvals`);
    const after_ = (await app.inject('/api/campaigns/gc')).json();
    assert.equal(after_.donation_count, before_.donation_count + 30);
    const contested = (await post(app, { campaign_id: 'gc', amount: '3.00', currency: 'USD' }, 'contested')).json().id;
    const [approve, reject] = await Promise.all([
      app.inject({ method: 'POST', url: `/api/donations/${contested}/approve`, headers: staff }),
      app.inject({ method: 'POST', url: `/api/donations/${contested}/reject`, headers: staff, payload: { reason: 'duplicate' } }),
    ]);
    assert.deepEqual([approve.statusCode, reject.statusCode].sort(), [200, 409]);
    const missing = await app.inject({ method: 'POST', url: '/api/donations/987654321/approve', headers: staff });
    assert.equal(missing.statusCode, 404);
    await app.close();
  });

  test('a full queue answers 503 with Retry-After instead of growing', async () => {
    // Proves the queue bound: with room for 3 waiting donations, the 4th is refused.
    const app = await appWith({ AMANAH_GROUP_COMMIT_WINDOW_MS: '200', AMANAH_GROUP_COMMIT_QUEUE_MAX: '3', AMANAH_GROUP_COMMIT_ROWS_MAX: '100' });
    const responses = await Promise.all(Array.from({ length: 4 }, (_, index) => post(app, { campaign_id: 'gc', amount: '1.00', currency: 'USD' }, `queue-${index}`)));
    const codes = responses.map((response) => response.statusCode);
    assert.deepEqual(codes, [201, 201, 201, 503]);
    assert.equal(responses[3]!.headers['retry-after'], '1');
    assert.equal(responses[3]!.json().code, 'overloaded');
    await app.close();
  });
});
