// Receipt numbers have no gaps and no duplicates under concurrency: approvals arrive concurrently over several
// campaigns (through the group committer, and on PostgreSQL from many connections), issuers run concurrently
// with them and with each other, and some issuer transactions roll back after taking their numbers. In the end
// every approved donation has exactly one receipt and the numbers are 1 … N.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { drainReceiptRequests, issueBatch, type IssuerOptions } from '../../src/receipts/issuer.ts';
import type { Database } from '../../src/db/database.ts';

let test_: TestApp;
let options: IssuerOptions;

before(async () => {
  test_ = await createTestApp();
  const { config } = test_.testDatabase;
  options = { settings: config.receipts, publicUrl: config.paymentProviders.publicUrl, mail: false };
});
after(async () => { await test_.close(); });

/** The same database, but each transaction is rolled back at its end (after the work, numbers taken). */
function rollingBack(database: Database): Database {
  return Object.assign(Object.create(database) as Database, {
    transaction: <T>(work: (tx: never) => Promise<T>) => database.transaction(async (tx) => {
      const result = await work(tx as never);
      if (result === 0) return result;
      throw new Error('rolled back on purpose');
    }),
  });
}

test('concurrent approvals, concurrent issuers and rolled-back issues leave numbers 1..N, each donation once', async () => {
  const campaigns = await Promise.all([0, 1, 2, 3].map((n) => createCampaign(test_, { slug: `numbering-${n}`, name: `Campaign ${n}` })));
  const donationsPerCampaign = 40;
  const ids: string[] = [];
  for (const campaign of campaigns) {
    const created = await Promise.all(Array.from({ length: donationsPerCampaign }, (_, i) => donate(test_, { campaign_id: campaign.id, amount: String(1000 + i), currency: 'IDR', donor_name: `Donor ${i}` })));
    for (const response of created) { assert.equal(response.statusCode, 201, response.body); ids.push(response.json().id); }
  }
  let rollbacks = 0;
  const failing = rollingBack(test_.database);
  let approving = true;
  const issuers = Array.from({ length: 3 }, async () => {
    while (approving) {
      // A claim that takes numbers and then rolls back: the numbers go back with it.
      await issueBatch(failing, options, 10).then(() => undefined, () => { rollbacks += 1; });
      await drainReceiptRequests(test_.database, options, 25);
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  // Approvals in waves of 40 concurrent requests (the group committer gathers them into batches).
  for (let start = 0; start < ids.length; start += 40) {
    const wave = ids.slice(start, start + 40).map((id) => test_.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(test_.staffToken) }));
    for (const response of await Promise.all(wave)) assert.equal(response.statusCode, 200, response.body);
  }
  approving = false;
  await Promise.all(issuers);
  await drainReceiptRequests(test_.database, options);
  assert.ok(rollbacks > 0, 'some issuer transactions rolled back after taking numbers');
  const { rows } = await test_.database.query<{ number: bigint; donation_id: bigint; prefix: string; year: number }>(
    'select number, donation_id, prefix, year from receipts order by number');
  assert.equal(rows.length, ids.length);
  assert.deepEqual(rows.map((row) => Number(row.number)), Array.from({ length: ids.length }, (_, i) => i + 1), 'no gap, no duplicate');
  assert.equal(new Set(rows.map((row) => String(row.donation_id))).size, ids.length, 'one receipt per donation');
  const counter = await test_.database.query<{ last_number: bigint }>('select last_number from receipt_counters where prefix = $1 and year = $2', [rows[0]!.prefix, rows[0]!.year]);
  assert.equal(Number(counter.rows[0]!.last_number), ids.length);
  assert.equal(Number((await test_.database.query<{ n: bigint }>('select count(*) as n from receipt_requests')).rows[0]!.n), 0);
});
