// The campaign cache on a real database: single-flight loads, entry and byte bounds, TTL with
// stale-while-revalidate, invalidation (also of a load in flight), and the list in one query per page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CampaignCache, type CampaignCacheOptions } from '../../src/cache/campaign-cache.ts';
import type { Database } from '../../src/db/database.ts';
import type { ChangeEvent } from '../../src/events/changes.ts';
import { countingDatabase, createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const MINUTE_MS = 60_000;
const POLL_ATTEMPTS_MAX = 200;
const POLL_INTERVAL_MS = 5;

function changed(...campaignIds: string[]): ChangeEvent {
  return { campaignIds, donationIds: [], origin: 'test' };
}

async function insertCampaigns(database: Database, count: number, prefix: string): Promise<string[]> {
  const { rows } = await database.query<{ id: bigint }>(
    `insert into campaigns (slug, name, fund, currency, status)
     select $1 || '-' || n, 'Campaign ' || n, 'sadaqah', 'IDR', 'active' from generate_series(1, $2::int) as n
     returning id`, [prefix, count]);
  return rows.map((row) => String(row.id));
}

describe('campaign cache', () => {
  let testDatabase: TestDatabase;
  let ids: string[];
  before(async () => {
    testDatabase = await createTestDatabase();
    ids = await insertCampaigns(testDatabase.database, 5, 'five');
  });
  after(async () => { await testDatabase.drop(); });

  const cacheOn = (database: Database, options: Partial<CampaignCacheOptions> = {}) =>
    new CampaignCache(database, { enabled: true, ttlMs: MINUTE_MS, bytesMax: 64 * 1024 * 1024, ...options });

  test('a thousand concurrent misses on one id make one query', async () => {
    // Proves single flight: every concurrent reader shares the one load, and the next read is a hit.
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting);
    const rows = await Promise.all(Array.from({ length: 1_000 }, () => cache.get(ids[0]!)));
    assert.equal(counting.statements, 1);
    assert.ok(rows.every((row) => row !== undefined && row === rows[0]));
    assert.equal(String(rows[0]!.id), ids[0]);
    assert.equal((await cache.get(ids[0]!))?.slug, 'five-1');
    assert.equal(counting.statements, 1);
    const [campaigns] = cache.stats();
    assert.equal(campaigns!.misses, 1_000);
    assert.equal(campaigns!.loads, 1);
    assert.equal(campaigns!.hits, 1);
  });

  test('a thousand concurrent misses on one slug make one query, and the id is then a hit', async () => {
    // Proves the slug path is single-flight too and seeds the row cache under the campaign's id.
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting);
    const rows = await Promise.all(Array.from({ length: 1_000 }, () => cache.get('five-2')));
    assert.equal(counting.statements, 1);
    assert.ok(rows.every((row) => row?.slug === 'five-2'));
    assert.equal(cache.cached(ids[1]!)?.slug, 'five-2');
    assert.equal(cache.cached('five-2')?.slug, 'five-2');
    assert.equal(counting.statements, 1);
  });

  test('an unknown campaign is one query for concurrent readers and is not cached', async () => {
    // Proves misses for a missing key coalesce but leave nothing behind (a campaign created later is found).
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting);
    const rows = await Promise.all(Array.from({ length: 100 }, () => cache.get('no-such-campaign')));
    assert.ok(rows.every((row) => row === undefined));
    assert.equal(counting.statements, 1);
    assert.equal(await cache.get('no-such-campaign'), undefined);
    assert.equal(counting.statements, 2);
  });

  test('the cache holds no more entries and bytes than its bounds, evicting the least recently used', async () => {
    // Proves both bounds: 3 entries at most, and a byte budget that fits about two rows.
    const byEntries = cacheOn(testDatabase.database, { entriesMax: 3 });
    for (const id of ids) await byEntries.get(id);
    const [entries] = byEntries.stats();
    assert.equal(entries!.entries, 3);
    assert.equal(entries!.evictions, 2);
    assert.equal(byEntries.cached(ids[0]!), undefined, 'the oldest went first');
    assert.equal(byEntries.cached(ids[4]!)?.slug, 'five-5');
    const byBytes = cacheOn(testDatabase.database, { bytesMax: 2 * 2 * 700 });
    for (const id of ids) await byBytes.get(id);
    const [bytes] = byBytes.stats();
    assert.ok(bytes!.bytes <= bytes!.bytesMax, `${bytes!.bytes} <= ${bytes!.bytesMax}`);
    assert.ok(bytes!.entries < ids.length);
    assert.ok(bytes!.evictions >= ids.length - bytes!.entries);
  });

  test('past its TTL an entry is served stale once while it reloads, then fresh', async () => {
    // Proves the TTL backstop with stale-while-revalidate, on a clock moved by hand (no sleeping on timers).
    let now = 1_000_000;
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting, { ttlMs: 1_000, clock: { now: () => now } });
    assert.equal((await cache.get(ids[2]!))?.name, 'Campaign 3');
    await testDatabase.database.query("update campaigns set name = 'Renamed without a notification' where id = $1", [ids[2]]);
    now += 999;
    assert.equal((await cache.get(ids[2]!))?.name, 'Campaign 3', 'fresh until the TTL');
    assert.equal(counting.statements, 1);
    now += 2;
    assert.equal((await cache.get(ids[2]!))?.name, 'Campaign 3', 'stale while it revalidates');
    let name: string | undefined;
    for (let attempt = 0; attempt < POLL_ATTEMPTS_MAX && name !== 'Renamed without a notification'; attempt += 1) {
      await sleep(POLL_INTERVAL_MS);
      name = cache.cached(ids[2]!)?.name;
    }
    assert.equal(name, 'Renamed without a notification');
    assert.equal(counting.statements, 2);
  });

  test('an invalidation drops the campaign under its id and its slug, and every list page', async () => {
    // Proves invalidation by id reaches a row read by slug, and that lists reload after any campaign change.
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting);
    assert.equal((await cache.get('five-4'))?.name, 'Campaign 4');
    assert.equal((await cache.list({ limit: 10 })).find((row) => row.slug === 'five-4')?.name, 'Campaign 4');
    const before_ = counting.statements;
    await testDatabase.database.query("update campaigns set name = 'Four, renamed' where id = $1", [ids[3]]);
    assert.equal((await cache.get('five-4'))?.name, 'Campaign 4', 'no invalidation yet: the cached row');
    assert.equal(counting.statements, before_);
    cache.invalidate(changed(ids[3]!));
    assert.equal((await cache.get('five-4'))?.name, 'Four, renamed');
    assert.equal((await cache.list({ limit: 10 })).find((row) => row.slug === 'five-4')?.name, 'Four, renamed');
    cache.invalidate({ campaignIds: [], donationIds: ['1'], origin: 'test' });
    assert.equal(cache.cached('five-4')?.name, 'Four, renamed', 'a donation-only change drops nothing');
  });

  test('a load that read the row before a change and finishes after its invalidation is not kept', async () => {
    // Proves the race: the in-flight load is aborted by the invalidation, so readers get the committed row.
    let release: () => void = () => {};
    let gate: Promise<void> | undefined;
    const inner = testDatabase.database;
    const gated: Database = {
      ...inner,
      engine: inner.engine,
      query: async (text, params) => {
        const result = await inner.query(text, params);
        if (gate !== undefined) await gate;
        return result as never;
      },
    };
    const cache = cacheOn(gated);
    gate = new Promise((resolve) => { release = resolve; });
    const reading = cache.get(ids[4]!);
    await sleep(POLL_INTERVAL_MS * 4);
    await inner.query("update campaigns set name = 'Five, renamed mid-load' where id = $1", [ids[4]]);
    cache.invalidate(changed(ids[4]!));
    gate = undefined;
    release();
    assert.equal((await reading)?.name, 'Five, renamed mid-load');
    assert.equal(cache.cached(ids[4]!)?.name, 'Five, renamed mid-load');
  });

  test('caching off reads the database every time', async () => {
    // Proves AMANAH_CACHE=off: no entries, one query per read.
    const counting = countingDatabase(testDatabase.database);
    const cache = new CampaignCache(counting, { enabled: false, ttlMs: MINUTE_MS, bytesMax: 1024 * 1024 });
    await cache.get(ids[0]!);
    await cache.get(ids[0]!);
    await cache.list({ limit: 5 });
    assert.equal(counting.statements, 3);
    assert.equal(cache.cached(ids[0]!), undefined);
  });

  test('a page of 1,000 campaigns with their totals is one query, and then none', async () => {
    // Proves the list costs one statement per page whatever its length, and a cached page costs nothing.
    await insertCampaigns(testDatabase.database, 1_000, 'thousand');
    const counting = countingDatabase(testDatabase.database);
    const cache = cacheOn(counting);
    const page = await cache.list({ limit: 1_000 });
    assert.equal(page.length, 1_000);
    assert.equal(counting.statements, 1);
    assert.equal((await cache.list({ limit: 1_000 })).length, 1_000);
    assert.equal(counting.statements, 1);
  });
});
