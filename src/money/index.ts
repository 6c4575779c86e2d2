// Public face of the money module; other modules import from here, not from the files behind it.

export type { CurrencyCode, MoneyErrorReason } from './currency.ts';
export { currencyExponent, isCurrencyCode, isMoneyError, MoneyError } from './currency.ts';
export type { Rate, RoundingMode } from './money.ts';
export {
  AMOUNT_MINOR_MAX,
  AMOUNT_TEXT_LENGTH_MAX,
  divideRounded,
  DONATION_AMOUNT_MAJOR_MAX,
  donationAmountMinorMax,
  formatAmount,
  formatDisplay,
  formatScaled,
  multiplyByRate,
  parseAmount,
  parseMinorUnits,
  parseRate,
  parseScaled,
  sumAmounts,
  ZAKAT_RATE,
} from './money.ts';
