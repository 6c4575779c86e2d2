// Arabic and Hebrew names on receipts and statements print right to left and, for Arabic, joined: the line is put
// in visual order by the Unicode Bidirectional Algorithm and each right-to-left word is shaped by the font's
// tables (initial, medial, final forms, lam-alef). Read back from the PDF (pdf.js turns a right-to-left run back to
// logical order), the name is whole and in order, where the old layout gave "اللهعبد محمد"; the stored content
// keeps the logical name and the Indonesian and English around it stays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import { extractText, getDocumentProxy } from 'unpdf';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { drainReceiptRequests } from '../../src/receipts/issuer.ts';
import { drawsVisualOrder, visualOrder } from '../../src/receipts/right-to-left.ts';

const ARABIC_NAME = 'محمد عبد الله';
const HEBREW_NAME = 'דוד כהן';

let test_: TestApp;
let campaign: Record<string, string>;

before(async () => {
  test_ = await createTestApp();
  campaign = await createCampaign(test_, { slug: 'rtl-zakat', name: 'Zakat Maal 2026', fund: 'zakat' });
});
after(async () => { await test_.close(); });

function dejaVu(): fontkit.Font {
  const directory = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  return fontkit.create(readFileSync(join(directory, 'DejaVuSans.ttf'))) as fontkit.Font;
}

function glyphNames(font: fontkit.Font, logical: string): string[] {
  return font.layout(visualOrder(logical)).glyphs.map((glyph) => glyph.name);
}

test('a line is put in visual order and each Arabic word is shaped, lam-alef joined; other text is laid out as before', () => {
  assert.equal(visualOrder(ARABIC_NAME), 'هللا دبع دمحم');
  assert.equal(visualOrder('Donor: محمد 2026'), 'Donor: 2026 دمحم', 'Arabic letters make the digits after them right-to-left (rule W2)');
  assert.equal(visualOrder('علاء (الدين)'), '(نيدلا) ءالع', 'brackets are mirrored');
  assert.equal(visualOrder('Дмитрий Иванов'), 'Дмитрий Иванов');
  const font = drawsVisualOrder(dejaVu());
  // Left to right on the page: dal final, meem medial, hah medial, meem initial (محمد read from the right).
  assert.deepEqual(glyphNames(font, 'محمد'), ['uniFEAA', 'uniFEE4', 'uniFEA4', 'uniFEE3']);
  assert.deepEqual(glyphNames(font, 'Donor: محمد 2026'), ['D', 'o', 'n', 'o', 'r', 'colon', 'space', 'two', 'zero', 'two', 'six', 'space', 'uniFEAA', 'uniFEE4', 'uniFEA4', 'uniFEE3']);
  // علاء: hamza, lam-alef final ligature, ain initial.
  assert.deepEqual(glyphNames(font, 'علاء'), ['uni0621', 'uniFEFC', 'uniFECB']);
  assert.deepEqual(glyphNames(font, HEBREW_NAME), ['uni05DF', 'uni05D4', 'uni05DB', 'space', 'uni05D3', 'uni05D5', 'uni05D3']);
  const plain = dejaVu();
  for (const text of ['Nguyễn Thị Hằng ', 'Ελένη']) assert.deepEqual(font.layout(text).glyphs.map((glyph) => glyph.id), plain.layout(text).glyphs.map((glyph) => glyph.id));
});

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

async function receiptFor(name: string): Promise<{ content: { donor: { name: string } }; text: string; bytes: Buffer }> {
  const created = await donate(test_, { campaign_id: campaign.id, currency: 'IDR', amount: '2500000', donor_name: name });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  assert.equal((await test_.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(test_.staffToken) })).statusCode, 200);
  const { config } = test_.testDatabase;
  await drainReceiptRequests(test_.database, { settings: config.receipts, publicUrl: config.paymentProviders.publicUrl, mail: false });
  const list = await test_.app.inject({ method: 'GET', url: `/api/receipts?donation_id=${id}`, headers: bearer(test_.staffToken) });
  const [receipt] = list.json().receipts as { id: string; content: { donor: { name: string } } }[];
  const pdf = await test_.app.inject({ method: 'GET', url: `/api/receipts/${receipt!.id}/pdf`, headers: bearer(test_.staffToken) });
  assert.equal(pdf.statusCode, 200, pdf.body);
  const again = await test_.app.inject({ method: 'GET', url: `/api/receipts/${receipt!.id}/pdf`, headers: bearer(test_.staffToken) });
  assert.ok(again.rawPayload.equals(pdf.rawPayload), 'the PDF is the same bytes on every rendering');
  return { content: receipt!.content, text: await pdfText(pdf.rawPayload), bytes: pdf.rawPayload };
}

test('a receipt prints an Arabic and a Hebrew name right to left, read back whole; the stored name stays logical', async () => {
  for (const name of [ARABIC_NAME, HEBREW_NAME]) {
    const { content, text, bytes } = await receiptFor(name);
    assert.equal(content.donor.name, name, 'the frozen content keeps the name as given');
    assert.ok(text.includes(`Nama / Name ${name}`), `the PDF shows ${name}: ${text}`);
    for (const expected of ['BUKTI SETOR ZAKAT / ZAKAT PAYMENT RECEIPT', 'dua juta lima ratus ribu rupiah', 'two million five hundred thousand rupiah', 'Zakat Maal 2026']) {
      assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
    }
    assert.ok(bytes.length < 100_000, `${bytes.length} bytes`);
  }
});

test('a statement prints an Arabic donor in its mixed line and an Arabic campaign name in its table', async () => {
  const arabicCampaign = await createCampaign(test_, { slug: 'rtl-arabic', name: 'زكاة الفطر', fund: 'zakat' });
  const created = await donate(test_, { campaign_id: arabicCampaign.id, currency: 'IDR', amount: '50000', donor_name: ARABIC_NAME, donor_email: 'rtl@example.org', donated_at: '2025-06-01T00:00:00Z' });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal((await test_.app.inject({ method: 'POST', url: `/api/donations/${created.json().id}/approve`, headers: bearer(test_.staffToken) })).statusCode, 200);
  const pdf = await test_.app.inject({ method: 'POST', url: '/api/statements', headers: bearer(test_.staffToken), payload: { email: 'rtl@example.org', from: '2025-04-01', to: '2026-03-31', format: 'pdf' } });
  assert.equal(pdf.statusCode, 200, pdf.body);
  const text = await pdfText(pdf.rawPayload);
  // The line is drawn "Donatur / Donor: هللا دبع دمحم" left to right; pdf.js reads a line that is 30% or more
  // right-to-left as a right-to-left line and gives it back in that order. The old layout read back as
  // "Donatur / Donor: اللهعبد محمد" and the campaign as "الفطرزكاة".
  for (const expected of ['LAPORAN DONASI / GIVING STATEMENT', `${ARABIC_NAME} :Donatur / Donor`, 'زكاة الفطر', 'Zakat / Zakat, IDR']) {
    assert.ok(text.includes(expected), `the statement shows ${expected}: ${text}`);
  }
});
