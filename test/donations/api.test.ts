// Donation API: exactly-once intake by Idempotency-Key, validation with nothing written, staff status changes
// that move the campaign totals, and the races that must not double-count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';

describe('donations API', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'iftar', currency: 'IDR', goal: '1000000.00' });
    await createCampaign(t, { slug: 'wells', currency: 'KWD', fund: 'general' });
    await createCampaign(t, { slug: 'draft-one', currency: 'IDR', status: 'draft' });
    await createCampaign(t, { slug: 'ended', currency: 'IDR', starts_at: '2020-01-01T00:00:00Z', ends_at: '2020-02-01T00:00:00Z' });
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(t.database), [], 'totals equal the sum of approved donations');
    await t.close();
  });

  const countDonations = async () => {
    const { rows } = await t.database.query<{ count: bigint }>('select count(*) as count from donations');
    return rows[0]!.count;
  };

  test('a new key makes a pending donation; the same key and body replays it; another body conflicts', async () => {
    // Proves 201 → 200 (same donation, replay header) → 409, with exactly one row written.
    const body = { campaign_id: 'iftar', amount: '150000.50', currency: 'IDR', donor_name: 'Aisyah', donor_email: 'aisyah@example.org' };
    const first = await donate(t, body, 'key-a');
    assert.equal(first.statusCode, 201);
    const donation = first.json();
    assert.equal(donation.status, 'pending');
    assert.equal(donation.amount, '150000.50');
    assert.equal(donation.donor_name, 'Aisyah');
    assert.equal(donation.source, 'api');
    const replay = await donate(t, { ...body, amount: '150000.5' }, 'key-a');
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), donation);
    const conflict = await donate(t, { ...body, amount: '150000.51' }, 'key-a');
    assert.equal(conflict.statusCode, 409);
    assert.equal(conflict.json().code, 'idempotency_key_reused');
    const read = await t.app.inject({ url: `/api/donations/${donation.id}`, headers: bearer(t.staffToken) });
    assert.deepEqual(read.json(), donation);
  });

  test('a missing Idempotency-Key is a 400 and writes nothing', async () => {
    // Proves the key is required before anything else is looked at.
    const before_ = await countDonations();
    const response = await t.app.inject({ method: 'POST', url: '/api/donations', payload: { campaign_id: 'iftar', amount: '1', currency: 'IDR' } });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().code, 'idempotency_key_required');
    assert.equal(await countDonations(), before_);
  });

  test('invalid donations are refused with the reason and nothing written', async () => {
    // Proves each rule: amount format, decimals per currency, zero, range, currency, campaign state.
    const before_ = await countDonations();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ amount: '1,000.00' }, 422, 'invalid_amount'],
      [{ amount: '1e3' }, 422, 'invalid_amount'],
      [{ amount: '-5' }, 422, 'invalid_amount'],
      [{ amount: '' }, 400, 'validation_failed'],
      [{ amount: '10.001' }, 422, 'invalid_amount'],
      [{ amount: '0' }, 422, 'invalid_amount'],
      [{ amount: '99999999999999999999' }, 422, 'invalid_amount'],
      [{ amount: 100 }, 400, 'validation_failed'],
      [{ currency: 'USD' }, 422, 'currency_mismatch'],
      [{ campaign_id: 'no-such' }, 404, 'campaign_not_found'],
      [{ campaign_id: 'draft-one' }, 422, 'campaign_not_accepting'],
      [{ campaign_id: 'ended' }, 422, 'campaign_not_accepting'],
      [{ donated_at: 'last tuesday' }, 400, 'validation_failed'],
      [{ extra: 'field' }, 400, 'validation_failed'],
    ];
    for (const [override, status, code] of cases) {
      const response = await donate(t, { campaign_id: 'iftar', amount: '10.00', currency: 'IDR', ...override });
      assert.equal(response.statusCode, status, `${JSON.stringify(override)}: ${response.body}`);
      assert.equal(response.json().code, code, JSON.stringify(override));
      assert.ok(response.json().detail.length > 0);
    }
    assert.equal(await countDonations(), before_);
  });

  test('three-decimal currencies take three decimals', async () => {
    // Proves the currency's ISO 4217 exponent governs parsing and formatting (KWD has 3).
    const response = await donate(t, { campaign_id: 'wells', amount: '12.345', currency: 'KWD' });
    assert.equal(response.statusCode, 201);
    assert.equal(response.json().amount, '12.345');
  });

  test('twenty concurrent requests with one key make one donation', async () => {
    // Proves exactly-once under a real race: one 201, nineteen 200 replays of the same donation.
    const body = { campaign_id: 'iftar', amount: '25000.00', currency: 'IDR', donor_email: 'race@example.org' };
    const responses = await Promise.all(Array.from({ length: 20 }, () => donate(t, body, 'race-key')));
    const codes = responses.map((response) => response.statusCode).sort();
    assert.deepEqual(codes, [...Array(19).fill(200), 201].sort());
    assert.equal(new Set(responses.map((response) => response.json().id)).size, 1);
    const { rows } = await t.database.query<{ count: bigint }>("select count(*) as count from donations where idempotency_key = 'race-key'");
    assert.equal(rows[0]!.count, 1n);
  });

  test('approval moves the totals once, even when twenty staff approve at the same moment', async () => {
    // Proves the status check makes one approval: one 200, nineteen 409, and the total counted once.
    const created = (await donate(t, { campaign_id: 'iftar', amount: '100000.00', currency: 'IDR', donor_email: 'once@example.org' })).json();
    const before_ = (await t.app.inject('/api/campaigns/iftar')).json();
    const responses = await Promise.all(Array.from({ length: 20 }, () =>
      t.app.inject({ method: 'POST', url: `/api/donations/${created.id}/approve`, headers: bearer(t.staffToken) })));
    const codes = responses.map((response) => response.statusCode);
    assert.equal(codes.filter((code) => code === 200).length, 1);
    assert.equal(codes.filter((code) => code === 409).length, 19);
    assert.equal(responses.find((response) => response.statusCode === 409)!.json().code, 'donation_status_conflict');
    const after_ = (await t.app.inject('/api/campaigns/iftar')).json();
    assert.equal(after_.donation_count, before_.donation_count + 1);
    assert.equal(BigInt(after_.raised.replace('.', '')) - BigInt(before_.raised.replace('.', '')), 10000000n);
    assert.equal(after_.donor_count, before_.donor_count + 1);
  });

  test('reject needs a reason, refund reverses an approval, and the history says who and why', async () => {
    // Proves the status machine (pending → approved → refunded; pending → rejected) and its effect on totals.
    const staff = bearer(t.staffToken);
    const a = (await donate(t, { campaign_id: 'iftar', amount: '500.00', currency: 'IDR', donor_email: 'same@example.org' })).json();
    const b = (await donate(t, { campaign_id: 'iftar', amount: '700.00', currency: 'IDR', donor_email: 'SAME@example.org' })).json();
    const c = (await donate(t, { campaign_id: 'iftar', amount: '900.00', currency: 'IDR' })).json();
    const start = (await t.app.inject('/api/campaigns/iftar/summary')).json();
    const post = (id: string, action: string, payload?: object) => t.app.inject({ method: 'POST', url: `/api/donations/${id}/${action}`, headers: staff, ...(payload ? { payload } : {}) });
    assert.equal((await post(a.id, 'approve')).json().status, 'approved');
    assert.equal((await post(b.id, 'approve')).json().status, 'approved');
    const mid = (await t.app.inject('/api/campaigns/iftar/summary')).json();
    assert.equal(mid.count, start.count + 2);
    assert.equal(mid.donor_count, start.donor_count + 1, 'one donor (same email, any case) counts once');
    assert.equal((await post(c.id, 'reject')).statusCode, 400);
    assert.equal((await post(c.id, 'reject', { reason: 'card declined' })).json().status, 'rejected');
    assert.equal((await post(c.id, 'approve')).statusCode, 409);
    assert.equal((await post(a.id, 'refund', { reason: 'donor asked' })).json().status, 'refunded');
    const end = (await t.app.inject('/api/campaigns/iftar/summary')).json();
    assert.equal(end.count, start.count + 1);
    assert.equal(end.donor_count, start.donor_count + 1, 'the donor still has an approved donation');
    assert.equal((await post(b.id, 'refund', { reason: 'duplicate' })).json().status, 'refunded');
    assert.deepEqual((await t.app.inject('/api/campaigns/iftar/summary')).json(), start);
    const history = (await t.app.inject({ url: `/api/donations/${a.id}/history`, headers: staff })).json().history;
    assert.deepEqual(history.map((row: { to_status: string }) => row.to_status), ['approved', 'refunded']);
    assert.equal(history[1].reason, 'donor asked');
    assert.match(history[1].actor, /^token:\d+:test staff$/);
    assert.equal((await t.app.inject({ method: 'POST', url: `/api/donations/${a.id}/approve` })).statusCode, 401);
    assert.equal((await post('999999', 'approve')).statusCode, 404);
  });

  test('the summary is the seed donation_summary over approved donations', async () => {
    // Proves total, count, average (half to even) and donors agree with a recount.
    const campaign = await createCampaign(t, { slug: 'summary', currency: 'USD', fund: 'general' });
    const amounts = ['10.00', '20.00', '0.05'];
    for (const amount of amounts) {
      const donation = (await donate(t, { campaign_id: 'summary', amount, currency: 'USD' })).json();
      await t.app.inject({ method: 'POST', url: `/api/donations/${donation.id}/approve`, headers: bearer(t.staffToken) });
    }
    await donate(t, { campaign_id: 'summary', amount: '99.00', currency: 'USD' });
    const summary = (await t.app.inject('/api/campaigns/summary/summary')).json();
    assert.deepEqual(summary, { campaign_id: campaign.id, currency: 'USD', total: '30.05', count: 3, average: '10.02', donor_count: 3 });
  });

  test("a campaign's donations list newest first with a cursor; the public sees approved only", async () => {
    // Proves keyset pagination visits each approved donation once, and other statuses need staff.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { donations: { id: string; status: string }[]; next_cursor: string | null } = (await t.app.inject(`/api/campaigns/iftar/donations?limit=2${cursor ? `&before=${cursor}` : ''}`)).json();
      seen.push(...page.donations.map((donation: { id: string; status: string }) => { assert.equal(donation.status, 'approved'); return donation.id; }));
      cursor = page.next_cursor;
    } while (cursor);
    const ids = seen.map(BigInt);
    assert.deepEqual([...ids].sort((x, y) => (x < y ? 1 : -1)), ids);
    const { rows } = await t.database.query<{ count: bigint }>("select count(*) as count from donations d join campaigns c on c.id = d.campaign_id where c.slug = 'iftar' and d.status = 'approved'");
    assert.equal(BigInt(seen.length), rows[0]!.count);
    assert.equal((await t.app.inject('/api/campaigns/iftar/donations?status=pending')).statusCode, 401);
    const pending = await t.app.inject({ url: '/api/campaigns/iftar/donations?status=pending', headers: bearer(t.staffToken) });
    assert.ok(pending.json().donations.length > 0);
  });

  test('a donor with an email is one donors row; a donor without is the name on the donation; both count right', async () => {
    // Proves migration 0004's model: no donors row for a name alone, the donor count over both shapes (a donors
    // row written before 0004 included), refunds taking each kind back out, and the recount agreeing.
    await createCampaign(t, { slug: 'donor-model', currency: 'USD', fund: 'general' });
    const countDonors = async () => (await t.database.query<{ count: bigint }>('select count(*) as count from donors')).rows[0]!.count;
    const donorsBefore = await countDonors();
    const approve = async (id: string) => t.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(t.staffToken) });
    const named = [];
    for (const name of ['Nameonly A', 'Nameonly A', 'Nameonly B']) named.push((await donate(t, { campaign_id: 'donor-model', amount: '1.00', currency: 'USD', donor_name: name })).json());
    assert.equal(await countDonors(), donorsBefore, 'a name alone makes no donors row');
    const emailed = [];
    for (const email of ['x@example.org', 'X@example.org']) emailed.push((await donate(t, { campaign_id: 'donor-model', amount: '2.00', currency: 'USD', donor_name: 'Ex', donor_email: email })).json());
    assert.equal(await countDonors(), donorsBefore + 1n, 'one donors row per email, any case');
    // A donation written before migration 0004: a donors row of its own, no email (0005 copied its name onto it).
    const { rows: [legacy] } = await t.database.query<{ id: bigint }>(
      `with donor as (insert into donors (display_name, anonymous) values ('Legacy', false) returning id)
       insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select c.id, donor.id, 'Legacy', false, 400, 'USD', 'pending', 'api', 'legacy-donor-row', '\\x00' from campaigns c, donor where c.slug = 'donor-model'
       returning id`);
    for (const donation of [...named, ...emailed]) assert.equal((await approve(donation.id)).statusCode, 200);
    assert.equal((await approve(String(legacy!.id))).statusCode, 200);
    const read = (await t.app.inject(`/api/donations/${named[0].id}`)).json();
    assert.equal(read.donor_name, 'Nameonly A');
    assert.equal((await t.app.inject(`/api/donations/${legacy!.id}`)).json().donor_name, 'Legacy');
    const summary = async () => (await t.app.inject('/api/campaigns/donor-model/summary')).json();
    // Three name-only donations are three donors (two people may share a name); two emails in any case are one.
    assert.deepEqual([(await summary()).count, (await summary()).donor_count], [6, 5]);
    const refund = async (id: string) => t.app.inject({ method: 'POST', url: `/api/donations/${id}/refund`, headers: bearer(t.staffToken), payload: { reason: 'test' } });
    assert.equal((await refund(named[1].id)).statusCode, 200);
    assert.equal((await refund(emailed[0].id)).statusCode, 200);
    assert.deepEqual([(await summary()).count, (await summary()).donor_count], [4, 4], 'the email donor still has one approved donation');
    assert.equal((await refund(String(legacy!.id))).statusCode, 200);
    assert.deepEqual([(await summary()).count, (await summary()).donor_count], [3, 3]);
    assert.deepEqual(await findTotalsMismatches(t.database), []);
  });

  test('anonymous donors are never named', async () => {
    // Proves the stored name stays out of every public read.
    const response = await donate(t, { campaign_id: 'iftar', amount: '1.00', currency: 'IDR', donor_name: 'Hidden <b>', anonymous: true });
    assert.equal(response.json().donor_name, null);
    assert.equal(response.json().anonymous, true);
  });
});
