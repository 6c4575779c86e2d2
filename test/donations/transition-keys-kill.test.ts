// kill -9 of `amanah serve` while staff approve with Idempotency-Keys: after a restart, retrying every approval
// with its key answers 200 for each (a replay where the killed process had committed, else the approval now),
// and every donation is approved exactly once with the totals right (PostgreSQL: a server process of its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { ADMIN_TOKEN, createCampaign, startServe } from '../resilience/serve.ts';

const DONATIONS = 300;
const CONCURRENT_APPROVALS = 32;
/** The process is killed once this many approvals were answered, so many more are in flight. */
const ANSWERS_BEFORE_KILL = 40;

function approve(url: string, id: string): Promise<{ status: number; body: string }> {
  return fetch(`${url}/api/donations/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'idempotency-key': `kill-approve-${id}` } })
    .then(async (response) => ({ status: response.status, body: await response.text() }));
}

test('approvals with keys survive kill -9: every retry answers 200 and each donation is approved once', async (context) => {
  // Proves "even across a crash": the key is committed with the change, so the restarted server replays it.
  const testDatabase = await createTestDatabase();
  if (testDatabase.url === undefined) {
    await testDatabase.drop();
    context.skip('kill -9 of a server process needs PostgreSQL');
    return;
  }
  const database = testDatabase.database;
  let serve = await startServe(testDatabase.url);
  try {
    const campaignId = await createCampaign(serve.url, 'Kill keys');
    const { rows } = await database.query<{ id: bigint }>(
      `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select $1, 'Donor ' || n, false, 1000 + n, 'IDR', 'pending', 'api', 'kill-keys-' || n, sha256(('kill-keys-' || n)::bytea)
         from generate_series(1, $2::int) n returning id`, [campaignId, DONATIONS]);
    const ids = rows.map((row) => String(row.id));
    const answered = new Map<string, string>();
    let next = 0;
    const killed = serve;
    const worker = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          const answer = await approve(killed.url, id);
          if (answer.status === 200) answered.set(id, answer.body);
          if (answered.size === ANSWERS_BEFORE_KILL) killed.child.kill('SIGKILL');
        } catch {
          // the connection died with the process: this approval's answer is lost
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_APPROVALS }, worker));
    await killed.stop();
    assert.equal(killed.exit(), 'SIGKILL');
    const { rows: [committed] } = await database.query<{ count: bigint }>(
      `select count(*) as count from donation_status_changes where idempotency_key like 'kill-approve-%'`);
    context.diagnostic(`answered before the kill: ${answered.size}; committed by then: ${committed!.count}`);
    serve = await startServe(testDatabase.url);
    for (const id of ids) {
      const retry = await approve(serve.url, id);
      assert.equal(retry.status, 200, `donation ${id}: ${retry.body}`);
      assert.equal(JSON.parse(retry.body).status, 'approved');
      if (answered.has(id)) assert.equal(retry.body, answered.get(id), 'a replay answers what the first answered');
    }
    const { rows: history } = await database.query<{ donation_id: bigint; changes: bigint; keys: bigint }>(
      `select d.id as donation_id, count(h.id) as changes, count(h.idempotency_key) as keys
         from donations d left join donation_status_changes h on h.donation_id = d.id
        where d.campaign_id = $1 group by d.id having count(h.id) <> 1 or count(h.idempotency_key) <> 1`, [campaignId]);
    assert.deepEqual(history, [], 'each donation changed exactly once, with its key');
    assert.deepEqual(await findTotalsMismatches(database), []);
    const { rows: [campaign] } = await database.query<{ donation_count: bigint }>('select donation_count from campaigns where id = $1', [campaignId]);
    assert.equal(campaign!.donation_count, BigInt(DONATIONS));
  } finally {
    await serve.stop();
    await testDatabase.drop();
  }
});
