// A fresh, migrated database for each test file, on the engine the run asks for: PostgreSQL when
// DATABASE_URL is a postgres:// URL (a new database cloned from a migrated template), else in-memory PGlite
// (loaded from a migrated data-directory dump cached in the temp folder, since a cold PGlite start plus
// migrations costs seconds).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { migrate, migrationsFingerprint } from '../../src/db/migrate.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { openPostgres } from '../../src/db/postgres.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/**
 * The configuration tests run with: the caller's environment, quiet logs, a known admin token. Shedding on
 * event-loop delay is off: PGlite runs its queries on the test's own thread, and a test that shed its own
 * requests because a neighbouring query held the loop would fail by timing. test/observer sets thresholds of its own.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({
    ...process.env, LOG_LEVEL: 'silent', AMANAH_ADMIN_TOKEN: TEST_ADMIN_TOKEN, AMANAH_SEED_DEMO: 'false',
    // The receipt issuer's timer is off: a test that counts statements must not count its rounds; the receipt
    // tests drive the issuer themselves (test/receipts).
    AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0', RECEIPT_ISSUE_INTERVAL_MS: '0', ...overrides,
  });
}

export interface TestDatabase {
  database: Database;
  /** The URL of this test's own database (PostgreSQL only), for child processes. */
  url: string | undefined;
  config: Config;
  drop(): Promise<void>;
}

let databaseSerial = 0;

async function postgresTestDatabase(config: Config, serverUrl: string, overrides: Record<string, string>): Promise<TestDatabase> {
  const fingerprint = migrationsFingerprint();
  const template = `amanah_template_${fingerprint}`;
  const name = `amanah_test_${process.pid}_${Date.now()}_${databaseSerial++}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // Test files run in parallel processes: one builds the template while the others wait on the lock.
    await admin.query('select pg_advisory_lock(727002)');
    const { rows } = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (rows.length === 0) {
      await admin.query(`create database ${template}`);
      const templateDatabase = await openPostgres(withDatabase(serverUrl, template), config.database);
      await migrate(templateDatabase);
      await templateDatabase.close();
    }
    await admin.query(`create database ${name} template ${template}`);
    await admin.query('select pg_advisory_unlock(727002)');
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  const database = await openPostgres(url, config.database);
  return {
    // The caller's overrides hold for this database too; only its URL is this test's own.
    database, url, config: testConfig({ ...overrides, DATABASE_URL: url }),
    async drop() {
      await database.close();
      const cleaner = new pg.Client({ connectionString: serverUrl });
      await cleaner.connect();
      await cleaner.query(`drop database if exists ${name} with (force)`);
      await cleaner.end();
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function pgliteTestDatabase(config: Config): Promise<TestDatabase> {
  const dumpPath = join(tmpdir(), `amanah-pglite-${migrationsFingerprint()}.tar.gz`);
  if (!existsSync(dumpPath)) {
    const fresh = await openPglite(undefined);
    await migrate(fresh);
    const dump = await fresh.client.dumpDataDir('gzip');
    await fresh.close();
    const partial = `${dumpPath}.${process.pid}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, dumpPath);
  }
  const database = await openPglite(undefined, new Blob([readFileSync(dumpPath)]));
  return { database, url: undefined, config, drop: () => database.close() };
}

export async function createTestDatabase(overrides: Record<string, string> = {}): Promise<TestDatabase> {
  const config = testConfig(overrides);
  const url = config.database.url;
  if (url !== undefined && url.startsWith('postgres')) return postgresTestDatabase(config, url, overrides);
  return pgliteTestDatabase(testConfig({ ...overrides, DATABASE_URL: 'memory://' }));
}

/** Wraps a database so a test can count the statements a piece of work sends. */
export function countingDatabase(inner: Database): Database & { statements: number } {
  const counter = {
    statements: 0,
    engine: inner.engine,
    query(text: string, params?: readonly unknown[]) { counter.statements += 1; return inner.query(text, params); },
    transaction<T>(work: Parameters<Database['transaction']>[0]) {
      return inner.transaction((tx) => work({
        query: (text, params) => { counter.statements += 1; return tx.query(text, params); },
        execute: (script) => { counter.statements += 1; return tx.execute(script); },
      })) as Promise<T>;
    },
    execute(script: string) { counter.statements += 1; return inner.execute(script); },
    listen: inner.listen.bind(inner),
    poolStats: inner.poolStats.bind(inner),
    close: inner.close.bind(inner),
  };
  return counter as Database & { statements: number };
}
