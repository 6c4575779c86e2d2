// The provider answer's contract, parsed strictly: money never arrives as a JSON number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAnswer, paymentUrl, ProviderError } from '../../src/verification/provider.ts';

test('a well-formed answer parses, and anything else is a malformed-answer error', () => {
  // Proves the shapes accepted and refused, including a float amount.
  assert.deepEqual(parseAnswer('{"status":"paid","amount":"12.50","currency":"USD"}'), { status: 'paid', amount: '12.50', currency: 'USD' });
  assert.deepEqual(parseAnswer('{"status":"pending"}'), { status: 'pending', amount: undefined, currency: undefined });
  const refused = ['', '[]', 'null', '{"status":"refunded"}', '{"status":"paid","amount":12.5,"currency":"USD"}', '{"status":"paid","currency":"USD"}', '{"status":"paid","amount":"1","currency":1}'];
  for (const text of refused) {
    assert.throws(() => parseAnswer(text), (error: unknown) => error instanceof ProviderError && error.kind === 'malformed', text);
  }
});

test('the reference is one encoded path segment', () => {
  // Proves a reference cannot reach another path on the provider.
  assert.equal(paymentUrl('https://pay.example/v1', 'ab/../c d'), 'https://pay.example/v1/payments/ab%2F..%2Fc%20d');
});
