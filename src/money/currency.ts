// ISO 4217 currency codes, their minor-unit exponents, and the error type that every
// money function throws when its input is wrong.

/** Three upper-case letters naming an ISO 4217 currency, such as "IDR" or "USD". */
export type CurrencyCode = string;

export type MoneyErrorReason =
  | 'empty'
  | 'malformed'
  | 'negative'
  | 'too_many_decimals'
  | 'out_of_range'
  | 'unknown_currency'
  | 'currency_mismatch'
  | 'not_integer_rate';

// MoneyError lives here rather than in money.ts because this file sits at the bottom of
// the module's import chain, so both files can throw it without a circular import.
export class MoneyError extends Error {
  readonly reason: MoneyErrorReason;

  constructor(reason: MoneyErrorReason, message: string) {
    super(message);
    this.name = 'MoneyError';
    this.reason = reason;
  }
}

export function isMoneyError(value: unknown): value is MoneyError {
  return value instanceof MoneyError;
}

// Rejected input is echoed in messages, and messages end up in logs and API responses,
// so a hostile megabyte posted as an amount is cut short before it is quoted.
const QUOTED_TEXT_LENGTH_MAX = 40;

/** Quotes user input for an error message, escaping control characters and cutting it short. */
export function quoteInput(text: string): string {
  const value = String(text);
  const shortened = value.length > QUOTED_TEXT_LENGTH_MAX ? `${value.slice(0, QUOTED_TEXT_LENGTH_MAX)}…` : value;
  return JSON.stringify(shortened);
}

// ISO 4217 gives most currencies two decimals, so only the exceptions are listed. IDR is
// deliberately absent: ISO 4217 says 2 although CLDR (and so Intl's default) says 0, and
// bank files do carry IDR cents.
const DEFAULT_EXPONENT = 2;
const EXPONENT_EXCEPTIONS: ReadonlyArray<readonly [exponent: number, codes: readonly string[]]> = [
  [0, ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']],
  [3, ['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']],
  [4, ['CLF', 'UYW']],
];

const exponentByCurrency: ReadonlyMap<string, number> = new Map(
  EXPONENT_EXCEPTIONS.flatMap(([exponent, codes]) => codes.map((code) => [code, exponent] as const)),
);

const CURRENCY_CODE_PATTERN = /^[A-Z]{3}$/;

let knownCurrencies: ReadonlySet<string> | undefined;

function getKnownCurrencies(): ReadonlySet<string> {
  // Intl.supportedValuesOf builds a fresh array on every call, so the set is built once.
  // ICU leaves out the fund codes CLF, UYI and UYW, which are real ISO 4217 currencies,
  // so the codes of the exception table are added to it.
  knownCurrencies ??= new Set([...Intl.supportedValuesOf('currency'), ...exponentByCurrency.keys()]);
  return knownCurrencies;
}

export function isCurrencyCode(code: string): boolean {
  return CURRENCY_CODE_PATTERN.test(code) && getKnownCurrencies().has(code);
}

/** Number of decimals of the currency's minor unit, e.g. 2 for USD (cents), 0 for JPY. */
export function currencyExponent(code: string): number {
  if (!isCurrencyCode(code)) {
    throw new MoneyError(
      'unknown_currency',
      `currency ${quoteInput(code)} is not a known ISO 4217 code: use three upper-case letters such as "IDR" or "USD"`,
    );
  }
  return exponentByCurrency.get(code) ?? DEFAULT_EXPONENT;
}
