// The donor's page gives through a plain form (no script needed): Indonesian or English by Accept-Language or the
// switch, presets in the campaign's currency, only the providers that charge it; a submit is one checkout (a
// repeat of the same page is the same payment) and a 303 to the provider's pay page; the return page refreshes
// (without script) until the webhook lands, then says so. Campaign text is escaped. Both pages load /give.js,
// which the CSP allows from this origin only, and carry what it needs to keep them live.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { createCampaign, type TestApp } from '../helpers/app.ts';
import { startGateway, gatewayEnvironment, type Gateway } from './gateway-server.ts';

describe('donor page /give/:slug', () => {
  let gateway: Gateway;
  let testDatabase: TestDatabase;
  let app: FastifyInstance;

  before(async () => {
    gateway = await startGateway();
    testDatabase = await createTestDatabase({ ...gatewayEnvironment(gateway), CHECKOUT_RATE_PER_IP_MAX: '0' });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await app.listen({ port: 0, host: '127.0.0.1' });
    gateway.target = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const test = { app, adminToken: TEST_ADMIN_TOKEN } as TestApp;
    await createCampaign(test, { slug: 'sumur', currency: 'IDR', name: 'Sumur <b>air</b>', description: 'Air bersih & sehat', goal: '1000000.00' });
    await createCampaign(test, { slug: 'wells', currency: 'USD', name: 'Wells' });
  });
  after(async () => {
    await app.close();
    await gateway.close();
    await testDatabase.drop();
  });

  const submit = (slug: string, fields: Record<string, string>) => app.inject({
    method: 'POST', url: `/give/${slug}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString(),
  });

  test('Indonesian by Accept-Language, English by the switch; presets in rupiah; the providers that charge IDR; text escaped', async () => {
    const indonesian = await app.inject({ url: '/give/sumur', headers: { 'accept-language': 'id-ID,id;q=0.9,en;q=0.8' } });
    assert.equal(indonesian.statusCode, 200);
    assert.match(indonesian.body, /<html lang="id">/);
    assert.match(indonesian.body, /Lanjut ke pembayaran/);
    assert.match(indonesian.body, /Rp\s?100\.000/);
    assert.match(indonesian.body, /Sumur &lt;b&gt;air&lt;\/b&gt;/);
    assert.doesNotMatch(indonesian.body, /<b>air/);
    for (const provider of ['stripe', 'midtrans', 'xendit']) assert.match(indonesian.body, new RegExp(`value="${provider}"`));
    const english = await app.inject({ url: '/give/sumur?lang=en', headers: { 'accept-language': 'id' } });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /Continue to payment/);
    const usd = await app.inject('/give/wells');
    assert.doesNotMatch(usd.body, /value="midtrans"/);
    assert.match(usd.headers['content-security-policy'] as string, /default-src 'none'; script-src 'self'; connect-src 'self';/);
    assert.doesNotMatch(usd.headers['content-security-policy'] as string, /script-src[^;]*unsafe-inline/);
    assert.match(indonesian.body, /<script src="\/give\.js" defer><\/script>/);
    assert.match(indonesian.body, /data-give="campaign" data-campaign-id="\d+" data-currency="IDR" data-exponent="2" data-locale="id-ID"/);
    assert.match(indonesian.body, /<progress data-field="bar" max="100000000" value="0"/);
    assert.match(indonesian.body, /<span data-field="donors">0 donatur<\/span>/);
    assert.match(english.body, /<span data-field="donors">0 donors<\/span>/);
    assert.match(indonesian.body, /aria-live="polite" data-field="announcer"/);
  });

  test('/give.js is served as a script, revalidated by its ETag', async () => {
    const script = await app.inject('/give.js');
    assert.equal(script.statusCode, 200);
    assert.match(script.headers['content-type'] as string, /^text\/javascript/);
    assert.equal(script.headers['x-content-type-options'], 'nosniff');
    assert.match(script.body, /\/api\/live/);
    assert.match(script.body, /\/api\/payments\//);
    const again = await app.inject({ url: '/give.js', headers: { 'if-none-match': script.headers.etag as string } });
    assert.equal(again.statusCode, 304);
  });

  test('a submit is one checkout and a 303 to the pay page; the same page submitted again is the same payment', async () => {
    const fields = { key: 'form-key-1', preset: '100000', amount: '', provider: 'stripe', donor_name: 'Siti', donor_email: 'siti@example.org' };
    const first = await submit('sumur', fields);
    assert.equal(first.statusCode, 303, first.body);
    assert.match(first.headers.location as string, new RegExp(`^${gateway.url}/pay/stripe/`));
    const again = await submit('sumur', fields);
    assert.equal(again.headers.location, first.headers.location);
    const page = await fetch(first.headers.location as string);
    assert.equal(page.status, 200);
    const session = gateway.stripe.get((first.headers.location as string).split('/').pop()!)!;
    assert.equal(session.amount_total, 10000000);
  });

  test('a refused amount re-renders the form with the reason', async () => {
    const response = await submit('sumur', { key: 'form-key-2', amount: '100.50', provider: 'midtrans' });
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /role="alert"/);
    assert.match(response.body, /whole units/);
  });

  test('the return page refreshes until the webhook lands, then thanks the donor', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/checkout', headers: { 'idempotency-key': 'return-page' }, payload: { campaign_id: 'sumur', amount: '50000', provider: 'xendit' } });
    const { payment, donation } = created.json();
    const waiting = await app.inject({ url: `/give/return/${payment.id}`, headers: { 'accept-language': 'en' } });
    // The refresh is for browsers without script; give.js polls instead where it runs.
    assert.match(waiting.body, /<noscript><meta http-equiv="refresh" content="3"><\/noscript>/);
    assert.match(waiting.body, /Waiting for the payment/);
    assert.match(waiting.body, new RegExp(`data-give="return" data-payment-id="${payment.id}" data-status="open"`));
    assert.match(waiting.body, /data-texts="\{&quot;paid&quot;:&quot;Thank you/);
    const invoice = [...gateway.xendit.values()].find((item) => item.external_id === `amanah-${donation.id}`)!;
    assert.equal((await gateway.sendXendit({ ...invoice, status: 'PAID' })).status, 200);
    const done = await app.inject({ url: `/give/return/${payment.id}`, headers: { 'accept-language': 'id' } });
    assert.doesNotMatch(done.body, /http-equiv="refresh"/);
    assert.match(done.body, /Terima kasih/);
  });
});
