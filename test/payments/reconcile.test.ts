// `amanah reconcile` (src/payments/reconcile.ts) against the loopback gateway: a payment the provider does not
// know, one amanah never made, an amount that differs and a status that disagrees are each listed, exit 1; when
// both sides agree, exit 0 (both engines).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createProviders } from '../../src/payments/routes.ts';
import { parseBound, runReconcile } from '../../src/payments/reconcile.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import type { ProviderName } from '../../src/payments/amounts.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { createCampaign, type TestApp } from '../helpers/app.ts';
import { startGateway, gatewayEnvironment, type Gateway } from './gateway-server.ts';

describe('amanah reconcile against a loopback gateway', () => {
  let gateway: Gateway;
  let testDatabase: TestDatabase;
  let app: FastifyInstance;
  let providers: Map<ProviderName, PaymentProvider>;
  let serial = 0;
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const range = { from: day(-1), to: day(0) };

  before(async () => {
    gateway = await startGateway();
    testDatabase = await createTestDatabase({ ...gatewayEnvironment(gateway), CHECKOUT_RATE_PER_IP_MAX: '0', CHECKOUT_RATE_PER_EMAIL_MAX: '0' });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await app.listen({ port: 0, host: '127.0.0.1' });
    gateway.target = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    providers = createProviders(testDatabase.config.paymentProviders);
    const test = { app, adminToken: TEST_ADMIN_TOKEN } as TestApp;
    await createCampaign(test, { slug: 'reconcile-usd', currency: 'USD' });
    await createCampaign(test, { slug: 'reconcile-idr', currency: 'IDR' });
  });
  after(async () => {
    await app.close();
    await gateway.close();
    await testDatabase.drop();
  });

  async function checkout(body: Record<string, unknown>) {
    const response = await app.inject({ method: 'POST', url: '/api/checkout', headers: { 'idempotency-key': `reconcile-${process.pid}-${serial++}` }, payload: body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }
  async function run(provider: string, values: Record<string, unknown> = range) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runReconcile(testDatabase.database, providers, { provider, ...values }, (line) => out.push(line), (line) => err.push(line));
    return { code, out, err };
  }

  test('both sides agree: exit 0, "no differences"; then each kind of difference is listed and the exit is 1', async () => {
    const paid = await checkout({ campaign_id: 'reconcile-usd', amount: '12.00', provider: 'stripe' });
    const session = gateway.stripe.get(paid.payment.payment_url.split('/').pop())!;
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    assert.equal((await gateway.sendStripe('checkout.session.completed', { ...session })).status, 200);
    const open = await checkout({ campaign_id: 'reconcile-usd', amount: '13.00', provider: 'stripe' });
    const clean = await run('stripe');
    assert.equal(clean.code, 0, clean.out.join('\n'));
    assert.match(clean.out[0]!, /2 of amanah's payments checked, 2 listed by stripe; no differences/);

    // Paid at Stripe for another amount, no webhook: amount and status both disagree.
    Object.assign(gateway.stripe.get(open.payment.payment_url.split('/').pop())!, { status: 'complete', payment_status: 'paid', amount_total: 1299 });
    // A session amanah never made, and one of amanah's that Stripe does not know.
    gateway.stripe.set('cs_foreign', { ...session, id: 'cs_foreign', client_reference_id: 'someone-else-1', created: Math.floor(Date.now() / 1000) });
    const lost = await checkout({ campaign_id: 'reconcile-usd', amount: '14.00', provider: 'stripe' });
    gateway.stripe.delete(lost.payment.payment_url.split('/').pop()!);
    const found = await run('stripe');
    assert.equal(found.code, 1, found.out.join('\n'));
    const kinds = found.out.slice(1).map((line) => line.split('\t').slice(0, 2).join(' ')).sort();
    assert.deepEqual(kinds, [
      `amount_mismatch amanah-${open.donation.id}`, `missing_at_provider amanah-${lost.donation.id}`,
      'missing_in_amanah someone-else-1', `status_mismatch amanah-${open.donation.id}`,
    ].sort());
    const json = await run('stripe', { ...range, json: true });
    assert.equal(JSON.parse(json.out[0]!).differences.length, 4);
  });

  test('Midtrans (Get Status per order) and Xendit (the invoice list): agree, then an amount that differs', async () => {
    const order = await checkout({ campaign_id: 'reconcile-idr', amount: '50000', provider: 'midtrans' });
    const snap = gateway.snap.get(`amanah-${order.donation.id}`)!;
    snap.transaction_status = 'settlement';
    assert.equal((await gateway.sendMidtrans(snap.order_id)).status, 200);
    assert.equal((await run('midtrans')).code, 0);
    snap.gross_amount = 49000;
    const midtrans = await run('midtrans');
    assert.equal(midtrans.code, 1);
    assert.match(midtrans.out[1]!, /^amount_mismatch\tamanah-/);
    assert.match(midtrans.out[0]!, /no list API/);

    await checkout({ campaign_id: 'reconcile-idr', amount: '60000', provider: 'xendit' });
    assert.equal((await run('xendit')).code, 0);
    gateway.xendit.set('inv_foreign', { ...[...gateway.xendit.values()][0]!, id: 'inv_foreign', external_id: 'other-shop-7' });
    const xendit = await run('xendit');
    assert.equal(xendit.code, 1);
    assert.match(xendit.out[1]!, /^missing_in_amanah\tother-shop-7\t-\t/);
  });

  test('usage: bad dates, a provider not configured, an outage: exit 2 with one line on stderr', async () => {
    assert.equal((await run('stripe', { from: '2026-13-01', to: day(0) })).code, 2);
    assert.equal((await run('stripe', { from: day(0), to: day(-2) })).code, 2);
    assert.equal((await run('paypal')).code, 2);
    assert.equal(parseBound('2026-12-02', 'to')!.toISOString(), '2026-12-03T00:00:00.000Z');
    gateway.down = true;
    try {
      const down = await run('stripe');
      assert.equal(down.code, 2);
      assert.match(down.err[0]!, /unavailable/);
    } finally {
      gateway.down = false;
    }
  });
});
