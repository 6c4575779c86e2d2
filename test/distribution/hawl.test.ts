// The hawl report ages a fund's receipts first in, first out: distributions (reservations) consume the oldest
// receipts first, and what remains of a receipt posted more than 354 days (one lunar year) before as_of is
// reported as over a hawl. Receipts are posted by the real approval path; the aged one is an opening entry with a
// past posted_at, written as migration 0011 writes opening entries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';

let test_: TestApp;
let checkerToken: string;
const feed = new ChangeFeed();
const DAY_MS = 86_400_000;

before(async () => {
  test_ = await createTestApp();
  ({ token: checkerToken } = await createToken(test_.database, 'checker', 'staff'));
});
after(() => test_.close());

/** An opening receipt of `amountMinor` to the campaign's zakat fund, posted `daysAgo` days ago. */
async function agedReceipt(campaignId: bigint, amountMinor: bigint, daysAgo: number): Promise<void> {
  await test_.database.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: bigint }>(
      `insert into ledger_entries (kind, campaign_id, memo, posted_at) values ('opening', $1, 'aged receipt', now() - make_interval(days => $2)) returning id`,
      [campaignId, daysAgo]);
    const accounts = await tx.query<{ id: bigint; kind: string }>(
      `insert into ledger_accounts as a (campaign_id, kind, name, currency, balance_minor)
       values ($1, 'clearing', 'manual', 'IDR', $2::bigint), ($1, 'fund', 'zakat', 'IDR', -$2::bigint)
       on conflict (campaign_id, kind, name, currency) do update set balance_minor = a.balance_minor + excluded.balance_minor returning id, kind`,
      [campaignId, amountMinor]);
    for (const account of accounts.rows) {
      await tx.query('insert into ledger_lines (entry_id, account_id, currency, amount_minor) values ($1, $2, $3, $4)',
        [rows[0]!.id, account.id, 'IDR', account.kind === 'clearing' ? amountMinor : -amountMinor]);
    }
  });
}

test('distributions consume the oldest receipts first; what is left of a receipt older than 354 days is over a hawl', async () => {
  const campaign = await createCampaign(test_.database, feed, { slug: 'hawl', name: 'Zakat hawl', fund: 'zakat', currency: 'IDR', status: 'active' });
  await agedReceipt(campaign.id, 50_000_00n, 400);
  await agedReceipt(campaign.id, 30_000_00n, 360);
  await agedReceipt(campaign.id, 20_000_00n, 100);
  const { rows } = await test_.database.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
     values ($1, 'Muzaki', false, 10000000, 'IDR', 'api', 'hawl-1', '\\x00') returning id`, [campaign.id]);
  await writeTransitionBatch(test_.database, feed, rows.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'test', reason: null })));

  const hawl = async (asOf?: string) => {
    const response = await test_.app.inject({ url: `/api/distribution/hawl${asOf === undefined ? '' : `?as_of=${asOf}`}`, headers: bearer(test_.staffToken) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };
  // Received 50,000 (400 days ago) + 30,000 (360) + 20,000 (100) + 100,000 (today); nothing distributed yet.
  let report = await hawl();
  assert.equal(report.hawl_days, 354);
  let row = report.campaigns.find((item: { slug: string }) => item.slug === 'hawl');
  assert.equal(row.undistributed, '200000.00');
  assert.equal(row.over_hawl, '80000.00');

  // Distribute 60,000: the 400-day receipt is consumed and 10,000 of the 360-day one; 20,000 of it stays over a hawl.
  const program = (await test_.app.inject({ method: 'POST', url: '/api/distribution/programs', headers: bearer(test_.staffToken), payload: { name: 'Aid', fund: 'zakat', asnaf: ['fakir'] } })).json();
  const who = (await test_.app.inject({ method: 'POST', url: '/api/distribution/mustahik', headers: bearer(test_.staffToken),
    payload: { kind: 'person', name: 'Budi', nik: '3578010101700007', asnaf: ['fakir'], region: 'Surabaya', verification: 'verified' } })).json();
  const made = await test_.app.inject({ method: 'POST', url: '/api/distribution/disbursements', headers: bearer(test_.staffToken),
    payload: { program_id: program.id, mustahik_id: who.id, campaign_id: String(campaign.id), asnaf: 'fakir', amount: '60000' } });
  assert.equal((await test_.app.inject({ method: 'POST', url: `/api/distribution/disbursements/${made.json().id}/approve`, headers: bearer(checkerToken) })).statusCode, 200);
  report = await hawl();
  row = report.campaigns.find((item: { slug: string }) => item.slug === 'hawl');
  assert.equal(row.undistributed, '140000.00');
  assert.equal(row.over_hawl, '20000.00');
  assert.ok(Date.now() - Date.parse(row.oldest_undistributed_at) > 359 * DAY_MS, 'the oldest left is the 360-day receipt');

  // As of 300 days from now the 100-day receipt is 400 days old too; as of long ago nothing was received.
  const later = new Date(Date.now() + 300 * DAY_MS).toISOString().slice(0, 10);
  row = (await hawl(later)).campaigns.find((item: { slug: string }) => item.slug === 'hawl');
  assert.equal(row.over_hawl, '40000.00', '20,000 of the 360-day receipt and the 100-day one');
  assert.equal((await hawl('2000-01-01')).campaigns.length, 0);
  const bad = await test_.app.inject({ url: '/api/distribution/hawl?as_of=yesterday', headers: bearer(test_.staffToken) });
  assert.equal(bad.json().code, 'validation_failed');
});
