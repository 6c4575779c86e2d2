// SQL for receipts, their requests and counters (migration 0019).
import type { Queryable } from '../db/database.ts';
import type { ReceiptContent } from './document.ts';

/** The issuer's advisory lock: one issuer at a time across every process on the database. */
export const ISSUER_LOCK_KEY = 7_150_019;

export interface RequestRow {
  id: bigint;
  donation_id: bigint;
  kind: 'issue' | 'void' | 'correct';
  refunded_minor: bigint | null;
  requested_at: Date;
}

/** Takes the issuer lock for this transaction, or answers false when another issuer holds it. */
export async function tryIssuerLock(tx: Queryable): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [ISSUER_LOCK_KEY]);
  return rows[0]!.locked;
}

/** The oldest requests, in the order they were written (ids from one sequence). */
export async function oldestRequests(tx: Queryable, limit: number): Promise<RequestRow[]> {
  const { rows } = await tx.query<RequestRow>(
    'select id, donation_id, kind, refunded_minor, requested_at from receipt_requests order by id limit $1', [limit]);
  return rows;
}

export async function deleteRequests(tx: Queryable, ids: readonly bigint[]): Promise<void> {
  await tx.query('delete from receipt_requests where id = any($1::bigint[])', [ids]);
}

export interface IssueSourceRow {
  id: bigint;
  amount_minor: bigint;
  currency: string;
  donated_at: Date;
  donor_name: string;
  donor_anonymous: boolean;
  donor_npwp: string | null;
  donor_nik: string | null;
  has_email: boolean;
  campaign_id: bigint;
  campaign_name: string;
  fund: string;
  /** Who approved it last (donation_status_changes.actor). */
  approved_by: string | null;
}

/** What a receipt needs of each donation, read under the issuer lock. */
export async function issueSources(tx: Queryable, donationIds: readonly bigint[]): Promise<Map<bigint, IssueSourceRow>> {
  const { rows } = await tx.query<IssueSourceRow>(
    `select d.id, d.amount_minor, d.currency, d.donated_at, d.donor_name, d.donor_anonymous, d.donor_npwp, d.donor_nik,
            (r.email is not null) as has_email, c.id as campaign_id, c.name as campaign_name, c.fund,
            (select h.actor from donation_status_changes h where h.donation_id = d.id and h.to_status = 'approved'
              order by h.id desc limit 1) as approved_by
       from donations d join campaigns c on c.id = d.campaign_id left join donors r on r.id = d.donor_id
      where d.id = any($1::bigint[])`, [donationIds]);
  return new Map(rows.map((row) => [row.id, row]));
}

export interface ValidReceiptRow { id: bigint; donation_id: bigint; number: string }

/** The valid receipt of each of these donations (at most one each: receipts_one_valid_per_donation). */
export async function validReceipts(tx: Queryable, donationIds: readonly bigint[]): Promise<Map<bigint, ValidReceiptRow>> {
  const { rows } = await tx.query<ValidReceiptRow>(
    `select id, donation_id, content->>'number' as number from receipts where donation_id = any($1::bigint[]) and status = 'valid'`, [donationIds]);
  return new Map(rows.map((row) => [row.donation_id, row]));
}

export async function allocateReceiptIds(tx: Queryable, count: number): Promise<bigint[]> {
  const { rows } = await tx.query<{ id: bigint }>(
    `select nextval(pg_get_serial_sequence('receipts', 'id')) as id from generate_series(1, $1::integer)`, [count]);
  return rows.map((row) => row.id);
}

/**
 * Takes `count` numbers of (prefix, year) and answers the last: the numbers are last-count+1 … last. The row
 * lock it takes is held to the issuer's commit, and a rollback returns the numbers with the receipts.
 */
export async function takeNumbers(tx: Queryable, prefix: string, year: number, count: number): Promise<bigint> {
  const { rows } = await tx.query<{ last_number: bigint }>(
    `insert into receipt_counters as c (prefix, year, last_number) values ($1, $2, $3)
     on conflict (prefix, year) do update set last_number = c.last_number + excluded.last_number
     returning c.last_number`, [prefix, year, count]);
  return rows[0]!.last_number;
}

export interface NewReceipt {
  id: bigint;
  donationId: bigint;
  prefix: string;
  year: number;
  number: bigint;
  code: string;
  voided: boolean;
  voidReason: 'refunded' | 'corrected' | null;
  amountMinor: bigint;
  currency: string;
  issuedAt: Date;
  content: ReceiptContent;
  sha256: Buffer;
  replacesId: bigint | null;
}

/** Inserts a batch of receipts in one statement (ids allocated beforehand, so corrections can name them). */
export async function insertReceipts(tx: Queryable, receipts: readonly NewReceipt[]): Promise<void> {
  if (receipts.length === 0) return;
  await tx.query(
    `insert into receipts (id, donation_id, prefix, year, number, code, status, voided_at, void_reason, amount_minor,
                           currency, issued_at, content, content_sha256, replaces_id)
     overriding system value
     select id, donation_id, prefix, year, number, code, case when voided then 'void' else 'valid' end,
            case when voided then issued_at end, void_reason, amount_minor, currency, issued_at, content, sha256, replaces_id
       from unnest($1::bigint[], $2::bigint[], $3::text[], $4::integer[], $5::bigint[], $6::text[], $7::boolean[], $8::text[],
                   $9::bigint[], $10::text[], $11::timestamptz[], $12::jsonb[], $13::bytea[], $14::bigint[])
         as r(id, donation_id, prefix, year, number, code, voided, void_reason, amount_minor, currency, issued_at, content, sha256, replaces_id)
      order by id`,
    [receipts.map((r) => r.id), receipts.map((r) => r.donationId), receipts.map((r) => r.prefix), receipts.map((r) => r.year),
      receipts.map((r) => r.number), receipts.map((r) => r.code), receipts.map((r) => r.voided), receipts.map((r) => r.voidReason),
      receipts.map((r) => r.amountMinor), receipts.map((r) => r.currency), receipts.map((r) => r.issuedAt),
      receipts.map((r) => JSON.stringify(r.content)), receipts.map((r) => r.sha256), receipts.map((r) => r.replacesId)]);
}

export async function voidReceipts(tx: Queryable, voids: readonly { id: bigint; reason: 'refunded' | 'corrected' }[]): Promise<void> {
  if (voids.length === 0) return;
  await tx.query(
    `update receipts r set status = 'void', voided_at = now(), void_reason = v.reason
       from unnest($1::bigint[], $2::text[]) as v(id, reason) where r.id = v.id and r.status = 'valid'`,
    [voids.map((v) => v.id), voids.map((v) => v.reason)]);
}

export interface ReceiptRow {
  id: bigint;
  donation_id: bigint;
  prefix: string;
  year: number;
  number: bigint;
  code: string;
  status: 'valid' | 'void';
  amount_minor: bigint;
  currency: string;
  issued_at: Date;
  content: ReceiptContent;
  content_sha256: Uint8Array;
  voided_at: Date | null;
  void_reason: 'refunded' | 'corrected' | null;
  replaces_id: bigint | null;
}

const RECEIPT_COLUMNS = `r.id, r.donation_id, r.prefix, r.year, r.number, r.code, r.status, r.amount_minor, r.currency,
  r.issued_at, r.content, r.content_sha256, r.voided_at, r.void_reason, r.replaces_id`;

export async function findReceipt(db: Queryable, id: bigint): Promise<ReceiptRow | undefined> {
  const { rows } = await db.query<ReceiptRow>(`select ${RECEIPT_COLUMNS} from receipts r where r.id = $1`, [id]);
  return rows[0];
}

export async function findReceiptByCode(db: Queryable, code: string): Promise<ReceiptRow | undefined> {
  const { rows } = await db.query<ReceiptRow>(`select ${RECEIPT_COLUMNS} from receipts r where r.code = $1`, [code]);
  return rows[0];
}

export async function receiptsOfDonation(db: Queryable, donationId: bigint): Promise<ReceiptRow[]> {
  const { rows } = await db.query<ReceiptRow>(`select ${RECEIPT_COLUMNS} from receipts r where r.donation_id = $1 order by r.id`, [donationId]);
  return rows;
}

/** Every receipt of a donor known by email key (email_key(), migration 0007), newest first, at most `limit`. */
export async function receiptsOfEmailKey(db: Queryable, emailKey: string, limit: number): Promise<ReceiptRow[]> {
  const { rows } = await db.query<ReceiptRow>(
    `select ${RECEIPT_COLUMNS} from receipts r join donations d on d.id = r.donation_id join donors o on o.id = d.donor_id
      where email_key(o.email) = $1 order by r.id desc limit $2`, [emailKey, limit]);
  return rows;
}

/** Every receipt of one donor's gifts (the donor page), newest first, at most `limit`. */
export async function receiptsOfDonor(db: Queryable, donorId: bigint, limit: number): Promise<ReceiptRow[]> {
  const { rows } = await db.query<ReceiptRow>(
    `select ${RECEIPT_COLUMNS} from receipts r join donations d on d.id = r.donation_id
      where d.donor_id = $1 order by r.id desc limit $2`, [donorId, limit]);
  return rows;
}

/** The receipt with this id if it is of one of this donor's gifts; undefined for anyone else's. */
export async function findReceiptOfDonor(db: Queryable, receiptId: bigint, donorId: bigint): Promise<ReceiptRow | undefined> {
  const { rows } = await db.query<ReceiptRow>(
    `select ${RECEIPT_COLUMNS} from receipts r join donations d on d.id = r.donation_id
      where r.id = $1 and d.donor_id = $2`, [receiptId, donorId]);
  return rows[0];
}

/** Requests a corrected receipt after a partial refund, in the caller's transaction (src/payments). */
export async function requestCorrection(tx: Queryable, donationId: bigint, refundedMinorTotal: bigint): Promise<void> {
  await tx.query(`insert into receipt_requests (donation_id, kind, refunded_minor) values ($1, 'correct', $2)`, [donationId, refundedMinorTotal]);
}

export async function pendingRequestCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: bigint }>('select count(*) as count from receipt_requests');
  return Number(rows[0]!.count);
}
