// The distribution of donation amounts: exact order statistics (median, percentiles) and a histogram with
// logarithmic 1-2-5 buckets, computed from a frequency table (each distinct amount with its count). Pure and
// synchronous: it runs inline for small tables and in a worker thread (distribution-worker.ts) for large ones.
//
// The table arrives packed as PostgreSQL builds it, `int8send(amount) || int8send(count)` per distinct amount in
// ascending order: 16 bytes a pair, big-endian. Reading it here rather than as rows keeps a million distinct
// amounts from becoming a million JavaScript objects on the main thread; the packed bytes go to the worker as
// they are (transferred, not copied).
import { divideRounded } from '../money/index.ts';

/** Bytes per (amount, count) pair in the packed frequency table. */
export const PAIR_BYTES = 16;

/** The percentiles reported, in percent; each is the nearest-rank value, so it is always a real amount. */
export const PERCENTILES = [10, 25, 50, 75, 90, 95, 99] as const;

export interface HistogramBucket {
  /** Inclusive lower edge, in minor units: 1, 2 or 5 times a power of ten. */
  lowerMinor: bigint;
  /** Exclusive upper edge, in minor units. */
  upperMinor: bigint;
  count: bigint;
  totalMinor: bigint;
}

export interface Distribution {
  count: bigint;
  totalMinor: bigint;
  minMinor: bigint | null;
  maxMinor: bigint | null;
  /** Odd count: the middle amount. Even count: the mean of the two middle amounts, rounded half to even. */
  medianMinor: bigint | null;
  /** Nearest-rank percentiles, in the order of PERCENTILES. */
  percentilesMinor: bigint[];
  histogram: HistogramBucket[];
}

/** The 1-2-5 edge at or below a positive amount, and the next edge above it. */
export function bucketEdges(amountMinor: bigint): { lowerMinor: bigint; upperMinor: bigint } {
  let decade = 1n;
  // At most 19 turns: bigint amounts end below 10^19.
  while (decade * 10n <= amountMinor) decade *= 10n;
  if (amountMinor < 2n * decade) return { lowerMinor: decade, upperMinor: 2n * decade };
  if (amountMinor < 5n * decade) return { lowerMinor: 2n * decade, upperMinor: 5n * decade };
  return { lowerMinor: 5n * decade, upperMinor: 10n * decade };
}

/** Reads pair `index` of a packed table. */
function pairAt(view: DataView, index: number): [amount: bigint, count: bigint] {
  const offset = index * PAIR_BYTES;
  return [view.getBigInt64(offset, false), view.getBigInt64(offset + 8, false)];
}

/**
 * The distribution of a packed frequency table (ascending distinct amounts with their counts). Every amount must
 * be positive (donations are), which the histogram relies on; a table out of order is a programmer error.
 */
export function distributionOf(packed: Uint8Array): Distribution {
  if (packed.byteLength % PAIR_BYTES !== 0) throw new RangeError(`packed table of ${packed.byteLength} bytes is not whole pairs`);
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const pairs = packed.byteLength / PAIR_BYTES;
  let count = 0n;
  let totalMinor = 0n;
  const histogram: HistogramBucket[] = [];
  let previous = 0n;
  for (let index = 0; index < pairs; index += 1) {
    const [amount, times] = pairAt(view, index);
    if (amount <= previous || times <= 0n) throw new RangeError(`pair ${index} (${amount} × ${times}) is out of order or not positive`);
    previous = amount;
    count += times;
    totalMinor += amount * times;
    let bucket = histogram[histogram.length - 1];
    if (bucket === undefined || amount >= bucket.upperMinor) {
      bucket = { ...bucketEdges(amount), count: 0n, totalMinor: 0n };
      histogram.push(bucket);
    }
    bucket.count += times;
    bucket.totalMinor += amount * times;
  }
  if (count === 0n) return { count, totalMinor, minMinor: null, maxMinor: null, medianMinor: null, percentilesMinor: [], histogram };
  // Ranks are 1-based positions in the sorted list of all donations; each is found by one more pass.
  const middleRanks = count % 2n === 1n ? [(count + 1n) / 2n, (count + 1n) / 2n] : [count / 2n, count / 2n + 1n];
  const percentileRanks = PERCENTILES.map((percent) => maxBigint(1n, divideRounded(BigInt(percent) * count, 100n, 'ceil')));
  const values = valuesAtRanks(view, pairs, [...middleRanks, ...percentileRanks]);
  return {
    count,
    totalMinor,
    minMinor: pairAt(view, 0)[0],
    maxMinor: pairAt(view, pairs - 1)[0],
    medianMinor: divideRounded(values[0]! + values[1]!, 2n, 'half_even'),
    percentilesMinor: values.slice(2),
    histogram: fillGaps(histogram),
  };
}

function maxBigint(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** The amounts at the given 1-based ranks, in one pass over the cumulative counts. */
function valuesAtRanks(view: DataView, pairs: number, ranks: readonly bigint[]): bigint[] {
  const order = ranks.map((rank, position) => ({ rank, position })).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const values: bigint[] = new Array<bigint>(ranks.length);
  let next = 0;
  let cumulative = 0n;
  for (let index = 0; index < pairs && next < order.length; index += 1) {
    const [amount, times] = pairAt(view, index);
    cumulative += times;
    while (next < order.length && order[next]!.rank <= cumulative) {
      values[order[next]!.position] = amount;
      next += 1;
    }
  }
  return values;
}

/** Adds the empty buckets between the first and the last, so a chart's bars stand on an even log scale. */
function fillGaps(histogram: readonly HistogramBucket[]): HistogramBucket[] {
  const filled: HistogramBucket[] = [];
  for (const bucket of histogram) {
    // At most 3 empty buckets per decade, 19 decades: the loop is bounded by 57.
    while (filled.length > 0 && filled[filled.length - 1]!.upperMinor < bucket.lowerMinor) {
      const gapStart = filled[filled.length - 1]!.upperMinor;
      filled.push({ ...bucketEdges(gapStart), count: 0n, totalMinor: 0n });
    }
    filled.push(bucket);
  }
  return filled;
}

/** Packs (amount, count) pairs as PostgreSQL's int8send would; for tests and benchmarks. */
export function packPairs(pairs: Iterable<readonly [bigint, bigint]>): Uint8Array {
  const list = [...pairs];
  const packed = new Uint8Array(list.length * PAIR_BYTES);
  const view = new DataView(packed.buffer);
  list.forEach(([amount, times], index) => {
    view.setBigInt64(index * PAIR_BYTES, amount, false);
    view.setBigInt64(index * PAIR_BYTES + 8, times, false);
  });
  return packed;
}
