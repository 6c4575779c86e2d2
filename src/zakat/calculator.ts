// Zakat arithmetic on exact integers: amounts in minor units, metals in milligrams, no float anywhere. These
// functions are pure and assume valid numbers; reading text and refusing bad input is zakat.ts's job.
//
// Rounding, stated once for every answer: a metal's value (grams × price per gram) is computed exactly and
// rounded half-up to the currency's minor unit, once per metal, so the breakdown's lines add up exactly to
// the zakatable wealth a person can check by hand; the zakat is then 2.5% of that wealth, computed exactly and
// rounded half-up to the minor unit, once. The nisab needs no rounding: it is whole grams times a price.
import { divideRounded, multiplyByRate, sumAmounts, ZAKAT_RATE, type RoundingMode } from '../money/index.ts';
import type { NisabTable } from './nisab-tables.ts';

/** Grams are read to the milligram: 3 decimals, so "12.5" g is 12500 mg. */
export const GRAM_DECIMALS = 3;
const MILLIGRAMS_PER_GRAM = 10n ** BigInt(GRAM_DECIMALS);

/** The nisab in whole grams for each basis: 85 g of gold (BAZNAS's convention) or 595 g of silver. */
export const NISAB_GRAMS = Object.freeze({ gold: 85n, silver: 595n });

export type NisabBasis = keyof typeof NISAB_GRAMS;
export const NISAB_BASES: readonly NisabBasis[] = ['gold', 'silver'];

export const ZAKAT_ROUNDING: RoundingMode = 'half_up';

export interface WealthAssets {
  cashMinor: bigint;
  goldMilligrams: bigint;
  silverMilligrams: bigint;
  investmentsMinor: bigint;
  businessInventoryMinor: bigint;
  receivablesMinor: bigint;
}

export interface WealthInput {
  nisabBasis: NisabBasis;
  /** Price of one gram in minor units; 0 only where no gold is held and gold is not the basis. */
  goldPricePerGramMinor: bigint;
  silverPricePerGramMinor: bigint;
  hawlComplete: boolean;
  assets: WealthAssets;
  debtsDueMinor: bigint;
}

export type WealthLineName =
  | 'cash' | 'gold' | 'silver' | 'investments' | 'business_inventory' | 'receivables' | 'debts_due';

export interface WealthLine {
  line: WealthLineName;
  /** Signed: debts are negative, so the lines add up to the net. */
  amountMinor: bigint;
  /** Milligrams behind a metal line, for the breakdown's note. */
  milligrams?: bigint;
}

export type NotDueReason = 'below_nisab' | 'hawl_incomplete';

export interface WealthResult {
  lines: WealthLine[];
  /** Assets less debts due, never below zero: debts beyond the assets leave nothing to pay zakat on. */
  zakatableMinor: bigint;
  nisabMinor: bigint;
  due: boolean;
  zakatMinor: bigint;
  reason: NotDueReason | undefined;
}

function assertNonNegative(name: string, value: bigint): void {
  if (value < 0n) throw new RangeError(`${name} must not be negative, got ${value}`);
}

/** The value of a weight of metal, rounded half-up to the minor unit. */
export function metalValueMinor(milligrams: bigint, pricePerGramMinor: bigint): bigint {
  assertNonNegative('milligrams', milligrams);
  assertNonNegative('price per gram', pricePerGramMinor);
  return divideRounded(milligrams * pricePerGramMinor, MILLIGRAMS_PER_GRAM, ZAKAT_ROUNDING);
}

/** The wealth nisab: 85 g of gold or 595 g of silver at the given price. Exact, since the grams are whole. */
export function wealthNisabMinor(basis: NisabBasis, pricePerGramMinor: bigint): bigint {
  if (pricePerGramMinor <= 0n) throw new RangeError(`the ${basis} price per gram must be positive to set a nisab`);
  return NISAB_GRAMS[basis] * pricePerGramMinor;
}

/** 2.5% of an amount, rounded half-up to the minor unit. */
export function zakatOf(amountMinor: bigint): bigint {
  return multiplyByRate(amountMinor, ZAKAT_RATE, ZAKAT_ROUNDING);
}

/** Every line of the breakdown, in the order a person lists them: assets, then debts as a negative. */
export function wealthLines(input: WealthInput): WealthLine[] {
  const { assets } = input;
  for (const [name, value] of Object.entries(assets)) assertNonNegative(name, value);
  assertNonNegative('debts due', input.debtsDueMinor);
  return [
    { line: 'cash', amountMinor: assets.cashMinor },
    { line: 'gold', amountMinor: metalValueMinor(assets.goldMilligrams, input.goldPricePerGramMinor), milligrams: assets.goldMilligrams },
    { line: 'silver', amountMinor: metalValueMinor(assets.silverMilligrams, input.silverPricePerGramMinor), milligrams: assets.silverMilligrams },
    { line: 'investments', amountMinor: assets.investmentsMinor },
    { line: 'business_inventory', amountMinor: assets.businessInventoryMinor },
    { line: 'receivables', amountMinor: assets.receivablesMinor },
    { line: 'debts_due', amountMinor: -input.debtsDueMinor },
  ];
}

/**
 * Zakat on a year's wealth (zakat mal): 2.5% of assets less debts due, when that reaches the nisab and a lunar
 * year (hawl) has passed; otherwise nothing, with the reason. The nisab is checked first, so wealth below it
 * reads as below_nisab whatever the hawl.
 */
export function calculateWealthZakat(input: WealthInput): WealthResult {
  const lines = wealthLines(input);
  const net = sumAmounts(lines.map((line) => line.amountMinor));
  const zakatableMinor = net > 0n ? net : 0n;
  const basisPrice = input.nisabBasis === 'gold' ? input.goldPricePerGramMinor : input.silverPricePerGramMinor;
  const nisabMinor = wealthNisabMinor(input.nisabBasis, basisPrice);
  const reason: NotDueReason | undefined =
    zakatableMinor < nisabMinor ? 'below_nisab' : input.hawlComplete ? undefined : 'hawl_incomplete';
  const due = reason === undefined;
  return { lines, zakatableMinor, nisabMinor, due, zakatMinor: due ? zakatOf(zakatableMinor) : 0n, reason };
}

export type IncomePeriod = 'month' | 'year';

export interface IncomeResult {
  nisabMinor: bigint;
  due: boolean;
  zakatMinor: bigint;
}

/**
 * Zakat on income (zakat penghasilan) as BAZNAS defines it: 2.5% of the gross income of the period when it
 * reaches the table's nisab for that period (a twelfth of the yearly figure for a month). No hawl applies:
 * BAZNAS takes income zakat when the income is received.
 */
export function calculateIncomeZakat(incomeMinor: bigint, period: IncomePeriod, table: NisabTable): IncomeResult {
  assertNonNegative('income', incomeMinor);
  const nisabMinor = period === 'month' ? table.nisabMonthMinor : table.nisabYearMinor;
  const due = incomeMinor >= nisabMinor;
  return { nisabMinor, due, zakatMinor: due ? zakatOf(incomeMinor) : 0n };
}
