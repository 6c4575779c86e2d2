// New checkouts are limited per IP and per email with 429 problem+json and Retry-After, and a retry of a key
// already used is never counted (so a donor's own retries are not refused).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { createCampaign, type TestApp } from '../helpers/app.ts';
import { CheckoutRateLimiter } from '../../src/payments/rate-limit.ts';
import { startGateway, gatewayEnvironment, type Gateway } from './gateway-server.ts';

describe('checkout rate limits', () => {
  let gateway: Gateway;
  let testDatabase: TestDatabase;
  let app: FastifyInstance;

  before(async () => {
    gateway = await startGateway();
    testDatabase = await createTestDatabase({ ...gatewayEnvironment(gateway), CHECKOUT_RATE_PER_IP_MAX: '3', CHECKOUT_RATE_PER_EMAIL_MAX: '2', CHECKOUT_RATE_WINDOW_SECONDS: '600', REDIS_URL: '' });
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await createCampaign({ app, adminToken: TEST_ADMIN_TOKEN } as TestApp, { slug: 'limited', currency: 'USD' });
  });
  after(async () => {
    await app.close();
    await gateway.close();
    await testDatabase.drop();
  });

  const checkout = (key: string, email: string, ip = '198.51.100.7') => app.inject({
    method: 'POST', url: '/api/checkout', remoteAddress: ip, headers: { 'idempotency-key': key },
    payload: { campaign_id: 'limited', amount: '5.00', provider: 'stripe', donor_email: email },
  });

  test('per email, then per IP; a retried key is answered, not counted', async () => {
    assert.equal((await checkout('a1', 'bot@example.org')).statusCode, 201);
    assert.equal((await checkout('a2', 'BOT@example.org')).statusCode, 201);
    const third = await checkout('a3', 'bot@example.org');
    assert.equal(third.statusCode, 429, third.body);
    assert.equal(third.json().code, 'rate_limited');
    assert.match(third.headers['content-type'] as string, /application\/problem\+json/);
    assert.ok(Number(third.headers['retry-after']) >= 1);
    assert.equal((await checkout('a1', 'bot@example.org')).statusCode, 200);
    // The IP has made 3 counted attempts (two created, one refused by email): the next new one is refused.
    assert.equal((await checkout('b1', 'other@example.org')).statusCode, 429);
    assert.equal((await checkout('c1', 'other@example.org', '203.0.113.9')).statusCode, 201);
  });

  test('a window ends: the count starts again', async () => {
    const limiter = new CheckoutRateLimiter({ perIpMax: 1, perEmailMax: 0, windowSeconds: 60 }, undefined);
    await limiter.take('192.0.2.1', undefined, 0);
    await assert.rejects(limiter.take('192.0.2.1', undefined, 59_000), { code: 'rate_limited' });
    await limiter.take('192.0.2.1', undefined, 60_000);
  });
});
