// The amil share never exceeds its legal cap: over any set of donations, approved in any batches at any rates
// an admin may set (at most the cap, changed between batches), and any refunds, the amil fund holds at most
// cap × what the fund kept received, and exactly the sum of each approved donation's floored share at the rate
// its entry recorded. First on the pure rule, then through the real approval and refund statements.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { AMIL_CAPS, amilShareMinor, BASIS_POINTS_PER_WHOLE } from '../../src/ledger/logic.ts';
import { setAmilRate } from '../../src/ledger/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';

const ZAKAT_CAP_BP = AMIL_CAPS.get('zakat')!.rateBpMax;

test('a donation\'s share is the floor of amount × rate, never above it, for any amount a total holds', () => {
  // Proves the bigint split formula equals the exact floor and stays under the cap, up to the largest bigint.
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 9_223_372_036_854_775_807n }), fc.integer({ min: 0, max: ZAKAT_CAP_BP }), (amount, rateBp) => {
    const share = amilShareMinor(amount, rateBp);
    assert.equal(share, (amount * BigInt(rateBp)) / BASIS_POINTS_PER_WHOLE);
    assert.ok(share * BASIS_POINTS_PER_WHOLE <= amount * BigInt(ZAKAT_CAP_BP));
  }), { numRuns: 2000 });
});

let testDatabase: TestDatabase;
before(async () => { testDatabase = await createTestDatabase(); });
after(() => testDatabase.drop());

/** One scenario: batches of donation amounts (minor units), each approved at a rate, then refunds by index. */
const scenario = fc.record({
  batches: fc.array(fc.record({
    amounts: fc.array(fc.bigInt({ min: 1n, max: 10_000_000_000n }), { minLength: 1, maxLength: 6 }),
    rateBp: fc.integer({ min: 0, max: ZAKAT_CAP_BP }),
  }), { minLength: 1, maxLength: 4 }),
  refunds: fc.array(fc.nat(), { maxLength: 8 }),
});

let serial = 0;

test('through approvals and refunds on the database, the amil fund stays at or under the cap of what was kept', async () => {
  // Proves the SQL posting matches the rule and the cap holds after any refunds (this engine; run on both).
  const database = testDatabase.database;
  const feed = new ChangeFeed();
  await fc.assert(fc.asyncProperty(scenario, async ({ batches, refunds }) => {
    const slug = `amil-property-${serial++}`;
    const campaign = await createCampaign(database, feed, { slug, name: slug, fund: 'zakat', currency: 'IDR', status: 'active' });
    const approved = new Map<string, { amount: bigint; rateBp: number }>();
    for (const batch of batches) {
      await setAmilRate(database, 'zakat', batch.rateBp, 'property test');
      const { rows } = await database.query<{ id: bigint }>(
        `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
         select $1, 'Muzaki', false, amount, 'IDR', 'api', $2 || '-' || n, '\\x00' from unnest($3::bigint[]) with ordinality as a(amount, n) returning id`,
        [campaign.id, `${slug}-${approved.size}`, batch.amounts]);
      await writeTransitionBatch(database, feed, rows.map((row) => ({ id: String(row.id), to: 'approved' as const, actor: 'property', reason: null })));
      rows.forEach((row, index) => approved.set(String(row.id), { amount: batch.amounts[index]!, rateBp: batch.rateBp }));
    }
    const ids = [...approved.keys()];
    const refunded = [...new Set(refunds.map((index) => ids[index % ids.length]!))];
    // A rate change between the approvals and the refunds must not change what a refund reverses.
    await setAmilRate(database, 'zakat', ZAKAT_CAP_BP, 'property test');
    if (refunded.length > 0) await writeTransitionBatch(database, feed, refunded.map((id) => ({ id, to: 'refunded' as const, actor: 'property', reason: 'property' })));
    for (const id of refunded) approved.delete(id);
    const { rows: [balances] } = await database.query<{ amil: bigint; kept: bigint }>(
      `select coalesce(-sum(balance_minor) filter (where kind = 'fund' and name = 'amil'), 0)::bigint as amil,
              coalesce(sum(balance_minor) filter (where kind = 'clearing'), 0)::bigint as kept
         from ledger_accounts where campaign_id = $1`, [campaign.id]);
    const expected = [...approved.values()].reduce((sum, donation) => sum + amilShareMinor(donation.amount, donation.rateBp), 0n);
    assert.equal(balances!.amil, expected);
    assert.equal(balances!.kept, [...approved.values()].reduce((sum, donation) => sum + donation.amount, 0n));
    assert.ok(balances!.amil * BASIS_POINTS_PER_WHOLE <= balances!.kept * BigInt(ZAKAT_CAP_BP), `${balances!.amil} over the cap of ${balances!.kept}`);
  }), { numRuns: 25 });
  assert.deepEqual(await findLedgerProblems(database), []);
});
