// Imports post their receipts: one entry per batch per campaign on every write path (COPY straight into the
// table, COPY through staging, unnest), each imported donation naming its entry, the amil share floored per
// donation; a pending import posts nothing until its donations are approved; verify agrees after each.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import type { Database } from '../../src/db/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { checkImport, runImport, startRun, type ImportRequest } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { setAmilRate } from '../../src/ledger/queries.ts';
import { amilShareMinor } from '../../src/ledger/logic.ts';

let testDatabase: TestDatabase;
let database: Database;
const feed = new ChangeFeed();

before(async () => {
  testDatabase = await createTestDatabase();
  database = testDatabase.database;
  await setAmilRate(database, 'zakat', 1250, 'test');
});
after(async () => {
  assert.deepEqual(await findTotalsMismatches(database), []);
  assert.deepEqual(await findLedgerProblems(database), []);
  await testDatabase.drop();
});

async function importCsv(text: string, overrides: Partial<ImportRequest>) {
  const checked = await checkImport(database, {
    campaign: undefined, currency: 'IDR', map: parseMapSpec(''), status: 'approved', keyColumn: undefined,
    format: 'csv', batchRows: 3, actor: 'test', sourceName: 'test.csv', bytesTotal: null, writeMethod: 'copy',
    writers: 1, options: {}, ...overrides,
  });
  const run = await startRun(database, checked);
  return runImport(database, [Buffer.from(text)], checked, run, { feed });
}

/** Seven rows, 3 to a batch: three batches. Amounts in rupiah with sen; each share floored on its own. */
const AMOUNTS = ['10.07', '0.09', '100.00', '3.33', '7.77', '1.01', '50.00'];
const csv = (tag: string) => `amount,donor_name\n${AMOUNTS.map((amount, index) => `${amount},${tag} ${index}`).join('\n')}\n`;
const minor = (amount: string) => BigInt(amount.replace('.', ''));

const entries = async (slug: string) => (await database.query<{ id: bigint; kind: string; import_id: bigint | null; clearing: bigint; amil: bigint; donations: bigint }>(
  `select e.id, e.kind, e.import_id,
          (select sum(amount_minor) from ledger_lines l join ledger_accounts a on a.id = l.account_id where l.entry_id = e.id and a.kind = 'clearing')::bigint as clearing,
          coalesce((select -sum(amount_minor) from ledger_lines l join ledger_accounts a on a.id = l.account_id where l.entry_id = e.id and a.name = 'amil'), 0)::bigint as amil,
          (select count(*) from donations d where d.ledger_entry_id = e.id) as donations
     from ledger_entries e join campaigns c on c.id = e.campaign_id where c.slug = $1 order by e.id`, [slug])).rows;

for (const writeMethod of ['copy', 'staging', 'unnest'] as const) {
  test(`an approved import posts one entry per batch (${writeMethod})`, async () => {
    // Proves the posting in each write path: three batches, three entries, their donations and shares.
    const slug = `zakat-import-${writeMethod}`;
    await createCampaign(database, feed, { slug, name: slug, fund: 'zakat', currency: 'IDR', status: 'active' });
    const summary = await importCsv(csv(writeMethod), { campaign: slug, writeMethod });
    assert.equal(summary.imported, 7);
    const posted = await entries(slug);
    assert.deepEqual(posted.map((entry) => [entry.kind, Number(entry.donations)]), [['import', 3], ['import', 3], ['import', 1]]);
    assert.ok(posted.every((entry) => entry.import_id !== null));
    const batches = [AMOUNTS.slice(0, 3), AMOUNTS.slice(3, 6), AMOUNTS.slice(6)];
    assert.deepEqual(posted.map((entry) => [entry.clearing, entry.amil]), batches.map((batch) => [
      batch.reduce((sum, amount) => sum + minor(amount), 0n), batch.reduce((sum, amount) => sum + amilShareMinor(minor(amount), 1250), 0n)]));
    // The same file again imports nothing and posts nothing.
    assert.equal((await importCsv(csv(writeMethod), { campaign: slug, writeMethod })).imported, 0);
    assert.equal((await entries(slug)).length, 3);
    assert.deepEqual(await findLedgerProblems(database), []);
  });
}

test('a pending import posts nothing; its approval posts with the import channel', async () => {
  // Proves only approved money is posted, and the channel the donation came in through is its clearing account.
  const slug = 'zakat-import-pending';
  await createCampaign(database, feed, { slug, name: slug, fund: 'zakat', currency: 'IDR', status: 'active' });
  await importCsv(csv('pending'), { campaign: slug, status: 'pending' });
  assert.equal((await entries(slug)).length, 0);
  const { rows } = await database.query<{ id: bigint }>(`select d.id from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1`, [slug]);
  await writeTransitionBatch(database, feed, rows.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'test', reason: null })));
  const posted = await entries(slug);
  assert.deepEqual(posted.map((entry) => [entry.kind, Number(entry.donations)]), [['approval', 7]]);
  const { rows: accounts } = await database.query<{ name: string }>(
    `select a.name from ledger_accounts a join campaigns c on c.id = a.campaign_id where c.slug = $1 and a.kind = 'clearing'`, [slug]);
  assert.deepEqual(accounts.map((account) => account.name), ['import']);
});
