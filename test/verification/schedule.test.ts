// Scheduled verification: on PostgreSQL a graphile-worker job shared by every process, on PGlite an in-process
// timer, and the server starting and stopping it when PAYMENT_PROVIDER_URL is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, testConfig } from '../helpers/database.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Database } from '../../src/db/database.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { startVerificationSchedule, VERIFY_JOB_KEY, type ScheduleLogger } from '../../src/verification/schedule.ts';
import { startServer } from '../../src/server.ts';
import { startProviderServer, type ProviderServer } from './provider-server.ts';

/** Waiting for a schedule is bounded: past this the test fails rather than hangs. */
const WAIT_MS_MAX = 30_000;

let provider: ProviderServer;
before(async () => { provider = await startProviderServer(); });
after(async () => { await provider.close(); });

const quiet: ScheduleLogger = { info() {}, warn() {}, debug() {}, error(object, message) { console.error(message, object); } };

let referenceSerial = 0;
const reference = (label: string) => `${label}-${process.pid}-${referenceSerial++}`;

async function paidDonations(test: TestApp, count: number): Promise<string[]> {
  const campaign = await createCampaign(test, { slug: `scheduled-${process.pid}-${referenceSerial}`, currency: 'IDR' });
  const refs: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const ref = reference('scheduled');
    provider.behaviours.set(ref, { kind: 'slow', delayMs: 5, amount: '1000', currency: 'IDR' });
    const response = await donate(test, { campaign_id: campaign.id, amount: '1000', currency: 'IDR', external_ref: ref });
    assert.equal(response.statusCode, 201, response.body);
    refs.push(ref);
  }
  return refs;
}

async function pendingCount(database: Database): Promise<bigint> {
  const { rows } = await database.query<{ count: bigint }>("select count(*) as count from donations where status = 'pending'");
  return rows[0]!.count;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS_MAX;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${WAIT_MS_MAX} ms`);
    await sleep(50);
  }
}

test('on PostgreSQL, two processes on one graphile-worker schedule verify each donation once', async (context) => {
  // Proves the queue: graphile-worker migrates its own schema, one keyed job serves both processes, the claims
  // keep any overlap apart, and after the run exactly one next run is scheduled.
  const test = await createTestApp();
  if (test.database.engine !== 'postgres') {
    await test.close();
    context.skip('graphile-worker needs a pool of real PostgreSQL connections; PGlite uses the interval timer (next test)');
    return;
  }
  const config = testConfig({ DATABASE_URL: test.testDatabase.url!, PAYMENT_PROVIDER_URL: provider.url, PAYMENT_VERIFY_CONCURRENCY: '4' });
  const other = await openPostgres(test.testDatabase.url!, config.database);
  try {
    const refs = await paidDonations(test, 40);
    const schedules = await Promise.all([test.database, other].map((database) =>
      startVerificationSchedule({ config, database, changes: new ChangeFeed(), log: quiet })));
    try {
      assert.deepEqual(schedules.map((schedule) => schedule.kind), ['graphile-worker', 'graphile-worker']);
      await until(async () => (await pendingCount(test.database)) === 0n);
    } finally {
      await Promise.all(schedules.map((schedule) => schedule.stop()));
    }
    for (const ref of refs) assert.equal(provider.requests.get(ref), 1, ref);
    assert.deepEqual(await findTotalsMismatches(test.database), []);
    const { rows: jobs } = await test.database.query<{ key: string; due: boolean }>(
      `select j.key, j.run_at > now() as due from graphile_worker.jobs j where j.task_identifier = 'amanah_verify_payments'`);
    assert.deepEqual(jobs, [{ key: VERIFY_JOB_KEY, due: true }]);
  } finally {
    await other.close();
    await test.close();
  }
});

test('on PGlite, an in-process timer runs verification', async (context) => {
  // Proves the fallback where graphile-worker cannot run.
  const test = await createTestApp();
  if (test.database.engine !== 'pglite') {
    await test.close();
    context.skip('on PostgreSQL the schedule is the graphile-worker job (previous test)');
    return;
  }
  try {
    const refs = await paidDonations(test, 10);
    const config = testConfig({ DATABASE_URL: 'memory://', PAYMENT_PROVIDER_URL: provider.url });
    const schedule = await startVerificationSchedule({ config, database: test.database, changes: new ChangeFeed(), log: quiet });
    try {
      assert.equal(schedule.kind, 'timer');
      await until(async () => (await pendingCount(test.database)) === 0n);
    } finally {
      await schedule.stop();
    }
    for (const ref of refs) assert.equal(provider.requests.get(ref), 1, ref);
    assert.deepEqual(await findTotalsMismatches(test.database), []);
  } finally {
    await test.close();
  }
});

test('the server verifies payments on its schedule when PAYMENT_PROVIDER_URL is set, and stops cleanly', async () => {
  // Proves the wiring in src/server.ts end to end over real HTTP: a donation posted to the server is approved.
  const target = await createTestDatabase();
  const url = target.url;
  if (!url) await target.drop();
  const server = await startServer(testConfig({
    DATABASE_URL: url ?? 'memory://', PORT: '0', HOST: '127.0.0.1', PAYMENT_PROVIDER_URL: provider.url, PAYMENT_VERIFY_INTERVAL_MS: '1000',
  }));
  try {
    const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const campaign = await (await fetch(`${server.url}/api/campaigns`, {
      method: 'POST', headers: admin,
      body: JSON.stringify({ slug: `served-${process.pid}`, name: 'Served', fund: 'sadaqah', currency: 'IDR', status: 'active' }),
    })).json() as { id: string };
    const ref = reference('served');
    provider.behaviours.set(ref, { kind: 'paid', amount: '5000', currency: 'IDR' });
    const posted = await fetch(`${server.url}/api/donations`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `served-${ref}` },
      body: JSON.stringify({ campaign_id: campaign.id, amount: '5000', currency: 'IDR', external_ref: ref }),
    });
    assert.equal(posted.status, 201);
    const { id } = await posted.json() as { id: string };
    await until(async () => ((await (await fetch(`${server.url}/api/donations/${id}`)).json()) as { status: string }).status === 'approved');
    assert.equal(provider.requests.get(ref), 1);
  } finally {
    await server.stop();
    if (url) await target.drop();
  }
});
