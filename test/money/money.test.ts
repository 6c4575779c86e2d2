import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  AMOUNT_MINOR_MAX,
  AMOUNT_TEXT_LENGTH_MAX,
  currencyExponent,
  divideRounded,
  formatAmount,
  formatDisplay,
  formatScaled,
  isCurrencyCode,
  isMoneyError,
  MoneyError,
  multiplyByRate,
  parseAmount,
  parseMinorUnits,
  parseRate,
  parseScaled,
  sumAmounts,
  ZAKAT_RATE,
} from '../../src/money/index.ts';
import type { MoneyErrorReason, Rate } from '../../src/money/index.ts';

/** Asserts that `action` throws a MoneyError with `reason` whose message quotes `input`. */
function assertRejects(action: () => unknown, reason: MoneyErrorReason, input: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(isMoneyError(error), `expected a MoneyError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.ok(error.message.includes(JSON.stringify(input)), `message "${error.message}" does not name ${input}`);
    return true;
  });
}

describe('currencies', () => {
  test('exponents follow ISO 4217, including the listed exceptions', () => {
    // Proves the exception table wins over the default of 2, and that IDR keeps ISO's 2 rather than CLDR's 0.
    assert.equal(currencyExponent('USD'), 2);
    assert.equal(currencyExponent('IDR'), 2);
    assert.equal(currencyExponent('JPY'), 0);
    assert.equal(currencyExponent('XOF'), 0);
    assert.equal(currencyExponent('KWD'), 3);
    assert.equal(currencyExponent('TND'), 3);
    assert.equal(currencyExponent('CLF'), 4);
    assert.equal(currencyExponent('UYW'), 4);
  });

  test('unknown or badly written codes are refused', () => {
    // Proves only real upper-case ISO codes pass, with a reason and a message naming the code.
    for (const code of ['ZZZ', 'usd', 'US', 'USDT', '', ' USD']) {
      assert.equal(isCurrencyCode(code), false);
      assertRejects(() => currencyExponent(code), 'unknown_currency', code);
    }
    assert.equal(isCurrencyCode('EUR'), true);
    assert.equal(isCurrencyCode('UYI'), true);
  });

  test('MoneyError carries a readonly reason and is recognised', () => {
    // Proves the error type is a real Error subclass that isMoneyError tells apart from others.
    const error = new MoneyError('currency_mismatch', 'IDR and USD cannot be added');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'MoneyError');
    assert.equal(error.reason, 'currency_mismatch');
    assert.equal(isMoneyError(error), true);
    assert.equal(isMoneyError(new Error('other')), false);
    assert.equal(isMoneyError('malformed'), false);
  });
});

describe('parseAmount', () => {
  test('reads major units exactly into minor units', () => {
    // Proves each exponent scales the text correctly, with and without decimals.
    assert.equal(parseAmount('150000.50', 'IDR'), 15000050n);
    assert.equal(parseAmount('150000.5', 'IDR'), 15000050n);
    assert.equal(parseAmount('150000', 'IDR'), 15000000n);
    assert.equal(parseAmount('100', 'JPY'), 100n);
    assert.equal(parseAmount('1.5', 'KWD'), 1500n);
    assert.equal(parseAmount('0.0001', 'CLF'), 1n);
    assert.equal(parseAmount('0.07', 'USD'), 7n);
  });

  test('accepts zero', () => {
    // Proves zero is a valid amount here; callers that need a positive amount check it themselves.
    assert.equal(parseAmount('0', 'USD'), 0n);
    assert.equal(parseAmount('0.00', 'USD'), 0n);
    assert.equal(parseAmount('0', 'JPY'), 0n);
  });

  test('accepts the largest bigint and refuses one more', () => {
    // Proves the PostgreSQL bigint ceiling is the exact inclusive limit.
    assert.equal(parseAmount('92233720368547758.07', 'USD'), AMOUNT_MINOR_MAX);
    assert.equal(parseAmount('9223372036854775807', 'JPY'), AMOUNT_MINOR_MAX);
    assertRejects(() => parseAmount('92233720368547758.08', 'USD'), 'out_of_range', '92233720368547758.08');
    assertRejects(() => parseAmount('9223372036854775808', 'JPY'), 'out_of_range', '9223372036854775808');
  });

  test('refuses empty text', () => {
    // Proves an empty field gets its own reason rather than "malformed".
    assert.throws(() => parseAmount('', 'USD'), (error: unknown) => isMoneyError(error) && error.reason === 'empty');
  });

  test('refuses negative amounts', () => {
    // Proves a leading minus on an otherwise valid number is reported as negative, not malformed.
    assertRejects(() => parseAmount('-5', 'USD'), 'negative', '-5');
    assertRejects(() => parseAmount('-0.50', 'USD'), 'negative', '-0.50');
  });

  test('refuses everything that is not a plain decimal', () => {
    // Proves separators, exponents, spaces, signs, hex, words and leading zeros are all malformed.
    const inputs = ['1,000.00', '1e3', ' 5', '5 ', '5.', '.5', '+5', '0x10', 'Infinity', 'NaN', '007', '00.5', '--5', '-', '1.2.3', '５', '5\n'];
    for (const input of inputs) {
      assertRejects(() => parseAmount(input, 'USD'), 'malformed', input);
    }
  });

  test('malformed messages say what is expected', () => {
    // Proves the message gives the shape and an example matching the currency's exponent.
    assert.throws(() => parseAmount('1,000.00', 'USD'), {
      message: 'amount "1,000.00" is not a decimal number: use digits with an optional "." and at most 2 decimals, e.g. "150000.50"',
    });
    assert.throws(() => parseAmount('1,000', 'JPY'), { message: /use digits only, e.g. "150000"/ });
  });

  test('refuses more decimals than the currency has, even trailing zeros', () => {
    // Proves the decimal check is strict about digits, not about value.
    assertRejects(() => parseAmount('1.000', 'USD'), 'too_many_decimals', '1.000');
    assertRejects(() => parseAmount('1.001', 'USD'), 'too_many_decimals', '1.001');
    assertRejects(() => parseAmount('100.0', 'JPY'), 'too_many_decimals', '100.0');
    assertRejects(() => parseAmount('1.0000', 'KWD'), 'too_many_decimals', '1.0000');
    assert.throws(() => parseAmount('1.000', 'USD'), { message: /at most 2 are allowed for USD/ });
  });

  test('refuses text longer than the length limit before parsing it', () => {
    // Proves the length cap applies first and the echoed input is cut short.
    const long = '1'.repeat(AMOUNT_TEXT_LENGTH_MAX + 1);
    assert.throws(() => parseAmount(long, 'USD'), (error: unknown) => isMoneyError(error) && error.reason === 'out_of_range');
    const huge = 'x'.repeat(100_000);
    assert.throws(() => parseAmount(huge, 'USD'), (error: unknown) => isMoneyError(error) && error.message.length < 200);
  });

  test('checks the currency before the amount', () => {
    // Proves an unknown currency is reported even when the amount text is fine.
    assertRejects(() => parseAmount('5', 'XYZ'), 'unknown_currency', 'XYZ');
  });
});

describe('parseMinorUnits', () => {
  test('reads whole minor units', () => {
    // Proves cents from bank files are read as they are, up to the bigint limit.
    assert.equal(parseMinorUnits('15000050'), 15000050n);
    assert.equal(parseMinorUnits('0'), 0n);
    assert.equal(parseMinorUnits('9223372036854775807'), AMOUNT_MINOR_MAX);
  });

  test('refuses with the same reasons as amounts', () => {
    // Proves the strictness of parseAmount carries over to minor units.
    assert.throws(() => parseMinorUnits(''), (error: unknown) => isMoneyError(error) && error.reason === 'empty');
    assertRejects(() => parseMinorUnits('-100'), 'negative', '-100');
    assertRejects(() => parseMinorUnits('1,000'), 'malformed', '1,000');
    assertRejects(() => parseMinorUnits('0100'), 'malformed', '0100');
    assertRejects(() => parseMinorUnits('100.5'), 'too_many_decimals', '100.5');
    assertRejects(() => parseMinorUnits('9223372036854775808'), 'out_of_range', '9223372036854775808');
  });
});

describe('formatAmount and formatDisplay', () => {
  test('formatAmount writes exactly the currency exponent digits', () => {
    // Proves the canonical text pads to the exponent and needs no float.
    assert.equal(formatAmount(15000050n, 'IDR'), '150000.50');
    assert.equal(formatAmount(100n, 'JPY'), '100');
    assert.equal(formatAmount(1500n, 'KWD'), '1.500');
    assert.equal(formatAmount(7n, 'USD'), '0.07');
    assert.equal(formatAmount(0n, 'CLF'), '0.0000');
    assert.equal(formatAmount(AMOUNT_MINOR_MAX, 'USD'), '92233720368547758.07');
  });

  test('formatAmount writes negative totals with a leading minus', () => {
    // Proves reversals display as negative without losing the padding.
    assert.equal(formatAmount(-7n, 'USD'), '-0.07');
    assert.equal(formatAmount(-15000050n, 'IDR'), '-150000.50');
    assert.equal(formatAmount(-100n, 'JPY'), '-100');
  });

  test('formatDisplay keeps every digit of amounts beyond float precision', () => {
    // Proves Intl is fed the exact decimal string, since a Number would round the last digits.
    assert.equal(formatDisplay(AMOUNT_MINOR_MAX, 'USD', 'en-US'), '$92,233,720,368,547,758.07');
    assert.equal(formatDisplay(15000050n, 'IDR', 'en-US'), 'IDR\u00a0150,000.50');
    assert.equal(formatDisplay(1500n, 'KWD', 'en-US'), 'KWD\u00a01.500');
    assert.equal(formatDisplay(100n, 'JPY', 'en-US'), '¥100');
    assert.equal(formatDisplay(-5n, 'USD', 'en-US'), '-$0.05');
  });

  test('formatting refuses unknown currencies', () => {
    // Proves formatting validates the currency as parsing does.
    assertRejects(() => formatAmount(1n, 'ABC'), 'unknown_currency', 'ABC');
    assertRejects(() => formatDisplay(1n, 'ABC'), 'unknown_currency', 'ABC');
  });
});

describe('rates and rounding', () => {
  test('divideRounded rounds each mode as documented', () => {
    // Proves ties go away from zero in half_up, to even in half_even, and floor/ceil go toward -∞/+∞.
    const cases: Array<[bigint, bigint, string, string, string, string]> = [
      // numerator, denominator, half_up, half_even, floor, ceil
      [5n, 2n, '3', '2', '2', '3'],
      [7n, 2n, '4', '4', '3', '4'],
      [-5n, 2n, '-3', '-2', '-3', '-2'],
      [-7n, 2n, '-4', '-4', '-4', '-3'],
      [10n, 3n, '3', '3', '3', '4'],
      [-10n, 3n, '-3', '-3', '-4', '-3'],
      [6n, 3n, '2', '2', '2', '2'],
    ];
    for (const [numerator, denominator, halfUp, halfEven, floor, ceil] of cases) {
      assert.equal(divideRounded(numerator, denominator, 'half_up'), BigInt(halfUp));
      assert.equal(divideRounded(numerator, denominator, 'half_even'), BigInt(halfEven));
      assert.equal(divideRounded(numerator, denominator, 'floor'), BigInt(floor));
      assert.equal(divideRounded(numerator, denominator, 'ceil'), BigInt(ceil));
    }
  });

  test('divideRounded refuses a denominator that is not positive', () => {
    // Proves a zero count (an average of nothing) is caught as a programmer error.
    assert.throws(() => divideRounded(1n, 0n, 'floor'), RangeError);
    assert.throws(() => divideRounded(1n, -1n, 'floor'), RangeError);
  });

  test('zakat is 2.5% with the chosen rounding', () => {
    // Proves ZAKAT_RATE and multiplyByRate compute zakat exactly on minor units.
    assert.deepEqual(ZAKAT_RATE, { numerator: 25n, denominator: 1000n });
    assert.equal(multiplyByRate(100_000_000n, ZAKAT_RATE, 'half_up'), 2_500_000n);
    assert.equal(multiplyByRate(1n, ZAKAT_RATE, 'ceil'), 1n);
    assert.equal(multiplyByRate(1n, ZAKAT_RATE, 'half_up'), 0n);
    assert.equal(multiplyByRate(20n, ZAKAT_RATE, 'half_up'), 1n);
    assert.equal(multiplyByRate(20n, ZAKAT_RATE, 'half_even'), 0n);
    assert.equal(multiplyByRate(AMOUNT_MINOR_MAX, ZAKAT_RATE, 'floor'), AMOUNT_MINOR_MAX / 40n);
  });

  test('multiplyByRate refuses rates whose parts are not bigint', () => {
    // Proves a rate carrying plain numbers, e.g. read from JSON, is refused by reason.
    const floatRate = { numerator: 0.025, denominator: 1 } as unknown as Rate;
    assert.throws(() => multiplyByRate(100n, floatRate, 'floor'), (error: unknown) => isMoneyError(error) && error.reason === 'not_integer_rate');
    assert.throws(() => multiplyByRate(100n, { numerator: 1n, denominator: 0n }, 'floor'), RangeError);
  });

  test('parseRate reads a decimal fraction exactly', () => {
    // Proves a rate's text becomes an unreduced exact fraction.
    assert.deepEqual(parseRate('0.025'), ZAKAT_RATE);
    assert.deepEqual(parseRate('1'), { numerator: 1n, denominator: 1n });
    assert.deepEqual(parseRate('1.5'), { numerator: 15n, denominator: 10n });
    assert.deepEqual(parseRate('0'), { numerator: 0n, denominator: 1n });
  });

  test('parseRate refuses percentages, signs and junk', () => {
    // Proves rates are as strict as amounts and point the user at the fraction form.
    assertRejects(() => parseRate('2.5%'), 'malformed', '2.5%');
    assertRejects(() => parseRate('.025'), 'malformed', '.025');
    assertRejects(() => parseRate('-0.1'), 'negative', '-0.1');
    assert.throws(() => parseRate(''), (error: unknown) => isMoneyError(error) && error.reason === 'empty');
    assert.throws(() => parseRate('2.5%'), { message: /"0\.025" for 2\.5%/ });
  });

  test('sumAmounts adds any iterable exactly', () => {
    // Proves sums beyond 2^53 stay exact and an empty input sums to zero.
    assert.equal(sumAmounts([]), 0n);
    assert.equal(sumAmounts([9_007_199_254_740_993n, 1n, -2n]), 9_007_199_254_740_992n);
    assert.equal(sumAmounts(new Set([1n, 2n, 3n])), 6n);
  });
});

describe('parseScaled and formatScaled', () => {
  test('reads and writes quantities at a given scale', () => {
    // Proves non-money quantities such as grams of gold use the same exact fixed-point rules.
    assert.equal(parseScaled('12.5', 3), 12500n);
    assert.equal(parseScaled('85', 3), 85000n);
    assert.equal(parseScaled('12.345', 3), 12345n);
    assert.equal(formatScaled(12500n, 3), '12.500');
    assert.equal(formatScaled(5n, 3), '0.005');
    assert.equal(formatScaled(-5n, 3), '-0.005');
    assert.equal(formatScaled(85n, 0), '85');
  });

  test('refuses quantities with the same strictness as amounts', () => {
    // Proves every rejection reason applies to quantities too.
    assertRejects(() => parseScaled('12.3456', 3), 'too_many_decimals', '12.3456');
    assertRejects(() => parseScaled('-1', 3), 'negative', '-1');
    assertRejects(() => parseScaled('1e3', 3), 'malformed', '1e3');
    assertRejects(() => parseScaled('9223372036854776', 3), 'out_of_range', '9223372036854776');
  });

  test('refuses scales outside 0 to 18', () => {
    // Proves an impossible scale is caught as a programmer error.
    assert.throws(() => parseScaled('1', -1), RangeError);
    assert.throws(() => formatScaled(1n, 19), RangeError);
    assert.throws(() => formatScaled(1n, 1.5), RangeError);
  });
});
