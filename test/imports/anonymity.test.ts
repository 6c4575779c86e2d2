// An import writes each row's own donor name and anonymity on its donation, by every write path: rows of one
// donor (by email or donor reference) keep the choice each made, and later gifts change none of them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { receiveDonation } from '../../src/donations/donations.ts';
import { checkImport, runImport, startRun, type ImportRequest } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';
import type { WriteMethod } from '../../src/imports/limits.ts';
import { ChangeFeed } from '../../src/events/changes.ts';

let testDatabase: TestDatabase;
const feed = new ChangeFeed();

before(async () => { testDatabase = await createTestDatabase(); });
after(() => testDatabase.drop());

const FILE = `amount,donor_email,donor_ref,donor_name,anonymous
1,sam@example.org,,Sam Secret,true
2,SAM@example.org,,Sam Public,false
3,,ref-9,Ria Hidden,true
4,,ref-9,Ria Shown,false
5,,,Cash box,false
`;

async function importFile(slug: string, writeMethod: WriteMethod): Promise<void> {
  const request: ImportRequest = {
    campaign: slug, currency: 'USD', map: parseMapSpec(''), status: 'approved', keyColumn: undefined, format: 'csv',
    batchRows: 5_000, actor: 'test', sourceName: `${slug}.csv`, bytesTotal: null, writeMethod, writers: 1, options: {},
  };
  const checked = await checkImport(testDatabase.database, request);
  const summary = await runImport(testDatabase.database, [Buffer.from(FILE)], checked, await startRun(testDatabase.database, checked), { feed });
  assert.equal(summary.imported, 5);
}

test('every write path stores the name and anonymity of each row on its donation', async () => {
  // Proves the import side of issue 10, section 2 for unnest, staging and direct COPY (PGlite: unnest only).
  const methods: WriteMethod[] = testDatabase.database.engine === 'postgres' ? ['unnest', 'staging', 'copy'] : ['unnest'];
  for (const method of methods) {
    const slug = `import-anon-${method}`;
    await createCampaign(testDatabase.database, feed, { slug, name: slug, fund: 'general', currency: 'USD', status: 'active' });
    await importFile(slug, method);
    // A later API gift under the same email, named, changes none of the imported rows.
    await receiveDonation(testDatabase.database, feed, `after-${method}`, { campaign_id: slug, amount: '9.00', currency: 'USD', donor_name: 'Sam Later', donor_email: 'sam@example.org' }, { source: 'api' });
    const { rows } = await testDatabase.database.query<{ amount_minor: bigint; donor_name: string; donor_anonymous: boolean; keyed: boolean }>(
      `select d.amount_minor, d.donor_name, d.donor_anonymous, d.donor_id is not null as keyed
         from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1 order by d.amount_minor`, [slug]);
    assert.deepEqual(rows.map((row) => [Number(row.amount_minor), row.donor_name, row.donor_anonymous, row.keyed]), [
      [100, 'Sam Secret', true, true],
      [200, 'Sam Public', false, true],
      [300, 'Ria Hidden', true, true],
      [400, 'Ria Shown', false, true],
      [500, 'Cash box', false, false],
      [900, 'Sam Later', false, true],
    ], method);
    // One donor per email and per reference, plus the cash box: the donors rows still link the gifts.
    const { rows: [campaign] } = await testDatabase.database.query<{ donor_count: bigint }>('select donor_count from campaigns where slug = $1', [slug]);
    assert.equal(campaign!.donor_count, 3n, method);
  }
  assert.deepEqual(await findTotalsMismatches(testDatabase.database), []);
});
