// Properties of the zakat rules over generated wealth: nothing below the nisab, exactly 2.5% (rounded half-up
// to the minor unit) at and above it, and never less zakat for more wealth or more for more debt.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import fc from 'fast-check';

import {
  calculateIncomeZakat, calculateWealthZakat, NISAB_BASES, wealthNisabMinor, type WealthInput,
} from '../../src/zakat/calculator.ts';
import { NISAB_TABLES } from '../../src/zakat/nisab-tables.ts';
import { sumAmounts } from '../../src/money/index.ts';

// Up to 10^15 minor units (ten trillion rupiah with cents) per asset, prices up to 10^10 minor units a gram and
// up to 10 t of metal: far past any real holding, and still exact, since everything is bigint.
const anyAmount = fc.bigInt({ min: 0n, max: 10n ** 15n });
const anyPrice = fc.bigInt({ min: 1n, max: 10n ** 10n });
const anyMilligrams = fc.bigInt({ min: 0n, max: 10n ** 10n });

const anyWealth: fc.Arbitrary<WealthInput> = fc.record({
  nisabBasis: fc.constantFrom(...NISAB_BASES),
  goldPricePerGramMinor: anyPrice,
  silverPricePerGramMinor: anyPrice,
  hawlComplete: fc.boolean(),
  assets: fc.record({
    cashMinor: anyAmount, goldMilligrams: anyMilligrams, silverMilligrams: anyMilligrams, investmentsMinor: anyAmount,
    businessInventoryMinor: anyAmount, receivablesMinor: anyAmount,
  }),
  debtsDueMinor: anyAmount,
});

const ASSET_KEYS = ['cashMinor', 'goldMilligrams', 'silverMilligrams', 'investmentsMinor', 'businessInventoryMinor', 'receivablesMinor'] as const;

/**
 * Checks "zakat is 2.5% of the wealth, rounded half-up to the minor unit" without dividing: 40 × zakat may
 * differ from the wealth by at most half a unit of 40, and an exact half rounds up, so the gap lies in (−20, 20].
 */
function isTwoAndAHalfPercent(zakatMinor: bigint, wealthMinor: bigint): boolean {
  const gap = 40n * zakatMinor - wealthMinor;
  return gap > -20n && gap <= 20n;
}

test('below the nisab no zakat is due, whatever the hawl', () => {
  // Proves the nisab gate over generated portfolios, prices and debts.
  fc.assert(fc.property(anyWealth, (input) => {
    const result = calculateWealthZakat(input);
    if (result.zakatableMinor < result.nisabMinor) {
      assert.equal(result.due, false);
      assert.equal(result.zakatMinor, 0n);
      assert.equal(result.reason, 'below_nisab');
    }
  }), { numRuns: 1000 });
});

test('at and above the nisab, after a hawl, zakat is exactly 2.5% of the zakatable wealth rounded half-up', () => {
  // Proves the rate and the rounding on wealth pushed to or past the nisab, including exactly at it.
  // Exactly at the nisab (extra 0, nothing but cash) is drawn often, as it is the edge that matters most.
  const anyExtra = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 12n }));
  const atOrAbove = fc.tuple(anyWealth, anyExtra, fc.boolean()).map(([input, extra, onlyCash]) => {
    const price = input.nisabBasis === 'gold' ? input.goldPricePerGramMinor : input.silverPricePerGramMinor;
    // Cash that covers the debts and the nisab by itself puts the net at least `extra` above the nisab, and
    // exactly that far when it is the only asset.
    const cashMinor = input.debtsDueMinor + wealthNisabMinor(input.nisabBasis, price) + extra;
    const others = onlyCash ? { goldMilligrams: 0n, silverMilligrams: 0n, investmentsMinor: 0n, businessInventoryMinor: 0n, receivablesMinor: 0n } : {};
    return { ...input, hawlComplete: true, assets: { ...input.assets, ...others, cashMinor } };
  });
  fc.assert(fc.property(atOrAbove, (input) => {
    const result = calculateWealthZakat(input);
    assert.ok(result.zakatableMinor >= result.nisabMinor);
    assert.equal(result.due, true);
    assert.ok(isTwoAndAHalfPercent(result.zakatMinor, result.zakatableMinor), `${result.zakatMinor} is not 2.5% of ${result.zakatableMinor}`);
  }), { numRuns: 1000 });
});

test('the breakdown adds up to the zakatable wealth whenever the net is positive', () => {
  // Proves what the answer shows can be checked by hand: the lines sum to the figure zakat is taken on.
  fc.assert(fc.property(anyWealth, (input) => {
    const result = calculateWealthZakat(input);
    const net = sumAmounts(result.lines.map((line) => line.amountMinor));
    assert.equal(result.zakatableMinor, net > 0n ? net : 0n);
  }), { numRuns: 500 });
});

test('more of any asset never lowers the zakat, and more debt never raises it', () => {
  // Proves monotonicity in wealth, across the nisab threshold too, for every asset category and for debts.
  const change = fc.tuple(anyWealth, fc.constantFrom(...ASSET_KEYS), fc.bigInt({ min: 0n, max: 10n ** 13n }));
  fc.assert(fc.property(change, ([input, key, increase]) => {
    const before = calculateWealthZakat(input).zakatMinor;
    const richer = calculateWealthZakat({ ...input, assets: { ...input.assets, [key]: input.assets[key] + increase } }).zakatMinor;
    const indebted = calculateWealthZakat({ ...input, debtsDueMinor: input.debtsDueMinor + increase }).zakatMinor;
    assert.ok(richer >= before, `${key} +${increase}: ${richer} < ${before}`);
    assert.ok(indebted <= before, `debts +${increase}: ${indebted} > ${before}`);
  }), { numRuns: 1000 });
});

test('income zakat is zero below the table nisab and exactly 2.5% at and above it, monotone in income', () => {
  // Proves the same three properties for income against every BAZNAS table and both periods.
  const anyIncome = fc.tuple(
    fc.constantFrom(...NISAB_TABLES), fc.constantFrom('month' as const, 'year' as const), fc.bigInt({ min: 0n, max: 10n ** 13n }),
    fc.bigInt({ min: 0n, max: 10n ** 10n }),
  );
  fc.assert(fc.property(anyIncome, ([nisabTable, period, incomeMinor, raise]) => {
    const result = calculateIncomeZakat(incomeMinor, period, nisabTable);
    if (incomeMinor < result.nisabMinor) assert.equal(result.zakatMinor, 0n);
    else assert.ok(isTwoAndAHalfPercent(result.zakatMinor, incomeMinor));
    assert.ok(calculateIncomeZakat(incomeMinor + raise, period, nisabTable).zakatMinor >= result.zakatMinor);
  }), { numRuns: 1000 });
});
