// The amount distribution from a frequency table: medians of odd and even counts, nearest-rank percentiles and
// 1-2-5 buckets against a brute-force reading of the same amounts, and against PostgreSQL's percentile_disc.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bucketEdges, distributionOf, packPairs, PERCENTILES } from '../../src/analytics/distribution.ts';
import { divideRounded } from '../../src/money/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** The frequency table of a list of amounts, as the SQL builds it. */
function tableOf(amounts: readonly bigint[]): Uint8Array {
  const counts = new Map<bigint, bigint>();
  for (const amount of amounts) counts.set(amount, (counts.get(amount) ?? 0n) + 1n);
  return packPairs([...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

const sorted = (amounts: readonly bigint[]) => [...amounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('amount distribution', () => {
  test('medians: the middle amount of an odd count, the half-even mean of the middle two of an even one', () => {
    // Proves the median rule on hand-worked lists.
    assert.equal(distributionOf(tableOf([5n, 1n, 3n])).medianMinor, 3n);
    assert.equal(distributionOf(tableOf([1n, 2n, 3n, 4n])).medianMinor, 2n); // 2.5 → 2
    assert.equal(distributionOf(tableOf([1n, 2n, 4n, 5n])).medianMinor, 3n);
    assert.equal(distributionOf(tableOf([3n, 4n])).medianMinor, 4n); // 3.5 → 4
    assert.equal(distributionOf(tableOf([7n, 7n])).medianMinor, 7n);
    assert.equal(distributionOf(tableOf([9n])).medianMinor, 9n);
    const empty = distributionOf(new Uint8Array(0));
    assert.deepEqual([empty.count, empty.medianMinor, empty.minMinor, empty.histogram], [0n, null, null, []]);
  });

  test('buckets run 1, 2, 5, 10, 20, 50 … in minor units, with empty ones between filled', () => {
    // Proves the log edges and that a gap between amounts shows as empty buckets.
    assert.deepEqual(bucketEdges(1n), { lowerMinor: 1n, upperMinor: 2n });
    assert.deepEqual(bucketEdges(4n), { lowerMinor: 2n, upperMinor: 5n });
    assert.deepEqual(bucketEdges(5n), { lowerMinor: 5n, upperMinor: 10n });
    assert.deepEqual(bucketEdges(10n), { lowerMinor: 10n, upperMinor: 20n });
    assert.deepEqual(bucketEdges(9_223_372_036_854_775_807n), { lowerMinor: 5_000_000_000_000_000_000n, upperMinor: 10_000_000_000_000_000_000n });
    const histogram = distributionOf(tableOf([3n, 150n, 150n])).histogram;
    assert.deepEqual(histogram.map((bucket) => [bucket.lowerMinor, bucket.count, bucket.totalMinor]), [
      [2n, 1n, 3n], [5n, 0n, 0n], [10n, 0n, 0n], [20n, 0n, 0n], [50n, 0n, 0n], [100n, 2n, 300n],
    ]);
  });

  test('every figure equals a brute-force reading of the same amounts', () => {
    // Proves count, total, min, max, median, nearest-rank percentiles and bucket counts for random lists.
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 1n, max: 10n ** 12n }), { minLength: 1, maxLength: 300 }), (amounts) => {
      const list = sorted(amounts);
      const n = BigInt(list.length);
      const result = distributionOf(tableOf(amounts));
      assert.equal(result.count, n);
      assert.equal(result.totalMinor, list.reduce((sum, amount) => sum + amount, 0n));
      assert.equal(result.minMinor, list[0]);
      assert.equal(result.maxMinor, list[list.length - 1]);
      const middle = list.length % 2 === 1 ? list[(list.length - 1) / 2]! * 2n : list[list.length / 2 - 1]! + list[list.length / 2]!;
      assert.equal(result.medianMinor, divideRounded(middle, 2n, 'half_even'));
      PERCENTILES.forEach((percent, index) => {
        const rank = Math.max(1, Math.ceil((percent * list.length) / 100));
        assert.equal(result.percentilesMinor[index], list[rank - 1], `p${percent}`);
      });
      assert.equal(result.histogram.reduce((sum, bucket) => sum + bucket.count, 0n), n);
      for (const bucket of result.histogram) {
        assert.equal(bucket.count, BigInt(list.filter((amount) => amount >= bucket.lowerMinor && amount < bucket.upperMinor).length));
      }
    }), { numRuns: 300, seed: 2025 });
  });

  test('a table out of order is refused', () => {
    // Proves the assertion on the SQL's promise of ascending distinct amounts.
    assert.throws(() => distributionOf(packPairs([[5n, 1n], [3n, 1n]])), RangeError);
    assert.throws(() => distributionOf(new Uint8Array(15)), RangeError);
  });
});

describe('amount distribution against SQL', () => {
  let testDatabase: TestDatabase;
  before(async () => { testDatabase = await createTestDatabase(); });
  after(async () => { await testDatabase.drop(); });

  test('the median and percentiles equal percentile_disc over the same amounts', async () => {
    // Proves the frequency-table statistics agree with PostgreSQL's exact ordered-set aggregates.
    const amounts = fc.sample(fc.bigInt({ min: 1n, max: 5_000_000n }), { numRuns: 999, seed: 42 });
    for (const list of [amounts, amounts.slice(1)]) {
      const { rows: [row] } = await testDatabase.database.query<{ low: bigint; high: bigint; percentiles: string[] }>(
        `select percentile_disc(0.5) within group (order by a) as low, percentile_disc(0.5) within group (order by a desc) as high,
                (percentile_disc($2::float8[]) within group (order by a))::text[] as percentiles
           from unnest($1::bigint[]) as a`,
        [list.map(String), PERCENTILES.map((percent) => percent / 100)]);
      const result = distributionOf(tableOf(list));
      assert.equal(result.medianMinor, divideRounded(BigInt(row!.low) + BigInt(row!.high), 2n, 'half_even'), `${list.length} amounts`);
      assert.deepEqual(result.percentilesMinor, row!.percentiles.map(BigInt));
    }
  });
});
