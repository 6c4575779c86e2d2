// Currency one way for a locale: the zakat and analytics pages format amounts as the console does (Intl for the
// viewer's language, the currency's ISO 4217 exponent, from bigint minor units), not in a fixed English form.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { formatDisplay } from '../../src/money/index.ts';
import { INTL_LOCALE } from '../../src/console/i18n.ts';

let t: TestApp;
before(async () => { t = await createTestApp(); });
after(async () => { await t.close(); });

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('the zakat page formats for its language', async () => {
  const form = new URLSearchParams({ form: 'wealth', currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', cash: '100000000', gold_grams: '', hawl_complete: 'on' }).toString();
  const indonesian = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, 'accept-language': 'id-ID,id;q=0.9' }, payload: form });
  assert.equal(indonesian.statusCode, 200);
  const rupiah = formatDisplay(250_000_000n, 'IDR', INTL_LOCALE.id);
  assert.match(rupiah, /^Rp\s2\.500\.000,00$/);
  assert.ok(indonesian.body.includes(`<strong id="zakat">${rupiah}</strong>`), 'Indonesian: Rp 2.500.000,00');
  const english = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, 'accept-language': 'en' }, payload: form });
  assert.ok(english.body.includes(`<strong id="zakat">${formatDisplay(250_000_000n, 'IDR', INTL_LOCALE.en)}</strong>`), 'English: IDR 2,500,000.00');
});

test('the analytics page formats for the viewer, zero-exponent currencies too', async () => {
  const campaign = await createCampaign(t, { slug: 'yen-analytics', name: 'Yen analytics', currency: 'JPY' });
  const made = await donate(t, { campaign_id: campaign.id, amount: '1234567', currency: 'JPY', donor_name: 'Aiko' });
  assert.equal(made.statusCode, 201, made.body);
  const approved = await t.app.inject({ method: 'POST', url: `/api/donations/${made.json().id}/approve`, headers: bearer(t.staffToken), payload: { reason: 'test' } });
  assert.equal(approved.statusCode, 200, approved.body);
  for (const [header, locale] of [['id', INTL_LOCALE.id], ['en-GB', INTL_LOCALE.en]] as const) {
    const page = await t.app.inject({ url: `/campaigns/${campaign.slug}/analytics`, headers: { 'accept-language': header } });
    assert.equal(page.statusCode, 200, page.body);
    const yen = formatDisplay(1_234_567n, 'JPY', locale);
    assert.doesNotMatch(yen, /[.,]00$/, 'JPY has no minor digits');
    assert.ok(page.body.includes(`<dd>${yen}</dd>`), `${header}: ${yen}`);
  }
});
