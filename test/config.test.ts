// Configuration: defaults, validation with one clear line per bad variable, and a frozen result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../src/config.ts';

test('defaults give PGlite in ./data on port 3000 with the seed pool settings', () => {
  // Proves an empty environment is a working configuration.
  const config = parseConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.database.url, undefined);
  assert.equal(config.database.dataDirectory, './data');
  assert.equal(config.database.poolSize, 20);
  assert.equal(config.database.statementTimeoutMs, 15_000);
  assert.equal(config.adminTokenSha256, undefined);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.database));
});

test('each bad value is refused with the variable named and what it expects', () => {
  // Proves validation covers numbers, ranges, enums, URLs and the admin token's length.
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /^PORT: expected an integer from 0 to 65535, got "eighty"$/],
    [{ PORT: '70000' }, /^PORT: expected an integer/],
    [{ DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE: expected an integer from 1 to 500/],
    [{ DATABASE_STATEMENT_TIMEOUT_MS: '1.5' }, /^DATABASE_STATEMENT_TIMEOUT_MS/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: expected one of fatal, error/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: expected postgres:\/\//],
    [{ AMANAH_ADMIN_TOKEN: 'short' }, /^AMANAH_ADMIN_TOKEN: expected at least 24 characters, got "<hidden>"$/],
    [{ AMANAH_SEED_DEMO: 'maybe' }, /^AMANAH_SEED_DEMO: expected true or false/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => parseConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
  }
});

test('accepted values are parsed to their types', () => {
  // Proves the happy path of each kind of variable, and that the admin token is kept only as a digest.
  const config = parseConfig({ PORT: '8080', DATABASE_URL: 'postgres://u@h:5432/d', DATABASE_POOL_SIZE: '5', LOG_LEVEL: 'warn', AMANAH_ADMIN_TOKEN: 'a'.repeat(32), AMANAH_SEED_DEMO: 'false' });
  assert.equal(config.port, 8080);
  assert.equal(config.database.url, 'postgres://u@h:5432/d');
  assert.equal(config.database.poolSize, 5);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.adminTokenSha256?.length, 32);
  assert.equal(config.seedDemoData, false);
  assert.equal(parseConfig({ DATABASE_URL: 'memory://' }).database.url, 'memory://');
});

test('payment verification: off without a provider, the seed defaults, and a checked URL', () => {
  // Proves PAYMENT_* parsing: defaults (50 at once, 30 s), trailing slashes dropped, bad values refused.
  const off = parseConfig({}).payments;
  assert.deepEqual({ ...off }, { providerUrl: undefined, concurrency: 50, itemTimeoutMs: 30_000, intervalMs: 60_000, attemptsMax: 5 });
  assert.ok(Object.isFrozen(off));
  const on = parseConfig({ PAYMENT_PROVIDER_URL: 'https://pay.example/api/', PAYMENT_VERIFY_CONCURRENCY: '8', PAYMENT_VERIFY_TIMEOUT_MS: '2500' }).payments;
  assert.equal(on.providerUrl, 'https://pay.example/api');
  assert.equal(on.concurrency, 8);
  assert.equal(on.itemTimeoutMs, 2_500);
  assert.throws(() => parseConfig({ PAYMENT_PROVIDER_URL: 'ftp://pay.example' }), /^ConfigError: PAYMENT_PROVIDER_URL: expected an http/);
  assert.throws(() => parseConfig({ PAYMENT_PROVIDER_URL: 'https://pay.example/?key=1' }), /PAYMENT_PROVIDER_URL/);
  assert.throws(() => parseConfig({ PAYMENT_VERIFY_CONCURRENCY: '0' }), /PAYMENT_VERIFY_CONCURRENCY: expected an integer from 1 to 1000/);
});

test('every boolean setting reads true/false, on/off, yes/no and 1/0 alike; HOST is loopback by default', () => {
  // Proves booleans read one way in every setting (AMANAH_CACHE took on/off, others true/false), and the default address.
  for (const [word, value] of [['true', true], ['ON', true], ['yes', true], ['1', true], ['false', false], ['off', false], ['No', false], ['0', false]] as const) {
    const config = parseConfig({ AMANAH_CACHE: word, AMANAH_SEED_DEMO: word, AMANAH_GROUP_COMMIT: word });
    assert.deepEqual([config.cache.enabled, config.seedDemoData, config.groupCommit.enabled], [value, value, value], word);
  }
  assert.equal(parseConfig({}).host, '127.0.0.1');
  assert.equal(parseConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0');
});

test('caching: on by default with a 60 s TTL and 64 MiB, AMANAH_CACHE=off, and a checked REDIS_URL', () => {
  // Proves the cache settings' defaults and validation; without REDIS_URL there is no second level.
  const defaults = parseConfig({}).cache;
  assert.deepEqual({ ...defaults }, { enabled: true, ttlSeconds: 60, bytesMax: 64 * 1024 * 1024, redisUrl: undefined, rateLimitRedisTimeoutMs: 250 });
  assert.ok(Object.isFrozen(defaults));
  assert.equal(parseConfig({ RATE_LIMIT_REDIS_TIMEOUT_MS: '10000' }).cache.rateLimitRedisTimeoutMs, 10_000);
  assert.throws(() => parseConfig({ RATE_LIMIT_REDIS_TIMEOUT_MS: '5' }), /RATE_LIMIT_REDIS_TIMEOUT_MS: expected an integer from 10 to 60000/);
  assert.equal(parseConfig({ AMANAH_CACHE: 'off' }).cache.enabled, false);
  assert.equal(parseConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).cache.redisUrl, 'redis://127.0.0.1:6379/2');
  assert.throws(() => parseConfig({ AMANAH_CACHE: 'maybe' }), /^ConfigError: AMANAH_CACHE: expected true or false/);
  assert.throws(() => parseConfig({ REDIS_URL: 'http://127.0.0.1:6379' }), /^ConfigError: REDIS_URL: expected redis:\/\//);
  assert.throws(() => parseConfig({ AMANAH_CACHE_TTL_SECONDS: '0' }), /AMANAH_CACHE_TTL_SECONDS: expected an integer from 1 to 86400/);
});
