// Proves that `amanah import` outlives PostgreSQL restarting mid-import (it retries the batch and finishes with
// every row exactly once), and that an outage longer than its wait ends it with exit 1 and one line saying that
// rerunning resumes, after which the same command finishes the job, again with every row exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivatePostgres } from './private-postgres.ts';
import { runCli } from './serve.ts';

/** Rows in the file: enough batches that the restart lands mid-import, few enough to take seconds. */
const ROWS = 120_000;
const BATCH_ROWS = '2000';

function writeCsv(path: string): bigint {
  let total = 0n;
  const lines = ['amount,donor_name'];
  for (let index = 0; index < ROWS; index += 1) {
    const cents = 100 + (index % 9_900);
    total += BigInt(cents);
    lines.push(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},Donor ${index}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return total;
}

/** Resolves with the rows written so far, once there are some: the moment to take the database away. */
async function waitForImported(cluster: PrivatePostgres, campaignId: string): Promise<number> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const [row] = await cluster.query<{ count: string }>('select count(*)::text as count from donations where campaign_id = $1', [campaignId]).catch(() => [{ count: '0' }]);
    if (Number(row!.count) > 0) return Number(row!.count);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the import wrote nothing');
}

async function assertEveryRowOnce(cluster: PrivatePostgres, campaignId: string, totalMinor: bigint): Promise<void> {
  const [row] = await cluster.query<{ count: string; sum: string; keys: string; raised: string }>(
    `select count(*)::text as count, coalesce(sum(amount_minor), 0)::text as sum, count(distinct idempotency_key)::text as keys,
            (select raised_minor::text from campaigns where id = $1) as raised
       from donations where campaign_id = $1`, [campaignId]);
  assert.deepEqual(row, { count: String(ROWS), sum: String(totalMinor), keys: String(ROWS), raised: String(totalMinor) });
}

test('import survives a restart mid-import, and after a longer outage exits 1 and resumes on rerun, exactly once', { timeout: 240_000 }, async () => {
  const cluster = await PrivatePostgres.start();
  const scratch = mkdtempSync(join(tmpdir(), 'amanah-import-outage-'));
  try {
    const file = join(scratch, 'donations.csv');
    const totalMinor = writeCsv(file);
    assert.equal((await runCli(cluster.url, ['migrate'])).code, 0);
    const [restarted, stopped] = await cluster.query<{ id: string }>(
      "insert into campaigns (slug, name, fund, currency, status) values ('restarted', 'Restarted', 'sadaqah', 'USD', 'active'), ('stopped', 'Stopped', 'sadaqah', 'USD', 'active') returning id::text");
    const args = (slug: string) => ['import', file, '--campaign', slug, '--currency', 'USD', '--batch-rows', BATCH_ROWS, '--progress', 'json'];

    // A restart mid-import: the batches that met it are written again, once.
    const importing = runCli(cluster.url, args('restarted'));
    assert.ok(await waitForImported(cluster, restarted!.id) < ROWS, 'the restart comes mid-import');
    await cluster.restart('immediate');
    const first = await importing;
    assert.equal(first.code, 0, first.output.slice(-2000));
    await assertEveryRowOnce(cluster, restarted!.id, totalMinor);

    // An outage longer than the import waits (1.5 s here, 60 s by default): exit 1, one line, then a rerun.
    const giving = runCli(cluster.url, args('stopped'), { DATABASE_RETRY_WAIT_MS: '1500' });
    assert.ok(await waitForImported(cluster, stopped!.id) < ROWS, 'the stop comes mid-import');
    await cluster.stopServer('fast');
    const gaveUp = await giving;
    await cluster.startServer();
    assert.equal(gaveUp.code, 1, gaveUp.output.slice(-2000));
    const last = gaveUp.output.trim().split('\n').at(-1)!;
    assert.match(last, /^amanah import: the database could not be reached for 2 s \(.+\); every batch committed so far is kept: run the same command again to resume$/);
    const rerun = await runCli(cluster.url, args('stopped'));
    assert.equal(rerun.code, 0, rerun.output.slice(-2000));
    await assertEveryRowOnce(cluster, stopped!.id, totalMinor);
    const verify = await runCli(cluster.url, ['verify']);
    assert.equal(verify.code, 0, verify.output);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await cluster.destroy();
  }
});
