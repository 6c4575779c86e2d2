// A receipt's frozen content and its PDF. The content is built once, at issue, from the donation and the
// settings of that moment, stored as JSON with the SHA-256 of its canonical text, and never rebuilt: the PDF is
// rendered from the stored content alone (and the receipt's valid/void status), so a later edit of a campaign's
// name, the institution's address or the donor's name never changes an issued receipt. The rendering is
// deterministic: the PDF's dates (and so pdfkit's file ID, which hashes them) are the issue time, so the same
// receipt gives the same bytes on every download.
//
// Content per PER-6/PJ/2011 (Bukti Setor Zakat): the payer's name and NPWP, the amount, the date, the
// institution that received it, and an officer's name or the system's validation.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { formatDisplay } from '../money/index.ts';
import { localDate } from './issuer.ts';
import { drawsVisualOrder, visualOrder } from './right-to-left.ts';

export const RECEIPT_CONTENT_VERSION = 1;

/**
 * The day a receipt was issued (YYYY-MM-DD) in the institution's zone, the zone its number's year was taken in:
 * `issued_at` is UTC, so its first ten characters are the day before for a receipt issued 00:00-06:59 WIB, and
 * AMN/2027/000001 would read 31 December 2026. The content stores no local issue day and is frozen, so it is
 * computed at reading.
 */
export function issuedOn(content: ReceiptContent, timeZone: string): string {
  return localDate(new Date(content.issued_at), timeZone).date;
}

export interface ReceiptContent {
  version: number;
  number: string;
  code: string;
  verify_url: string;
  issued_at: string;
  /** The gift's date, in the institution's time zone, YYYY-MM-DD. */
  donated_on: string;
  donation_id: string;
  donor: { name: string; npwp: string | null; nik: string | null; anonymous: boolean };
  amount: { minor: string; currency: string; figures_id: string; figures_en: string; words_id: string; words_en: string };
  fund: string;
  campaign: { id: string; name: string };
  institution: { name: string; address: string; permit: string };
  /** The officer who approved, or null: validated by the system (a payment provider's confirmation). */
  officer: string | null;
  /** A corrected receipt (after a partial refund): the number it replaces, and what was refunded. */
  corrects: { number: string; refunded_minor: string } | null;
}

/** JSON with keys sorted at every level: jsonb does not keep key order, so the hash is over this form. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentSha256(content: ReceiptContent): Buffer {
  return createHash('sha256').update(canonicalJson(content)).digest();
}

/** Asserts a stored receipt still matches its hash: a mismatch is corruption or tampering, never shown. */
export function assertIntact(content: ReceiptContent, sha256: Uint8Array): void {
  if (!contentSha256(content).equals(Buffer.from(sha256))) throw new Error(`receipt ${content.number}: content does not match its SHA-256`);
}

export const FUND_LABELS: Readonly<Record<string, { id: string; en: string }>> = {
  zakat: { id: 'Zakat', en: 'Zakat' },
  infaq: { id: 'Infak', en: 'Infaq' },
  sadaqah: { id: 'Sedekah', en: 'Sadaqah' },
  waqf: { id: 'Wakaf', en: 'Waqf' },
  general: { id: 'Infak/sedekah tidak terikat', en: 'General giving' },
};

export function figures(minor: bigint, currency: string): { id: string; en: string } {
  return { id: formatDisplay(minor, currency, 'id-ID'), en: formatDisplay(minor, currency, 'en-US') };
}

/**
 * Fonts. PDF's standard Helvetica writes WinAnsi only: a donor named Łukasz, Дмитрий, Ελένη or Nguyễn printed as "?".
 * Text outside WinAnsi is drawn in DejaVu Sans, embedded (Latin, Greek, Cyrillic, Arabic, Hebrew; fontkit shapes
 * Arabic, and ./right-to-left.ts puts right-to-left text in visual order), and everything else in Helvetica,
 * because embedding costs rendering time. Measured here (200 renderings each, load 3.7): all in Helvetica
 * 9.2-10.7 ms and 4.0 KB a receipt; DejaVu for every line 126 ms and 24 KB (fontkit reads DejaVu's layout tables in
 * each new document); DejaVu for a Cyrillic name only 62 ms and 8.6 KB, an Arabic one 47 ms and 7.8 KB. pdfkit names a subset from the font's id in the document, not at
 * random, so the bytes stay the same on every rendering. Scripts DejaVu lacks (Han, Devanagari, Thai …) print as
 * its empty box; the stored content keeps them exact.
 */
const FONT_DIRECTORY = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
const EMBEDDED_FONTS = {
  body: { name: 'dejavu', bytes: readFileSync(join(FONT_DIRECTORY, 'DejaVuSans.ttf')) },
  bold: { name: 'dejavu-bold', bytes: readFileSync(join(FONT_DIRECTORY, 'DejaVuSans-Bold.ttf')) },
};
const STANDARD_FONTS = { body: 'Helvetica', bold: 'Helvetica-Bold' };
export type FontWeight = keyof typeof STANDARD_FONTS;
/** For amanah's own fixed words, all WinAnsi. */
export const BODY_FONT = STANDARD_FONTS.body;
export const BOLD_FONT = STANDARD_FONTS.bold;
const WIN_ANSI = /^[\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d]*$/;

/**
 * Sets the font that can draw `text` and returns the text to draw: NFC (a name typed decomposed prints composed),
 * and Arabic or Hebrew in visual order (WinAnsi has neither).
 */
export function inFont(doc: PDFKit.PDFDocument, text: string, weight: FontWeight = 'body'): string {
  const composed = text.normalize('NFC');
  if (WIN_ANSI.test(composed)) {
    doc.font(STANDARD_FONTS[weight]);
    return composed;
  }
  doc.font(EMBEDDED_FONTS[weight].name);
  return visualOrder(composed);
}

/** Draws the QR code as filled squares: vector, deterministic, no image to encode. */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, sizePoints: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const modules = qr.modules.size;
  const cell = sizePoints / modules;
  for (let row = 0; row < modules; row += 1) {
    for (let column = 0; column < modules; column += 1) {
      if (qr.modules.get(row, column)) doc.rect(x + column * cell, y + row * cell, cell, cell);
    }
  }
  doc.fill('#000000');
}

/** Collects a pdfkit document into one Buffer. */
export function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

export function newDocument(title: string, at: Date): PDFKit.PDFDocument {
  // Fixed dates make the bytes (and pdfkit's file ID, a hash of the info) the same on every rendering.
  const doc = new PDFDocument({ size: 'A4', margin: 50, compress: true, info: { Title: title, Producer: 'amanah', Creator: 'amanah', CreationDate: at, ModDate: at } });
  // pdfkit takes a fontkit font as well as the file's bytes (its types list only the bytes); a new one per document,
  // as pdfkit would create from the bytes, with the layout that draws visual-order right-to-left text.
  for (const font of Object.values(EMBEDDED_FONTS)) doc.registerFont(font.name, drawsVisualOrder(fontkit.create(font.bytes) as fontkit.Font) as unknown as Buffer);
  return doc.font(BODY_FONT);
}

/** Renders the receipt from its frozen content; `voided` stamps it void (the number stays, never reused). */
export async function renderReceiptPdf(content: ReceiptContent, voided: boolean, timeZone: string): Promise<Buffer> {
  const zakat = content.fund === 'zakat';
  const title = zakat ? 'BUKTI SETOR ZAKAT / ZAKAT PAYMENT RECEIPT' : 'TANDA TERIMA DONASI / DONATION RECEIPT';
  const doc = newDocument(`${title} ${content.number}`, new Date(content.issued_at));
  doc.fontSize(14).text(inFont(doc, content.institution.name, 'bold'));
  doc.fontSize(9);
  if (content.institution.address !== '') doc.text(inFont(doc, content.institution.address));
  if (content.institution.permit !== '') doc.text(inFont(doc, `Izin / Permit: ${content.institution.permit}`));
  doc.moveDown(1).font(BOLD_FONT).fontSize(13).text(title);
  doc.font(BODY_FONT).fontSize(10).text(`Nomor / Number: ${content.number}`);
  if (content.corrects) doc.text(`Koreksi atas / Corrects: ${content.corrects.number}`);
  doc.moveDown(0.8);
  const fund = FUND_LABELS[content.fund] ?? { id: content.fund, en: content.fund };
  const rows: [string, string][] = [
    ['Nama / Name', content.donor.name === '' ? '-' : content.donor.name],
    ...(content.donor.npwp ? [['NPWP', content.donor.npwp] as [string, string]] : []),
    ...(content.donor.nik ? [['NIK', content.donor.nik] as [string, string]] : []),
    ['Jumlah / Amount', `${content.amount.figures_id}  (${content.amount.figures_en})`],
    ['Terbilang', content.amount.words_id],
    ['In words', content.amount.words_en],
    ['Dana / Fund', fund.id === fund.en ? fund.id : `${fund.id} / ${fund.en}`],
    ['Program / Campaign', content.campaign.name],
    ['Tanggal / Date', content.donated_on],
    ['Diterbitkan / Issued', issuedOn(content, timeZone)],
  ];
  for (const [label, value] of rows) {
    const y = doc.y;
    doc.font(BOLD_FONT).text(label, 50, y, { width: 140 });
    doc.text(inFont(doc, value), 200, y, { width: 345 });
    doc.moveDown(0.3);
  }
  doc.moveDown(1).text(inFont(doc, content.officer === null
    ? 'Divalidasi oleh sistem / Validated by system'
    : `Petugas / Officer: ${content.officer}`), 50);
  doc.moveDown(1);
  const qrY = doc.y;
  drawQr(doc, content.verify_url, 50, qrY, 90);
  doc.font(BODY_FONT).fontSize(9).text(`Kode verifikasi / Verification code: ${content.code}`, 160, qrY + 20);
  doc.text(content.verify_url, 160, qrY + 34, { width: 385 });
  if (voided) {
    doc.font(BOLD_FONT).fontSize(48).fillColor('#b00020').text('BATAL / VOID', 50, 330, { align: 'center', width: 495 });
    doc.fillColor('#000000');
  }
  return pdfBytes(doc);
}
