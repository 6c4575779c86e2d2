// The import pipeline end to end on a real database: GDQ totals to the cent, exactly once, rejects, statuses,
// donors and campaign columns, with `amanah verify`'s recount passing after every import.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import type { Database } from '../../src/db/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findCampaign, findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { transitionDonation } from '../../src/donations/donations.ts';
import { checkImport, runImport, startRun, type ImportRequest, type ImportSummary } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';
import type { ByteSource } from '../../src/imports/parse.ts';
import { AMOUNT_MINOR_MAX, parseAmount } from '../../src/money/index.ts';
import { listRejects } from '../../src/imports/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { GDQ_DIRECTORY, gdqTextRejects } from '../helpers/gdq.ts';

const GDQ = GDQ_DIRECTORY.replace(/\/$/, '');
const GDQ_MAP = 'donor_name=donator,donated_at=date';

let testDatabase: TestDatabase;
let database: Database;
let serial = 0;
const feed = new ChangeFeed();

before(async () => {
  testDatabase = await createTestDatabase();
  database = testDatabase.database;
});
after(() => testDatabase.drop());

/** The README's exact figures for a GDQ file: rows and total in cents. */
function gdqReadme(file: string): { rows: bigint; cents: bigint } {
  const line = readFileSync(`${GDQ}/README.md`, 'utf8').split('\n').find((text) => text.startsWith(`| ${file} |`));
  const [, , rows, cents] = line!.split('|').map((cell) => cell.trim());
  return { rows: BigInt(rows!), cents: BigInt(cents!) };
}

async function campaign(currency = 'USD'): Promise<string> {
  const slug = `import-test-${serial++}`;
  await createCampaign(database, feed, { slug, name: slug, fund: 'general', currency, status: 'active' });
  return slug;
}

function request(overrides: Partial<ImportRequest>): ImportRequest {
  return {
    campaign: undefined, currency: 'USD', map: parseMapSpec(''), status: 'approved', keyColumn: undefined,
    format: 'csv', batchRows: 5_000, actor: 'test', sourceName: 'test.csv', bytesTotal: null, writeMethod: 'copy',
    writers: 2, options: {}, ...overrides,
  };
}

async function importSource(source: ByteSource, overrides: Partial<ImportRequest>): Promise<ImportSummary> {
  const checked = await checkImport(database, request(overrides));
  const run = await startRun(database, checked);
  return runImport(database, source, checked, run, { feed });
}

const importText = (text: string, overrides: Partial<ImportRequest>) => importSource([Buffer.from(text)], overrides);

async function totals(slug: string) {
  const row = (await findCampaign(database, slug))!;
  return { raised: row.raised_minor, donations: row.donation_count, donors: row.donor_count };
}

async function assertVerified(): Promise<void> {
  assert.deepEqual(await findTotalsMismatches(database), []);
}

test('GDQ files import with no preprocessing and end with the README total to the cent', async () => {
  // Proves the headline: the issue's command on real files, every total and count equal to the published figures,
  // less the rows whose donor name the text rules refuse (C1 controls from upstream mojibake), which are rejected.
  for (const file of ['cgdq_donations.csv', 'jrdq_donations.csv', 'agdq2017_donations.csv']) {
    const slug = await campaign();
    const path = `${GDQ}/${file}`;
    const summary = await importSource(createReadStream(path), { campaign: slug, map: parseMapSpec(GDQ_MAP), sourceName: file, bytesTotal: statSync(path).size });
    const readme = gdqReadme(file);
    const refused = gdqTextRejects(file);
    const expected = { rows: readme.rows - refused.rows, cents: readme.cents - refused.cents };
    assert.equal(BigInt(summary.imported), expected.rows, file);
    assert.equal(BigInt(summary.rejected), refused.rows, file);
    for (const reject of await listRejects(database, summary.importId, 0n, 100)) assert.match(reject.reason, /^donor_name: contains a control character/, file);
    assert.equal(summary.bytesRead, statSync(path).size, file);
    assert.deepEqual(await totals(slug), { raised: expected.cents, donations: expected.rows, donors: expected.rows }, file);
  }
  await assertVerified();
});

test('importing the same file again adds nothing and counts every row as a duplicate', async () => {
  // Proves exactly once across runs: same keys, no new donations, donors or totals.
  const slug = await campaign();
  const path = `${GDQ}/jrdq_donations.csv`;
  const options = { campaign: slug, map: parseMapSpec(GDQ_MAP), batchRows: 300 };
  const first = await importSource(createReadStream(path), options);
  const before = await totals(slug);
  const donorsBefore = (await database.query<{ count: bigint }>('select count(*) as count from donors')).rows[0]!.count;
  const second = await importSource(createReadStream(path), options);
  assert.equal(first.imported, 1192);
  assert.deepEqual([second.imported, second.duplicates, second.rejected, second.rowsRead], [0, 1192, 0, 1192]);
  assert.deepEqual(await totals(slug), before);
  assert.equal((await database.query<{ count: bigint }>('select count(*) as count from donors')).rows[0]!.count, donorsBefore);
  await assertVerified();
});

test('bad rows go to the rejects with their line and reason, and never stop the import', async () => {
  // Proves rejects: malformed CSV, bad amounts and dates are counted, stored with the run, and good rows around them land.
  const slug = await campaign();
  const text = 'donator,date,amount\n' +
    'Ann,2017-01-01T00:00:00Z,5.00\n' +
    'Bob,2017-01-01T00:00:00Z,abc\n' +
    '"Cy, Jr.",2017-01-01T00:00:00Z,"7.50"\n' +
    '"bad"x,2017-01-01T00:00:00Z,1\n' +
    'Dee,not-a-date,1\n' +
    '"Multi\nLine",2017-01-01T00:00:00Z,0\n' +
    'Eve,2017-01-01T00:00:00Z,2.25\n';
  const summary = await importText(text, { campaign: slug, map: parseMapSpec(GDQ_MAP), batchRows: 2 });
  assert.deepEqual([summary.imported, summary.rejected, summary.duplicates, summary.rowsRead], [3, 4, 0, 7]);
  assert.deepEqual(await totals(slug), { raised: 500n + 750n + 225n, donations: 3n, donors: 3n });
  const rejects = await listRejects(database, summary.importId, 0n, 100);
  assert.deepEqual(rejects.map((reject) => [Number(reject.line_number), reject.original_line]), [
    [3, 'Bob,2017-01-01T00:00:00Z,abc'], [5, '"bad"x,2017-01-01T00:00:00Z,1'], [6, 'Dee,not-a-date,1'],
    [7, '"Multi\nLine",2017-01-01T00:00:00Z,0'],
  ]);
  assert.match(rejects[0]!.reason, /^amount: /);
  // A name across two lines breaks the one-line text rule before its amount is looked at.
  assert.match(rejects[3]!.reason, /^donor_name: contains a control character \(U\+000A\)/);
  const run = (await database.query<{ imported: bigint; rejected: bigint; rows_read: bigint; status: string }>(
    'select imported, rejected, rows_read, status from imports where id = $1', [summary.importId])).rows[0]!;
  assert.deepEqual(run, { imported: 3n, rejected: 4n, rows_read: 7n, status: 'succeeded' });
  await assertVerified();
});

test('a value PostgreSQL cannot store is refused by validation and costs one row', async () => {
  // Proves a NUL in a JSON string (which PostgreSQL text cannot hold) is rejected alone, before any batch.
  const slug = await campaign();
  const lines = ['{"amount":"1.00","donor_name":"ok 1"}', '{"amount":"2.00","donor_name":"bad \\u0000 name"}', '{"amount":"3.00","donor_name":"ok 3"}', '{"amount":"4.00"}'];
  const summary = await importText(lines.join('\n'), { campaign: slug, format: 'ndjson', batchRows: 10 });
  assert.deepEqual([summary.imported, summary.rejected, summary.rowsRead], [3, 1, 4]);
  assert.deepEqual(await totals(slug), { raised: 800n, donations: 3n, donors: 3n });
  const [reject] = await listRejects(database, summary.importId, 0n, 10);
  assert.equal(Number(reject!.line_number), 2);
  assert.match(reject!.reason, /^donor_name: contains a control character \(U\+0000\)/);
  await assertVerified();
});

test('a row the database refuses is found by splitting its batch and rejected alone', async () => {
  // Proves the last line of defence: a total only PostgreSQL can see would overflow (bigint) costs its rows only.
  const slug = await campaign();
  await database.query('update campaigns set raised_minor = $1 where slug = $2', [AMOUNT_MINOR_MAX - 250n, slug]);
  const lines = ['{"amount":"1.00"}', '{"amount":"5.00"}', '{"amount":"0.50"}'];
  const summary = await importText(lines.join('\n'), { campaign: slug, format: 'ndjson', batchRows: 10 });
  assert.deepEqual([summary.imported, summary.rejected, summary.rowsRead], [2, 1, 3]);
  assert.deepEqual(await totals(slug), { raised: AMOUNT_MINOR_MAX - 100n, donations: 2n, donors: 2n });
  const [reject] = await listRejects(database, summary.importId, 0n, 10);
  assert.equal(Number(reject!.line_number), 2);
  assert.match(reject!.reason, /^total_overflow: /);
  await database.query('update campaigns set raised_minor = raised_minor - $1 where slug = $2', [AMOUNT_MINOR_MAX - 250n, slug]);
  await assertVerified();
});

test('--status pending leaves the totals alone until staff approve, and a refund of an imported donation reverses it', async () => {
  // Proves that imported donations move through the same status rules as API ones afterwards.
  const slug = await campaign();
  await importText('amount,donor_name\n10,A\n20,B\n', { campaign: slug, status: 'pending' });
  assert.deepEqual(await totals(slug), { raised: 0n, donations: 0n, donors: 0n });
  const { rows } = await database.query<{ id: bigint }>(
    'select d.id from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1 order by d.amount_minor', [slug]);
  await transitionDonation(database, feed, String(rows[0]!.id), 'approved', 'test', null);
  assert.deepEqual(await totals(slug), { raised: 1000n, donations: 1n, donors: 1n });
  const approved = await campaign();
  await importText('amount,donor_name\n10,A\n', { campaign: approved });
  const [imported] = (await database.query<{ id: bigint }>(
    'select d.id from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1', [approved])).rows;
  await transitionDonation(database, feed, String(imported!.id), 'refunded', 'test', 'chargeback');
  assert.deepEqual(await totals(approved), { raised: 0n, donations: 0n, donors: 0n });
  await assertVerified();
});

test('donors with an email are one donor across rows and imports; the donor count counts them once', async () => {
  // Proves donor reuse by email (as the API does) and by donor reference, and the maintained donor count.
  const slug = await campaign();
  const text = 'amount,donor_email,donor_name,donor_ref\n1,a@x.org,A,\n2,A@X.org,A2,\n3,,B,ref-b\n4,,B,ref-b\n5,,C,\n';
  const summary = await importText(text, { campaign: slug, batchRows: 2 });
  assert.equal(summary.imported, 5);
  assert.deepEqual(await totals(slug), { raised: 1500n, donations: 5n, donors: 3n });
  const { rows } = await database.query<{ display_name: string }>("select display_name from donors where lower(email) = 'a@x.org'");
  assert.deepEqual(rows, [{ display_name: 'A2' }]);
  await importText('amount,donor_email\n9,a@x.org\n', { campaign: slug, sourceName: 'second.csv' });
  assert.deepEqual(await totals(slug), { raised: 2400n, donations: 6n, donors: 3n });
  await assertVerified();
});

test('with a key column, a repeated key is one donation, and a reordered file imports nothing new', async () => {
  // Proves --key-column: keys from the file's own references, stable when rows move.
  const slug = await campaign();
  const first = await importText('ref,amount\nT1,1\nT2,2\nT1,1\nT3,3\n', { campaign: slug, keyColumn: 'ref', batchRows: 2 });
  assert.deepEqual([first.imported, first.duplicates], [3, 1]);
  const again = await importText('ref,amount\nT3,3\nT2,2\nT1,1\nT4,4\n', { campaign: slug, keyColumn: 'ref' });
  assert.deepEqual([again.imported, again.duplicates], [1, 3]);
  assert.deepEqual(await totals(slug), { raised: 1000n, donations: 4n, donors: 4n });
  await assertVerified();
});

test('a campaign column sends each row to its campaign; unknown campaigns and other currencies are rejected', async () => {
  // Proves the mapped campaign column, with campaigns looked up by id or slug.
  const usd = await campaign('USD');
  const idr = await campaign('IDR');
  const idrId = String((await findCampaign(database, idr))!.id);
  const text = `fund,amount,currency\n${usd},1.50,USD\n${idrId},150000,IDR\nnope,1,USD\n${usd},1,IDR\n`;
  const summary = await importText(text, { campaign: undefined, currency: undefined, map: parseMapSpec('campaign=fund') });
  assert.deepEqual([summary.imported, summary.rejected], [2, 2]);
  assert.equal((await totals(usd)).raised, 150n);
  assert.equal((await totals(idr)).raised, parseAmount('150000', 'IDR'));
  const reasons = (await listRejects(database, summary.importId, 0n, 10)).map((reject) => reject.reason);
  assert.match(reasons[0]!, /no campaign with id or slug "nope"/);
  assert.match(reasons[1]!, /takes USD, not IDR/);
  await assertVerified();
});

test('problems that concern the whole import stop it before any row', async () => {
  // Proves the up-front checks: campaign, its status and currency, the mapping and a missing currency.
  const slug = await campaign();
  await assert.rejects(checkImport(database, request({ campaign: 'no-such-campaign' })), /no campaign/);
  await assert.rejects(checkImport(database, request({ campaign: slug, currency: 'EUR' })), /takes USD, not EUR/);
  await assert.rejects(importText('amount\n1\n', { campaign: slug, currency: undefined }), /no currency column/);
  await assert.rejects(importText('amount\n1\n', { campaign: slug, map: parseMapSpec('donor_name=who') }), /no column "who"/);
  await createCampaign(database, feed, { slug: `${slug}-draft`, name: 'draft', fund: 'general', currency: 'USD' });
  await assert.rejects(checkImport(database, request({ campaign: `${slug}-draft` })), /is draft, not active/);
  assert.deepEqual(await totals(slug), { raised: 0n, donations: 0n, donors: 0n });
});

test('two imports of the same rows at once, in the same or the opposite order, write every row exactly once', async () => {
  // Proves exactly once under concurrency (several writers each, on PostgreSQL several connections): both runs
  // finish, every key is one donation, and what one run imported the other counted as a duplicate.
  const rows = Array.from({ length: 3_000 }, (_, index) =>
    `T${index},${1 + (index % 97)}.00,${index % 5 === 0 ? `donor${index % 250}@example.org` : ''},Name ${index}`);
  const forward = `ref,amount,donor_email,donor_name\n${rows.join('\n')}\n`;
  const backward = `ref,amount,donor_email,donor_name\n${[...rows].reverse().join('\n')}\n`;
  const expectedMinor = rows.reduce((sum, _row, index) => sum + BigInt(100 * (1 + (index % 97))), 0n);
  for (const [label, second, keyColumn] of [['same file, key column', forward, 'ref'], ['reversed file, key column', backward, 'ref'], ['same file, position keys', forward, undefined]] as const) {
    const slug = await campaign();
    const options = { campaign: slug, keyColumn, batchRows: 200, writers: 2 };
    const [a, b] = await Promise.all([importText(forward, options), importText(second, { ...options, sourceName: 'second.csv' })]);
    assert.deepEqual([a.imported + b.imported, a.duplicates + b.duplicates, a.rejected + b.rejected], [3_000, 3_000, 0], label);
    const { rows: [counted] } = await database.query<{ donations: bigint; keys: bigint }>(
      `select count(*) as donations, count(distinct d.idempotency_key) as keys
         from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1`, [slug]);
    assert.deepEqual(counted, { donations: 3_000n, keys: 3_000n }, label);
    // 600 rows name 50 emails: 50 donors; the other 2,400 are known by name only, a donor each.
    assert.deepEqual(await totals(slug), { raised: expectedMinor, donations: 3_000n, donors: 2_450n }, label);
  }
  await assertVerified();
});
