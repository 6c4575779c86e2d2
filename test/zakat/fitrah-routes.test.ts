// Fitrah and fidyah over a real database (PGlite, or PostgreSQL with DATABASE_URL): the quote endpoints, paying
// (the amount computed server-side, a differing client amount refused), the kind stored on the donation, a late
// fitrah recorded as sadaqah with its history, each kind's receipt posting to its own ledger fund (also mixed
// in one approval with an ordinary donation, with amil shares and a refund), and the page in both languages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { setAmilRate } from '../../src/ledger/queries.ts';
import { changeStatus } from '../../src/donations/queries.ts';
import { writeIntakeBatch, type IntakeRequest } from '../../src/donations/intake.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { AppError } from '../../src/errors.ts';
import { payKind } from '../../src/zakat/fitrah-pay.ts';
import { applyPartialRefund } from '../../src/donations/partial-refund.ts';
import { quote } from '../../src/zakat/fitrah.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('fitrah and fidyah API, ledger and page', () => {
  let t: TestApp;
  let keySerial = 0;
  const key = () => `fitrah-${process.pid}-${keySerial++}`;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'fitrah-1448', fund: 'zakat', currency: 'IDR', name: 'Zakat fitrah 1448' });
    await createCampaign(t, { slug: 'fidyah-food', fund: 'infaq', currency: 'IDR', name: 'Fidyah food parcels' });
    await createCampaign(t, { slug: 'endowment', fund: 'waqf', currency: 'IDR', name: 'Waqf well' });
    await createCampaign(t, { slug: 'zakat-usd', fund: 'zakat', currency: 'USD', name: 'Zakat in dollars' });
  });
  after(async () => {
    try {
      assert.deepEqual(await findTotalsMismatches(t.database), [], 'totals equal the sum of approved donations');
      assert.deepEqual(await findLedgerProblems(t.database), [], 'amanah verify passes');
    } finally {
      await t.close();
    }
  });

  const post = (url: string, payload: Record<string, unknown>, idempotencyKey?: string) => t.app.inject({
    method: 'POST', url, payload, headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
  });
  const stored = async (id: string) => (await t.database.query<Record<string, unknown>>(
    'select asked_kind, kind, kind_quantity, kind_region, price_table_id, ledger_fund, amount_minor from donations where id = $1', [id])).rows[0]!;
  const fundLines = async (column: 'ledger_entry_id' | 'refund_entry_id', id: string | bigint) => (await t.database.query<{ name: string; amount_minor: bigint }>(
    `select a.name, l.amount_minor from donations d join ledger_lines l on l.entry_id = d.${column}
       join ledger_accounts a on a.id = l.account_id where d.id = $1 and a.kind = 'fund' order by l.id`, [id])).rows
    .map((row) => `${row.name} ${row.amount_minor}`);

  test('the quote endpoints answer the amount, table, Eid and recorded kind', async () => {
    // Proves the API's quote: before and after the 1446 H prayer, and fidyah by days.
    const early = await post('/api/zakat/fitrah/quote', { people: 4, at: '2025-03-31T06:59:00+07:00' });
    assert.equal(early.statusCode, 200, early.body);
    const answer = early.json();
    assert.deepEqual([answer.amount, answer.table.id, answer.eid.basis, answer.eid.date, answer.recorded_as, answer.ledger_fund, answer.rice_kg],
      ['188000.00', 'baznas-sk-14-2025', 'kemenag', '2025-03-31', 'fitrah', 'zakat', '10']);
    const late = (await post('/api/zakat/fitrah/quote', { people: 4, at: '2025-03-31T07:00:00+07:00' })).json();
    assert.deepEqual([late.recorded_as, late.ledger_fund], ['sadaqah', 'infak_sedekah']);
    const fidyah = (await post('/api/zakat/fidyah/quote', { days: 10, region: 'jabodetabek', at: '2026-03-01T12:00:00+07:00' })).json();
    assert.deepEqual([fidyah.amount, fidyah.table.id, fidyah.ledger_fund], ['650000.00', 'baznas-sk-14-2026', 'dskl']);
    const tables = (await t.app.inject({ method: 'GET', url: '/api/zakat/fitrah-tables' })).json();
    assert.deepEqual(tables.tables.map((table: { id: string }) => table.id), ['baznas-sk-10-2022', 'baznas-sk-10-2024', 'baznas-sk-14-2025', 'baznas-sk-14-2026']);
    assert.equal(tables.eid.find((row: { hijri_year: number }) => row.hijri_year === 1446).date, '2025-03-31');
    for (const [payload, code] of [[{ people: 0 }, 'validation_failed'], [{ people: 2, region: 'bali' }, 'zakat_region_unknown'],
      [{ people: 2, at: 'yesterday' }, 'validation_failed'], [{ people: '2' }, 'validation_failed']] as const) {
      const refused = await post('/api/zakat/fitrah/quote', payload);
      assert.equal(refused.json().code, code, JSON.stringify(payload));
    }
  });

  test('paying fitrah stores the kind, computes the amount, refuses another, and posts to the zakat fund', async () => {
    // Proves the server-side amount and the stored row a report counts; a replay answers the same donation.
    const now = quote({ kind: 'fitrah', quantity: 3, at: new Date() });
    const refused = await post('/api/zakat/fitrah', { campaign_id: 'fitrah-1448', people: 3, amount: '1000.00' }, key());
    assert.equal(refused.statusCode, 422);
    assert.deepEqual([refused.json().code, refused.json().field, refused.json().expected], ['zakat_amount_mismatch', 'amount', now.amount]);
    const k = key();
    const paid = await post('/api/zakat/fitrah', { campaign_id: 'fitrah-1448', people: 3, amount: now.amount, donor_name: 'Keluarga Hasan' }, k);
    assert.equal(paid.statusCode, 201, paid.body);
    const body = paid.json();
    assert.deepEqual([body.donation.amount, body.donation.status, body.recorded.recorded_as, body.recorded.ledger_fund, body.recorded.quantity],
      [now.amount, 'pending', 'fitrah', 'zakat', 3]);
    assert.deepEqual(await stored(body.donation.id), {
      asked_kind: 'fitrah', kind: 'fitrah', kind_quantity: 3, kind_region: 'jabodetabek', price_table_id: now.tableId, ledger_fund: 'zakat',
      amount_minor: now.amountMinor,
    });
    const replay = await post('/api/zakat/fitrah', { campaign_id: 'fitrah-1448', people: 3, donor_name: 'Keluarga Hasan' }, k);
    assert.deepEqual([replay.statusCode, replay.json().donation.id], [200, body.donation.id]);
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'fitrah-1448', people: 4, donor_name: 'Keluarga Hasan' }, k)).statusCode, 409);
    const approved = await t.app.inject({ method: 'POST', url: `/api/donations/${body.donation.id}/approve`, headers: bearer(t.staffToken) });
    assert.equal(approved.statusCode, 200);
    assert.deepEqual(await fundLines('ledger_entry_id', body.donation.id), [`zakat ${-now.amountMinor}`]);
    // Fitrah only into a zakat-fund, rupiah campaign.
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'fidyah-food', people: 1 }, key())).json().code, 'campaign_not_zakat');
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'zakat-usd', people: 1 }, key())).json().code, 'currency_mismatch');
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'nowhere', people: 1 }, key())).json().code, 'campaign_not_found');
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'a\u0000b', people: 1 }, key())).statusCode, 400, 'a NUL is refused before the database');
    assert.equal((await post('/api/zakat/fitrah', { campaign_id: 'fitrah-1448', people: 1 })).json().code, 'idempotency_key_required');
  });

  test('fidyah posts to DSKL whatever its campaign\'s fund, and never to a waqf campaign', async () => {
    // Proves the ledger posting lands in dskl for an infaq campaign, and the waqf refusal.
    const paid = (await post('/api/zakat/fidyah', { campaign_id: 'fidyah-food', days: 5, anonymous: true }, key())).json();
    assert.deepEqual([paid.recorded.recorded_as, paid.recorded.ledger_fund, paid.donation.donor_name], ['fidyah', 'dskl', null]);
    await t.app.inject({ method: 'POST', url: `/api/donations/${paid.donation.id}/approve`, headers: bearer(t.staffToken) });
    assert.deepEqual(await fundLines('ledger_entry_id', paid.donation.id), [`dskl ${-paid.quote.amount.replace('.', '')}`]);
    const waqf = await post('/api/zakat/fidyah', { campaign_id: 'endowment', days: 1 }, key());
    assert.deepEqual([waqf.statusCode, waqf.json().code], [422, 'campaign_fund_refused']);
  });

  test('a fitrah after the Eid prayer is recorded as sadaqah, says so in its history, and posts to infak/sedekah', async () => {
    // Proves the cutoff through the real intake; then one approval of an ordinary zakat donation, an on-time
    // fitrah, a late one and a fidyah in one campaign posts one entry per fund with each fund's amil share, and a
    // refund reverses the late fitrah's share at its own rate.
    await setAmilRate(t.database, 'zakat', 1250, 'test');
    await setAmilRate(t.database, 'infak_sedekah', 2000, 'test');
    const feed = new ChangeFeed();
    const submit = async (request: IntakeRequest) => {
      const [outcome] = await writeIntakeBatch(t.database, feed, [request]);
      if (outcome instanceof AppError) throw outcome;
      return outcome!;
    };
    const onTime = await payKind(t.database, submit, key(), 'fitrah', { campaign_id: 'fitrah-1448', people: 2 }, new Date('2025-03-31T06:00:00+07:00'));
    const late = await payKind(t.database, submit, key(), 'fitrah', { campaign_id: 'fitrah-1448', people: 2 }, new Date('2025-03-31T07:15:00+07:00'));
    const fidyah = await payKind(t.database, submit, key(), 'fidyah', { campaign_id: 'fitrah-1448', days: 1 }, new Date('2025-03-20T12:00:00+07:00'));
    assert.deepEqual([onTime.recorded.recorded_as, late.recorded.recorded_as, late.recorded.asked_kind, late.recorded.ledger_fund], ['fitrah', 'sadaqah', 'fitrah', 'infak_sedekah']);
    assert.match(late.recorded.note!, /after the Eid al-Fitr prayer of 1 Syawal 1446 H.*recorded as sadaqah/);
    const history = await t.app.inject({ method: 'GET', url: `/api/donations/${late.result.donation.id}/history`, headers: bearer(t.staffToken) });
    assert.deepEqual([history.json().history[0].from_status, history.json().history[0].to_status, history.json().history[0].actor], [null, 'pending', 'intake']);
    assert.match(history.json().history[0].reason, /recorded as sadaqah/);
    const plain = await post('/api/zakat/pay', { campaign_id: 'fitrah-1448', amount: '100000', currency: 'IDR' }, key());
    const ids = [onTime, late, fidyah].map((payment) => payment.result.donation.id).concat(BigInt(plain.json().id));
    assert.equal((await changeStatus(t.database, { ids, from: 'pending', to: 'approved', actor: 'test', reason: null })).length, 4);
    const entries = (await t.database.query<{ entry: bigint }>('select distinct ledger_entry_id as entry from donations where id = any($1::bigint[])', [ids])).rows;
    assert.equal(entries.length, 3, 'one entry per ledger fund: zakat (plain and on-time fitrah), infak/sedekah, dskl');
    // 94,000 on time: 12.5% is 11,750 to amil; 94,000 late: 20% is 18,800; fidyah 60,000: no amil share.
    assert.deepEqual(await fundLines('ledger_entry_id', onTime.result.donation.id), ['zakat -19400000', 'zakat 2425000', 'amil -2425000']);
    assert.deepEqual(await fundLines('ledger_entry_id', late.result.donation.id), ['infak_sedekah -9400000', 'infak_sedekah 1880000', 'amil -1880000']);
    assert.deepEqual(await fundLines('ledger_entry_id', fidyah.result.donation.id), ['dskl -6000000']);
    await changeStatus(t.database, { ids: [late.result.donation.id], from: 'approved', to: 'refunded', actor: 'test', reason: 'test' });
    assert.deepEqual(await fundLines('refund_entry_id', late.result.donation.id), ['infak_sedekah 9400000', 'infak_sedekah -1880000', 'amil 1880000']);
    await setAmilRate(t.database, 'zakat', 0, 'test');
    await setAmilRate(t.database, 'infak_sedekah', 0, 'test');
  });

  test('the page calculates fitrah and fidyah in Indonesian and English', async () => {
    // Proves both languages (by ?lang, the form and Accept-Language) and the late-fitrah wording on the page.
    const english = await t.app.inject({ method: 'GET', url: '/zakat', headers: { 'accept-language': 'en' } });
    assert.match(english.body, /<html lang="en">/);
    assert.match(english.body, /Zakat fitrah \(per person\)/);
    const indonesian = await t.app.inject({ method: 'GET', url: '/zakat', headers: { 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' } });
    assert.match(indonesian.body, /<html lang="id">/);
    assert.match(indonesian.body, /Zakat fitrah \(per jiwa\)/);
    assert.match((await t.app.inject({ method: 'GET', url: '/zakat?lang=id' })).body, /Kalkulator zakat/);
    assert.match((await t.app.inject({ method: 'GET', url: '/zakat' })).body, /<html lang="id">[\s\S]*Zakat fitrah \(per jiwa\)/, 'Indonesian without a preference');
    const lateId = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM,
      payload: new URLSearchParams({ form: 'fitrah', lang: 'id', people: '4', fitrah_region: 'jabodetabek', fitrah_at: '2025-03-31T07:30' }).toString() });
    assert.equal(lateId.statusCode, 200);
    assert.match(lateId.body, /data-recorded-as="sadaqah"/);
    assert.match(lateId.body, /dicatat sebagai sedekah/);
    assert.match(lateId.body, /Rp\s?188\.000/);
    const fidyahEn = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM,
      payload: new URLSearchParams({ form: 'fidyah', lang: 'en', days: '2', fidyah_at: '2024-03-20T10:00' }).toString() });
    assert.match(fidyahEn.body, /data-ledger-fund="dskl"/);
    assert.match(fidyahEn.body, /figures not verified/);
    const bad = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: 'form=fitrah&lang=en&people=many' });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.body, /people must be a whole number/);
  });
});

describe('the fitrah result on the page', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  test('writes the Eid prayer time, the table\'s date and the rice for the page\'s language, never as ISO text', async () => {
    // Proves a person reads "Sabtu, 21 Maret 2026 pukul 07.00 WIB" and "2,5 kg", not 2026-03-21T07:00+07:00 and 2.5 kg.
    const result = async (lang: string) => {
      const response = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM,
        payload: new URLSearchParams({ form: 'fitrah', lang, people: '1', fitrah_region: 'jabodetabek', fitrah_at: '2026-03-15T10:00' }).toString() });
      assert.equal(response.statusCode, 200, response.body);
      return /<section aria-live="polite">[\s\S]*?<\/section>/.exec(response.body)![0];
    };
    const indonesian = await result('id');
    for (const expected of ['<time datetime="2026-03-21T07:00+07:00">Sabtu, 21 Maret 2026 pukul 07.00 WIB</time>',
      '<time datetime="2026-02-05">5 Februari 2026</time>', '2,5 kg (3,5 l)', '<th scope="row">Jumlah yang dibayar</th>']) {
      assert.ok(indonesian.includes(expected), `id: ${expected} in ${indonesian}`);
    }
    const english = await result('en');
    for (const expected of ['<time datetime="2026-03-21T07:00+07:00">Saturday, 21 March 2026 at 07:00 WIB</time>',
      '<time datetime="2026-02-05">5 February 2026</time>', '2.5 kg (3.5 l)', '<th scope="row">To pay</th>']) {
      assert.ok(english.includes(expected), `en: ${expected} in ${english}`);
    }
    for (const section of [indonesian, english]) {
      assert.ok(!section.includes('>2026-03-21T07:00+07:00') && !section.includes(', 2026-02-05'), `no ISO text where a date is shown: ${section}`);
    }
  });
});

describe('a partial refund of a fidyah', () => {
  test('reverses the part from DSKL, where the fidyah was posted, not from the campaign\'s fund', async () => {
    const t = await createTestApp();
    try {
      await createCampaign(t, { slug: 'fitrah-partial', fund: 'zakat', currency: 'IDR', name: 'Zakat fitrah and fidyah' });
      const feed = new ChangeFeed();
      const submit = async (request: IntakeRequest) => {
        const [outcome] = await writeIntakeBatch(t.database, feed, [request]);
        if (outcome instanceof AppError) throw outcome;
        return outcome!;
      };
      const fidyah = await payKind(t.database, submit, `partial-${process.pid}`, 'fidyah', { campaign_id: 'fitrah-partial', days: 2 }, new Date('2025-03-20T12:00:00+07:00'));
      await changeStatus(t.database, { ids: [fidyah.result.donation.id], from: 'pending', to: 'approved', actor: 'test', reason: null });
      const partial = await applyPartialRefund(t.database, feed, { id: String(fidyah.result.donation.id), actor: 'test', reason: 'test', refundedTotalMinor: 1_000_000n });
      assert.ok(!(partial instanceof AppError));
      const refundLines = (await t.database.query<{ name: string; amount_minor: bigint }>(
        `select a.name, l.amount_minor from donation_refunds r join ledger_lines l on l.entry_id = r.entry_id
           join ledger_accounts a on a.id = l.account_id where r.donation_id = $1 and a.kind = 'fund'`, [fidyah.result.donation.id])).rows;
      assert.deepEqual(refundLines.map((row) => `${row.name} ${row.amount_minor}`), ['dskl 1000000']);
      assert.deepEqual(await findLedgerProblems(t.database), [], 'amanah verify\'s ledger checks pass');
      assert.deepEqual(await findTotalsMismatches(t.database), [], 'the campaign total counts what the partial refund left');
    } finally {
      await t.close();
    }
  });
});
