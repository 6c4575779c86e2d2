// The console's language choice: the switch beats the cookie, which beats Accept-Language (by quality, with
// the old "in" code for Indonesian), which beats the Indonesian default; messages fill their placeholders, and
// every error code has a title in both languages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/errors.ts';
import { catalogue, errorTitles, fromAcceptLanguage, localeCookie, negotiateLocale, translate } from '../../src/console/i18n.ts';

test('Accept-Language is read by quality then order, and only for supported languages', () => {
  assert.equal(fromAcceptLanguage('fr-FR, en;q=0.8, id;q=0.9'), 'id');
  assert.equal(fromAcceptLanguage('en-US,en;q=0.9'), 'en');
  assert.equal(fromAcceptLanguage('in-ID'), 'id');
  assert.equal(fromAcceptLanguage('id;q=0, en;q=0.1'), 'en');
  assert.equal(fromAcceptLanguage('de, fr'), undefined);
  assert.equal(fromAcceptLanguage(`${'x,'.repeat(5000)}en`), undefined, 'a huge header is read only so far');
});

test('the switch, then the cookie, then the header, then Indonesian', () => {
  assert.equal(negotiateLocale('en', 'id', 'id'), 'en');
  assert.equal(negotiateLocale(undefined, 'en', 'id'), 'en');
  assert.equal(negotiateLocale('xx', undefined, 'en'), 'en');
  assert.equal(negotiateLocale(undefined, undefined, undefined), 'id');
  assert.equal(localeCookie('a=1; amanah_lang=en; b=2'), 'en');
  assert.equal(localeCookie('amanah_lang=english'), undefined);
});

test('messages fill placeholders; both catalogues have every key; every error code has a title', () => {
  assert.equal(translate('id', 'signin.as', { name: 'Ani', role: 'staf' }), 'Masuk sebagai Ani (staf)');
  assert.equal(translate('en', 'queue.count.estimate', { count: '10,000' }), 'More than 10,000 matching (not counted further)');
  assert.deepEqual(Object.keys(catalogue('id')).sort(), Object.keys(catalogue('en')).sort());
  for (const locale of ['id', 'en'] as const) {
    const titles = errorTitles(locale);
    for (const code of Object.keys(ErrorCodes)) assert.ok(titles[code], `${locale} ${code}`);
  }
  assert.equal(errorTitles('id').slug_taken, 'Slug sudah dipakai');
});
