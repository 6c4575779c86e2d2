// The donor page's receipts list gives each receipt's issue day in the institution's zone, as its PDF and its
// check page do: the receipt content keeps the instant in UTC, whose first ten characters are the day before for
// a receipt issued before 07:00 WIB (AMN/2027/000001 read 31 December 2026).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { donorPage } from '../../src/portal/page.ts';
import type { ReceiptRow } from '../../src/receipts/queries.ts';

function receipt(number: string, issuedAt: string): ReceiptRow {
  return {
    id: 1n, donation_id: 1n, prefix: 'AMN', year: 2027, number: 1n, code: 'ABCDEFGHJK', status: 'valid', amount_minor: 125_000_000n,
    currency: 'IDR', issued_at: new Date(issuedAt), content_sha256: new Uint8Array(32), voided_at: null, void_reason: null,
    content: { number, issued_at: issuedAt } as ReceiptRow['content'],
  } as ReceiptRow;
}

test('a receipt issued at 06:30 WIB on 1 January is listed on 1 January, in Indonesian and English', () => {
  const input = { email: 'aisha@example.org', gifts: [], receipts: [receipt('AMN/2027/000001', '2026-12-31T23:30:00.000Z')], year: 2027, timeZone: 'Asia/Jakarta', csrf: 'x' };
  const indonesian = donorPage('id', input);
  assert.match(indonesian, /<time datetime="2027-01-01">1 Jan 2027<\/time>/);
  assert.match(donorPage('en', input), /<time datetime="2027-01-01">1 Jan 2027<\/time>/);
  // The same instant in a zone behind UTC is still 31 December there.
  assert.match(donorPage('en', { ...input, timeZone: 'America/New_York' }), /<time datetime="2026-12-31">31 Dec 2026<\/time>/);
});
