// `amanah verify` (findLedgerProblems) with disbursements: silent on a ledger the API wrote, and it names the fault
// when a paid disbursement's amount no longer matches its entries or a fund account is spent below zero.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';

let test_: TestApp;
let checkerToken: string;

before(async () => {
  test_ = await createTestApp();
  ({ token: checkerToken } = await createToken(test_.database, 'checker', 'staff'));
});
after(() => test_.close());

async function call(method: 'POST', url: string, token: string, payload?: Record<string, unknown>) {
  const response = await test_.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload }) });
  assert.ok(response.statusCode < 300, response.body);
  return response.json();
}

test('verify passes after request, approval, payment and a cancellation, and fails on a tampered disbursement or fund', async () => {
  const feed = new ChangeFeed();
  const campaign = await createCampaign(test_.database, feed, { slug: 'verify-distribution', name: 'Zakat', fund: 'zakat', currency: 'IDR', status: 'active' });
  const { rows } = await test_.database.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
     values ($1, 'Muzaki', false, 1000000, 'IDR', 'api', 'verify-1', '\\x00') returning id`, [campaign.id]);
  await writeTransitionBatch(test_.database, feed, rows.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'test', reason: null })));
  const program = await call('POST', '/api/distribution/programs', test_.staffToken, { name: 'Aid', fund: 'zakat', asnaf: ['miskin'] });
  const who = await call('POST', '/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'Ani', nik: '1101014101990001', asnaf: ['miskin'], region: 'Aceh', verification: 'verified' });
  const request = () => call('POST', '/api/distribution/disbursements', test_.staffToken, { program_id: program.id, mustahik_id: who.id, campaign_id: String(campaign.id), asnaf: 'miskin', amount: '2500' });
  const paid = await request();
  await call('POST', `/api/distribution/disbursements/${paid.id}/approve`, checkerToken);
  await call('POST', `/api/distribution/disbursements/${paid.id}/pay`, test_.staffToken, { reference: 'TRF-1' });
  const cancelled = await request();
  await call('POST', `/api/distribution/disbursements/${cancelled.id}/approve`, checkerToken);
  await call('POST', `/api/distribution/disbursements/${cancelled.id}/cancel`, test_.staffToken, { reason: 'duplicate' });
  const pending = await request();
  await call('POST', `/api/distribution/disbursements/${pending.id}/approve`, checkerToken);
  assert.deepEqual(await findLedgerProblems(test_.database), []);

  await test_.database.query('update disbursements set amount_minor = amount_minor + 1 where id = $1', [paid.id]);
  const tampered = await findLedgerProblems(test_.database);
  assert.ok(tampered.some((problem) => problem.check === 'disbursement_entry' && problem.detail.startsWith(`disbursement ${paid.id}:`)), JSON.stringify(tampered));
  await test_.database.query('update disbursements set amount_minor = amount_minor - 1 where id = $1', [paid.id]);

  await test_.database.query('update disbursements set amount_minor = amount_minor + 1 where id = $1', [pending.id]);
  assert.ok((await findLedgerProblems(test_.database)).some((problem) => problem.check === 'reserved_balance'));
  await test_.database.query('update disbursements set amount_minor = amount_minor - 1 where id = $1', [pending.id]);

  await test_.database.query(`update ledger_accounts set balance_minor = 1 where campaign_id = $1 and kind = 'fund' and name = 'zakat'`, [campaign.id]);
  assert.ok((await findLedgerProblems(test_.database)).some((problem) => problem.check === 'fund_negative'));
});
