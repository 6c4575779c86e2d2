// One intake statement per batch (keys looked up only for what it did not write) still answers every request as
// before: replays, reused keys and duplicates in a batch, a replay after its campaign closed, one donors row per
// email, and a refused request changes no donors row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { insertCampaign } from '../../src/campaigns/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { writeIntakeBatch, type IntakeOutcome, type IntakeRequest } from '../../src/donations/intake.ts';
import { AppError } from '../../src/errors.ts';

describe('intake batch', () => {
  let target: TestDatabase;
  const feed = new ChangeFeed();
  const heard: string[][] = [];
  before(async () => {
    target = await createTestDatabase();
    await insertCampaign(target.database, {
      slug: 'intake-batch', name: 'Intake batch', description: '', fund: 'sadaqah', currency: 'USD',
      goalMinor: null, status: 'active', startsAt: null, endsAt: null,
    });
    feed.subscribe((event) => { if (event.donationIds !== 'all') heard.push([...event.donationIds]); });
  });
  after(async () => { await target.drop(); });

  const request = (key: string, fields: Partial<IntakeRequest['input']> = {}): IntakeRequest => ({
    key, source: 'api', input: { campaign_id: 'intake-batch', amount: '5.00', currency: 'USD', donor_name: 'Sam', ...fields },
  });
  const created = (outcome: IntakeOutcome | undefined) => {
    assert.ok(outcome !== undefined && !(outcome instanceof AppError), `refused: ${String(outcome)}`);
    return outcome;
  };
  const donorsNamed = async (email: string) => (await target.database.query<{ display_name: string }>(
    'select display_name from donors where email_key(email) = email_key($1)', [email])).rows.map((row) => row.display_name);

  test('new rows, a key twice in the batch, and the same email twice: one donors row linked to both gifts', async () => {
    const outcomes = await writeIntakeBatch(target.database, feed, [
      request('ib-1', { donor_email: 'sam@example.org' }),
      request('ib-2', { donor_email: 'SAM@example.org', donor_name: 'Sam Later' }),
      request('ib-1', { donor_email: 'sam@example.org' }),
      request('ib-3'),
    ]);
    const [first, second, again, third] = outcomes.map(created);
    assert.equal(first!.created, true);
    assert.equal(second!.created, true);
    assert.equal(again!.created, false);
    assert.equal(again!.donation.id, first!.donation.id);
    assert.equal(third!.donation.donor_id, null);
    assert.equal(first!.donation.donor_id, second!.donation.donor_id);
    assert.notEqual(first!.donation.donor_id, null);
    // Each gift keeps the name it came with; the donors row keeps the last one given.
    assert.equal(first!.donation.donor_name, 'Sam');
    assert.equal(second!.donation.donor_name, 'Sam Later');
    assert.deepEqual(await donorsNamed('sam@example.org'), ['Sam Later']);
    // The statement published its own change notice, heard here once, after it committed.
    assert.deepEqual(heard.at(-1)?.sort(), [first!.donation.id, second!.donation.id, third!.donation.id].map(String).sort());
  });

  test('a replay answers the first donation even after its campaign closed; a reused key is 409 and renames no donor', async () => {
    await target.database.query("update campaigns set status = 'closed' where slug = 'intake-batch'");
    const outcomes = await writeIntakeBatch(target.database, feed, [
      request('ib-1', { donor_email: 'sam@example.org' }),
      request('ib-2', { donor_email: 'sam@example.org', donor_name: 'Someone Else' }),
      request('ib-4'),
    ]);
    const replay = created(outcomes[0]);
    assert.equal(replay.created, false);
    assert.equal(replay.donation.donor_name, 'Sam');
    assert.ok(outcomes[1] instanceof AppError && outcomes[1].code === 'idempotency_key_reused');
    assert.ok(outcomes[2] instanceof AppError && outcomes[2].code === 'campaign_not_accepting');
    await target.database.query("update campaigns set status = 'active' where slug = 'intake-batch'");
    // Open again, the reused key still changes nothing: it reaches the insert, which skips it, and no donor.
    const reopened = await writeIntakeBatch(target.database, feed, [request('ib-2', { donor_email: 'sam@example.org', donor_name: 'Someone Else' })]);
    assert.ok(reopened[0] instanceof AppError && reopened[0].code === 'idempotency_key_reused');
    assert.deepEqual(await donorsNamed('sam@example.org'), ['Sam Later']);
    const { rows } = await target.database.query<{ count: bigint }>("select count(*) as count from donations where idempotency_key like 'ib-%'");
    assert.equal(rows[0]!.count, 3n);
  });
});
