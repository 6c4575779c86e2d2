// From amanah's amounts (bigint minor units at the ISO 4217 exponent, src/money/currency.ts) to the unit each
// provider's API takes, exactly or not at all. A provider that cannot charge an amount exactly is refused
// (422 amount_not_chargeable) instead of rounded: a donor is charged what they typed, and the totals agree.
//
// Stripe (docs.stripe.com/currencies): amounts in the currency's smallest unit, with exceptions.
// - Zero-decimal currencies (BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF) take whole units.
// - ISK and UGX are zero-decimal but, for backwards compatibility, Stripe takes them as two-decimal amounts
//   that must be divisible by 100: amanah's whole units (ISO exponent 0) times 100.
// - HUF and TWD are two-decimal in the API, but Stripe accepts only whole units there (amounts divisible by 100).
// - Three-decimal currencies (BHD JOD KWD OMR TND) take thousandths whose last digit is 0 (divisible by 10).
// - Everything else: two decimals, as ISO says.
// Midtrans (Snap): IDR only, gross_amount in whole rupiah (ISO 4217 gives IDR two decimals, so amanah's sen
// must be divisible by 100). Xendit invoices: an amount in major units as a JSON number; IDR and VND whole,
// PHP, MYR and THB with two decimals; amanah sends it as an integer where it can, never a fraction it cannot
// carry exactly (two decimals of a value below 2^53 / 100 are exact as a JSON number text).
import { AppError } from '../errors.ts';
import { currencyExponent, formatAmount } from '../money/index.ts';

export type ProviderName = 'stripe' | 'midtrans' | 'xendit';
export const PROVIDER_NAMES: readonly ProviderName[] = ['stripe', 'midtrans', 'xendit'];

const STRIPE_ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const STRIPE_ZERO_AS_TWO_DECIMAL = new Set(['ISK', 'UGX']);
const STRIPE_WHOLE_IN_TWO_DECIMAL = new Set(['HUF', 'TWD']);
const STRIPE_THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);
/** Xendit invoice currencies and the decimals each takes. */
const XENDIT_DECIMALS: ReadonlyMap<string, number> = new Map([['IDR', 0], ['VND', 0], ['PHP', 2], ['MYR', 2], ['THB', 2]]);
/** Stripe's documented maximum charge: eight digits of the API unit. */
const STRIPE_AMOUNT_UNITS_MAX = 99_999_999n;
/** Above this a major-unit amount as a JSON number might not be an exact integer. */
const JSON_SAFE_INTEGER_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** How one provider is asked for an amount: its integer units, and for Xendit the major-unit number text. */
export interface ProviderAmount {
  readonly units: bigint;
  /** Decimal digits of `units` (Stripe's and Xendit's API amount is `units` scaled by this). */
  readonly decimals: number;
}

function refuse(provider: ProviderName, amountMinor: bigint, currency: string, why: string): AppError {
  return new AppError('amount_not_chargeable', `${provider} cannot charge ${formatAmount(amountMinor, currency)} ${currency} exactly: ${why}`, { field: 'amount', provider });
}

/** Rescales `amountMinor` from `from` decimals to `to`; undefined when that would drop a non-zero digit. */
function rescale(amountMinor: bigint, from: number, to: number): bigint | undefined {
  if (to >= from) return amountMinor * 10n ** BigInt(to - from);
  const divisor = 10n ** BigInt(from - to);
  return amountMinor % divisor === 0n ? amountMinor / divisor : undefined;
}

function stripeUnits(amountMinor: bigint, currency: string): bigint | string {
  const exponent = currencyExponent(currency);
  if (STRIPE_ZERO_DECIMAL.has(currency)) return rescale(amountMinor, exponent, 0) ?? 'it is a zero-decimal currency at Stripe: whole units only';
  if (STRIPE_ZERO_AS_TWO_DECIMAL.has(currency)) {
    const whole = rescale(amountMinor, exponent, 0);
    return whole === undefined ? 'Stripe takes it in whole units only' : whole * 100n;
  }
  if (STRIPE_WHOLE_IN_TWO_DECIMAL.has(currency)) {
    const whole = rescale(amountMinor, exponent, 0);
    return whole === undefined ? 'Stripe takes it in whole units only (an amount divisible by 100)' : whole * 100n;
  }
  if (STRIPE_THREE_DECIMAL.has(currency)) {
    const hundredths = rescale(amountMinor, exponent, 2);
    return hundredths === undefined ? 'Stripe takes three-decimal amounts whose last digit is 0' : hundredths * 10n;
  }
  return rescale(amountMinor, exponent, 2) ?? 'Stripe takes two decimals of it';
}

/** The amount `provider` is asked for, or AppError amount_not_chargeable (422). */
export function providerAmount(provider: ProviderName, amountMinor: bigint, currency: string): ProviderAmount {
  if (amountMinor <= 0n) throw refuse(provider, amountMinor, currency, 'the amount must be positive');
  if (provider === 'stripe') {
    const units = stripeUnits(amountMinor, currency);
    if (typeof units === 'string') throw refuse(provider, amountMinor, currency, units);
    if (units > STRIPE_AMOUNT_UNITS_MAX) throw refuse(provider, amountMinor, currency, `Stripe's largest amount is ${STRIPE_AMOUNT_UNITS_MAX} units`);
    return { units, decimals: STRIPE_ZERO_DECIMAL.has(currency) ? 0 : STRIPE_THREE_DECIMAL.has(currency) ? 3 : 2 };
  }
  const decimals = provider === 'midtrans' ? (currency === 'IDR' ? 0 : undefined) : XENDIT_DECIMALS.get(currency);
  if (decimals === undefined) {
    throw refuse(provider, amountMinor, currency, provider === 'midtrans' ? 'Midtrans charges IDR only' : `Xendit invoices take ${[...XENDIT_DECIMALS.keys()].join(', ')}`);
  }
  const units = rescale(amountMinor, currencyExponent(currency), decimals);
  if (units === undefined) throw refuse(provider, amountMinor, currency, decimals === 0 ? 'whole units only (no sen)' : `at most ${decimals} decimals`);
  if (units > JSON_SAFE_INTEGER_MAX) throw refuse(provider, amountMinor, currency, 'the amount is larger than its API carries exactly');
  return { units, decimals };
}

/** The provider's units back in amanah's minor units (for comparing what a webhook says was paid). */
export function minorFromProvider(provider: ProviderName, units: bigint, currency: string): bigint | undefined {
  const exponent = currencyExponent(currency);
  if (provider === 'stripe') {
    if (STRIPE_ZERO_DECIMAL.has(currency)) return rescale(units, 0, exponent);
    if (STRIPE_ZERO_AS_TWO_DECIMAL.has(currency) || STRIPE_WHOLE_IN_TWO_DECIMAL.has(currency)) return units % 100n === 0n ? rescale(units / 100n, 0, exponent) : undefined;
    if (STRIPE_THREE_DECIMAL.has(currency)) return rescale(units, 3, exponent);
    return rescale(units, 2, exponent);
  }
  const decimals = provider === 'midtrans' ? 0 : XENDIT_DECIMALS.get(currency);
  return decimals === undefined ? undefined : rescale(units, decimals, exponent);
}

/** Xendit's and Midtrans' amount is a JSON number in major units: `units` scaled by `decimals`, exactly. */
export function majorNumber({ units, decimals }: ProviderAmount): number {
  return Number(units) / 10 ** decimals;
}

/**
 * A major-unit amount a provider sent (Midtrans "10000.00", Xendit 10000 or 10000.5) as units at `decimals`;
 * undefined when it is not a plain decimal or has more digits than the currency takes.
 */
export function unitsFromMajor(value: unknown, decimals: number): bigint | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : typeof value === 'string' ? value : '';
  const match = /^([0-9]{1,18})(?:\.([0-9]{1,6}))?$/.exec(text);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) return undefined;
  return BigInt(match[1]!) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0');
}

/** Whether a provider charges a currency at all (the amount may still be refused: providerAmount). */
export function supportsCurrency(provider: ProviderName, currency: string): boolean {
  if (provider === 'midtrans') return currency === 'IDR';
  if (provider === 'xendit') return XENDIT_DECIMALS.has(currency);
  return true;
}
