// Zakat API and page over a real database: the wealth and income calculators with their refusals, the nisab
// tables, paying zakat as a donation only into a zakat-fund campaign, and the server-rendered calculator page.
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { jakartaDate, nisabTableOn } from '../../src/zakat/nisab-tables.ts';
import { FORM_BODY_BYTES_MAX, FORM_FIELD_CHARACTERS_MAX } from '../../src/zakat/routes.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('zakat API and page', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'zakat-mal', fund: 'zakat', currency: 'IDR', name: 'Zakat mal 1448' });
    await createCampaign(t, { slug: 'zakat-usd', fund: 'zakat', currency: 'USD', name: 'Zakat in dollars' });
    await createCampaign(t, { slug: 'wells', fund: 'sadaqah', currency: 'IDR', name: 'Water wells' });
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(t.database), [], 'totals equal the sum of approved donations');
    await t.close();
  });

  const calculate = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/zakat/calculate', payload });
  const pay = (payload: Record<string, unknown>, key?: string) => t.app.inject({
    method: 'POST', url: '/api/zakat/pay', payload, headers: key === undefined ? {} : { 'idempotency-key': key },
  });
  const countDonations = async (slug: string) => {
    const { rows } = await t.database.query<{ count: bigint }>(
      'select count(*) as count from donations d join campaigns c on c.id = d.campaign_id where c.slug = $1', [slug]);
    return rows[0]!.count;
  };

  test('calculate answers with the breakdown, nisab, rate and rounding', async () => {
    // Proves the full answer shape for a due case: 10 g of gold at Rp 1,500,000 plus cash, less a debt.
    const response = await calculate({
      currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1500000', hawl_complete: true,
      assets: { cash: '120000000', gold_grams: '10' }, liabilities: { debts_due: '2000000' },
    });
    assert.equal(response.statusCode, 200);
    const answer = response.json();
    assert.deepEqual({ ...answer, explanation: undefined }, {
      currency: 'IDR', zakatable_wealth: '133000000.00', nisab: '127500000.00', nisab_basis: 'gold', nisab_grams: '85',
      due: true, zakat: '3325000.00', rate: '0.025', rounding: 'half_up', explanation: undefined,
      breakdown: [
        { line: 'cash', amount: '120000000.00' },
        { line: 'gold', amount: '15000000.00', note: '10.000 g × 1500000.00 IDR/g' },
        { line: 'silver', amount: '0.00' },
        { line: 'investments', amount: '0.00' },
        { line: 'business_inventory', amount: '0.00' },
        { line: 'receivables', amount: '0.00' },
        { line: 'debts_due', amount: '-2000000.00' },
      ],
    });
    assert.match(answer.explanation, /reaches the nisab/);
  });

  test('calculate says why nothing is due: below the nisab, or no hawl yet', async () => {
    // Proves due=false answers carry zakat 0 and a stable reason.
    const base = { currency: 'IDR', nisab_basis: 'silver', silver_price_per_gram: '15000', assets: { cash: '8925000' } };
    const noHawl = (await calculate({ ...base, hawl_complete: false })).json();
    assert.deepEqual([noHawl.due, noHawl.zakat, noHawl.reason], [false, '0.00', 'hawl_incomplete']);
    const below = (await calculate({ ...base, hawl_complete: true, assets: { cash: '8924999.99' } })).json();
    assert.deepEqual([below.due, below.zakat, below.reason, below.nisab], [false, '0.00', 'below_nisab', '8925000.00']);
  });

  test('calculate refuses bad input as problem+json naming the field', async () => {
    // Proves each refusal's status, code and field, for schema and money-rule failures alike.
    const base = { currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', hawl_complete: true };
    const cases: Array<[Record<string, unknown>, number, string, string | undefined]> = [
      [{ ...base, assets: { gold_grams: '1.2345' } }, 422, 'invalid_quantity', 'assets.gold_grams'],
      [{ ...base, assets: { cash: '12.345' } }, 422, 'invalid_amount', 'assets.cash'],
      [{ ...base, liabilities: { debts_due: '-1' } }, 422, 'invalid_amount', 'liabilities.debts_due'],
      [{ ...base, nisab_basis: 'silver' }, 400, 'validation_failed', 'silver_price_per_gram'],
      [{ ...base, currency: 'ABC' }, 400, 'validation_failed', 'currency'],
      [{ ...base, assets: { cash: 1000 } }, 400, 'validation_failed', undefined],
      [{ ...base, assets: { jewels: '1' } }, 400, 'validation_failed', undefined],
      [{ currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1' }, 400, 'validation_failed', undefined],
    ];
    for (const [payload, status, code, field] of cases) {
      const response = await calculate(payload);
      assert.equal(response.statusCode, status, JSON.stringify(payload));
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(response.json().code, code, JSON.stringify(payload));
      if (field !== undefined) assert.equal(response.json().field, field);
    }
  });

  test('income answers from the BAZNAS table in effect on the date and names it', async () => {
    // Proves the table choice by on_date, the monthly nisab, and today's table (in Jakarta) when no date is sent.
    const response = await t.app.inject({ method: 'POST', url: '/api/zakat/income', payload: { period: 'month', income: '9000000', other_income: '1000000', on_date: '2024-08-17' } });
    assert.equal(response.statusCode, 200);
    const answer = response.json();
    assert.deepEqual([answer.income_total, answer.nisab, answer.due, answer.zakat, answer.rate], ['10000000.00', '6859394.00', true, '250000.00', '0.025']);
    assert.deepEqual([answer.table.id, answer.table.title, answer.table.effective_from], ['baznas-sk-1-2024', 'SK Ketua BAZNAS No. 1 Tahun 2024', '2024-01-01']);
    const today = jakartaDate(new Date());
    const current = (await t.app.inject({ method: 'POST', url: '/api/zakat/income', payload: { period: 'year', income: '50000000' } })).json();
    assert.equal(current.table.id, nisabTableOn(current.on_date)!.id);
    assert.ok(current.on_date >= today, 'the default date is today in Jakarta');
    assert.deepEqual([current.due, current.zakat, current.reason], [false, '0.00', 'below_nisab']);
  });

  test('income refuses a date before the first table, an impossible date, and a bad amount', async () => {
    // Proves the income endpoint's refusals name their field.
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ period: 'month', income: '1', on_date: '2019-05-01' }, 400, 'validation_failed', 'on_date'],
      [{ period: 'month', income: '1', on_date: '2026-02-30' }, 400, 'validation_failed', 'on_date'],
      [{ period: 'month', income: '1.001' }, 422, 'invalid_amount', 'income'],
      [{ period: 'month', income: '1', other_income: 'x' }, 422, 'invalid_amount', 'other_income'],
    ];
    for (const [payload, status, code, field] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/zakat/income', payload });
      assert.equal(response.statusCode, status, JSON.stringify(payload));
      assert.deepEqual([response.json().code, response.json().field], [code, field]);
    }
    const badPeriod = await t.app.inject({ method: 'POST', url: '/api/zakat/income', payload: { period: 'week', income: '1' } });
    assert.equal(badPeriod.json().code, 'validation_failed');
  });

  test('the nisab tables are listed oldest first with their figures', async () => {
    // Proves the data behind income answers is inspectable over the API.
    const { tables } = (await t.app.inject('/api/zakat/nisab-tables')).json();
    assert.deepEqual(tables.map((entry: { id: string }) => entry.id), ['baznas-2023', 'baznas-sk-1-2024', 'baznas-sk-13-2025', 'baznas-sk-15-2026']);
    assert.deepEqual([tables[3].nisab_year, tables[3].nisab_month], ['91681728.00', '7640144.00']);
  });

  test('paying zakat makes one pending donation in the zakat campaign, exactly once per key', async () => {
    // Proves pay reuses the donation intake: 201 then a 200 replay, one row, the staff approval moving the total.
    const body = { campaign_id: 'zakat-mal', amount: '3325000.00', currency: 'IDR', donor_name: 'Fulan', donor_email: 'fulan@example.org' };
    const first = await pay(body, 'zakat-pay-1');
    assert.equal(first.statusCode, 201);
    const donation = first.json();
    assert.deepEqual([donation.status, donation.amount, donation.currency, donation.donor_name], ['pending', '3325000.00', 'IDR', 'Fulan']);
    const replay = await pay(body, 'zakat-pay-1');
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().id, donation.id);
    assert.equal(await countDonations('zakat-mal'), 1n);
    const approved = await t.app.inject({ method: 'POST', url: `/api/donations/${donation.id}/approve`, headers: bearer(t.staffToken) });
    assert.equal(approved.statusCode, 200);
    const campaign = (await t.app.inject('/api/campaigns/zakat-mal')).json();
    assert.equal(campaign.raised, '3325000.00');
  });

  test('paying zakat into a campaign of another fund is refused with campaign_not_zakat, writing nothing', async () => {
    // Proves zakat cannot land in a sadaqah campaign, and that the other refusals still apply.
    const refused = await pay({ campaign_id: 'wells', amount: '100000', currency: 'IDR' }, 'zakat-pay-2');
    assert.equal(refused.statusCode, 422);
    assert.deepEqual([refused.json().code, refused.json().fund, refused.json().field], ['campaign_not_zakat', 'sadaqah', 'campaign_id']);
    assert.equal(await countDonations('wells'), 0n);
    assert.equal((await pay({ campaign_id: 'zakat-mal', amount: '1', currency: 'IDR' })).json().code, 'idempotency_key_required');
    assert.equal((await pay({ campaign_id: 'no-such', amount: '1', currency: 'IDR' }, 'zakat-pay-3')).statusCode, 404);
    assert.equal((await pay({ campaign_id: 'zakat-mal', amount: '1', currency: 'USD' }, 'zakat-pay-4')).json().code, 'currency_mismatch');
    assert.equal((await pay({ campaign_id: 'zakat-mal', amount: '0', currency: 'IDR' }, 'zakat-pay-5')).json().code, 'invalid_amount');
  });

  test('the calculator page labels every input and renders the breakdown of a posted form', async () => {
    // Proves the page works without script: a plain form post answers with the breakdown and a pay form.
    const page = await t.app.inject('/zakat');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    const inputs = [...page.body.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(inputs.length >= 16);
    for (const id of inputs) assert.ok(page.body.includes(`<label for="${id}">`), `input ${id} has a label`);
    const form = new URLSearchParams({ form: 'wealth', lang: 'en', currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', cash: '100000000', gold_grams: '', hawl_complete: 'on' });
    const result = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: form.toString() });
    assert.equal(result.statusCode, 200);
    assert.match(result.body, /<strong id="zakat">IDR\s2,500,000\.00<\/strong>/);
    assert.match(result.body, /<option value="\d+">Zakat mal 1448<\/option>/);
    assert.doesNotMatch(result.body, /Water wells|Zakat in dollars/);
  });

  test('the page shows a refused input with its status, and escapes what was typed', async () => {
    // Proves errors render on the page, not as JSON, and that input is never echoed as markup.
    const form = new URLSearchParams({ form: 'wealth', lang: 'en', currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', cash: '<b>lots</b>' });
    const result = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: form.toString() });
    assert.equal(result.statusCode, 422);
    assert.match(result.body, /role="alert" data-code="invalid_amount"><strong>The amount is not valid\.<\/strong> assets\.cash: amount &quot;&lt;b&gt;lots&lt;\/b&gt;&quot; is not a decimal number/);
    assert.doesNotMatch(result.body, /<b>lots/);
  });

  test('every typed input has a maxlength under the form limits, so a person cannot type past them', async () => {
    // Proves the page itself keeps a person inside FORM_FIELD_CHARACTERS_MAX and FORM_BODY_BYTES_MAX.
    const withPayForm = (await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({ lang: 'en' }) })).body;
    assert.match(withPayForm, /<legend>Pay this zakat<\/legend>/);
    for (const page of [(await t.app.inject({ url: '/zakat' })).body, withPayForm]) {
      const typed = [...page.matchAll(/<input [^>]*>/g)].map((match) => match[0])
        .filter((input) => !/type="(hidden|checkbox|date|datetime-local)"/.test(input));
      assert.ok(typed.length >= 12, `${typed.length} typed inputs`);
      let charactersTotal = 0;
      for (const input of typed) {
        const limit = Number(/maxlength="(\d+)"/.exec(input)?.[1]);
        assert.ok(limit > 0 && limit <= FORM_FIELD_CHARACTERS_MAX, input);
        charactersTotal += limit;
      }
      // Nine url-encoded bytes a character at most (a 3-byte UTF-8 character as %XX%XX%XX).
      assert.ok(charactersTotal * 9 < FORM_BODY_BYTES_MAX, `${charactersTotal} characters at most`);
    }
  });

  test('a form post refused before the handler answers the page with the refusal and its status; the API keeps problem+json', async () => {
    // Proves the body limit, the field limit and the text guard answer a person with HTML, in the form's language.
    const cases: Array<[string, string, number, string]> = [
      ['/zakat', wealthForm({ lang: 'id', cash: '1'.repeat(FORM_FIELD_CHARACTERS_MAX + 1) }), 400, 'validation_failed'],
      ['/zakat', wealthForm({ lang: 'id', cash: '100\u0001' }), 400, 'validation_failed'],
      ['/zakat', `lang=id&form=wealth&${'x='.padEnd(FORM_BODY_BYTES_MAX + 1, '1')}`, 413, 'payload_too_large'],
      ['/zakat/pay', `lang=id&${'x='.padEnd(FORM_BODY_BYTES_MAX + 1, '1')}`, 413, 'payload_too_large'],
    ];
    for (const [url, payload, status, code] of cases) {
      const refused = await t.app.inject({ method: 'POST', url, headers: { ...FORM, 'accept-language': 'en' }, payload });
      assert.equal(refused.statusCode, status, `${url} ${payload.slice(0, 80)}`);
      assert.match(String(refused.headers['content-type']), /^text\/html/);
      assert.match(refused.body, new RegExp(`<html lang="(id|en)">[\\s\\S]*role="alert" data-code="${code}"`));
      assert.match(refused.body, /<form method="post" action="\/zakat">/, 'the forms are there to try again');
      assert.ok(!refused.body.includes('\u0001'), 'refused text is not echoed');
    }
    const guarded = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({ lang: 'id', cash: '100\u0001' }) });
    assert.match(guarded.body, /<html lang="id">/, 'the form\'s language');
    const api = await t.app.inject({ method: 'POST', url: '/api/zakat/calculate', payload: { currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', assets: { cash: '100\u0001' } } });
    assert.equal(api.statusCode, 400);
    assert.match(String(api.headers['content-type']), /^application\/problem\+json/);
  });

  test('on an Indonesian page the refusal\'s English detail is marked lang="en", after the Indonesian title', async () => {
    // Proves a screen reader reads the validator's English detail as English, and the detail still names the input.
    const form = new URLSearchParams({ form: 'wealth', lang: 'id', currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', cash: 'banyak' });
    const result = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: form.toString() });
    assert.equal(result.statusCode, 422);
    assert.match(result.body, /role="alert" data-code="invalid_amount"><strong>[^<]+\.<\/strong> <span lang="en">assets\.cash: amount &quot;banyak&quot; is not a decimal number[^<]*<\/span><\/p>/);
    const english = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: form.toString().replace('lang=id', 'lang=en') });
    assert.doesNotMatch(english.body, /<span lang="en">/, 'an English page needs no mark');
  });

  test('the page computes income zakat and pays it as a donation, once per form key', async () => {
    // Proves the page's pay form goes through the same exactly-once intake as the API.
    const income = new URLSearchParams({ form: 'income', lang: 'en', period: 'month', income: '10000000', on_date: '2026-03-01' });
    const answer = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: income.toString() });
    assert.match(answer.body, /SK Ketua BAZNAS No\. 15 Tahun 2026/);
    const key = /name="idempotency_key" value="([^"]+)"/.exec(answer.body)?.[1];
    assert.ok(key);
    const before_ = await countDonations('zakat-mal');
    assert.match(answer.body, /<input type="hidden" name="lang" value="en">/, 'the pay form carries the language');
    const payment = new URLSearchParams({ idempotency_key: key, lang: 'en', campaign_id: 'zakat-mal', currency: 'IDR', amount: '250000.00', donor_name: '' });
    const paid = await t.app.inject({ method: 'POST', url: '/zakat/pay', headers: FORM, payload: payment.toString() });
    assert.equal(paid.statusCode, 201);
    assert.match(paid.body, /Recorded: IDR\s250,000\.00 to Zakat mal 1448/);
    const again = await t.app.inject({ method: 'POST', url: '/zakat/pay', headers: FORM, payload: payment.toString() });
    assert.equal(again.statusCode, 200);
    assert.equal(await countDonations('zakat-mal'), before_ + 1n);
    const wrongFund = new URLSearchParams({ idempotency_key: `${key}-2`, campaign_id: 'wells', currency: 'IDR', amount: '1' });
    const refused = await t.app.inject({ method: 'POST', url: '/zakat/pay', headers: FORM, payload: wrongFund.toString() });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /zakat is paid only to a campaign of the zakat fund/);
  });

  /** The wealth form as a browser posts it: Rp 100,000,000 in cash, gold nisab at Rp 1,000,000 a gram, hawl passed. */
  const wealthForm = (extra: Record<string, string>) => new URLSearchParams({
    form: 'wealth', currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1000000', cash: '100000000', gold_grams: '2', hawl_complete: 'on', ...extra,
  }).toString();

  test('the calculator speaks Indonesian by Accept-Language or by default, English when asked', async () => {
    // Proves every part of the page (wealth, income, fitrah) follows the negotiated language, with no English island left.
    for (const headers of [{ 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' }, {}]) {
      const page = (await t.app.inject({ url: '/zakat', headers })).body;
      assert.match(page, /<html lang="id">/);
      assert.doesNotMatch(page, /<div lang="en">/);
      for (const label of ['Zakat mal (zakat harta)', 'Harga emas per gram', 'Emas yang dimiliki (gram)', 'Utang jatuh tempo saat ini',
        'Sudah haul', 'Zakat penghasilan (rupiah)', 'Penghasilan bruto dalam periode ini (IDR)', '<option value="month" selected>bulan</option>', 'Zakat fitrah (per jiwa)']) {
        assert.ok(page.includes(label), `Indonesian page has ${label}`);
      }
      for (const english of ['Gold price per gram', 'Debts due now', 'Zakat on income', 'Calculate']) assert.ok(!page.includes(english), `no ${english}`);
      assert.equal([...page.matchAll(/<input type="hidden" name="lang" value="id">/g)].length, 4, 'each of the four forms posts the language back');
    }
    const english = await t.app.inject({ url: '/zakat', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    assert.match(english.body, /<html lang="en">/);
    for (const label of ['Zakat on wealth (zakat mal)', 'Gold price per gram', 'Debts due now', 'Zakat on income']) assert.ok(english.body.includes(label), label);
    assert.ok(!english.body.includes('Harga emas per gram'));
  });

  test('a posted wealth calculation answers in the language its form was shown in', async () => {
    // Proves the hidden lang field wins over Accept-Language, so the result, the breakdown and the pay form keep the form's language.
    const indonesian = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, 'accept-language': 'en' }, payload: wealthForm({ lang: 'id' }) });
    assert.equal(indonesian.statusCode, 200);
    assert.match(indonesian.body, /<html lang="id">/);
    for (const label of ['<h2>Rincian</h2>', '<td>Uang tunai, tabungan dan deposito</td>', '<td>Emas</td>', '<td>2 g × Rp\u00a01.000.000,00/g</td>',
      'Harta wajib zakat', '<td>85 g emas</td>', 'Zakat yang wajib dibayar', 'tarif 2,5%', 'telah mencapai nisab Rp\u00a085.000.000,00 (85 g emas) dan sudah haul',
      '<legend>Bayar zakat ini</legend>', 'Nama Anda (opsional)', '<button type="submit">Bayar zakat</button>']) {
      assert.ok(indonesian.body.includes(label), `Indonesian result has ${label}`);
    }
    assert.match(indonesian.body, /<strong id="zakat">Rp\s2\.550\.000,00<\/strong>/);
    const english = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, 'accept-language': 'id' }, payload: wealthForm({ lang: 'en' }) });
    assert.match(english.body, /<html lang="en">/);
    for (const label of ['<h2>Breakdown</h2>', '<td>Cash and bank balances</td>', '<td>2 g × IDR\u00a01,000,000.00/g</td>', '<td>85 g of gold</td>',
      'rate 2.5%', 'reaches the nisab of IDR\u00a085,000,000.00 (85 g of gold) and a lunar year has passed', '<legend>Pay this zakat</legend>']) {
      assert.ok(english.body.includes(label), `English result has ${label}`);
    }
    assert.ok(!english.body.includes('Rincian'));
  });

  test('a form without the lang field answers by the amanah_lang cookie, then Accept-Language; the switch sets the cookie', async () => {
    // Proves the negotiation order on a post (cookie before Accept-Language) and that ?lang= remembers the choice.
    const byCookie = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, cookie: 'amanah_lang=en', 'accept-language': 'id' }, payload: wealthForm({}) });
    assert.match(byCookie.body, /<html lang="en">/);
    const byHeader = await t.app.inject({ method: 'POST', url: '/zakat', headers: { ...FORM, 'accept-language': 'en-US' }, payload: wealthForm({}) });
    assert.match(byHeader.body, /<html lang="en">[\s\S]*<h2>Breakdown<\/h2>/);
    const switched = await t.app.inject({ url: '/zakat?lang=en', headers: { 'accept-language': 'id' } });
    assert.match(switched.body, /<html lang="en">/);
    assert.match(String(switched.headers['set-cookie']), /^amanah_lang=en; Path=\/; Max-Age=\d+; SameSite=Lax$/);
  });

  test('every /zakat answer says it varies by Accept-Language and the cookie', async () => {
    // Proves a shared cache cannot hand one viewer's language to another: GET, a posted form (with and without its
    // lang field) and the pay form all carry Vary.
    const key = randomUUID();
    const answers = [
      await t.app.inject({ url: '/zakat' }),
      await t.app.inject({ url: '/zakat?lang=en' }),
      await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({ lang: 'id' }) }),
      await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({}) }),
      await t.app.inject({ method: 'POST', url: '/zakat/pay', headers: FORM, payload: new URLSearchParams({ idempotency_key: key, lang: 'en', campaign_id: 'zakat-mal', currency: 'IDR', amount: '1000.00' }).toString() }),
    ];
    for (const answer of answers) {
      assert.match(String(answer.headers.vary), /accept-language/, answer.body.slice(0, 200));
      assert.match(String(answer.headers.vary), /cookie/);
    }
  });

  test('the paid notice is in the language of the pay form', async () => {
    // Proves the pay form's lang reaches /zakat/pay: an Indonesian payment is confirmed in Indonesian, lang="id".
    const answer = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({ lang: 'id' }) });
    const key = /name="idempotency_key" value="([^"]+)"/.exec(answer.body)?.[1];
    assert.ok(key);
    const payment = new URLSearchParams({ idempotency_key: key, lang: 'id', campaign_id: 'zakat-mal', currency: 'IDR', amount: '2550000.00' });
    const paid = await t.app.inject({ method: 'POST', url: '/zakat/pay', headers: { ...FORM, 'accept-language': 'en' }, payload: payment.toString() });
    assert.equal(paid.statusCode, 201);
    assert.match(paid.body, /<html lang="id">/);
    assert.match(paid.body, /role="status">Tercatat: Rp\s2\.550\.000,00 untuk Zakat mal 1448, donasi \d+ \(menunggu sampai lembaga mengonfirmasi transfernya\)\./);
  });

  test('a refused input shows its code\'s title in the page\'s language and keeps the detail naming the input', async () => {
    // Proves refusals on the page read in Indonesian under id (the registry's titleId), in English under en, with the same detail and status.
    const cases: Array<[string, string, number, string, string]> = [
      [wealthForm({ lang: 'id', cash: '12.345' }), '/zakat', 422, 'Jumlah tidak valid', 'assets.cash: amount'],
      [wealthForm({ lang: 'id', gold_grams: '1.2345' }), '/zakat', 422, 'Kuantitas tidak valid', 'assets.gold_grams: grams'],
      [wealthForm({ lang: 'id', nisab_basis: 'copper' }), '/zakat', 400, 'Permintaan tidak valid', 'nisab_basis must be one of gold, silver'],
      [new URLSearchParams({ idempotency_key: 'zakat-page-refused', lang: 'id', campaign_id: 'wells', currency: 'IDR', amount: '1' }).toString(), '/zakat/pay', 422,
        'Kampanye ini tidak termasuk dana zakat', 'zakat is paid only to a campaign of the zakat fund'],
    ];
    for (const [payload, url, status, title, detail] of cases) {
      const refused = await t.app.inject({ method: 'POST', url, headers: { ...FORM, 'accept-language': 'en' }, payload });
      assert.equal(refused.statusCode, status, payload);
      assert.match(refused.body, /<html lang="id">/);
      const alert = /<p class="error" role="alert" data-code="[a-z_]+"><strong>([^<]+)\.<\/strong> <span lang="en">([^<]+)<\/span><\/p>/.exec(refused.body);
      assert.ok(alert, payload);
      assert.equal(alert[1], title);
      assert.ok(alert[2]!.includes(detail), `${alert[2]} names the input`);
    }
    const english = await t.app.inject({ method: 'POST', url: '/zakat', headers: FORM, payload: wealthForm({ lang: 'en', cash: '12.345' }) });
    assert.match(english.body, /<html lang="en">[\s\S]*<strong>The amount is not valid\.<\/strong> assets\.cash: amount/);
  });
});
