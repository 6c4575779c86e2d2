// Receipts end to end on a real database: an approval queues a request in its own transaction, the issuer
// numbers and freezes the receipt, the PDF reads back (text extracted) with the donor, amount, words and
// number; a later rename changes nothing issued; a refund voids it and its number is never reused; the public
// check shows only issuer, number, date, amount and status, never a name (an anonymous gift's receipt still
// names the donor for staff).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { extractText, getDocumentProxy } from 'unpdf';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { drainReceiptRequests, localDate } from '../../src/receipts/issuer.ts';

let test_: TestApp;
let campaign: Record<string, string>;
let year: number;

before(async () => {
  test_ = await createTestApp();
  campaign = await createCampaign(test_, { slug: 'receipts-zakat', name: 'Zakat Maal 2026', fund: 'zakat' });
  year = localDate(new Date(), test_.testDatabase.config.receipts.timeZone).year;
});
after(async () => { await test_.close(); });

async function issue(): Promise<number> {
  const { config } = test_.testDatabase;
  return drainReceiptRequests(test_.database, { settings: config.receipts, publicUrl: config.paymentProviders.publicUrl, mail: false });
}

async function approvedDonation(body: Record<string, unknown>): Promise<string> {
  const created = await donate(test_, { campaign_id: campaign.id, currency: 'IDR', ...body });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const approved = await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(test_.staffToken) });
  assert.equal(approved.statusCode, 200, approved.body);
  return id;
}

async function receiptsOf(donationId: string) {
  const response = await test_.app.inject({ method: 'GET', url: `/api/receipts?donation_id=${donationId}`, headers: bearer(test_.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().receipts as { id: string; number: string; code: string; status: string; content: { donor: { name: string; anonymous: boolean } } & Record<string, unknown>; content_sha256: string; void_reason: string | null }[];
}

async function pdfText(receiptId: string): Promise<{ text: string; bytes: Buffer }> {
  const response = await test_.app.inject({ method: 'GET', url: `/api/receipts/${receiptId}/pdf`, headers: bearer(test_.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/pdf');
  const bytes = response.rawPayload;
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return { text: text.replace(/\s+/g, ' '), bytes };
}

test('an approved donation gets a numbered receipt whose PDF carries the fields of a Bukti Setor Zakat', async () => {
  const id = await approvedDonation({ amount: '2500000', donor_name: 'Siti Aminah', donor_email: 'siti@example.org' });
  assert.equal((await receiptsOf(id)).length, 0, 'nothing is issued before the issuer runs');
  assert.ok(await issue() >= 1);
  const [receipt] = await receiptsOf(id);
  assert.equal(receipt!.status, 'valid');
  assert.match(receipt!.number, new RegExp(`^AMN/${year}/\\d{6}$`));
  const { text } = await pdfText(receipt!.id);
  for (const expected of ['BUKTI SETOR ZAKAT', 'Siti Aminah', receipt!.number, 'dua juta lima ratus ribu rupiah', 'two million five hundred thousand rupiah', 'Zakat Maal 2026', 'Officer: test staff', receipt!.code]) {
    assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
  }
});

test('a receipt prints the donor\'s name in its own script (Latin Extended, Greek, Cyrillic), read back from the PDF', async () => {
  // Proves the embedded DejaVu Sans: the standard Helvetica printed each of these names as question marks.
  for (const name of ['Łukasz Żółć', 'Ελένη Παπαδοπούλου', 'Дмитрий Иванов', 'Nguyễn Thị Hằng']) {
    const id = await approvedDonation({ amount: '150000', donor_name: name });
    await issue();
    const [receipt] = await receiptsOf(id);
    const { text, bytes } = await pdfText(receipt!.id);
    assert.ok(text.includes(name), `the PDF shows ${name}: ${text}`);
    assert.ok(bytes.length < 100_000, `a receipt PDF with its embedded font subset stays small: ${bytes.length} bytes`);
  }
});

test('an issued receipt does not change when the campaign is renamed: same content, same hash, same bytes', async () => {
  const id = await approvedDonation({ amount: '100000', donor_name: 'Budi', donor_email: 'budi@example.org' });
  await issue();
  const [before_] = await receiptsOf(id);
  const first = await pdfText(before_!.id);
  const renamed = await test_.app.inject({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, headers: bearer(test_.adminToken), payload: { name: 'Renamed campaign' } });
  assert.equal(renamed.statusCode, 200, renamed.body);
  const [after_] = await receiptsOf(id);
  assert.deepEqual(after_!.content, before_!.content);
  assert.equal(after_!.content_sha256, before_!.content_sha256);
  const second = await pdfText(before_!.id);
  assert.ok(second.bytes.equals(first.bytes), 'the PDF is rendered deterministically from the frozen content');
  assert.ok(second.text.includes('Zakat Maal 2026') && !second.text.includes('Renamed campaign'));
  await test_.app.inject({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, headers: bearer(test_.adminToken), payload: { name: 'Zakat Maal 2026' } });
});

test('a refund voids the receipt, the number is never reused, and the check page says void', async () => {
  const id = await approvedDonation({ amount: '50000', donor_name: 'Citra', donor_email: 'citra@example.org' });
  await issue();
  const [issued] = await receiptsOf(id);
  const refunded = await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/refund`, headers: bearer(test_.staffToken), payload: { reason: 'asked by donor' } });
  assert.equal(refunded.statusCode, 200, refunded.body);
  await issue();
  const [voided] = await receiptsOf(id);
  assert.equal(voided!.status, 'void');
  assert.equal(voided!.void_reason, 'refunded');
  assert.ok((await pdfText(voided!.id)).text.includes('BATAL / VOID'));
  const check = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${issued!.code}` });
  assert.equal(check.json().status, 'void');
  for (const [lang, stamp] of [['id', '>BATAL<'], ['en', '>VOID<']] as const) {
    const page = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${issued!.code}?lang=${lang}`, headers: { accept: 'text/html' } });
    assert.ok(page.body.includes(stamp), `the ${lang} check page stamps a void receipt ${stamp}`);
  }
  const next = await approvedDonation({ amount: '70000', donor_name: 'Dewi' });
  await issue();
  const [fresh] = await receiptsOf(next);
  const serial = (number: string) => Number(number.split('/')[2]);
  assert.equal(serial(fresh!.number), serial(issued!.number) + 1, 'the void number is skipped by nobody: the next is one more');
});

test('the public check shows issuer, number, date, amount and status only; an anonymous gift still names its donor for staff', async () => {
  const id = await approvedDonation({ amount: '123456', donor_name: 'Hidden Donor', donor_email: 'hidden@example.org', anonymous: true });
  await issue();
  const [receipt] = await receiptsOf(id);
  assert.equal(receipt!.content.donor.name, 'Hidden Donor', 'staff see the name of an anonymous gift');
  assert.equal(receipt!.content.donor.anonymous, true);
  const json = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code.toLowerCase()}`, headers: { accept: 'application/json' } });
  assert.equal(json.statusCode, 200, json.body);
  assert.deepEqual(Object.keys(json.json()).sort(), ['amount', 'currency', 'date', 'issuer', 'number', 'status']);
  assert.deepEqual(json.json(), { issuer: 'amanah', number: receipt!.number, date: json.json().date, amount: '123456.00', currency: 'IDR', status: 'valid' });
  const html = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code}`, headers: { accept: 'text/html' } });
  assert.equal(html.statusCode, 200);
  assert.match(html.headers['content-type'] as string, /^text\/html/);
  assert.ok(html.body.includes(receipt!.number) && !html.body.includes('Hidden') && !html.body.includes('hidden@'));
  const nul = await test_.app.inject({ method: 'GET', url: '/receipts/verify/%00' });
  assert.equal(nul.statusCode, 400);
  for (const bad of ['NOPE', 'ZZZZZZZZZZ', 'x'.repeat(64)]) {
    const missing = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${bad}` });
    assert.equal(missing.statusCode, 404, bad);
    assert.equal(missing.json().code, 'receipt_not_found');
  }
  const anonymous = await test_.app.inject({ method: 'GET', url: `/api/receipts/${receipt!.id}` });
  assert.equal(anonymous.statusCode, 401, 'a receipt with its name is for staff (and the donor portal), never public');
  const bogus = await test_.app.inject({ method: 'GET', url: '/api/receipts/abc/pdf', headers: bearer(test_.staffToken) });
  assert.equal(bogus.statusCode, 404);
});

test('the check page is in one language at a time, as the viewer chose, with its date and amount in that locale', async () => {
  // Proves the page negotiates like the console (header, cookie, switch), sets <html lang>, and mixes no languages.
  const id = await approvedDonation({ amount: '1250000', donor_name: 'Budi Check', donor_email: 'budi.check@example.org' });
  await issue();
  const [receipt] = await receiptsOf(id);
  const issuedOn = localDate(new Date(String(receipt!.content.issued_at)), test_.testDatabase.config.receipts.timeZone).date;
  const day = (locale: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${issuedOn}T00:00:00Z`));
  const page = async (headers: Record<string, string>, query = '') => {
    const response = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code}${query}`, headers: { accept: 'text/html', ...headers } });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers.vary), /accept-language/);
    return response;
  };
  const indonesian = (await page({ 'accept-language': 'id-ID,id;q=0.9' })).body;
  assert.match(indonesian, /<html lang="id">/);
  for (const expected of ['Verifikasi bukti setor', 'Penerbit', 'Tanggal terbit', 'Jumlah', '>SAH<', day('id-ID'), 'Rp\u00a01.250.000,00', receipt!.number, `lang="en" hreflang="en">English</a>`]) {
    assert.ok(indonesian.includes(expected), `id: ${expected}`);
  }
  const english = (await page({ 'accept-language': 'en-US,en;q=0.9' })).body;
  assert.match(english, /<html lang="en">/);
  for (const expected of ['Receipt check', 'Issuer', 'Issued on', 'Amount', '>VALID<', day('en-GB'), 'IDR\u00a01,250,000.00', `lang="id" hreflang="id">Bahasa Indonesia</a>`]) {
    assert.ok(english.includes(expected), `en: ${expected}`);
  }
  for (const indonesianWord of ['Penerbit', 'Jumlah', 'SAH', 'Verifikasi']) assert.ok(!english.includes(indonesianWord), `en page has no "${indonesianWord}"`);
  for (const englishWord of ['Issuer', 'Amount', 'VALID', 'Receipt check']) assert.ok(!indonesian.includes(englishWord), `id page has no "${englishWord}"`);
  assert.match((await page({})).body, /<html lang="id">/, 'Indonesian when nothing is asked for');
  assert.match((await page({ 'accept-language': 'id', cookie: 'amanah_lang=en' })).body, /<html lang="en">/, 'the cookie beats the header');
  const switched = await page({ 'accept-language': 'en', cookie: 'amanah_lang=en' }, '?lang=id');
  assert.match(switched.body, /<html lang="id">/, 'the switch beats both');
  assert.match(String(switched.headers['set-cookie']), /^amanah_lang=id; Path=\//);
  const json = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code}?lang=en`, headers: { accept: 'application/json' } });
  assert.equal(json.json().amount, '1250000.00', 'the JSON answer stays the canonical decimal, in no language');
  assert.equal(json.headers['set-cookie'], undefined);
});

test('the issue day on the check page and the PDF is the institution\'s (WIB), the day the number\'s year is taken on', async () => {
  // Proves the day is not cut from the UTC timestamp: 23:30 UTC on 31 December is 06:30 WIB on 1 January, so
  // AMN/2027/… must not read 31 December 2026, and 20:30 UTC on 1 January is already 2 January in Jakarta.
  assert.equal(test_.testDatabase.config.receipts.timeZone, 'Asia/Jakarta');
  const cases = [
    { at: '2026-12-31T23:30:00Z', day: '2027-01-01', id: '1 Januari 2027', en: '1 January 2027' },
    { at: '2027-01-01T20:30:00Z', day: '2027-01-02', id: '2 Januari 2027', en: '2 January 2027' },
  ];
  for (const expected of cases) {
    const id = await approvedDonation({ amount: '100000', donor_name: 'Dewi Subuh' });
    // The issue instant is the request's time; set it to the case's before the issuer runs.
    await test_.database.query('update receipt_requests set requested_at = $1 where donation_id = $2', [expected.at, id]);
    await issue();
    const [receipt] = await receiptsOf(id);
    assert.match(receipt!.number, /^AMN\/2027\/\d{6}$/, expected.at);
    const json = await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code}`, headers: { accept: 'application/json' } });
    assert.equal(json.json().date, expected.day, expected.at);
    for (const lang of ['id', 'en'] as const) {
      const page = (await test_.app.inject({ method: 'GET', url: `/receipts/verify/${receipt!.code}?lang=${lang}`, headers: { accept: 'text/html' } })).body;
      assert.ok(page.includes(`<time datetime="${expected.day}">${expected[lang]}</time>`), `${lang} ${expected.at}: ${page}`);
    }
    const { text } = await pdfText(receipt!.id);
    assert.ok(text.includes(`Diterbitkan / Issued ${expected.day}`), `PDF ${expected.at}: ${text}`);
  }
});

test('a partial refund voids the receipt as corrected and issues one for what stays, naming the one it corrects', async () => {
  const { writeTransitionBatch } = await import('../../src/donations/donations.ts');
  const { ChangeFeed } = await import('../../src/events/changes.ts');
  const id = await approvedDonation({ amount: '300000', donor_name: 'Eko', donor_email: 'eko@example.org' });
  await issue();
  const [first] = await receiptsOf(id);
  const [outcome] = await writeTransitionBatch(test_.database, new ChangeFeed(), [{ id, to: 'refunded', actor: 'payment:stripe', reason: 'partial', refundedTotalMinor: 10_000_000n }]);
  assert.ok(!(outcome instanceof Error), String(outcome));
  await issue();
  const [old, corrected] = await receiptsOf(id);
  assert.equal(old!.number, first!.number);
  assert.equal(old!.status, 'void');
  assert.equal(old!.void_reason, 'corrected');
  assert.equal(corrected!.status, 'valid');
  assert.equal((corrected as unknown as { amount: string }).amount, '200000.00');
  assert.deepEqual(corrected!.content.corrects, { number: first!.number, refunded_minor: '10000000' });
  assert.ok((await pdfText(corrected!.id)).text.includes(`Corrects: ${first!.number}`));
});

test("NPWP and NIK given with the gift come on its first receipt and in no answer; malformed ones write nothing", async () => {
  const refusals: [Record<string, string>, number, string, string][] = [
    [{ donor_npwp: '12.345' }, 400, 'validation_failed', 'donor_npwp'],
    [{ donor_nik: '9971014501900001' }, 422, 'nik_invalid', 'donor_nik'],
    [{ donor_npwp: 'x'.repeat(25) }, 400, 'validation_failed', 'donor_npwp'],
  ];
  const before_ = await test_.database.query<{ count: bigint }>('select count(*) from donations');
  for (const [tax, status, code, field] of refusals) {
    const response = await donate(test_, { campaign_id: campaign.id, currency: 'IDR', amount: '50000', donor_name: 'Rahmat', ...tax });
    assert.equal(response.statusCode, status, response.body);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().code, code);
    assert.match(JSON.stringify(response.json()), new RegExp(field));
    assert.ok(!response.body.includes('9971014501900001'), 'a refusal never repeats the NIK');
  }
  const after_ = await test_.database.query<{ count: bigint }>('select count(*) from donations');
  assert.equal(after_.rows[0]!.count, before_.rows[0]!.count, 'a refused request writes no donation');

  const created = await donate(test_, { campaign_id: campaign.id, currency: 'IDR', amount: '750000', donor_name: 'Rahmat Hidayat', donor_email: 'rahmat@example.org', donor_npwp: '01.234.567.8-901.000', donor_nik: '3171010101900002' });
  assert.equal(created.statusCode, 201, created.body);
  assert.ok(!created.body.includes('012345678901000') && !created.body.includes('3171010101900002') && !created.body.includes('01.234'), `the answer never carries the tax ids: ${created.body}`);
  const id = created.json().id as string;
  const approved = await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(test_.staffToken) });
  assert.equal(approved.statusCode, 200, approved.body);
  assert.ok(!approved.body.includes('3171010101900002'));
  await issue();
  const receipts = await receiptsOf(id);
  assert.equal(receipts.length, 1, 'the first receipt carries them: nothing to correct');
  assert.equal(receipts[0]!.status, 'valid');
  const { text } = await pdfText(receipts[0]!.id);
  assert.ok(text.includes('NPWP 012345678901000') && text.includes('NIK 3171010101900002'), text);
  const publicRead = await test_.app.inject({ method: 'GET', url: `/api/donations/${id}` });
  assert.ok(!publicRead.body.includes('3171010101900002') && !publicRead.body.includes('012345678901000'), publicRead.body);
});

test("a donor's NPWP and NIK, recorded after the gift, come on a corrected receipt; bad ones are refused", async () => {
  const id = await approvedDonation({ amount: '400000', donor_name: 'Gita', donor_email: 'gita@example.org' });
  await issue();
  const refusals: [Record<string, string>, number, string][] = [
    [{ npwp: '12345' }, 400, 'validation_failed'],
    [{ nik: '0000000000000000' }, 422, 'nik_invalid'],
  ];
  for (const [payload, status, code] of refusals) {
    const response = await test_.app.inject({ method: 'PUT', url: `/api/donations/${id}/tax-ids`, headers: bearer(test_.staffToken), payload });
    assert.equal(response.statusCode, status, response.body);
    assert.equal(response.json().code, code);
  }
  const set = await test_.app.inject({ method: 'PUT', url: `/api/donations/${id}/tax-ids`, headers: bearer(test_.staffToken), payload: { npwp: '01.234.567.8-901.000', nik: '3171014501900001' } });
  assert.equal(set.statusCode, 202, set.body);
  await issue();
  const [old, corrected] = await receiptsOf(id);
  assert.equal(old!.status, 'void');
  assert.equal(corrected!.status, 'valid');
  const { text } = await pdfText(corrected!.id);
  assert.ok(text.includes('NPWP 012345678901000') && text.includes('NIK 3171014501900001'), text);
  const missing = await test_.app.inject({ method: 'PUT', url: '/api/donations/99999999/tax-ids', headers: bearer(test_.staffToken), payload: { nik: '3171014501900001' } });
  assert.equal(missing.statusCode, 404);
});
