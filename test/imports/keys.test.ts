// Proves that import keys survive a reordered or extended file: without a key column, reordering, prepending or
// appending rows never duplicates a donation, a row that truly appears twice is imported twice, and rows
// imported under the old position keys (before migration 0009) are still recognised after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import type { Database } from '../../src/db/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findCampaign, findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { checkImport, runImport, startRun, type ImportRequest, type ImportSummary } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';
import { readRecords } from '../../src/imports/parse.ts';
import { legacyPositionKey, OccurrenceCounter, recordSha256Hex } from '../../src/imports/keys.ts';
import { migrate } from '../../src/db/migrate.ts';
import { ChangeFeed } from '../../src/events/changes.ts';

let testDatabase: TestDatabase;
let database: Database;
let serial = 0;
const feed = new ChangeFeed();

before(async () => {
  testDatabase = await createTestDatabase();
  database = testDatabase.database;
});
after(() => testDatabase.drop());

async function campaign(): Promise<string> {
  const slug = `keys-test-${serial++}`;
  await createCampaign(database, feed, { slug, name: slug, fund: 'general', currency: 'USD', status: 'active' });
  return slug;
}

async function importText(slug: string, text: string, batchRows = 5_000): Promise<ImportSummary> {
  const request: ImportRequest = {
    campaign: slug, currency: 'USD', map: parseMapSpec(''), status: 'approved', keyColumn: undefined, format: 'csv',
    batchRows, actor: 'test', sourceName: 'day.csv', bytesTotal: null, writeMethod: 'copy', writers: 2, options: {},
  };
  const checked = await checkImport(database, request);
  return runImport(database, [Buffer.from(text)], checked, await startRun(database, checked), { feed });
}

async function raised(slug: string): Promise<{ raised: bigint; count: bigint }> {
  const row = (await findCampaign(database, slug))!;
  return { raised: row.raised_minor, count: row.donation_count };
}

const csv = (...rows: string[]) => `donor_name,amount\n${rows.join('\n')}\n`;

test('the issue\'s case: day 2\'s export, newest first, adds only the new row', async () => {
  const slug = await campaign();
  assert.equal((await importText(slug, csv('Ali,10', 'Budi,20'))).imported, 2);
  const second = await importText(slug, csv('New,5', 'Ali,10', 'Budi,20'));
  assert.equal(second.imported, 1);
  assert.equal(second.duplicates, 2);
  assert.deepEqual(await raised(slug), { raised: 3500n, count: 3n });
});

test('reordered, prepended and appended files never duplicate; a row that appears twice is two donations', async () => {
  const slug = await campaign();
  assert.equal((await importText(slug, csv('A,1', 'B,2', 'A,1', 'C,3'))).imported, 4);
  // Reversed, with one new row at the top and one at the bottom; batches of 2 so that repeats span batches.
  const grown = await importText(slug, csv('Top,7', 'C,3', 'A,1', 'B,2', 'A,1', 'Bottom,9'), 2);
  assert.equal(grown.imported, 2);
  assert.equal(grown.duplicates, 4);
  // A third copy of A is a third donation; the same file again adds nothing.
  const third = csv('A,1', 'A,1', 'A,1');
  assert.equal((await importText(slug, third)).imported, 1);
  assert.equal((await importText(slug, third)).imported, 0);
  assert.deepEqual(await raised(slug), { raised: 2400n, count: 7n });
  assert.deepEqual(await findTotalsMismatches(database), []);
});

test('rows imported with the old position keys are recognised after migration 0009, whatever the new order', async () => {
  const slug = await campaign();
  const dayOne = csv('Ali,10', 'Budi,20', 'Ali,10');
  assert.equal((await importText(slug, dayOne)).imported, 3);
  // Put the database back as an amanah before 0009 left it: the same rows under position keys, 0009 not applied.
  const { id } = (await findCampaign(database, slug))!;
  const counter = new OccurrenceCounter();
  let ordinal = 0;
  for await (const records of readRecords([Buffer.from(dayOne)], 'csv', { bytesRead: 0 })) {
    for (const record of records.slice(ordinal === 0 ? 1 : 0)) {
      ordinal += 1;
      const sha = recordSha256Hex(record);
      const digest = Buffer.from(sha.slice(0, 32), 'hex').toString('base64url');
      const current = `import:${id}:row:${digest}:${counter.next(sha)}`;
      const { rowCount } = await database.query('update donations set idempotency_key = $1 where idempotency_key = $2', [legacyPositionKey(id, ordinal, sha), current]);
      assert.equal(rowCount, 1, current);
    }
  }
  await database.query('delete from schema_migrations where version = 9');
  assert.deepEqual(await migrate(database), ['0009_import_keys_by_content.sql']);
  const { rows } = await database.query<{ idempotency_key: string }>('select idempotency_key from donations where campaign_id = $1 order by id', [id]);
  assert.ok(rows.every((row) => /^import:[0-9]+:row:[A-Za-z0-9_-]{22}:[12]$/.test(row.idempotency_key)), JSON.stringify(rows));
  const dayTwo = await importText(slug, csv('New,5', 'Ali,10', 'Budi,20', 'Ali,10'));
  assert.equal(dayTwo.imported, 1);
  assert.equal(dayTwo.duplicates, 3);
  assert.deepEqual(await raised(slug), { raised: 4500n, count: 4n });
});

test('the occurrence counter counts each content apart, through table growth', () => {
  // Proves the counter itself on more distinct rows than its first table holds (65,536 slots).
  const counter = new OccurrenceCounter();
  const sha = (index: number) => recordSha256Hex({ line: 0, raw: String(index), cells: [String(index)], object: undefined, malformed: undefined });
  for (let index = 0; index < 200_000; index += 1) assert.equal(counter.next(sha(index)), 1);
  for (let index = 0; index < 200_000; index += 7919) assert.equal(counter.next(sha(index)), 2);
  assert.equal(counter.next(sha(0)), 3);
});
