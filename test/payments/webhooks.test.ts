// Checkout makes one pending donation and one provider payment per Idempotency-Key (even across a provider
// outage), and signed webhooks from a loopback Stripe, Midtrans and Xendit move it forward only: duplicates,
// out-of-order and stale events, bad signatures, amount mismatches, late payments and refunds (both engines).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { setAmilRate } from '../../src/ledger/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { bearer, createCampaign, type TestApp } from '../helpers/app.ts';
import { startGateway, gatewayEnvironment, STRIPE_SECRETS, type Gateway } from './gateway-server.ts';

async function outcomeOf(response: Response): Promise<string> {
  return ((await response.json()) as { outcome: string }).outcome;
}

describe('payments: checkout and webhooks against a loopback gateway', () => {
  let gateway: Gateway;
  let testDatabase: TestDatabase;
  let app: FastifyInstance;
  let staffToken: string;
  let keySerial = 0;

  before(async () => {
    gateway = await startGateway();
    testDatabase = await createTestDatabase({ ...gatewayEnvironment(gateway), CHECKOUT_RATE_PER_IP_MAX: '0', CHECKOUT_RATE_PER_EMAIL_MAX: '0' });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await app.listen({ port: 0, host: '127.0.0.1' });
    gateway.target = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    staffToken = (await createToken(testDatabase.database, 'staff', 'staff')).token;
    const test = { app, adminToken: TEST_ADMIN_TOKEN } as TestApp;
    await createCampaign(test, { slug: 'wells-usd', currency: 'USD' });
    await createCampaign(test, { slug: 'iftar-idr', currency: 'IDR' });
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(testDatabase.database), []);
    await app.close();
    await gateway.close();
    await testDatabase.drop();
  });

  const checkout = (body: Record<string, unknown>, key = `checkout-${process.pid}-${keySerial++}`) =>
    app.inject({ method: 'POST', url: '/api/checkout', headers: { 'idempotency-key': key }, payload: body });
  const donation = async (id: string) => (await app.inject({ url: `/api/donations/${id}`, headers: bearer(staffToken) })).json();
  const history = async (id: string) => (await app.inject({ url: `/api/donations/${id}/history`, headers: bearer(staffToken) })).json().history as { to_status: string; reason: string | null }[];
  const payment = async (id: string) => (await app.inject(`/api/payments/${id}`)).json();

  async function stripeCheckout(amount = '25.00') {
    const response = await checkout({ campaign_id: 'wells-usd', amount, provider: 'stripe', donor_name: 'Aisha', donor_email: 'aisha@example.org' });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    return { body, session: gateway.stripe.get(body.payment.payment_url.split('/').pop())! };
  }

  test('a Stripe checkout is one donation and one session per key; a retry returns the same; another body is 409', async () => {
    const key = 'stripe-once';
    const first = await checkout({ campaign_id: 'wells-usd', amount: '10.00', provider: 'stripe', donor_email: 'a@example.org' }, key);
    assert.equal(first.statusCode, 201, first.body);
    const again = await checkout({ campaign_id: 'wells-usd', amount: '10.00', provider: 'stripe', donor_email: 'a@example.org' }, key);
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json().payment, first.json().payment);
    assert.equal(first.json().donation.status, 'pending');
    assert.equal(first.json().payment.provider_amount, '1000');
    const other = await checkout({ campaign_id: 'wells-usd', amount: '11.00', provider: 'stripe' }, key);
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'idempotency_key_reused');
    assert.equal([...gateway.stripe.values()].filter((session) => session.client_reference_id === `amanah-${first.json().donation.id}`).length, 1);
  });

  test('eight checkouts with one key at once (one look-up batch) make one donation, one payment and one session', async () => {
    for (let round = 0; round < 3; round += 1) {
      const key = `same-key-${process.pid}-${round}`;
      const answers = await Promise.all(Array.from({ length: 8 }, () => checkout({ campaign_id: 'wells-usd', amount: '10.00', provider: 'stripe' }, key)));
      const made = answers.filter((answer) => answer.statusCode === 201 || answer.statusCode === 200);
      assert.ok(made.length >= 1, answers.map((answer) => answer.body).join('\n'));
      for (const answer of answers.filter((item) => !made.includes(item))) {
        assert.deepEqual([answer.statusCode, answer.json().code], [409, 'checkout_in_progress'], answer.body);
      }
      assert.equal(new Set(made.map((answer) => answer.json().payment.id)).size, 1, 'every answer names the same payment');
      const { rows } = await testDatabase.database.query<{ payments: bigint; donations: bigint }>(
        'select count(*) as payments, count(distinct donation_id) as donations from payments where checkout_key = $1', [key]);
      assert.deepEqual([rows[0]!.payments, rows[0]!.donations], [1n, 1n]);
      const donationId = made[0]!.json().donation.id as string;
      assert.equal([...gateway.stripe.values()].filter((session) => session.client_reference_id === `amanah-${donationId}`).length, 1, 'one session at the provider');
    }
  });

  test('completed approves once; a redelivery and an older expired event change nothing; a full refund refunds', async () => {
    const { body, session } = await stripeCheckout();
    const completed = { ...session, status: 'complete', payment_status: 'paid' };
    const delivered = await gateway.sendStripe('checkout.session.completed', completed, { id: 'evt_completed_1' });
    assert.equal(delivered.status, 200, await delivered.clone().text());
    assert.equal(await outcomeOf(delivered), 'applied');
    assert.equal((await donation(body.donation.id)).status, 'approved');
    const duplicate = await gateway.sendStripe('checkout.session.completed', completed, { id: 'evt_completed_1' });
    assert.equal(await outcomeOf(duplicate), 'duplicate');
    const stale = await gateway.sendStripe('checkout.session.expired', { ...session, status: 'expired' });
    assert.equal(await outcomeOf(stale), 'stale');
    assert.equal((await donation(body.donation.id)).status, 'approved');
    assert.deepEqual((await history(body.donation.id)).map((row) => row.to_status), ['approved']);
    const refund = await gateway.sendStripe('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: session.payment_intent, amount: 2500, amount_refunded: 2500, refunded: true, currency: 'usd' });
    assert.equal(await outcomeOf(refund), 'applied');
    assert.equal((await donation(body.donation.id)).status, 'refunded');
    assert.equal((await payment(body.payment.id)).status, 'refunded');
  });

  test('partial refunds reverse exactly their part (totals and a balanced entry with the amil share); older ones change nothing; the full refund reverses the rest', async () => {
    await createCampaign({ app, adminToken: TEST_ADMIN_TOKEN } as TestApp, { slug: 'refunds-usd', currency: 'USD' });
    await setAmilRate(testDatabase.database, 'infak_sedekah', 1000, 'test');
    const db = testDatabase.database;
    const raised = async () => (await db.query<{ raised_minor: bigint }>(`select raised_minor from campaigns where slug = 'refunds-usd'`)).rows[0]!.raised_minor;
    const amil = async () => (await db.query<{ balance: bigint | null }>(
      `select sum(a.balance_minor)::bigint as balance from ledger_accounts a join campaigns c on c.id = a.campaign_id where c.slug = 'refunds-usd' and a.kind = 'fund' and a.name = 'amil'`)).rows[0]!.balance ?? 0n;
    const response = await checkout({ campaign_id: 'refunds-usd', amount: '25.01', provider: 'stripe', donor_email: 'r@example.org' });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json();
    const session = gateway.stripe.get(body.payment.payment_url.split('/').pop())!;
    assert.equal(await outcomeOf(await gateway.sendStripe('checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid' })), 'applied');
    assert.equal(await raised(), 2501n);
    assert.equal(await amil(), -250n, 'floor(2501 × 10%) credited to amil (credits are negative)');
    const charge = { id: 'ch_partial', object: 'charge', payment_intent: session.payment_intent, amount: 2501, currency: 'usd', refunded: false };
    const first = await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1000 }, { id: 'evt_partial_1' });
    assert.equal(await outcomeOf(first.clone()), 'partial_refund', await first.text());
    assert.equal((await donation(body.donation.id)).status, 'approved');
    assert.equal(await raised(), 1501n);
    assert.equal(await amil(), -150n, 'what stays keeps floor(1501 × 10%)');
    assert.equal(await outcomeOf(await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1000 }, { id: 'evt_partial_1' })), 'duplicate');
    assert.equal(await outcomeOf(await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1000 })), 'stale');
    assert.equal(await raised(), 1501n);
    assert.equal(await outcomeOf(await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1500 })), 'partial_refund');
    assert.equal(await raised(), 1001n, 'the second partial refund moves only the difference (500)');
    assert.equal(await amil(), -100n);
    assert.equal(await outcomeOf(await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1200 })), 'stale', 'an older total never moves it back');
    assert.equal(await raised(), 1001n);
    const { rows: parts } = await db.query<{ amount_minor: bigint; share_minor: bigint }>(
      'select amount_minor, share_minor from donation_refunds where donation_id = $1 order by id', [BigInt(body.donation.id)]);
    assert.deepEqual(parts.map((row) => [row.amount_minor, row.share_minor]), [[1000n, 100n], [500n, 50n]]);
    assert.deepEqual(await findLedgerProblems(db), []);
    assert.equal(await outcomeOf(await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 2501, refunded: true })), 'applied');
    assert.equal((await donation(body.donation.id)).status, 'refunded');
    assert.equal(await raised(), 0n, 'the full refund reverses the rest (1001)');
    assert.equal(await amil(), 0n, 'the reversals sum to the share the receipt posted');
    assert.deepEqual((await history(body.donation.id)).map((row) => row.to_status), ['approved', 'approved', 'approved', 'refunded']);
    assert.match((await history(body.donation.id))[1]!.reason!, /1000 reversed, 1000 of 2501 refunded/);
    assert.deepEqual(await findLedgerProblems(db), []);
    await setAmilRate(db, 'infak_sedekah', 0, 'test');
  });

  test('a refund the provider reports after the fund was disbursed is posted, answered 200: the fund shows the deficit (issue 13)', async () => {
    // Proves the provider's refunds are not refused as a staff refund is (the money has left): no error, no redelivery loop.
    const db = testDatabase.database;
    const campaign = await createCampaign({ app, adminToken: TEST_ADMIN_TOKEN } as TestApp, { slug: 'disbursed-usd', currency: 'USD' });
    const available = async () => -(await db.query<{ balance_minor: bigint }>(
      `select balance_minor from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = 'infak_sedekah'`, [BigInt(campaign.id!)])).rows[0]!.balance_minor;
    const response = await checkout({ campaign_id: 'disbursed-usd', amount: '25.00', provider: 'stripe', donor_email: 'd@example.org' });
    const body = response.json();
    const session = gateway.stripe.get(body.payment.payment_url.split('/').pop())!;
    assert.equal(await outcomeOf(await gateway.sendStripe('checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid' })), 'applied');
    assert.equal(await available(), 2500n);
    const post = (url: string, payload: Record<string, unknown>, token = staffToken) => app.inject({ method: 'POST', url, headers: bearer(token), payload });
    const program = await post('/api/distribution/programs', { name: 'Wells', fund: 'infak_sedekah', asnaf: [] });
    const who = await post('/api/distribution/mustahik', { kind: 'institution', name: 'Desa Sukamaju', asnaf: [], region: 'NTT', verification: 'verified' });
    const made = await post('/api/distribution/disbursements', { program_id: program.json().id, mustahik_id: who.json().id, campaign_id: campaign.id, amount: '24.00' });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal((await post(`/api/distribution/disbursements/${made.json().id}/approve`, {}, TEST_ADMIN_TOKEN)).statusCode, 200);
    assert.equal(await available(), 100n);
    const charge = { id: 'ch_disbursed', object: 'charge', payment_intent: session.payment_intent, amount: 2500, currency: 'usd', refunded: false };
    const partial = await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 1000 });
    assert.equal(partial.status, 200);
    assert.equal(await outcomeOf(partial), 'partial_refund');
    assert.equal(await available(), -900n);
    const full = await gateway.sendStripe('charge.refunded', { ...charge, amount_refunded: 2500, refunded: true });
    assert.equal(full.status, 200);
    assert.equal(await outcomeOf(full), 'applied');
    assert.equal((await donation(body.donation.id)).status, 'refunded');
    assert.equal(await available(), -2400n);
    assert.deepEqual((await findLedgerProblems(db)).map((problem) => problem.check), ['fund_negative'], 'verify names the overdrawn fund');
    // Staff cover it (here: the disbursement is cancelled and its reservation released); the books agree again.
    assert.equal((await post(`/api/distribution/disbursements/${made.json().id}/cancel`, { reason: 'the donor was refunded' })).statusCode, 200);
    assert.equal(await available(), 0n);
    assert.deepEqual(await findLedgerProblems(db), []);
  });

  test('Midtrans partial_refund then refund: each confirmed by Get Status, each moves only its part', async () => {
    const db = testDatabase.database;
    const raised = async () => (await db.query<{ raised_minor: bigint }>(`select raised_minor from campaigns where slug = 'iftar-idr'`)).rows[0]!.raised_minor;
    const created = (await checkout({ campaign_id: 'iftar-idr', amount: '40000', provider: 'midtrans' })).json();
    const order = gateway.snap.get(`amanah-${created.donation.id}`)!;
    const before = await raised();
    order.transaction_status = 'settlement';
    assert.equal(await outcomeOf(await gateway.sendMidtrans(order.order_id)), 'applied');
    assert.equal(await raised(), before + 4000000n);
    Object.assign(order, { transaction_status: 'partial_refund', refund_amount: '15000.00' });
    assert.equal(await outcomeOf(await gateway.sendMidtrans(order.order_id)), 'partial_refund');
    assert.equal((await donation(created.donation.id)).status, 'approved');
    assert.equal(await raised(), before + 2500000n);
    Object.assign(order, { transaction_status: 'refund', refund_amount: '40000.00' });
    assert.equal(await outcomeOf(await gateway.sendMidtrans(order.order_id)), 'applied');
    assert.equal((await donation(created.donation.id)).status, 'refunded');
    assert.equal(await raised(), before);
    assert.deepEqual(await findLedgerProblems(db), []);
  });

  test('a bad, stale or missing signature is 401 problem+json, changes nothing and is logged; the old secret still verifies', async () => {
    const { body, session } = await stripeCheckout();
    const paid = { ...session, payment_status: 'paid' };
    const forged = await gateway.sendStripe('checkout.session.completed', paid, { secret: 'whsec_not_ours_0000' });
    assert.equal(forged.status, 401);
    assert.match(forged.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(((await forged.json()) as { code: string }).code, 'webhook_signature_invalid');
    const old = await gateway.sendStripe('checkout.session.completed', paid, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    assert.equal(old.status, 401);
    const missing = await fetch(`${gateway.target}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 401);
    assert.equal((await donation(body.donation.id)).status, 'pending');
    const { rows } = await testDatabase.database.query<{ count: string }>(`select count(*)::text as count from payment_webhook_refusals where provider = 'stripe'`);
    assert.ok(Number(rows[0]!.count) >= 3);
    const rotated = await gateway.sendStripe('checkout.session.completed', paid, { secret: STRIPE_SECRETS[0]! });
    assert.equal(rotated.status, 200);
    assert.equal((await donation(body.donation.id)).status, 'approved');
  });

  test('a payment of another amount or currency is held for staff with the reason, never approved', async () => {
    const { body, session } = await stripeCheckout('30.00');
    const response = await gateway.sendStripe('checkout.session.completed', { ...session, payment_status: 'paid', amount_total: 300 });
    assert.equal(await outcomeOf(response), 'held');
    const held = await payment(body.payment.id);
    assert.equal(held.status, 'held');
    assert.match(held.status_reason, /300 USD.*3000 USD/);
    assert.equal((await donation(body.donation.id)).status, 'pending');
  });

  test('a payment after expiry is approved, with its history saying it was late', async () => {
    const { body, session } = await stripeCheckout();
    await gateway.sendStripe('checkout.session.expired', { ...session, status: 'expired' });
    assert.equal((await payment(body.payment.id)).status, 'expired');
    assert.equal((await donation(body.donation.id)).status, 'expired');
    await gateway.sendStripe('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' });
    assert.equal((await donation(body.donation.id)).status, 'approved');
    const rows = await history(body.donation.id);
    assert.deepEqual(rows.map((row) => row.to_status), ['expired', 'approved']);
    assert.match(rows[1]!.reason ?? '', /late payment/);
  });

  test('Midtrans expire and Xendit EXPIRED: pending becomes expired, nothing moves; a late Xendit PAID approves from expired', async () => {
    const midtrans = (await checkout({ campaign_id: 'iftar-idr', amount: '21000', provider: 'midtrans' })).json();
    gateway.snap.get(`amanah-${midtrans.donation.id}`)!.transaction_status = 'expire';
    assert.equal(await outcomeOf(await gateway.sendMidtrans(`amanah-${midtrans.donation.id}`)), 'applied');
    assert.equal((await donation(midtrans.donation.id)).status, 'expired');
    const xendit = (await checkout({ campaign_id: 'iftar-idr', amount: '22000', provider: 'xendit' })).json();
    const invoice = [...gateway.xendit.values()].find((item) => item.external_id === `amanah-${xendit.donation.id}`)!;
    invoice.status = 'EXPIRED';
    assert.equal(await outcomeOf(await gateway.sendXendit({ ...invoice })), 'applied');
    assert.equal((await donation(xendit.donation.id)).status, 'expired');
    invoice.status = 'PAID';
    assert.equal(await outcomeOf(await gateway.sendXendit({ ...invoice })), 'applied');
    assert.equal((await donation(xendit.donation.id)).status, 'approved');
    assert.deepEqual((await history(xendit.donation.id)).map((row) => [row.to_status, row.reason]), [['expired', 'expired at xendit'], ['approved', 'late payment: paid at xendit after the payment had expired']]);
  });

  test('a provider that is down: 503 problem+json, no payment URL; the retry with the same key resumes to one payment', async () => {
    gateway.down = true;
    const key = 'down-then-up';
    const body = { campaign_id: 'wells-usd', amount: '12.00', provider: 'stripe' };
    const refused = await checkout(body, key);
    gateway.down = false;
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal(refused.json().code, 'payment_provider_unavailable');
    assert.ok(refused.headers['retry-after']);
    const { rows } = await testDatabase.database.query<{ status: string; payment_url: string | null }>(`select status, payment_url from payments where checkout_key = $1`, [key]);
    assert.deepEqual(rows, [{ status: 'creating', payment_url: null }]);
    const resumed = await checkout(body, key);
    assert.equal(resumed.statusCode, 201, resumed.body);
    const again = await checkout(body, key);
    assert.equal(again.json().payment.id, resumed.json().payment.id);
    const { rows: donations } = await testDatabase.database.query(`select id from donations where idempotency_key = $1`, [`checkout:${key}`]);
    assert.equal(donations.length, 1);
  });

  test('Midtrans: a Snap token per checkout; a signed notification confirmed by Get Status approves; a bad signature is 401', async () => {
    const response = await checkout({ campaign_id: 'iftar-idr', amount: '150000.00', provider: 'midtrans', donor_name: 'Budi' });
    assert.equal(response.statusCode, 201, response.body);
    const { payment: created, donation: given } = response.json();
    assert.match(created.snap_token, /^snap-token-/);
    assert.equal(created.provider_amount, '150000');
    const orderId = `amanah-${given.id}`;
    const forged = await gateway.sendMidtrans(orderId, { serverKey: 'SB-Mid-server-not-ours' });
    assert.equal(forged.status, 401);
    const statusCalls = gateway.calls.snapStatus;
    gateway.snap.get(orderId)!.transaction_status = 'settlement';
    const settled = await gateway.sendMidtrans(orderId);
    assert.equal(settled.status, 200, await settled.clone().text());
    assert.equal(gateway.calls.snapStatus, statusCalls + 1);
    assert.equal((await donation(given.id)).status, 'approved');
    assert.equal(await outcomeOf(await gateway.sendMidtrans(orderId)), 'duplicate');
  });

  test('Midtrans: what Get Status says wins over the notification; an amount that differs is held', async () => {
    const response = await checkout({ campaign_id: 'iftar-idr', amount: '50000', provider: 'midtrans' });
    const { donation: given, payment: created } = response.json();
    const transaction = gateway.snap.get(`amanah-${given.id}`)!;
    transaction.transaction_status = 'settlement';
    transaction.gross_amount = 5000;
    await gateway.sendMidtrans(transaction.order_id, { grossAmount: '50000.00' });
    assert.equal((await payment(created.id)).status, 'held');
    assert.equal((await donation(given.id)).status, 'pending');
  });

  test('Midtrans cannot charge sen, and a campaign outside its currency is refused before anything is written', async () => {
    const sen = await checkout({ campaign_id: 'iftar-idr', amount: '100.50', provider: 'midtrans' });
    assert.equal(sen.statusCode, 422);
    assert.equal(sen.json().code, 'amount_not_chargeable');
    const usd = await checkout({ campaign_id: 'wells-usd', amount: '10.00', provider: 'midtrans' });
    assert.equal(usd.statusCode, 422);
    const providers = await app.inject('/api/campaigns/wells-usd/payment-providers');
    assert.deepEqual(providers.json().providers, ['stripe']);
    const idr = await app.inject('/api/campaigns/iftar-idr/payment-providers');
    assert.deepEqual(idr.json().providers, ['stripe', 'midtrans', 'xendit']);
  });

  test('Midtrans: a checkout resumed after an outage asks with a new order_id and makes one token', async () => {
    gateway.down = true;
    const key = 'midtrans-down';
    const body = { campaign_id: 'iftar-idr', amount: '20000', provider: 'midtrans' };
    assert.equal((await checkout(body, key)).statusCode, 503);
    gateway.down = false;
    const resumed = await checkout(body, key);
    assert.equal(resumed.statusCode, 201, resumed.body);
    assert.equal((await checkout(body, key)).json().payment.snap_token, resumed.json().payment.snap_token);
    const id = resumed.json().donation.id as string;
    assert.deepEqual([...gateway.snap.keys()].filter((orderId) => orderId.startsWith(`amanah-${id}`)), [`amanah-${id}-2`]);
  });

  test('an answer lost after the provider made the payment (a crash between steps): the retry gets that payment, not a second', async () => {
    for (const provider of ['stripe', 'xendit'] as const) {
      const key = `lost-answer-${provider}`;
      const body = { campaign_id: 'iftar-idr', amount: '40000', provider };
      gateway.loseAnswers = true;
      const lost = await checkout(body, key);
      gateway.loseAnswers = false;
      assert.equal(lost.statusCode, 503, lost.body);
      const resumed = await checkout(body, key);
      assert.equal(resumed.statusCode, 201, resumed.body);
      const id = resumed.json().donation.id as string;
      const made = provider === 'stripe'
        ? [...gateway.stripe.values()].filter((session) => session.client_reference_id === `amanah-${id}`)
        : [...gateway.xendit.values()].filter((invoice) => invoice.external_id === `amanah-${id}`);
      assert.equal(made.length, 1, provider);
      const made0 = made[0] as { url?: string; invoice_url?: string };
      assert.equal(resumed.json().payment.payment_url, made0.url ?? made0.invoice_url);
    }
  });

  test('Xendit: an invoice per checkout; the callback token is checked; PAID approves once', async () => {
    const response = await checkout({ campaign_id: 'iftar-idr', amount: '75000', provider: 'xendit' });
    assert.equal(response.statusCode, 201, response.body);
    const { payment: created, donation: given } = response.json();
    const invoice = [...gateway.xendit.values()].find((item) => item.external_id === `amanah-${given.id}`)!;
    assert.equal(invoice.amount, 75000);
    const forged = await gateway.sendXendit({ ...invoice, status: 'PAID' }, { token: 'guessed' });
    assert.equal(forged.status, 401);
    const paid = await gateway.sendXendit({ ...invoice, status: 'PAID' });
    assert.equal(await outcomeOf(paid), 'applied');
    assert.equal(await outcomeOf(await gateway.sendXendit({ ...invoice, status: 'PAID' })), 'duplicate');
    assert.equal(await outcomeOf(await gateway.sendXendit({ ...invoice, status: 'EXPIRED' })), 'stale');
    assert.equal((await donation(given.id)).status, 'approved');
    assert.equal((await payment(created.id)).status, 'paid');
  });

  test('a webhook that never arrives: the sweep asks each status API and settles; the late webhook then changes nothing', async () => {
    const { body, session } = await stripeCheckout();
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    const midtrans = (await checkout({ campaign_id: 'iftar-idr', amount: '30000', provider: 'midtrans' })).json();
    gateway.snap.get(`amanah-${midtrans.donation.id}`)!.transaction_status = 'settlement';
    const xendit = (await checkout({ campaign_id: 'iftar-idr', amount: '35000', provider: 'xendit' })).json();
    const invoice = [...gateway.xendit.values()].find((item) => item.external_id === `amanah-${xendit.donation.id}`)!;
    invoice.status = 'PAID';
    const swept = await app.inject({ method: 'POST', url: '/api/payments/sweep?age_ms=0', headers: bearer(staffToken) });
    assert.equal(swept.statusCode, 200, swept.body);
    assert.equal(swept.json().failed, 0);
    for (const id of [body.donation.id, midtrans.donation.id, xendit.donation.id]) assert.equal((await donation(id)).status, 'approved', id);
    assert.equal(await outcomeOf(await gateway.sendStripe('checkout.session.completed', { ...session })), 'stale');
    assert.equal(await outcomeOf(await gateway.sendXendit({ ...invoice, status: 'PAID' })), 'duplicate');
    assert.deepEqual((await history(body.donation.id)).map((row) => row.to_status), ['approved']);
    const anonymous = await app.inject({ method: 'POST', url: '/api/payments/sweep' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('a provider that is down during the sweep: no crash, the payment stays open and is settled by a later round', async () => {
    const { body, session } = await stripeCheckout();
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    gateway.down = true;
    try {
      const swept = await app.inject({ method: 'POST', url: '/api/payments/sweep?age_ms=0', headers: bearer(staffToken) });
      assert.equal(swept.statusCode, 200, swept.body);
      assert.ok(swept.json().failed >= 1, swept.body);
      assert.equal((await donation(body.donation.id)).status, 'pending');
      assert.equal((await payment(body.payment.id)).status, 'open');
    } finally {
      gateway.down = false;
    }
    const again = await app.inject({ method: 'POST', url: '/api/payments/sweep?age_ms=0', headers: bearer(staffToken) });
    assert.equal(again.json().failed, 0, again.body);
    assert.equal((await donation(body.donation.id)).status, 'approved');
    assert.equal(await outcomeOf(await gateway.sendStripe('checkout.session.completed', { ...session })), 'stale', 'the webhook that comes after all changes nothing');
  });
});
