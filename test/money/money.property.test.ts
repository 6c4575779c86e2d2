import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import {
  AMOUNT_MINOR_MAX,
  divideRounded,
  formatAmount,
  formatScaled,
  isMoneyError,
  multiplyByRate,
  parseAmount,
  parseScaled,
  sumAmounts,
  ZAKAT_RATE,
} from '../../src/money/index.ts';
import type { RoundingMode } from '../../src/money/index.ts';

const ROUNDING_MODES: readonly RoundingMode[] = ['half_up', 'half_even', 'floor', 'ceil'];
const anyAmount = fc.bigInt({ min: 0n, max: AMOUNT_MINOR_MAX });
const anySignedAmount = fc.bigInt({ min: -AMOUNT_MINOR_MAX, max: AMOUNT_MINOR_MAX });
const anyMode = fc.constantFrom(...ROUNDING_MODES);

/**
 * Reference rounding built another way: from the floor and a non-negative modulus
 * instead of truncation and a signed remainder, so the two cannot share a sign mistake.
 */
function referenceRound(numerator: bigint, denominator: bigint, rounding: RoundingMode): bigint {
  const modulus = ((numerator % denominator) + denominator) % denominator;
  const floor = (numerator - modulus) / denominator;
  if (modulus === 0n) return floor;
  const twiceModulus = 2n * modulus;
  const tieUp = numerator >= 0n ? floor + 1n : floor;
  const tieEven = floor % 2n === 0n ? floor : floor + 1n;
  switch (rounding) {
    case 'floor':
      return floor;
    case 'ceil':
      return floor + 1n;
    case 'half_up':
      return twiceModulus === denominator ? tieUp : twiceModulus > denominator ? floor + 1n : floor;
    case 'half_even':
      return twiceModulus === denominator ? tieEven : twiceModulus > denominator ? floor + 1n : floor;
  }
}

test('formatAmount then parseAmount gives back every amount in range, for exponents 0, 2, 3 and 4', () => {
  // Proves the canonical text is lossless for all five representative currencies.
  const currency = fc.constantFrom('JPY', 'IDR', 'USD', 'KWD', 'CLF');
  fc.assert(
    fc.property(anyAmount, currency, (minor, code) => {
      assert.equal(parseAmount(formatAmount(minor, code), code), minor);
    }),
    { numRuns: 2000 },
  );
});

test('formatted negative amounts are refused by parseAmount as negative', () => {
  // Proves reversals shown with a minus can never be read back as donations.
  fc.assert(
    fc.property(fc.bigInt({ min: -AMOUNT_MINOR_MAX, max: -1n }), (minor) => {
      assert.throws(() => parseAmount(formatAmount(minor, 'USD'), 'USD'), (error: unknown) => isMoneyError(error) && error.reason === 'negative');
    }),
  );
});

test('multiplyByRate matches exact rational rounding in every mode', () => {
  // Proves the production rounding agrees with an independently built reference and lies within one unit of the exact value.
  const rate = fc.record({ numerator: fc.bigInt({ min: 0n, max: 1_000_000n }), denominator: fc.bigInt({ min: 1n, max: 1_000_000n }) });
  fc.assert(
    fc.property(anySignedAmount, rate, anyMode, (minor, someRate, rounding) => {
      const result = multiplyByRate(minor, someRate, rounding);
      const exactNumerator = minor * someRate.numerator;
      assert.equal(result, referenceRound(exactNumerator, someRate.denominator, rounding));
      const error = result * someRate.denominator - exactNumerator;
      const distance = error < 0n ? -error : error;
      const isHalfMode = rounding === 'half_up' || rounding === 'half_even';
      assert.ok(isHalfMode ? 2n * distance <= someRate.denominator : distance < someRate.denominator);
    }),
    { numRuns: 2000 },
  );
});

test('half_even sends exact ties to the even neighbour', () => {
  // Proves (2k + 1) / 2 rounds to whichever of k and k + 1 is even, for either sign.
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (whole) => {
      const result = multiplyByRate(2n * whole + 1n, { numerator: 1n, denominator: 2n }, 'half_even');
      assert.ok(result === whole || result === whole + 1n);
      assert.equal(result % 2n, 0n);
    }),
  );
});

test('zakat never decreases when wealth increases', () => {
  // Proves multiplyByRate with ZAKAT_RATE is monotone in every rounding mode.
  fc.assert(
    fc.property(anySignedAmount, anySignedAmount, anyMode, (first, second, rounding) => {
      const [lower, higher] = first <= second ? [first, second] : [second, first];
      assert.ok(multiplyByRate(lower, ZAKAT_RATE, rounding) <= multiplyByRate(higher, ZAKAT_RATE, rounding));
    }),
  );
});

test('divideRounded floor and ceil bracket the exact quotient', () => {
  // Proves floor ≤ exact ≤ ceil and they differ by at most one, for averages of any sign.
  fc.assert(
    fc.property(anySignedAmount, fc.bigInt({ min: 1n, max: 1_000_000n }), (sum, count) => {
      const floor = divideRounded(sum, count, 'floor');
      const ceil = divideRounded(sum, count, 'ceil');
      assert.ok(floor * count <= sum && sum <= ceil * count);
      assert.ok(ceil - floor <= 1n);
    }),
  );
});

test('formatScaled then parseScaled gives back every quantity at every scale', () => {
  // Proves the fixed-point text for non-money quantities is lossless from scale 0 to 18.
  fc.assert(
    fc.property(anyAmount, fc.integer({ min: 0, max: 18 }), (value, scale) => {
      assert.equal(parseScaled(formatScaled(value, scale), scale), value);
    }),
    { numRuns: 2000 },
  );
});

test('sumAmounts is associative', () => {
  // Proves grouping partial totals, as batch reconciliation does, never changes the grand total.
  const amounts = fc.array(anySignedAmount, { maxLength: 20 });
  fc.assert(
    fc.property(amounts, amounts, amounts, (first, second, third) => {
      const leftFirst = sumAmounts([sumAmounts([...first, ...second]), ...third]);
      const rightFirst = sumAmounts([...first, sumAmounts([...second, ...third])]);
      assert.equal(leftFirst, rightFirst);
      assert.equal(leftFirst, sumAmounts([...first, ...second, ...third]));
    }),
  );
});
