// Proves the demo a new installation gets: beside the small multi-currency campaigns, three real GDQ events
// whose approved totals and counts are the published figures less the few donations left pending for the staff
// queue, at their real times; seeding again adds nothing, and every total verifies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { seedDemoData } from '../../src/seed/demo.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { findCampaign, findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { parseAmount } from '../../src/money/index.ts';
import { GDQ_DIRECTORY } from '../helpers/gdq.ts';

let testDatabase: TestDatabase;
before(async () => { testDatabase = await createTestDatabase(); });
after(() => testDatabase.drop());

const EVENTS = [['gdq-classic-2009', 'cgdq_donations.csv'], ['gdq-japan-relief-2011', 'jrdq_donations.csv'], ['gdq-spook-2012', 'spook_donations.csv']] as const;

test('a new database gets three real GDQ events with real totals and times, and a few pending for staff', { timeout: 120_000 }, async () => {
  const { database } = testDatabase;
  const first = await seedDemoData(database, new ChangeFeed());
  assert.equal(first.campaigns, 9);
  const readme = readFileSync(`${GDQ_DIRECTORY}README.md`, 'utf8');
  for (const [slug, file] of EVENTS) {
    const [, , rows, cents] = readme.split('\n').find((line) => line.startsWith(`| ${file} |`))!.split('|').map((cell) => cell.trim());
    const lines = readFileSync(`${GDQ_DIRECTORY}${file}`, 'utf8').trimEnd().split('\n').slice(1);
    const pendingCents = lines.slice(-3).reduce((sum, line) => sum + parseAmount(line.split(',').at(-2)!, 'USD'), 0n);
    const campaign = (await findCampaign(database, slug))!;
    assert.equal(campaign.donation_count, BigInt(rows!) - 3n, slug);
    assert.equal(campaign.raised_minor, BigInt(cents!) - pendingCents, slug);
    assert.ok(campaign.goal_minor !== null && campaign.goal_minor > 0n);
    const { rows: [span] } = await database.query<{ first: Date; last: Date; pending: bigint }>(
      `select min(donated_at) as first, max(donated_at) as last, count(*) filter (where status = 'pending') as pending
       from donations where campaign_id = $1`, [campaign.id]);
    assert.equal(span!.first.toISOString().slice(0, 19), /"(\d{4}-[^"]+)Z"/.exec(lines[0]!)![1]);
    assert.equal(Number(span!.pending), 3);
  }
  const second = await seedDemoData(database, new ChangeFeed());
  assert.equal(second.approved, 0);
  assert.equal((await findCampaign(database, 'gdq-japan-relief-2011'))!.donation_count, 1189n);
  assert.deepEqual(await findTotalsMismatches(database), []);
});
