// Migration 0021 on both engines: pg_trgm is there (PGlite loads it from its contrib build), the queue's name
// search can use the trigram index, and what it finds is what ILIKE finds (the index only narrows).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';

let t: TestApp;
before(async () => { t = await createTestApp(); });
after(async () => { await t.close(); });

test('the name search has its trigram index, and finds the same rows through it', async () => {
  const { rows: extension } = await t.database.query<{ extname: string }>("select extname from pg_extension where extname = 'pg_trgm'");
  assert.equal(extension.length, 1, `pg_trgm on ${t.database.engine}`);
  const campaign = await createCampaign(t, { slug: 'trigram-queue', name: 'Trigram queue' });
  for (const name of ['Siti Rahmawati', 'Ahmad Santoso', 'Rahmat Hidayat', 'Dewi Lestari', 'عبد الرحمن']) {
    const response = await donate(t, { campaign_id: campaign.id, amount: '10000', currency: 'IDR', donor_name: name });
    assert.equal(response.statusCode, 201, response.body);
  }
  // With sequential and plain index scans priced out, the planner shows the index it can use for the search.
  // Five rows are too few for the planner to prefer it on its own, so the status indexes are dropped for this look
  // only (in a transaction rolled back: this test's own database keeps its indexes).
  let plan = '';
  await t.database.transaction(async (tx) => {
    await tx.query('set local enable_seqscan = off');
    await tx.query('set local enable_indexscan = off');
    await tx.query('drop index donations_status_amount');
    await tx.query('drop index donations_campaign_status');
    const { rows } = await tx.query<Record<string, string>>("explain select id from donations d where d.status = 'pending' and d.donor_name ilike '%' || $1 || '%'", ['rahm']);
    plan = rows.map((row) => Object.values(row)[0]).join('\n');
    throw new Error('roll back');
  }).catch((error: unknown) => { if (!(error instanceof Error && error.message === 'roll back')) throw error; });
  const { rows: kept } = await t.database.query("select 1 from pg_indexes where indexname = 'donations_status_amount'");
  assert.equal(kept.length, 1);
  assert.match(plan, /donations_pending_name_trgm/);
  const response = await t.app.inject({ method: 'GET', url: '/api/console/donations?q=rahm&in=name', headers: bearer(t.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  const names = (response.json().donations as Array<{ donor_name: string }>).map((row) => row.donor_name).sort();
  assert.deepEqual(names, ['Rahmat Hidayat', 'Siti Rahmawati']);
});
