// `amanah verify-payments` as a user runs it: a child process against the engine the run selects and a real
// provider on loopback, printing the counts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ADMIN_TOKEN, testConfig } from '../helpers/database.ts';
import { createCliTarget, type CliResult, type CliTarget } from '../helpers/cli-target.ts';
import { buildApp } from '../../src/http/app.ts';
import type { Database } from '../../src/db/database.ts';
import { startProviderServer, type ProviderServer } from './provider-server.ts';

let provider: ProviderServer;
let target: CliTarget;

before(async () => {
  provider = await startProviderServer();
  target = await createCliTarget('verify-cli');
});
after(async () => {
  await provider.close();
  await target.close();
});

/** Runs the CLI asynchronously: the provider server lives in this process and must keep answering. */
function run(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return target.run(args, { env: extra });
}

function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  return target.withDatabase(work);
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
