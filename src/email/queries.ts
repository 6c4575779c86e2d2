// SQL for the mail outbox (migration 0019). Rows are claimed by a lease (FOR UPDATE SKIP LOCKED, so concurrent
// senders in several processes take different rows and never wait on each other), completed or failed by the
// claimer only: `attempts` doubles as the lease's fencing token, so a sender whose lease expired (and whose row
// another sender re-claimed) cannot mark it.
import type { Queryable } from '../db/database.ts';

export interface OutboxRow {
  id: bigint;
  kind: 'receipt' | 'statement';
  receipt_id: bigint | null;
  donor_id: bigint | null;
  period_from: string | null;
  period_to: string | null;
  message_id: string;
  attempts: number;
  /** The recipient, read at claim time from the donor (null: no address, e.g. erased). */
  recipient: string | null;
}

/** The Message-ID domain: the part of MAIL_FROM after the @. */
export function messageIdDomain(mailFrom: string): string {
  return /@([^>\s]+)>?$/.exec(mailFrom)?.[1] ?? 'localhost';
}

/** Queues the receipt mail of these receipts (the issuer's transaction). */
export async function queueReceiptMail(tx: Queryable, receiptIds: readonly bigint[]): Promise<void> {
  if (receiptIds.length === 0) return;
  await tx.query(
    `insert into email_outbox (kind, receipt_id, message_id)
     select 'receipt', id, 'receipt-' || id || '.' || gen_random_uuid() from unnest($1::bigint[]) as r(id)`,
    [receiptIds]);
}

/** Queues a donor's statement for the dates from … to (inclusive). */
export async function queueStatementMail(db: Queryable, donorId: bigint, from: string, to: string): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `insert into email_outbox (kind, donor_id, period_from, period_to, message_id)
     values ('statement', $1::bigint, $2::date, $3::date, 'statement-' || $1::bigint || '-' || $2::date || '-' || $3::date || '.' || gen_random_uuid())
     returning id`, [donorId, from, to]);
  return rows[0]!.id;
}

/** Claims up to `limit` due rows for `leaseMs`; each claim counts as an attempt. */
export async function claimDue(db: Queryable, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `with due as (
       select id from email_outbox
        where sent_at is null and failed_at is null and next_attempt_at <= now() and (lease_until is null or lease_until < now())
        order by next_attempt_at, id limit $1 for update skip locked
     ), claimed as (
       update email_outbox o set lease_until = now() + $2 * interval '1 millisecond', attempts = o.attempts + 1
         from due where o.id = due.id
       returning o.id, o.kind, o.receipt_id, o.donor_id, o.period_from::text, o.period_to::text, o.message_id, o.attempts
     )
     select c.*, coalesce(rd.email, sd.email) as recipient
       from claimed c
       left join receipts r on r.id = c.receipt_id left join donations d on d.id = r.donation_id left join donors rd on rd.id = d.donor_id
       left join donors sd on sd.id = c.donor_id
      order by c.id`, [limit, leaseMs]);
  return rows;
}

/** Marks a claimed row sent; false when the lease was lost (another sender has it now). */
export async function markSent(db: Queryable, id: bigint, attempts: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'update email_outbox set sent_at = now(), lease_until = null where id = $1 and attempts = $2 and sent_at is null', [id, attempts]);
  return rowCount === 1;
}

/** Schedules the next attempt after `delayMs`, or marks the row failed when `final`. */
export async function markFailed(db: Queryable, id: bigint, attempts: number, error: string, delayMs: number, final: boolean): Promise<void> {
  await db.query(
    `update email_outbox set lease_until = null, last_error = left($3, 1000),
            next_attempt_at = now() + $4 * interval '1 millisecond', failed_at = case when $5 then now() end
      where id = $1 and attempts = $2 and sent_at is null`, [id, attempts, error, delayMs, final]);
}

export interface OutboxCounts { pending: number; sent: number; failed: number }

export async function outboxCounts(db: Queryable): Promise<OutboxCounts> {
  const { rows } = await db.query<{ pending: bigint; sent: bigint; failed: bigint }>(
    `select count(*) filter (where sent_at is null and failed_at is null) as pending, count(sent_at) as sent, count(failed_at) as failed from email_outbox`);
  return { pending: Number(rows[0]!.pending), sent: Number(rows[0]!.sent), failed: Number(rows[0]!.failed) };
}
