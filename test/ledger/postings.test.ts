// The ledger under the money movements: approvals (one entry per batch per campaign, each donation naming it),
// refunds (the reversal, amil share included), the amil share rate set by an admin under its legal cap, and
// what the database itself refuses (an unbalanced entry, a changed entry), a refund refused when its fund was
// disbursed meanwhile (issue 13); verify agrees throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { postEntry, reverseEntry } from '../../src/ledger/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { applyPartialRefund } from '../../src/donations/partial-refund.ts';
import { GroupCommitter } from '../../src/donations/group-commit.ts';
import { AppError } from '../../src/errors.ts';

describe('ledger postings', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'zakat-1', fund: 'zakat', currency: 'IDR' });
    await createCampaign(t, { slug: 'zakat-2', fund: 'zakat', currency: 'IDR' });
    await createCampaign(t, { slug: 'general-usd', fund: 'general', currency: 'USD' });
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(t.database), []);
    assert.deepEqual(await findLedgerProblems(t.database), []);
    await t.close();
  });

  const pending = async (campaign: string, amount: string, currency = 'IDR') => {
    const response = await donate(t, { campaign_id: campaign, amount, currency, donor_name: 'Hamba Allah' });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().id as string;
  };
  const setRate = (fund: string, rate: string, token = t.adminToken) =>
    t.app.inject({ method: 'PUT', url: `/api/ledger/amil-rates/${fund}`, headers: bearer(token), payload: { rate } });
  const entryOf = async (donationId: string) => (await t.database.query<{ ledger_entry_id: bigint | null; refund_entry_id: bigint | null }>(
    'select ledger_entry_id, refund_entry_id from donations where id = $1', [donationId])).rows[0]!;
  const entryJson = async (id: bigint | string) => (await t.app.inject({ url: `/api/ledger/entries/${id}`, headers: bearer(t.staffToken) })).json();

  test('the amil rate is set by an admin only, and refused above its legal cap with its source', async () => {
    // Proves admin-only, the caps from amil-caps.json (zakat 12.5%, infak/sedekah 20%) and problem+json refusals.
    assert.equal((await setRate('zakat', '10', t.staffToken)).statusCode, 403);
    const above = await setRate('zakat', '12.51');
    assert.equal(above.statusCode, 422);
    assert.equal(above.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(above.json().code, 'amil_rate_above_cap');
    assert.match(above.json().source, /Peraturan Badan Amil Zakat Nasional Nomor 1 Tahun 2016/);
    assert.equal((await setRate('infak_sedekah', '20.01')).json().code, 'amil_rate_above_cap');
    assert.equal((await setRate('waqf', '5')).json().code, 'amil_fund_not_capped');
    assert.equal((await setRate('zakat', 'ten')).json().code, 'validation_failed');
    assert.equal((await setRate('amil', '1')).statusCode, 400);
    const ok = await setRate('zakat', '12.5');
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().rate, '12.50');
    assert.equal((await setRate('infak_sedekah', '20')).json().rate, '20.00');
    const list = await t.app.inject({ url: '/api/ledger/amil-rates', headers: bearer(t.staffToken) });
    assert.deepEqual(list.json().rates.map((rate: { fund: string; rate: string }) => [rate.fund, rate.rate]),
      [['zakat', '12.50'], ['infak_sedekah', '20.00'], ['waqf', '0.00'], ['dskl', '0.00'], ['non_halal', '0.00']]);
  });

  test('a batch over two campaigns posts one entry per campaign; each donation names its entry; a refund reverses it with its share', async () => {
    // Proves the posting in the approval statement, the floor-per-donation share, and the refund's exact reversal.
    const a = [await pending('zakat-1', '10.07'), await pending('zakat-1', '0.09')];
    const b = await pending('zakat-2', '8.00');
    const feed = new ChangeFeed();
    const outcomes = await writeTransitionBatch(t.database, feed, [...a, b].map((id) => ({ id, to: 'approved' as const, actor: 'test', reason: null })));
    assert.ok(outcomes.every((outcome) => !(outcome instanceof Error)), String(outcomes));
    const [e1, e2, e3] = await Promise.all([...a, b].map(entryOf));
    assert.equal(e1!.ledger_entry_id, e2!.ledger_entry_id);
    assert.notEqual(e1!.ledger_entry_id, e3!.ledger_entry_id);
    const entry = await entryJson(e1!.ledger_entry_id!);
    assert.equal(entry.kind, 'approval');
    assert.equal(entry.amil_rate, '12.50');
    assert.deepEqual(entry.donation_ids.sort(), [...a].sort());
    // 1007 + 9 = 1016 minor units received; shares floor(125.875) + floor(1.125) = 125 + 1 = 126 (not floor(127) = 127).
    assert.deepEqual(entry.lines.map((line: Record<string, string | null>) => [line.account, line.debit, line.credit]), [
      ['clearing:api', '10.16', null], ['fund:zakat', null, '10.16'], ['fund:zakat', '1.26', null], ['fund:amil', null, '1.26']]);
    const refund = await t.app.inject({ method: 'POST', url: `/api/donations/${a[0]}/refund`, headers: bearer(t.staffToken), payload: { reason: 'duplicate' } });
    assert.equal(refund.statusCode, 200, refund.body);
    const after_ = await entryOf(a[0]!);
    assert.equal(after_.ledger_entry_id, e1!.ledger_entry_id, 'the donation still names the entry that received it');
    const traced = await t.app.inject({ url: `/api/ledger/donations/${a[0]}`, headers: bearer(t.staffToken) });
    assert.deepEqual(traced.json(), { donation_id: a[0], receipt_entry_id: String(e1!.ledger_entry_id), refund_entry_id: String(after_.refund_entry_id) });
    assert.equal((await t.app.inject({ url: '/api/ledger/donations/999999', headers: bearer(t.staffToken) })).json().code, 'donation_not_found');
    assert.equal((await t.app.inject({ url: '/api/ledger/entries/999999', headers: bearer(t.staffToken) })).json().code, 'ledger_entry_not_found');
    assert.equal((await t.app.inject({ url: `/api/ledger/donations/${a[0]}` })).statusCode, 401);
    const reversal = await entryJson(after_.refund_entry_id!);
    assert.equal(reversal.kind, 'refund');
    assert.deepEqual(reversal.donation_ids, [a[0]]);
    assert.deepEqual(reversal.lines.map((line: Record<string, string | null>) => [line.account, line.debit, line.credit]), [
      ['clearing:api', null, '10.07'], ['fund:zakat', '10.07', null], ['fund:zakat', null, '1.25'], ['fund:amil', '1.25', null]]);
    const accounts = (await t.app.inject({ url: '/api/ledger/accounts', headers: bearer(t.staffToken) })).json();
    const funds = Object.fromEntries(accounts.funds.map((fund: { fund: string; currency: string; balance: string }) => [`${fund.fund}:${fund.currency}`, fund.balance]));
    // Received 9 + 800 minor units net; amil 1 + 100; zakat keeps 809 - 101.
    assert.deepEqual(funds, { 'amil:IDR': '1.01', 'zakat:IDR': '7.08' });
    assert.deepEqual(await findLedgerProblems(t.database), []);
  });

  test('a general campaign posts to infak/sedekah in its own currency; a rejection posts nothing', async () => {
    // Proves the fund mapping general → infak_sedekah and that only approvals and refunds post.
    const id = await pending('general-usd', '10.00', 'USD');
    const rejected = await pending('general-usd', '3.00', 'USD');
    await t.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(t.staffToken) });
    await t.app.inject({ method: 'POST', url: `/api/donations/${rejected}/reject`, headers: bearer(t.staffToken), payload: { reason: 'test' } });
    const entry = await entryJson((await entryOf(id)).ledger_entry_id!);
    assert.deepEqual(entry.lines.map((line: Record<string, string | null>) => [line.account, line.currency, line.debit, line.credit]), [
      ['clearing:api', 'USD', '10.00', null], ['fund:infak_sedekah', 'USD', null, '10.00'], ['fund:infak_sedekah', 'USD', '2.00', null], ['fund:amil', 'USD', null, '2.00']]);
    assert.deepEqual(await entryOf(rejected), { ledger_entry_id: null, refund_entry_id: null });
  });

  test('the database refuses an unbalanced entry at commit, and any change to an entry or a line', async () => {
    // Proves the deferred balance trigger and the immutability triggers, independent of the code's own assertion.
    const { rows: [account] } = await t.database.query<{ id: bigint; campaign_id: bigint }>(`select id, campaign_id from ledger_accounts where kind = 'clearing' limit 1`);
    await assert.rejects(t.database.transaction(async (tx) => {
      const { rows: [entry] } = await tx.query<{ id: bigint }>(`insert into ledger_entries (kind, campaign_id) values ('reversal', $1) returning id`, [account!.campaign_id]);
      await tx.query(`insert into ledger_lines (entry_id, account_id, currency, amount_minor) values ($1, $2, 'IDR', 5)`, [entry!.id, account!.id]);
    }), /does not balance/);
    await assert.rejects(t.database.query(`insert into ledger_entries (kind) values ('reversal')`), /has no lines/);
    // A line added to an entry an earlier transaction wrote is checked by the line's own trigger (migration 0022:
    // lines of the transaction's own entries are left to the entry's check).
    const { rows: [earlier] } = await t.database.query<{ id: bigint; currency: string }>(
      `select l.entry_id as id, l.currency from ledger_lines l where l.account_id = $1 order by l.entry_id limit 1`, [account!.id]);
    await assert.rejects(t.database.query(`insert into ledger_lines (entry_id, account_id, currency, amount_minor) values ($1, $2, $3, 5)`,
      [earlier!.id, account!.id, earlier!.currency]), /does not balance/);
    await assert.rejects(t.database.query('update ledger_lines set amount_minor = amount_minor + 1'), /immutable/);
    await assert.rejects(t.database.query('delete from ledger_entries'), /immutable/);
    await assert.rejects(postEntry(t.database, { kind: 'reversal', campaignId: null, reversesEntryId: null, memo: 'x' },
      [{ accountId: account!.id, currency: 'IDR', amountMinor: 5n }, { accountId: account!.id, currency: 'IDR', amountMinor: -4n }]), /does not balance/);
  });

  test('a correction is a reversing entry naming the original, once', async () => {
    // Proves reverseEntry negates every line, moves the balances back, and an entry is reversed at most once.
    const id = await pending('zakat-2', '0.50');
    await t.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(t.staffToken) });
    const original = (await entryOf(id)).ledger_entry_id!;
    const reversal = await reverseEntry(t.database, original, 'test correction');
    const json = await entryJson(reversal!);
    assert.equal(json.reverses_entry_id, String(original));
    assert.equal(json.lines.length, 4);
    await assert.rejects(reverseEntry(t.database, original, 'again'));
    // The balances moved with it (accounts agree), but the campaign total did not: undo the correction.
    const problems = await findLedgerProblems(t.database);
    assert.deepEqual(problems.map((problem) => problem.check), ['campaign_postings'], 'the campaign total no longer equals its postings');
    await reverseEntry(t.database, reversal!, 'undo the test correction');
    assert.deepEqual(await findLedgerProblems(t.database), []);
  });

  test('a refund that would take the fund below zero after a disbursement is refused with nothing written; one that fits is posted (issue 13)', async () => {
    // Proves the available-balance check of refunds alone, in a batch and partial, and that a refund the provider reports is posted anyway.
    assert.equal((await setRate('zakat', '12.5')).statusCode, 200);
    const campaign = await createCampaign(t, { slug: 'refund-after-disbursement', fund: 'zakat', currency: 'IDR' });
    const campaignId = BigInt(campaign.id!);
    const [big, small, last] = [await pending('refund-after-disbursement', '100.00'), await pending('refund-after-disbursement', '8.00'), await pending('refund-after-disbursement', '4.00')];
    const feed = new ChangeFeed();
    const approved = await writeTransitionBatch(t.database, feed, [big!, small!, last!].map((id) => ({ id, to: 'approved' as const, actor: 'test', reason: null })));
    assert.ok(approved.every((outcome) => !(outcome instanceof Error)), String(approved));
    const available = async () => -(await t.database.query<{ balance_minor: bigint }>(
      `select balance_minor from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = 'zakat' and currency = 'IDR'`, [campaignId])).rows[0]!.balance_minor;
    // Received 112.00, amil shares 12.50 + 1.00 + 0.50: 98.00 available. A disbursement of 90.00 approved leaves 8.00.
    assert.equal(await available(), 9800n);
    const post = (url: string, payload: Record<string, unknown>, token = t.staffToken) => t.app.inject({ method: 'POST', url, headers: bearer(token), payload });
    const program = await post('/api/distribution/programs', { name: 'Food aid', fund: 'zakat', asnaf: ['fakir'] });
    const who = await post('/api/distribution/mustahik', { kind: 'institution', name: 'Panti Asuhan', asnaf: ['fakir'], region: 'DKI Jakarta', verification: 'verified' });
    const made = await post('/api/distribution/disbursements', { program_id: program.json().id, mustahik_id: who.json().id, campaign_id: campaign.id, asnaf: 'fakir', amount: '90' });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal((await post(`/api/distribution/disbursements/${made.json().id}/approve`, {}, t.adminToken)).statusCode, 200);
    assert.equal(await available(), 800n);

    const snapshot = async () => ({
      campaign: (await t.database.query('select raised_minor, donation_count, donor_count from campaigns where id = $1', [campaignId])).rows,
      accounts: (await t.database.query('select kind, name, currency, balance_minor from ledger_accounts where campaign_id = $1 order by kind, name', [campaignId])).rows,
      entries: (await t.database.query('select count(*)::int as n from ledger_entries where campaign_id = $1', [campaignId])).rows,
      history: (await t.database.query('select count(*)::int as n from donation_status_changes where donation_id = any($1::bigint[])', [[big, small, last]])).rows,
      refunds: (await t.database.query('select count(*)::int as n from donation_refunds where donation_id = $1', [big])).rows,
    });
    const unchanged = await snapshot();
    // 100.00 less its 12.50 amil share would take 87.50 from the zakat fund's 8.00.
    const refused = await post(`/api/donations/${big}/refund`, { reason: 'the donor asked' });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(refused.json().code, 'fund_balance_insufficient');
    assert.equal(refused.json().title, "The fund's available balance does not cover this movement");
    assert.equal(refused.json().available_minor, '800');
    assert.equal(refused.json().amount_minor, '8750');
    assert.equal((await t.app.inject({ url: `/api/donations/${big}`, headers: bearer(t.staffToken) })).json().status, 'approved');
    assert.deepEqual(await snapshot(), unchanged, 'totals, ledger and history unchanged');
    // A partial refund that does not fit either (90.00 less the 11.25 of share it returns), unless a provider reports it.
    const partial = await applyPartialRefund(t.database, feed, { id: big!, actor: 'test', reason: null, refundedTotalMinor: 9000n });
    assert.ok(partial instanceof AppError && partial.code === 'fund_balance_insufficient', String(partial));
    assert.deepEqual(await snapshot(), unchanged);

    // In one batch with a refund that fits: the batch is written again request by request, and only the one
    // that does not fit is refused.
    const committer = new GroupCommitter((requests: Parameters<typeof writeTransitionBatch>[2]) => writeTransitionBatch(t.database, feed, requests),
      { enabled: true, windowMs: 50, batchRowsMax: 10, batchesInFlightMax: 1, queueRowsMax: 100 });
    const [bigAgain, smallRefund] = await Promise.allSettled([
      committer.submit({ id: big!, to: 'refunded', actor: 'test', reason: 'batch' }), committer.submit({ id: small!, to: 'refunded', actor: 'test', reason: 'batch' })]);
    assert.equal(committer.stats.batches, 1, 'both in one batch');
    assert.equal(committer.stats.isolatedRetries, 2);
    assert.ok(bigAgain.status === 'rejected' && bigAgain.reason instanceof AppError && bigAgain.reason.code === 'fund_balance_insufficient', String(bigAgain.status));
    assert.ok(smallRefund.status === 'fulfilled' && smallRefund.value.status === 'refunded');
    assert.equal(await available(), 100n, '8.00 less its 1.00 share taken');

    // A refund the provider reports is done already: posted though it takes the fund below zero, and the books say so.
    const [reported] = await writeTransitionBatch(t.database, feed, [{ id: last!, to: 'refunded', actor: 'payment:stripe', reason: 'refunded at stripe', reportedByProvider: true }]);
    assert.ok(!(reported instanceof Error) && reported!.status === 'refunded', String(reported));
    assert.equal(await available(), -250n, '4.00 less its 0.50 share taken');
    assert.deepEqual((await findLedgerProblems(t.database)).map((problem) => problem.check), ['fund_negative']);
    const next = await post('/api/distribution/disbursements', { program_id: program.json().id, mustahik_id: who.json().id, campaign_id: campaign.id, asnaf: 'fakir', amount: '1' });
    assert.equal((await post(`/api/distribution/disbursements/${next.json().id}/approve`, {}, t.adminToken)).json().code, 'fund_balance_insufficient');
    // Cancelling the disbursement releases its 90.00: the fund is whole again, and the big refund now fits.
    assert.equal((await post(`/api/distribution/disbursements/${made.json().id}/cancel`, { reason: 'the donors were refunded' })).statusCode, 200);
    assert.equal(await available(), 8750n);
    assert.equal((await post(`/api/donations/${big}/refund`, { reason: 'the donor asked' })).statusCode, 200);
    assert.equal(await available(), 0n);
    assert.deepEqual(await findLedgerProblems(t.database), []);
  });
});
