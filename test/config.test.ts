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
