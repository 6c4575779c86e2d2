// Reading receipts: as staff and the donor see them (the donor's name included, even for an anonymous gift),
// as a PDF rendered from the frozen content, and as the public verification shows them (no name, nothing but
// issuer, number, date, amount and status). The donor portal (src/portal) calls these with its session.
import { AppError } from '../errors.ts';
import type { Database, Queryable } from '../db/database.ts';
import { isDatabaseId } from '../http/format.ts';
import { formatAmount } from '../money/index.ts';
import { npwpDigits } from '../text/npwp.ts';
import { assertIntact, canonicalJson, issuedOn, renderReceiptPdf } from './document.ts';
import { findReceipt, findReceiptByCode, type ReceiptRow } from './queries.ts';

export function receiptJson(row: ReceiptRow) {
  assertIntact(row.content, row.content_sha256);
  return {
    id: String(row.id), donation_id: String(row.donation_id), number: row.content.number, code: row.code, status: row.status,
    amount: formatAmount(row.amount_minor, row.currency), currency: row.currency, issued_at: row.issued_at.toISOString(),
    voided_at: row.voided_at?.toISOString() ?? null, void_reason: row.void_reason, replaces_id: row.replaces_id === null ? null : String(row.replaces_id),
    content: JSON.parse(canonicalJson(row.content)) as Record<string, unknown>, content_sha256: Buffer.from(row.content_sha256).toString('hex'),
  };
}

export async function getReceipt(db: Queryable, id: string): Promise<ReceiptRow> {
  const row = isDatabaseId(id) ? await findReceipt(db, BigInt(id)) : undefined;
  if (!row) throw new AppError('receipt_not_found', `no receipt with id "${id}"`);
  return row;
}

/** The PDF of a receipt and its file name (`AMN-2026-000123.pdf`); its issue day is read in `timeZone`. */
export async function receiptPdf(row: ReceiptRow, timeZone: string): Promise<{ bytes: Buffer; filename: string }> {
  assertIntact(row.content, row.content_sha256);
  return { bytes: await renderReceiptPdf(row.content, row.status === 'void', timeZone), filename: `${row.content.number.replaceAll('/', '-')}.pdf` };
}

const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{10}$/;

/**
 * The public verification of a code; codes are read case-insensitively, O as 0 and I, L as 1 (Crockford). The
 * date is the issue day in `timeZone`, the institution's, as the number's year is.
 */
export async function verifyCode(db: Queryable, code: string, timeZone: string) {
  const normalised = code.toUpperCase().replaceAll('O', '0').replace(/[IL]/g, '1').replaceAll('-', '');
  const row = CODE_PATTERN.test(normalised) ? await findReceiptByCode(db, normalised) : undefined;
  if (!row) throw new AppError('receipt_not_found', 'no receipt has this code');
  assertIntact(row.content, row.content_sha256);
  return {
    issuer: row.content.institution.name, number: row.content.number, date: issuedOn(row.content, timeZone),
    amount: formatAmount(row.amount_minor, row.currency), currency: row.currency, status: row.status,
  };
}

/** NPWP: 15 digits (the old form, often written with dots and dashes) or 16 (NIK-based since 2024). */
export function normaliseNpwp(text: string, field = 'npwp'): string {
  const digits = npwpDigits(text);
  if (digits === undefined) throw new AppError('validation_failed', `${field} must be 15 or 16 digits (dots and dashes allowed)`, { field });
  return digits;
}

/**
 * Records the donor's NPWP and/or NIK on an approved donation and asks for a corrected receipt that carries them
 * (the issued one is voided as corrected, its number kept): a muzaki who asks for the NPWP on the Bukti Setor
 * after the gift gets a new receipt, never an edited one. Both in one transaction.
 */
export async function setTaxIds(db: Database, donationId: string, ids: { npwp: string | null; nik: string | null }): Promise<void> {
  if (!isDatabaseId(donationId)) throw new AppError('donation_not_found', `no donation with id "${donationId}"`);
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: string; refunded_minor: bigint }>(
      `update donations set donor_npwp = $2, donor_nik = $3 where id = $1 returning status, refunded_minor`, [donationId, ids.npwp, ids.nik]);
    const row = rows[0];
    if (!row) throw new AppError('donation_not_found', `no donation with id "${donationId}"`);
    if (row.status !== 'approved') throw new AppError('donation_status_conflict', `donation ${donationId} is ${row.status}; only an approved donation has a receipt to correct`, { current_status: row.status });
    await tx.query(`insert into receipt_requests (donation_id, kind, refunded_minor) values ($1, 'correct', nullif($2::bigint, 0))`, [donationId, row.refunded_minor]);
  });
}
