// Amounts in words: fixed cases in Indonesian (terbilang) and English, and properties over random bigints up to
// the largest bigint column: no digits, different amounts read differently, and the millions split as words
// of the parts (n = a × 10^6 + b reads "<a> juta <b>").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { amountWordsEnglish, amountWordsIndonesian, integerWords } from '../../src/receipts/words.ts';

test('fixed amounts read as an Indonesian and an English receipt writes them', () => {
  assert.equal(amountWordsIndonesian(15_000_000n, 'IDR'), 'seratus lima puluh ribu rupiah');
  assert.equal(amountWordsIndonesian(100_100n, 'IDR'), 'seribu satu rupiah');
  assert.equal(amountWordsIndonesian(1_100n, 'IDR'), 'sebelas rupiah');
  assert.equal(amountWordsIndonesian(250_000_050n, 'IDR'), 'dua juta lima ratus ribu rupiah lima puluh sen');
  assert.equal(amountWordsEnglish(250_000_000n, 'IDR'), 'two million five hundred thousand rupiah');
  assert.equal(amountWordsEnglish(1_250n, 'USD'), 'twelve US dollars and fifty cents');
  assert.equal(amountWordsEnglish(101n, 'USD'), 'one US dollar and one cent');
  assert.equal(amountWordsIndonesian(5n, 'JPY'), 'lima JPY');
  assert.equal(integerWords(9_223_372_036_854_775_807n, 'en').split(' ')[0], 'nine');
});

const BIGINT_MAX = 9_223_372_036_854_775_807n;

test('words never carry a digit, and two different numbers never read the same', () => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: BIGINT_MAX }), fc.bigInt({ min: 0n, max: BIGINT_MAX }), (a, b) => {
    for (const language of ['id', 'en'] as const) {
      const words = integerWords(a, language);
      assert.doesNotMatch(words, /[0-9]/);
      if (a !== b) assert.notEqual(words, integerWords(b, language));
    }
  }), { numRuns: 300 });
});

test('a × 10^6 + b reads as the words of a, "juta" / "million", then the words of b', () => {
  fc.assert(fc.property(fc.bigInt({ min: 1n, max: 999n }), fc.bigInt({ min: 1n, max: 999_999n }), (a, b) => {
    const n = a * 1_000_000n + b;
    assert.equal(integerWords(n, 'id'), `${integerWords(a, 'id')} juta ${integerWords(b, 'id')}`);
    assert.equal(integerWords(n, 'en'), `${integerWords(a, 'en')} million ${integerWords(b, 'en')}`);
  }), { numRuns: 300 });
});
