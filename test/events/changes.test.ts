// The change feed: a committed change is heard at once in the writing process and through LISTEN/NOTIFY in
// every other; a rolled-back one is heard nowhere; a lost LISTEN connection is reported as "all changed".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ChangeFeed, type ChangeEvent } from '../../src/events/changes.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Database } from '../../src/db/database.ts';

/** Waits for the first event `predicate` accepts; rejects after `deadlineMs` so a missing event fails the test. */
function nextEvent(feed: ChangeFeed, predicate: (event: ChangeEvent) => boolean, deadlineMs = 10_000): Promise<ChangeEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { unsubscribe(); reject(new Error('no event arrived')); }, deadlineMs);
    const unsubscribe = feed.subscribe((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

describe('change feed', () => {
  let target: TestDatabase;
  before(async () => { target = await createTestDatabase(); });
  after(async () => { await target.drop(); });

  test('the writer hears its committed change at once, and a rolled-back change is never heard', async () => {
    // Proves emitLocal runs after commit only.
    const feed = new ChangeFeed();
    const heard: ChangeEvent[] = [];
    feed.subscribe((event) => heard.push(event));
    await feed.transaction(target.database, async (_tx, changes) => { changes.campaign(7n).donation(9n); });
    assert.deepEqual(heard.map((event) => [event.campaignIds, event.donationIds]), [[['7'], ['9']]]);
    await assert.rejects(feed.transaction(target.database, async (_tx, changes) => { changes.campaign(8n); throw new Error('roll back'); }));
    assert.equal(heard.length, 1);
  });

  test('another process on the same PostgreSQL hears the change, and a lost LISTEN connection reads as all changed', async (context) => {
    // Proves delivery through NOTIFY and the gap signal after a reconnect (PostgreSQL: PGlite is one process).
    if (!target.url) { context.skip('needs PostgreSQL: a PGlite database belongs to one process'); return; }
    const other: Database = await openPostgres(target.url, target.config.database);
    const listener = new ChangeFeed();
    try {
      await listener.start(other);
      const writer = new ChangeFeed();
      const heard = nextEvent(listener, (event) => Array.isArray(event.campaignIds) && event.campaignIds.includes('42'));
      await writer.transaction(target.database, async (_tx, changes) => { changes.campaign(42n); });
      assert.equal((await heard).origin, writer.origin);
      const gap = nextEvent(listener, (event) => event.campaignIds === 'all');
      await target.database.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'amanah-listen' and datname = current_database()");
      assert.equal((await gap).donationIds, 'all');
      const again = nextEvent(listener, (event) => Array.isArray(event.campaignIds) && event.campaignIds.includes('43'));
      await writer.transaction(target.database, async (_tx, changes) => { changes.campaign(43n); });
      await again;
    } finally {
      await listener.stop();
      await other.close();
    }
  });
});
