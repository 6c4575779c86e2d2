// Distribution through the API on a real database (PGlite, or PostgreSQL with DATABASE_URL): the mustahik
// registry and its NIK rule, programs and the asnaf/fund rules, maker → checker → paid with its history, audit
// rows and ledger entries, twenty concurrent approvals over a fund that covers only some, and what verify says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { ErrorCodes } from '../../src/errors.ts';

/** A woman born 12 March 1990 in Jakarta Selatan: day 12 + 40. */
const NIK_WOMAN = '3174055203900002';
const NIK_MAN = '3273011508850001';

let test_: TestApp;
let checkerToken: string;
let serial = 0;
const feed = new ChangeFeed();

/** A campaign whose donations of these amounts (IDR, major units; IDR has two minor digits) are approved. */
async function fundedCampaign(fund: 'zakat' | 'sadaqah', amountsMajor: readonly bigint[]): Promise<string> {
  const slug = `distribution-${fund}-${serial++}`;
  const campaign = await createCampaign(test_.database, feed, { slug, name: slug, fund, currency: 'IDR', status: 'active' });
  const { rows } = await test_.database.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
     select $1, 'Muzaki', false, amount, 'IDR', 'api', $2 || '-' || n, '\\x00' from unnest($3::bigint[]) with ordinality as a(amount, n) returning id`,
    [campaign.id, slug, amountsMajor.map((amount) => amount * 100n)]);
  await writeTransitionBatch(test_.database, feed, rows.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'test', reason: null })));
  return String(campaign.id);
}

async function post(url: string, token: string, payload?: Record<string, unknown>) {
  return test_.app.inject({ method: 'POST', url, headers: bearer(token), ...(payload === undefined ? {} : { payload }) });
}

async function mustahik(body: Record<string, unknown>): Promise<string> {
  const response = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'Siti Aminah', asnaf: ['fakir', 'miskin'], region: 'DKI Jakarta', verification: 'verified', ...body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

async function program(body: Record<string, unknown>): Promise<string> {
  const response = await post('/api/distribution/programs', test_.staffToken, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

before(async () => {
  test_ = await createTestApp();
  ({ token: checkerToken } = await createToken(test_.database, 'checker', 'staff'));
});
after(() => test_.close());

describe('mustahik registry', () => {
  test('a person needs a valid NIK; an institution none; a NIK is registered once', async () => {
    const refused = [
      ['317405520390000', 'short'], ['31740552039000a2', 'a letter'], ['9974055203900002', 'no province 99'],
      ['3174053203900002', 'day 32'], ['3174057203900002', 'day 72 (women 41-71)'], ['3174052913900002', 'month 13'],
      ['3174052902910002', 'February 29th, 1991'], ['3174055203900000', 'serial 0000'], ['3100055203900002', 'regency 00'],
    ];
    for (const [nik, why] of refused) {
      const response = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'A', nik, asnaf: ['fakir'], region: 'R' });
      assert.equal(response.statusCode, 422, `${why}: ${response.body}`);
      assert.equal(response.json().code, 'nik_invalid', why);
    }
    const noNik = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'A', asnaf: ['fakir'], region: 'R' });
    assert.equal(noNik.json().code, 'nik_invalid');
    const leap = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'Leap', nik: '3174056902920003', asnaf: ['fakir'], region: 'R' });
    assert.equal(leap.statusCode, 201, 'a woman born 29 February 1992');
    const id = await mustahik({ nik: NIK_WOMAN });
    const again = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'person', name: 'Other', nik: NIK_WOMAN, asnaf: ['fakir'], region: 'R' });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'nik_taken');
    const institution = await post('/api/distribution/mustahik', test_.staffToken, { kind: 'institution', name: 'Pesantren', nik: NIK_MAN, asnaf: ['fisabilillah'], region: 'R' });
    assert.equal(institution.json().code, 'validation_failed');

    const one = await test_.app.inject({ url: `/api/distribution/mustahik/${id}`, headers: bearer(test_.staffToken) });
    assert.equal(one.json().nik, NIK_WOMAN);
    const list = await test_.app.inject({ url: '/api/distribution/mustahik?asnaf=miskin', headers: bearer(test_.staffToken) });
    const listed = list.json().mustahik.find((row: { id: string }) => row.id === id);
    assert.equal(listed.nik, '3174••••••••0002', 'lists mask the NIK');
    const anonymous = await test_.app.inject({ url: `/api/distribution/mustahik/${id}` });
    assert.equal(anonymous.statusCode, 401);
    const audit = await test_.database.query<{ detail: unknown }>(`select detail from audit_log where action = 'mustahik.create' and target = $1`, [`mustahik:${id}`]);
    assert.equal(audit.rows.length, 1);
    assert.ok(!JSON.stringify(audit.rows[0]!.detail).includes(NIK_WOMAN) && !JSON.stringify(audit.rows[0]!.detail).includes('Siti'), 'audit rows hold no personal data');
  });
});

describe('programs and the asnaf/fund rules', () => {
  test('zakat programs serve asnaf; non-halal programs are social and serve none', async () => {
    const zakatNone = await post('/api/distribution/programs', test_.staffToken, { name: 'Z', fund: 'zakat', asnaf: [] });
    assert.equal(zakatNone.json().code, 'fund_use_not_allowed');
    const nonHalalAsnaf = await post('/api/distribution/programs', test_.staffToken, { name: 'N', fund: 'non_halal', asnaf: ['fakir'], social: true });
    assert.equal(nonHalalAsnaf.json().code, 'fund_use_not_allowed');
    const nonHalalNotSocial = await post('/api/distribution/programs', test_.staffToken, { name: 'N', fund: 'non_halal' });
    assert.equal(nonHalalNotSocial.json().code, 'fund_use_not_allowed');
    await program({ name: 'Public toilets', fund: 'non_halal', social: true });
  });

  test('zakat is paid only as an asnaf the program serves and the mustahik belongs to; only to the verified', async () => {
    const campaign = await fundedCampaign('zakat', [1_000_000n]);
    const food = await program({ name: 'Food aid', fund: 'zakat', asnaf: ['fakir', 'miskin'] });
    const verified = await mustahik({ nik: '3273014101800011', asnaf: ['fakir'] });
    const unverified = await mustahik({ nik: '3273014101800012', asnaf: ['fakir'], verification: 'unverified' });
    const request = (body: Record<string, unknown>) => post('/api/distribution/disbursements', test_.staffToken, { program_id: food, campaign_id: campaign, amount: '1000', mustahik_id: verified, asnaf: 'fakir', ...body });
    assert.equal((await request({ asnaf: null })).json().code, 'asnaf_not_allowed', 'zakat names its asnaf');
    assert.equal((await request({ asnaf: 'gharimin' })).json().code, 'asnaf_not_allowed', 'not served by the program');
    assert.equal((await request({ asnaf: 'miskin' })).json().code, 'asnaf_not_allowed', 'not the mustahik\'s asnaf');
    assert.equal((await request({ mustahik_id: unverified })).json().code, 'mustahik_not_verified');
    assert.equal((await request({ amount: '0' })).json().code, 'invalid_amount');
    assert.equal((await request({ amount: '1.555' })).json().code, 'invalid_amount', 'IDR has two minor digits');
    assert.equal((await request({ mustahik_id: '0' })).json().code, 'mustahik_not_found');
    assert.equal((await request({ campaign_id: '99999999' })).json().code, 'campaign_not_found');
    assert.equal((await request({})).statusCode, 201);
  });

  test('non-halal money never goes as zakat', async () => {
    const campaign = await fundedCampaign('sadaqah', [5_000n]);
    const social = await program({ name: 'Roads', fund: 'non_halal', social: true });
    const who = await mustahik({ kind: 'institution', name: 'Desa Sukamaju', asnaf: [] });
    const asZakat = await post('/api/distribution/disbursements', test_.staffToken, { program_id: social, mustahik_id: who, campaign_id: campaign, asnaf: 'fakir', amount: '100' });
    assert.equal(asZakat.json().code, 'fund_use_not_allowed');
    const plain = await post('/api/distribution/disbursements', test_.staffToken, { program_id: social, mustahik_id: who, campaign_id: campaign, amount: '100' });
    assert.equal(plain.statusCode, 201);
    // The campaign holds no non-halal money: the approval is refused, the fund never negative.
    const approved = await post(`/api/distribution/disbursements/${plain.json().id}/approve`, checkerToken);
    assert.equal(approved.statusCode, 409);
    assert.equal(approved.json().code, 'fund_balance_insufficient');
  });
});

describe('maker, checker, paid', () => {
  test('the maker cannot approve or reject; a checker approves, staff pay; each step in history, audit and ledger', async () => {
    const campaign = await fundedCampaign('zakat', [300_000n, 200_000n]);
    const scholarship = await program({ name: 'Scholarships', fund: 'zakat', asnaf: ['fisabilillah', 'miskin'] });
    const student = await mustahik({ nik: '3578016512050004', asnaf: ['miskin'] });
    const made = await post('/api/distribution/disbursements', test_.staffToken, { program_id: scholarship, mustahik_id: student, campaign_id: campaign, asnaf: 'miskin', amount: '150000', purpose: 'semester fees' });
    assert.equal(made.statusCode, 201, made.body);
    const id = made.json().id;
    const selfApproval = await post(`/api/distribution/disbursements/${id}/approve`, test_.staffToken);
    assert.equal(selfApproval.statusCode, 409);
    assert.equal(selfApproval.json().code, 'disbursement_maker_is_checker');
    assert.equal((await post(`/api/distribution/disbursements/${id}/reject`, test_.staffToken, { reason: 'x' })).json().code, 'disbursement_maker_is_checker');
    assert.equal((await post(`/api/distribution/disbursements/${id}/pay`, checkerToken, { reference: 'TRF-1' })).json().code, 'disbursement_status_conflict', 'not approved yet');

    const approved = await post(`/api/distribution/disbursements/${id}/approve`, test_.adminToken);
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().status, 'approved');
    assert.equal((await post(`/api/distribution/disbursements/${id}/approve`, checkerToken)).json().code, 'disbursement_status_conflict');
    const paid = await post(`/api/distribution/disbursements/${id}/pay`, test_.staffToken, { reference: 'TRF-20260101-1' });
    assert.equal(paid.statusCode, 200, paid.body);
    const body = paid.json();
    assert.equal(body.status, 'paid');
    assert.equal(body.payment_reference, 'TRF-20260101-1');
    assert.deepEqual(body.history.map((step: { from: string | null; to: string; actor_token_id: string }) => [step.from, step.to, step.actor_token_id]),
      [[null, 'requested', body.history[0].actor_token_id], ['requested', 'approved', 'env'], ['approved', 'paid', body.history[0].actor_token_id]]);

    const entry = await test_.app.inject({ url: `/api/ledger/entries/${body.ledger_entry_id}`, headers: bearer(test_.staffToken) });
    assert.equal(entry.json().kind, 'disbursement_payment');
    assert.deepEqual(entry.json().lines.map((line: { account: string; debit: string | null; credit: string | null }) => [line.account, line.debit, line.credit]),
      [['reserved:zakat', '150000.00', null], ['payout:bank', null, '150000.00']]);
    const reserve = await test_.app.inject({ url: `/api/ledger/entries/${body.reservation_entry_id}`, headers: bearer(test_.staffToken) });
    assert.deepEqual(reserve.json().lines.map((line: { account: string; debit: string | null; credit: string | null }) => [line.account, line.debit, line.credit]),
      [['fund:zakat', '150000.00', null], ['reserved:zakat', null, '150000.00']]);

    const audit = await test_.database.query<{ action: string; actor_token_id: string }>(
      `select action, actor_token_id from audit_log where target = $1 order by id`, [`disbursement:${id}`]);
    assert.deepEqual(audit.rows.map((row) => row.action), ['disbursement.requested', 'disbursement.approved', 'disbursement.paid']);
    assert.equal(audit.rows[1]!.actor_token_id, 'env');
    assert.deepEqual(await findLedgerProblems(test_.database), []);
  });

  test('a name or NIK changed after the request or the approval is checked again before money moves', async () => {
    const campaign = await fundedCampaign('zakat', [500_000n]);
    const food = await program({ name: 'Food parcels', fund: 'zakat', asnaf: ['fakir'] });
    const recipient = await mustahik({ nik: '3578016512050012', asnaf: ['fakir'] });
    const request = async () => {
      const made = await post('/api/distribution/disbursements', test_.staffToken, { program_id: food, mustahik_id: recipient, campaign_id: campaign, asnaf: 'fakir', amount: '100000' });
      assert.equal(made.statusCode, 201, made.body);
      return made.json().id as string;
    };
    const patch = (payload: Record<string, unknown>) => test_.app.inject({ method: 'PATCH', url: `/api/distribution/mustahik/${recipient}`, headers: bearer(test_.staffToken), payload });
    const available = async () => (await test_.database.query<{ balance: bigint }>(
      `select -balance_minor as balance from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = 'zakat'`, [campaign])).rows[0]!.balance;
    const before = await available();

    const requested = await request();
    assert.equal((await patch({ name: 'Siti Aminah binti Ahmad' })).json().verification, 'unverified');
    const approve = await post(`/api/distribution/disbursements/${requested}/approve`, checkerToken);
    assert.equal(approve.statusCode, 422, approve.body);
    assert.equal(approve.json().code, 'mustahik_not_verified');
    assert.equal(await available(), before, 'nothing reserved for an identity not checked again');
    const newRequest = await post('/api/distribution/disbursements', test_.staffToken, { program_id: food, mustahik_id: recipient, campaign_id: campaign, asnaf: 'fakir', amount: '100000' });
    assert.equal(newRequest.json().code, 'mustahik_not_verified', 'no new request for it either');

    assert.equal((await patch({ verification: 'verified' })).json().verification, 'verified');
    assert.equal((await post(`/api/distribution/disbursements/${requested}/approve`, checkerToken)).statusCode, 200);
    assert.equal((await patch({ nik: '3578016512050013' })).json().verification, 'unverified');
    const pay = await post(`/api/distribution/disbursements/${requested}/pay`, checkerToken, { reference: 'TRF-77' });
    assert.equal(pay.statusCode, 422, pay.body);
    assert.equal(pay.json().code, 'mustahik_not_verified');
    const stored = (await test_.app.inject({ url: `/api/distribution/disbursements/${requested}`, headers: bearer(test_.staffToken) })).json();
    assert.equal(stored.status, 'approved', 'still approved, not paid');
    assert.equal((await patch({ verification: 'verified' })).statusCode, 200);
    assert.equal((await post(`/api/distribution/disbursements/${requested}/pay`, checkerToken, { reference: 'TRF-77' })).statusCode, 200);
    assert.equal(await available(), before - 10_000_000n);
  });

  test('cancelling an approved disbursement releases its reservation to the fund', async () => {
    const campaign = await fundedCampaign('zakat', [100_000n]);
    const aid = await program({ name: 'Debt relief', fund: 'zakat', asnaf: ['gharimin'] });
    const debtor = await mustahik({ nik: '3578010101700005', asnaf: ['gharimin'] });
    const made = await post('/api/distribution/disbursements', test_.staffToken, { program_id: aid, mustahik_id: debtor, campaign_id: campaign, asnaf: 'gharimin', amount: '100000' });
    const id = made.json().id;
    assert.equal((await post(`/api/distribution/disbursements/${id}/approve`, checkerToken)).statusCode, 200);
    const second = await post('/api/distribution/disbursements', test_.staffToken, { program_id: aid, mustahik_id: debtor, campaign_id: campaign, asnaf: 'gharimin', amount: '1' });
    assert.equal((await post(`/api/distribution/disbursements/${second.json().id}/approve`, checkerToken)).json().code, 'fund_balance_insufficient', 'all of it is reserved');
    const cancelled = await post(`/api/distribution/disbursements/${id}/cancel`, test_.staffToken, { reason: 'paid by another LAZ' });
    assert.equal(cancelled.json().status, 'cancelled');
    assert.ok(cancelled.json().release_entry_id !== null);
    assert.equal((await post(`/api/distribution/disbursements/${second.json().id}/approve`, checkerToken)).statusCode, 200, 'released back to the fund');
    assert.deepEqual(await findLedgerProblems(test_.database), []);
  });

  test('twenty concurrent approvals over a fund that covers twelve approve exactly twelve', async () => {
    // 1,200,000 received (no amil share); twenty requests of 100,000: twelve fit, eight are refused.
    const campaign = await fundedCampaign('zakat', [1_200_000n]);
    const food = await program({ name: 'Ramadan packages', fund: 'zakat', asnaf: ['fakir'] });
    const family = await mustahik({ nik: '3578010101700006', asnaf: ['fakir'] });
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const made = await post('/api/distribution/disbursements', test_.staffToken, { program_id: food, mustahik_id: family, campaign_id: campaign, asnaf: 'fakir', amount: '100000' });
      ids.push(made.json().id);
    }
    // Twenty parallel HTTP requests through a listening server: on PostgreSQL each runs on its own pooled connection.
    const address = await test_.app.listen({ port: 0, host: '127.0.0.1' });
    const answers = await Promise.all(ids.map(async (id) => {
      const response = await fetch(`${address}/api/distribution/disbursements/${id}/approve`, { method: 'POST', headers: bearer(checkerToken) });
      return { status: response.status, type: response.headers.get('content-type'), body: await response.json() as { code?: string } };
    }));
    const approved = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    assert.equal(approved.length, 12);
    assert.equal(refused.length, 8);
    for (const answer of refused) {
      assert.equal(answer.status, 409);
      assert.equal(answer.body.code, 'fund_balance_insufficient');
      assert.equal(answer.type, 'application/problem+json; charset=utf-8');
    }
    const { rows } = await test_.database.query<{ balance_minor: bigint }>(
      `select balance_minor from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = 'zakat'`, [campaign]);
    assert.equal(rows[0]!.balance_minor, 0n, 'the fund is spent to zero, never below');
    assert.deepEqual(await findLedgerProblems(test_.database), []);
  });
});

describe('with donation approvals', () => {
  test('disbursement approvals and donation approval batches over the same campaigns run together without a deadlock', async () => {
    // Donation batches lock their campaigns in id order; a disbursement approval locks its one campaign first.
    const first = await fundedCampaign('zakat', [1_000_000n]);
    const second = await fundedCampaign('zakat', [1_000_000n]);
    const food = await program({ name: 'Food aid, two campaigns', fund: 'zakat', asnaf: ['fakir'] });
    const family = await mustahik({ nik: '3578010101700008', asnaf: ['fakir'] });
    const ids: string[] = [];
    for (const campaign of [first, second, first, second, first, second]) {
      ids.push((await post('/api/distribution/disbursements', test_.staffToken, { program_id: food, mustahik_id: family, campaign_id: campaign, asnaf: 'fakir', amount: '1000' })).json().id);
    }
    const { rows } = await test_.database.query<{ id: bigint }>(
      `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
       select (array[$2, $1]::bigint[])[1 + n % 2], 'Muzaki', false, 50000, 'IDR', 'api', 'deadlock-' || n, '\\x00' from generate_series(1, 40) n returning id`, [first, second]);
    const batches = [rows.slice(0, 20), rows.slice(20)].map((batch) => writeTransitionBatch(test_.database, feed, batch.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'test', reason: null }))));
    const approvals = ids.map((id) => post(`/api/distribution/disbursements/${id}/approve`, checkerToken));
    const answers = await Promise.all(approvals);
    await Promise.all(batches);
    assert.deepEqual(answers.map((answer) => answer.statusCode), [200, 200, 200, 200, 200, 200]);
    assert.deepEqual(await findLedgerProblems(test_.database), []);
  });

  test('a closed program takes no new request', async () => {
    const campaign = await fundedCampaign('zakat', [1_000n]);
    const closing = await program({ name: 'Closed', fund: 'zakat', asnaf: ['fakir'] });
    const family = await mustahik({ nik: '3578010101700009', asnaf: ['fakir'] });
    const closed = await test_.app.inject({ method: 'PATCH', url: `/api/distribution/programs/${closing}`, headers: bearer(test_.staffToken), payload: { status: 'closed' } });
    assert.equal(closed.json().status, 'closed');
    const refused = await post('/api/distribution/disbursements', test_.staffToken, { program_id: closing, mustahik_id: family, campaign_id: campaign, asnaf: 'fakir', amount: '10' });
    assert.equal(refused.json().code, 'program_closed');
  });
});

test('every code this room answers is registered', () => {
  for (const code of ['nik_invalid', 'nik_taken', 'asnaf_not_allowed', 'fund_use_not_allowed', 'mustahik_not_verified', 'program_closed',
    'mustahik_not_found', 'program_not_found', 'disbursement_not_found', 'disbursement_status_conflict', 'disbursement_maker_is_checker', 'fund_balance_insufficient']) {
    assert.ok(code in ErrorCodes, code);
  }
});
