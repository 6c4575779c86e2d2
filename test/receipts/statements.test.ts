// A donor's statement over a financial year (April to March, days in Asia/Jakarta): every gift in the range and
// none outside, totals per fund and currency (IDR and USD never added together, a refunded gift in no total), the
// same in JSON, CSV and a PDF read back; ranges past the limit and bad dates are refused with registered codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { extractText, getDocumentProxy } from 'unpdf';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';

let test_: TestApp;

before(async () => { test_ = await createTestApp(); });
after(async () => { await test_.close(); });

async function gift(campaign: Record<string, string>, amount: string, donatedAt: string, then: 'approve' | 'refund' = 'approve') {
  const created = await donate(test_, { campaign_id: campaign.id, currency: campaign.currency, amount, donor_name: 'Fajar', donor_email: 'fajar@example.org', donated_at: donatedAt });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  assert.equal((await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(test_.staffToken) })).statusCode, 200);
  if (then === 'refund') {
    assert.equal((await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/refund`, headers: bearer(test_.staffToken), payload: { reason: 'duplicate' } })).statusCode, 200);
  }
}

test('a financial-year statement lists the gifts in range with totals per fund and currency', async () => {
  const zakat = await createCampaign(test_, { slug: 'st-zakat', name: 'Zakat', fund: 'zakat' });
  const sadaqahIdr = await createCampaign(test_, { slug: 'st-sadaqah', name: 'Sedekah', fund: 'sadaqah' });
  const sadaqahUsd = await createCampaign(test_, { slug: 'st-usd', name: 'Relief USD', fund: 'sadaqah', currency: 'USD' });
  await gift(zakat, '100000', '2025-03-31T16:00:00Z'); // 23:00 WIB on 31 March: before the year
  await gift(zakat, '200000', '2025-03-31T18:00:00Z'); // 01:00 WIB on 1 April: in it
  await gift(zakat, '300000', '2025-12-01T00:00:00Z');
  await gift(sadaqahIdr, '50000', '2026-01-15T00:00:00Z');
  await gift(sadaqahUsd, '25.50', '2026-02-01T00:00:00Z');
  await gift(sadaqahUsd, '10.00', '2026-02-02T00:00:00Z', 'refund');
  await gift(zakat, '999000', '2026-03-31T17:30:00Z'); // 00:30 WIB on 1 April 2026: the next year
  const body = { email: 'FAJAR@example.org', from: '2025-04-01', to: '2026-03-31' };
  const json = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: body });
  assert.equal(json.statusCode, 200, json.body);
  const statement = json.json();
  assert.deepEqual(statement.gifts.map((g: { amount: string; status: string }) => `${g.amount}:${g.status}`), ['200000.00:approved', '300000.00:approved', '50000.00:approved', '25.50:approved', '10.00:refunded']);
  assert.deepEqual(statement.totals, [
    { fund: 'sadaqah', currency: 'IDR', amount: '50000.00', gifts: 1 },
    { fund: 'sadaqah', currency: 'USD', amount: '25.50', gifts: 1 },
    { fund: 'zakat', currency: 'IDR', amount: '500000.00', gifts: 2 },
  ]);
  const csv = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: { ...body, format: 'csv' } });
  assert.equal(csv.statusCode, 200);
  assert.match(csv.headers['content-type'] as string, /^text\/csv/);
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
  assert.equal(lines[0], 'date,donation_id,receipt_number,campaign,fund,currency,amount,status');
  assert.equal(lines.length, 6);
  assert.ok(lines[1]!.startsWith('2025-04-01,'), lines[1]);
  const pdf = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: { ...body, format: 'pdf' } });
  assert.equal(pdf.statusCode, 200);
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.rawPayload)), { mergePages: true });
  const flat = text.replace(/\s+/g, ' ');
  for (const expected of ['GIVING STATEMENT', 'Fajar', '2025-04-01 - 2026-03-31', 'Zakat / Zakat, IDR', 'Sedekah / Sadaqah, USD']) assert.ok(flat.includes(expected), `${expected} in ${flat}`);
});

test('bad dates, reversed and too long ranges are refused; a statement is for staff', async () => {
  const cases: [Record<string, string>, number, string][] = [
    [{ from: '2025-02-30', to: '2025-03-01' }, 400, 'validation_failed'],
    [{ from: '2025-04-01', to: '2025-03-01' }, 400, 'validation_failed'],
    [{ from: '2000-01-01', to: '2025-01-01' }, 422, 'statement_too_large'],
  ];
  for (const [range, status, code] of cases) {
    const response = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: { email: 'a@example.org', ...range } });
    assert.equal(response.statusCode, status, JSON.stringify(range));
    assert.equal(response.json().code, code);
  }
  const anonymous = await test_.app.inject({ method: 'POST', url: '/api/statements', payload: { email: 'a@example.org', from: '2025-01-01', to: '2025-12-31' } });
  assert.equal(anonymous.statusCode, 401);
  const nobody = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: { email: 'nobody@example.org', from: '2025-01-01', to: '2025-12-31' } });
  assert.deepEqual(nobody.json().gifts, []);
});
