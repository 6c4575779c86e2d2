// Exact money arithmetic. Amounts are bigint counts of minor units (cents, fils, yen) and
// never pass through a float: text is parsed digit by digit, rounding is integer division.

import { currencyExponent, MoneyError, quoteInput } from './currency.ts';
import type { MoneyErrorReason } from './currency.ts';

/** PostgreSQL's bigint maximum, because amounts are stored in bigint columns. */
export const AMOUNT_MINOR_MAX = 9_223_372_036_854_775_807n;

/** Longer text is refused before any pattern runs, so hostile input costs nothing to reject. */
export const AMOUNT_TEXT_LENGTH_MAX = 32;

/**
 * The largest single amount amanah takes (a donation, an imported row), in major units of any
 * currency: one trillion (IDR 1,000,000,000,000.00 is about USD 60M). In minor units that is at most 10^16
 * (four-decimal currencies), so a campaign total (bigint, AMOUNT_MINOR_MAX) holds at least 922 donations of
 * the maximum before it could overflow; the rare total that would is refused (total_overflow), never wrapped.
 */
export const DONATION_AMOUNT_MAJOR_MAX = 1_000_000_000_000n;

/** DONATION_AMOUNT_MAJOR_MAX in minor units of `currency`. */
export function donationAmountMinorMax(currency: string): bigint {
  return DONATION_AMOUNT_MAJOR_MAX * 10n ** BigInt(currencyExponent(currency));
}

// At 19 decimals a single whole unit would already exceed AMOUNT_MINOR_MAX.
const SCALE_DECIMALS_MAX = 18;

// Leading zeros are refused ("007") because they are more often a typo or an account
// number than an amount; a lone "0" before the point is the only zero allowed there.
const DECIMAL_PATTERN = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export type RoundingMode = 'half_up' | 'half_even' | 'floor' | 'ceil';

/** An exact fraction; the denominator must be positive. */
export type Rate = { numerator: bigint; denominator: bigint };

/** Zakat is 2.5% of zakatable wealth. */
export const ZAKAT_RATE: Rate = Object.freeze({ numerator: 25n, denominator: 1000n });

/** Describes what is being parsed, so every rejection names the input and what was expected. */
type Subject = {
  noun: string;
  decimalsMax: number;
  expected: string;
  /** Says whose rule the limits are, e.g. " for USD"; empty when there is nobody to name. */
  context: string;
};

function decimalHint(decimals: number): string {
  const example = decimals > 0 ? `150000.${'5'.padEnd(decimals, '0')}` : '150000';
  const shape = decimals > 0 ? `digits with an optional "." and at most ${decimals} decimals` : 'digits only';
  return `use ${shape}, e.g. "${example}"`;
}

function amountSubject(currency: string): Subject {
  const exponent = currencyExponent(currency);
  return { noun: 'amount', decimalsMax: exponent, expected: decimalHint(exponent), context: ` for ${currency}` };
}

const MINOR_UNITS_SUBJECT: Subject = {
  noun: 'minor-unit amount',
  decimalsMax: 0,
  expected: 'use whole minor units in digits only, e.g. "15000050"',
  context: ' in minor units',
};

// The length cap already bounds a rate's decimals, so no separate decimal limit applies.
const RATE_SUBJECT: Subject = {
  noun: 'rate',
  decimalsMax: AMOUNT_TEXT_LENGTH_MAX,
  expected: 'use a decimal fraction such as "0.025" for 2.5%',
  context: '',
};

function reject(reason: MoneyErrorReason, subject: Subject, text: string, problem: string): never {
  throw new MoneyError(reason, `${subject.noun} ${quoteInput(text)} ${problem}`);
}

/** Splits valid decimal text into its whole and fraction digits, or throws the precise reason. */
function readDecimal(text: string, subject: Subject): { whole: string; fraction: string } {
  if (text.length === 0) {
    throw new MoneyError('empty', `${subject.noun} is empty: ${subject.expected}`);
  }
  if (text.length > AMOUNT_TEXT_LENGTH_MAX) {
    reject('out_of_range', subject, text, `is ${text.length} characters long: at most ${AMOUNT_TEXT_LENGTH_MAX} are accepted`);
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) {
    if (text.startsWith('-') && DECIMAL_PATTERN.test(text.slice(1))) {
      reject('negative', subject, text, `is negative: only zero or more is accepted${subject.context}`);
    }
    reject('malformed', subject, text, `is not a decimal number: ${subject.expected}`);
  }
  const [, whole = '', fraction = ''] = match;
  if (fraction.length > subject.decimalsMax) {
    reject('too_many_decimals', subject, text, `has ${fraction.length} decimals: at most ${subject.decimalsMax} are allowed${subject.context}`);
  }
  return { whole, fraction };
}

/** Parses decimal text into an integer count of 10^-decimalsMax units, within AMOUNT_MINOR_MAX. */
function parseFixedPoint(text: string, subject: Subject): bigint {
  const { whole, fraction } = readDecimal(text, subject);
  const value = BigInt(whole + fraction.padEnd(subject.decimalsMax, '0'));
  if (value > AMOUNT_MINOR_MAX) {
    const maximum = formatScaled(AMOUNT_MINOR_MAX, subject.decimalsMax);
    reject('out_of_range', subject, text, `is above the maximum of ${maximum}${subject.context}`);
  }
  return value;
}

function assertScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > SCALE_DECIMALS_MAX) {
    throw new RangeError(`scale ${scale} must be an integer from 0 to ${SCALE_DECIMALS_MAX}`);
  }
}

/** Parses an amount in major units ("150000.50") into minor units (15000050n). Zero is accepted. */
export function parseAmount(text: string, currency: string): bigint {
  return parseFixedPoint(text, amountSubject(currency));
}

/** Parses a whole number of minor units, as carried by bank and CSV files. */
export function parseMinorUnits(text: string): bigint {
  return parseFixedPoint(text, MINOR_UNITS_SUBJECT);
}

/** Parses a non-money quantity such as grams of gold: parseScaled("12.5", 3) is 12500n. */
export function parseScaled(text: string, scale: number): bigint {
  assertScale(scale);
  const subject = { noun: 'quantity', decimalsMax: scale, expected: decimalHint(scale), context: '' };
  return parseFixedPoint(text, subject);
}

/** Writes value / 10^scale with exactly `scale` decimals; the inverse of parseScaled. */
export function formatScaled(value: bigint, scale: number): string {
  assertScale(scale);
  const sign = value < 0n ? '-' : '';
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, '0');
  if (scale === 0) {
    return sign + digits;
  }
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The canonical major-unit text of an amount, e.g. 1500n KWD is "1.500". */
export function formatAmount(minor: bigint, currency: string): string {
  return formatScaled(minor, currencyExponent(currency));
}

/** Locale-aware display text, e.g. "Rp 150.000,50"; for people, never for parsing back. */
/**
 * Formatters by locale and currency. Building an Intl.NumberFormat costs ~26 µs and using one ~0.7 µs
 * (measured on the dashboard's 1,000-campaign snapshot: 50 ms → 1 ms), so each is built once. Bounded: at
 * most one per currency and locale in use, and past the limit the oldest is dropped.
 */
const displayFormatters = new Map<string, Intl.NumberFormat>();
const DISPLAY_FORMATTERS_MAX = 512;

export function formatDisplay(minor: bigint, currency: string, locale?: string): string {
  const exponent = currencyExponent(currency);
  const key = `${locale ?? ''}|${currency}`;
  let formatter = displayFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    if (displayFormatters.size >= DISPLAY_FORMATTERS_MAX) displayFormatters.delete(displayFormatters.keys().next().value!);
    displayFormatters.set(key, formatter);
  }
  // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3), so the amount
  // never becomes a Number, which would lose digits above 2^53.
  return formatter.format(formatScaled(minor, exponent) as `${number}`);
}

/** Parses a decimal fraction exactly, without reducing it: "0.025" is 25/1000. */
export function parseRate(text: string): Rate {
  const { whole, fraction } = readDecimal(text, RATE_SUBJECT);
  return { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/**
 * Divides exactly and rounds once. half_up sends ties away from zero (2.5 → 3, -2.5 → -3);
 * half_even sends ties to the even neighbour; floor and ceil round toward -∞ and +∞.
 */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: RoundingMode): bigint {
  if (denominator <= 0n) {
    throw new RangeError(`denominator ${denominator} must be positive`);
  }
  // bigint division truncates toward zero and the remainder takes the numerator's sign,
  // so a positive remainder means the exact result lies above the quotient.
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) {
    return quotient;
  }
  const awayFromZero = remainder > 0n ? quotient + 1n : quotient - 1n;
  const twiceRemainder = 2n * (remainder > 0n ? remainder : -remainder);
  switch (rounding) {
    case 'floor':
      return remainder > 0n ? quotient : awayFromZero;
    case 'ceil':
      return remainder > 0n ? awayFromZero : quotient;
    case 'half_up':
      return twiceRemainder >= denominator ? awayFromZero : quotient;
    case 'half_even':
      if (twiceRemainder === denominator) {
        return quotient % 2n === 0n ? quotient : awayFromZero;
      }
      return twiceRemainder > denominator ? awayFromZero : quotient;
    default:
      throw new RangeError(`rounding mode ${quoteInput(rounding as string)} is not one of half_up, half_even, floor, ceil`);
  }
}

/** Multiplies an amount by an exact rate, e.g. zakat due: multiplyByRate(wealth, ZAKAT_RATE, 'half_up'). */
export function multiplyByRate(minor: bigint, rate: Rate, rounding: RoundingMode): bigint {
  // A rate read from JSON or configuration can hold plain numbers, which would smuggle a
  // float into money arithmetic, so anything other than bigint parts is refused by name.
  if (typeof rate.numerator !== 'bigint' || typeof rate.denominator !== 'bigint') {
    throw new MoneyError(
      'not_integer_rate',
      `rate ${String(rate.numerator)}/${String(rate.denominator)} must have a bigint numerator and denominator: build it with parseRate("0.025")`,
    );
  }
  return divideRounded(minor * rate.numerator, rate.denominator, rounding);
}

export function sumAmounts(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const value of values) {
    total += value;
  }
  return total;
}
