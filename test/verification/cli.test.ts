// `amanah verify-payments` as a user runs it: a child process against the engine the run selects and a real
// provider on loopback, printing the counts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TEST_ADMIN_TOKEN, testConfig, type TestDatabase } from '../helpers/database.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { migrate } from '../../src/db/migrate.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Database } from '../../src/db/database.ts';
import { startProviderServer, type ProviderServer } from './provider-server.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

let provider: ProviderServer;
let target: TestDatabase | undefined;
let dataDirectory: string | undefined;
let env: Record<string, string>;

before(async () => {
  provider = await startProviderServer();
  const probe = await createTestDatabase();
  if (probe.url) {
    target = probe;
    env = { DATABASE_URL: probe.url };
  } else {
    // PGlite in a data folder belongs to one process at a time: the CLI gets the folder while it runs.
    await probe.drop();
    dataDirectory = mkdtempSync(join(tmpdir(), 'amanah-verify-cli-'));
    env = { AMANAH_DATA_DIR: dataDirectory };
  }
});
after(async () => {
  await provider.close();
  await target?.drop();
  if (dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
});

/** Runs the CLI asynchronously: the provider server lives in this process and must keep answering. */
function run(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const environment: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', ...env, ...extra };
  if (!env.DATABASE_URL) delete environment.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: environment });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  if (target) return work(target.database);
  const database = await openPglite(dataDirectory);
  try {
    await migrate(database);
    return await work(database);
  } finally {
    await database.close();
  }
}

async function seedDonations(references: Record<string, string>): Promise<void> {
  await withDatabase(async (database) => {
    const app = await buildApp({ config: testConfig(), database });
    try {
      const campaign = await app.inject({
        method: 'POST', url: '/api/campaigns', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
        payload: { slug: `cli-verify-${process.pid}`, name: 'CLI verify', fund: 'infaq', currency: 'USD', status: 'active' },
      });
      assert.equal(campaign.statusCode, 201, campaign.body);
      for (const [key, reference] of Object.entries(references)) {
        const response = await app.inject({
          method: 'POST', url: '/api/donations', headers: { 'idempotency-key': `cli-${reference}` },
          payload: { campaign_id: campaign.json().id, amount: '25.00', currency: 'USD', external_ref: reference, donor_name: key },
        });
        assert.equal(response.statusCode, 201, response.body);
      }
    } finally {
      await app.close();
    }
  });
}

test('verify-payments answers --help and refuses to run without a provider', async () => {
  // Proves the command's surface: help, and a clear message when PAYMENT_PROVIDER_URL is missing.
  const help = await run(['verify-payments', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^amanah verify-payments/);
  const missing = await run(['verify-payments'], { PAYMENT_PROVIDER_URL: '' });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /set PAYMENT_PROVIDER_URL/);
});

test('verify-payments runs once and prints the counts', async () => {
  // Proves one pass from the command line: a paid donation approved, a failed one rejected, then nothing left.
  const references = { paid: `cli-paid-${process.pid}`, failed: `cli-failed-${process.pid}` };
  provider.behaviours.set(references.paid, { kind: 'paid', amount: '25', currency: 'USD' });
  provider.behaviours.set(references.failed, { kind: 'failed' });
  await seedDonations(references);

  const first = await run(['verify-payments'], { PAYMENT_PROVIDER_URL: provider.url });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^verified 1, failed 1, pending 0, timed out 0, errored 0, superseded 0 \(claimed 2, released 0\) in \d+\.\d s\n$/);
  const second = await run(['verify-payments', '--json'], { PAYMENT_PROVIDER_URL: provider.url });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(JSON.parse(second.stdout).claimed, 0);
  assert.equal(provider.requests.get(references.paid), 1);
  assert.equal(provider.requests.get(references.failed), 1);
});
