// Each demo currency (IDR, USD, GBP, KWD, JPY) and Stripe's special cases map to exactly the unit each provider
// takes, and back; an amount a provider cannot charge exactly is refused with amount_not_chargeable, never rounded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { minorFromProvider, providerAmount, supportsCurrency, type ProviderName } from '../../src/payments/amounts.ts';
import { parseAmount } from '../../src/money/index.ts';
import { isAppError } from '../../src/errors.ts';

/** The provider's units for an amount typed in major units, or the refusal's code. */
function units(provider: ProviderName, amount: string, currency: string): string {
  try {
    const minor = parseAmount(amount, currency);
    const mapped = providerAmount(provider, minor, currency);
    assert.equal(minorFromProvider(provider, mapped.units, currency), minor, `${provider} ${amount} ${currency} round trip`);
    return String(mapped.units);
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
}

describe('provider amounts', () => {
  test('IDR: Stripe takes sen; Midtrans and Xendit whole rupiah only', () => {
    assert.equal(units('stripe', '150000.50', 'IDR'), '15000050');
    assert.equal(units('midtrans', '150000', 'IDR'), '150000');
    assert.equal(units('midtrans', '150000.50', 'IDR'), 'amount_not_chargeable');
    assert.equal(units('xendit', '150000.00', 'IDR'), '150000');
    assert.equal(units('xendit', '150000.01', 'IDR'), 'amount_not_chargeable');
  });

  test('USD and GBP: cents at Stripe; Midtrans and Xendit do not take them', () => {
    assert.equal(units('stripe', '25.10', 'USD'), '2510');
    assert.equal(units('stripe', '7.05', 'GBP'), '705');
    for (const currency of ['USD', 'GBP']) {
      assert.equal(units('midtrans', '10.00', currency), 'amount_not_chargeable');
      assert.equal(units('xendit', '10.00', currency), 'amount_not_chargeable');
      assert.equal(supportsCurrency('midtrans', currency), false);
    }
  });

  test('KWD: three decimals at Stripe, the last one zero', () => {
    assert.equal(units('stripe', '12.340', 'KWD'), '12340');
    assert.equal(units('stripe', '12.345', 'KWD'), 'amount_not_chargeable');
  });

  test('JPY: zero-decimal at Stripe', () => {
    assert.equal(units('stripe', '5000', 'JPY'), '5000');
    assert.equal(units('xendit', '5000', 'JPY'), 'amount_not_chargeable');
  });

  test("Stripe's special cases: ISK and UGX as two-decimal whole units, HUF and TWD whole only, its largest amount", () => {
    assert.equal(units('stripe', '500', 'ISK'), '50000');
    assert.equal(units('stripe', '500', 'UGX'), '50000');
    assert.equal(units('stripe', '1000.00', 'HUF'), '100000');
    assert.equal(units('stripe', '1000.50', 'HUF'), 'amount_not_chargeable');
    assert.equal(units('stripe', '99.50', 'TWD'), 'amount_not_chargeable');
    assert.equal(units('stripe', '999999.99', 'USD'), '99999999');
    assert.equal(units('stripe', '1000000.00', 'USD'), 'amount_not_chargeable');
  });

  test('Xendit PHP keeps two decimals; VND is whole', () => {
    assert.equal(units('xendit', '100.25', 'PHP'), '10025');
    assert.equal(units('xendit', '20000', 'VND'), '20000');
  });
});
