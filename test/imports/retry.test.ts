// Proves that an import batch whose COMMIT lost its answer is settled by asking the database (txid_status):
// one that committed is not written again, one that did not is, and any other error is not retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { DatabaseUnavailableError } from '../../src/db/availability.ts';
import { importRetryLimits, writeRetrying, type CommitProbe } from '../../src/imports/retry.ts';
import type { Database } from '../../src/db/database.ts';

const limits = { ...importRetryLimits(2_000), delayMsMin: 1, delayMsMax: 5 };
const lost = () => new DatabaseUnavailableError(new Error('Connection terminated unexpectedly'));

/** One real transaction that inserts a row, records its txid, and then either commits or rolls back. */
async function transactionThatLosesItsAnswer(database: Database, probe: CommitProbe, commit: boolean): Promise<never> {
  await database.transaction(async (tx) => {
    probe.txid = (await tx.query<{ txid: string }>('select txid_current()::text as txid')).rows[0]!.txid;
    await tx.query("insert into retry_probe (note) values ('written')");
    probe.sendingCommit(1);
    if (!commit) throw new Error('rolled back');
  }).catch(() => {});
  throw lost();
}

test('a batch whose COMMIT lost its answer is written once, whether or not it committed', async () => {
  const { database, drop } = await createTestDatabase();
  try {
    await database.execute('create table retry_probe (id int generated always as identity, note text)');
    let attempts = 0;
    const committedOnce = await writeRetrying(database, limits, async (probe) => {
      attempts += 1;
      return transactionThatLosesItsAnswer(database, probe, true);
    });
    assert.deepEqual({ committedOnce, attempts }, { committedOnce: 1, attempts: 1 }, 'committed: settled by txid_status, not written again');

    attempts = 0;
    const afterAbort = await writeRetrying(database, limits, async (probe) => {
      attempts += 1;
      if (attempts === 1) return transactionThatLosesItsAnswer(database, probe, false);
      await database.query("insert into retry_probe (note) values ('written')");
      return 1;
    });
    assert.deepEqual({ afterAbort, attempts }, { afterAbort: 1, attempts: 2 }, 'rolled back: written again');
    const { rows } = await database.query<{ count: bigint }>('select count(*) as count from retry_probe');
    assert.equal(rows[0]!.count, 2n, 'two batches, two rows');

    attempts = 0;
    await assert.rejects(writeRetrying(database, limits, async () => { attempts += 1; throw new Error('a bug'); }), /a bug/);
    assert.equal(attempts, 1, 'an error that is not a lost connection is not retried');
    await assert.rejects(writeRetrying(database, { ...limits, waitMsMax: 100 }, async () => { attempts += 1; throw lost(); }), (error) => error instanceof DatabaseUnavailableError);
    assert.ok(attempts > 2, 'a database that stays away is retried until the wait runs out, then the error stands');
  } finally {
    await drop();
  }
});
