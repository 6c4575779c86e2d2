// The optional Redis second level (REDIS_URL, or the local Redis at 127.0.0.1:6379 when none is given): a
// response cached by one app instance is served by another without a query, a stored response that predates an
// invalidation is never served, and a write through one instance reaches the other's reads. Skipped, saying so,
// when no Redis answers.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { redisPrefix } from '../../src/cache/caches.ts';
import { RedisLevel } from '../../src/cache/redis.ts';
import type { Config } from '../../src/config.ts';
import { countingDatabase, createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { redisAnswers, SKIP_NO_REDIS, TEST_REDIS_URL } from '../helpers/redis.ts';

const REDIS_URL = TEST_REDIS_URL;
const POLL_ATTEMPTS_MAX = 1_000;
const POLL_INTERVAL_MS = 5;

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < POLL_ATTEMPTS_MAX; attempt += 1) {
    if (await condition()) return;
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`${what} did not happen`);
}

describe('Redis second level', () => {
  let available = false;
  let testDatabase: TestDatabase;
  let config: Config;
  let redis: Redis;
  const apps: FastifyInstance[] = [];
  before(async () => {
    available = await redisAnswers();
    testDatabase = await createTestDatabase();
    config = { ...testDatabase.config, cache: { ...testDatabase.config.cache, redisUrl: REDIS_URL } };
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    if (available) await redis.connect();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    if (available) {
      const keys = await redis.keys(`${redisPrefix(config)}*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
    await testDatabase.drop();
  });

  const storedKey = (url: string) => `${redisPrefix(config)}r:${url}`;

  test('a response stored before an invalidation is never served after it', async (t: TestContext) => {
    // Proves the epoch protocol against the cache-aside race: a late store of pre-change data is refused.
    if (!available) return t.skip(SKIP_NO_REDIS);
    const level = new RedisLevel(REDIS_URL, `${redisPrefix(config)}race:`, 60);
    try {
      assert.equal(await level.start(), true);
      const miss = await level.get('/race');
      assert.equal(miss.found, undefined);
      level.invalidate();
      level.set('/race', { contentType: 'application/json', tags: [], body: Buffer.from('{"stale":true}') }, miss.epoch!);
      await until(async () => (await redis.exists(`${redisPrefix(config)}race:r:/race`)) === 1, 'the late store');
      assert.equal((await level.get('/race')).found, undefined);
      assert.equal(level.counters.stale, 1);
      const fresh = await level.get('/race');
      level.set('/race', { contentType: 'application/json', tags: [], body: Buffer.from('{"fresh":true}') }, fresh.epoch!);
      await until(async () => (await level.get('/race')).found !== undefined, 'the current store');
      assert.equal((await level.get('/race')).found?.body.toString(), '{"fresh":true}');
    } finally {
      await level.close();
    }
  });

  test('one instance\'s miss fills Redis, another serves it with no query, and a write reaches both', async (t: TestContext) => {
    // Proves the shared second level end to end, and that invalidation drops it for every instance.
    if (!available) return t.skip(SKIP_NO_REDIS);
    const counting = countingDatabase(testDatabase.database);
    const first = await buildApp({ config, database: testDatabase.database });
    const second = await buildApp({ config, database: counting });
    apps.push(first, second);
    // Each instance bumps the epoch when it starts (it cannot know what changed before), so both start first.
    await Promise.all([first.ready(), second.ready()]);
    const startupStatements = counting.statements;
    await testDatabase.database.query("insert into campaigns (slug, name, fund, currency, status) values ('shared', 'Shared', 'general', 'IDR', 'active')");
    const url = '/api/campaigns/shared';
    const filled = await first.inject(url);
    assert.equal(filled.headers['x-cache'], 'MISS');
    await until(async () => (await redis.exists(storedKey(url))) === 1, 'the store in Redis');
    const served = await second.inject(url);
    assert.equal(served.headers['x-cache'], 'HIT');
    assert.equal(served.body, filled.body);
    assert.equal(served.headers.etag, filled.headers.etag);
    assert.equal(counting.statements, startupStatements, 'the second instance did not query');
    const patched = await first.inject({
      method: 'PATCH', url, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { name: 'Shared, renamed' },
    });
    assert.equal(patched.statusCode, 200);
    await until(async () => (await second.inject(url)).json().name === 'Shared, renamed', 'the rename in the second instance');
    const third = await buildApp({ config, database: testDatabase.database });
    apps.push(third);
    assert.equal((await third.inject(url)).json().name, 'Shared, renamed', 'a cold instance never gets the old entry from Redis');
  });
});
