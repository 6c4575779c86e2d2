// SQL for payments, their events and refused webhooks (migrations 0012, 0013).
import type { Queryable } from '../db/database.ts';
import type { DonationStatus } from '../donations/queries.ts';
import type { ProviderName } from './amounts.ts';
import type { CreatedPayment, PaymentEvent } from './provider.ts';

export type PaymentStatus = 'creating' | 'open' | 'paid' | 'held' | 'failed' | 'expired' | 'refunded';

export interface PaymentRow {
  id: bigint;
  donation_id: bigint;
  provider: ProviderName;
  checkout_key: string;
  request_sha256: Buffer | Uint8Array;
  reference: string;
  attempt: number;
  provider_payment_id: string | null;
  provider_intent_id: string | null;
  currency: string;
  amount_units: bigint;
  status: PaymentStatus;
  status_reason: string | null;
  payment_url: string | null;
  snap_token: string | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** What the provider says it has refunded so far, provider units (migration 0018); 0 until a refund. */
  refunded_units: bigint;
  /** The donation's status, joined in (checkout answers and webhooks both need it). */
  donation_status: DonationStatus;
}

const PAYMENT_COLUMNS = `p.id, p.donation_id, p.provider, p.checkout_key, p.request_sha256, p.reference, p.attempt,
  p.provider_payment_id, p.provider_intent_id, p.currency, p.amount_units, p.status, p.status_reason, p.payment_url,
  p.snap_token, p.expires_at, p.created_at, p.updated_at, p.refunded_units, d.status as donation_status`;
const SELECT_PAYMENT = `select ${PAYMENT_COLUMNS} from payments p join donations d on d.id = p.donation_id`;

export async function findPaymentByKey(db: Queryable, checkoutKey: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(`${SELECT_PAYMENT} where p.checkout_key = $1`, [checkoutKey]);
  return rows[0];
}

/** The payments of these checkout keys, in one statement (a batch of checkouts' first look-up); by key. */
export async function findPaymentsByKeys(db: Queryable, checkoutKeys: readonly string[]): Promise<Map<string, PaymentRow>> {
  const { rows } = await db.query<PaymentRow>(`${SELECT_PAYMENT} where p.checkout_key = any($1::text[])`, [checkoutKeys]);
  return new Map(rows.map((row) => [row.checkout_key, row]));
}

export async function findPaymentById(db: Queryable, id: bigint): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(`${SELECT_PAYMENT} where p.id = $1`, [id]);
  return rows[0];
}

/**
 * Stores an event once and finds its payment, in one round trip: `fresh` is false when (provider, event id) was
 * stored before (a redelivery). The payment is read in the same snapshot.
 */
export async function receiveEvent(db: Queryable, event: PaymentEvent, body: Buffer): Promise<{ fresh: boolean; payment: PaymentRow | undefined }> {
  const { rows } = await db.query<PaymentRow & { fresh_count: number }>(
    `with stored as (
       insert into payment_events (provider, event_id, event_type, body) values ($1, $5, $6, $7)
       on conflict do nothing returning 1),
     found as (
       (${SELECT_PAYMENT} where p.provider = $1 and p.provider_payment_id = $2)
       union all (${SELECT_PAYMENT} where p.provider = $1 and p.provider_intent_id = $3)
       union all (${SELECT_PAYMENT} where p.provider = $1 and p.reference = $4)
       limit 1)
     select (select count(*)::int from stored) as fresh_count, found.* from (select 1) as one left join found on true`,
    [event.provider, event.providerPaymentId ?? null, event.intentId ?? null, event.reference ?? null, event.eventId, event.eventType, body],
  );
  const row = rows[0]!;
  const { fresh_count: freshCount, ...payment } = row;
  return { fresh: Number(freshCount) === 1, payment: payment.id === null ? undefined : payment as PaymentRow };
}

export interface PaymentMove {
  from: readonly PaymentStatus[]; to: PaymentStatus; reason: string | null; intentId: string | null;
  /** The event's outcome when the payment moved, and when it had already moved past. */
  movedOutcome: string; staleOutcome: string;
}

/**
 * Moves a payment forward, only from the statuses listed, and records the event's outcome, in one statement:
 * the one that decides, so two events racing for one payment cannot both move it, and an older event finds it
 * already past. True when it moved.
 */
export async function movePaymentForEvent(db: Queryable, id: bigint, event: PaymentEvent, move: PaymentMove): Promise<boolean> {
  const { rows } = await db.query<{ moved: boolean }>(
    `with moved as (
       update payments set status = $3, status_reason = $4, provider_intent_id = coalesce($5, provider_intent_id), updated_at = now()
       where id = $1 and status = any($2::text[]) returning id),
     recorded as (
       update payment_events set payment_id = $1, outcome = case when exists (select 1 from moved) then $6 else $7 end
       where provider = $8 and event_id = $9)
     select exists (select 1 from moved) as moved`,
    [id, move.from, move.to, move.reason, move.intentId, move.movedOutcome, move.staleOutcome, event.provider, event.eventId],
  );
  return rows[0]!.moved;
}

/**
 * A batch of events stored (each once) and their payments found, in one statement; answers per input, in order.
 * `fresh` is true for the first occurrence in the batch of an event not stored before.
 */
export async function receiveEventBatch(db: Queryable, events: readonly { event: PaymentEvent; raw: Buffer }[]): Promise<{ fresh: boolean; payment: PaymentRow | undefined }[]> {
  const column = <T>(pick: (item: { event: PaymentEvent; raw: Buffer }) => T) => events.map(pick);
  const { rows } = await db.query<PaymentRow & { n: string | number; fresh: boolean }>(
    `with input as (
       select i.*, row_number() over (partition by i.provider, i.event_id order by i.n) as occurrence
       from unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[])
         with ordinality as i (provider, event_id, event_type, body, payment_ref, intent_ref, reference, n)),
     stored as (
       insert into payment_events (provider, event_id, event_type, body)
       select provider, event_id, event_type, body from input where occurrence = 1
       on conflict do nothing returning provider, event_id)
     select i.n, (i.occurrence = 1 and s.event_id is not null) as fresh, found.*
     from input i
     left join stored s on s.provider = i.provider and s.event_id = i.event_id
     left join lateral (
       (${SELECT_PAYMENT} where p.provider = i.provider and p.provider_payment_id = i.payment_ref)
       union all (${SELECT_PAYMENT} where p.provider = i.provider and p.provider_intent_id = i.intent_ref)
       union all (${SELECT_PAYMENT} where p.provider = i.provider and p.reference = i.reference)
       limit 1) found on true
     order by i.n`,
    [column((item) => item.event.provider), column((item) => item.event.eventId), column((item) => item.event.eventType), column((item) => item.raw),
      column((item) => item.event.providerPaymentId ?? null), column((item) => item.event.intentId ?? null), column((item) => item.event.reference ?? null)],
  );
  return rows.map(({ n: _n, fresh, ...payment }) => ({ fresh, payment: payment.id === null ? undefined : payment as PaymentRow }));
}

export interface BatchMove {
  event: PaymentEvent;
  paymentId: bigint | null;
  /** Undefined: the event changes nothing; its outcome is `otherOutcome`. */
  move: PaymentMove | undefined;
  otherOutcome: string;
}

/**
 * Moves a batch's payments forward (each only from the statuses its event allows) and records every event's
 * outcome, in one statement; answers the indices whose payment moved. The caller gives at most one move per
 * payment (an UPDATE … FROM with two rows for one target applies only one of them).
 */
export async function movePaymentBatch(db: Queryable, moves: readonly BatchMove[]): Promise<Set<number>> {
  const { rows } = await db.query<{ n: string | number }>(
    `with m as (
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         with ordinality as m (payment_id, from_statuses, to_status, reason, intent, moved_outcome, other_outcome, provider, event_id, n)),
     moved as (
       update payments p set status = m.to_status, status_reason = m.reason, provider_intent_id = coalesce(m.intent, p.provider_intent_id), updated_at = now()
       from m where m.to_status is not null and p.id = m.payment_id and p.status = any(string_to_array(m.from_statuses, ','))
       returning m.n),
     recorded as (
       update payment_events e set payment_id = m.payment_id,
         outcome = case when m.n in (select n from moved) then m.moved_outcome else m.other_outcome end
       from m where e.provider = m.provider and e.event_id = m.event_id)
     select n from moved`,
    [moves.map((item) => item.paymentId), moves.map((item) => item.move?.from.join(',') ?? null), moves.map((item) => item.move?.to ?? null),
      moves.map((item) => item.move?.reason ?? null), moves.map((item) => item.move?.intentId ?? null), moves.map((item) => item.move?.movedOutcome ?? null),
      moves.map((item) => item.otherOutcome), moves.map((item) => item.event.provider), moves.map((item) => item.event.eventId)],
  );
  return new Set(rows.map((row) => Number(row.n) - 1));
}

/**
 * A partial refund moves the payment's refunded_units up only (a paid payment, to a larger total) and records the
 * event's outcome, in one statement; true when it moved. A repeated or older partial refund finds it at or past.
 */
export async function movePaymentRefund(db: Queryable, id: bigint, event: PaymentEvent, units: bigint, reason: string): Promise<boolean> {
  const { rows } = await db.query<{ moved: boolean }>(
    `with moved as (
       update payments set refunded_units = $2, status_reason = $3, updated_at = now()
       where id = $1 and status = 'paid' and refunded_units < $2 returning id),
     recorded as (
       update payment_events set payment_id = $1, outcome = case when exists (select 1 from moved) then 'partial_refund' else 'stale' end
       where provider = $4 and event_id = $5)
     select exists (select 1 from moved) as moved`,
    [id, units, reason, event.provider, event.eventId],
  );
  return rows[0]!.moved;
}

export interface NewPayment {
  donationId: bigint; provider: ProviderName; checkoutKey: string; requestSha256: Buffer; currency: string; amountUnits: bigint;
}

/**
 * The payments rows of checkouts' first steps, each inserted already leased to the request that inserts it
 * (attempt 1, the reference the first lease would give) and answered joined to its donation, in one statement
 * for the batch: per checkout, the insert, a look-up by key and the lease were three round trips and two commits
 * (bench/checkout.ts). Answers per input, in order: the row, or undefined where the key (or the donation) already
 * had one, or an earlier input of the batch had the same key; that request finds the winner's row by key and
 * meets its lease. A crash after this insert leaves a lease that runs out in PAYMENT_CHECKOUT_LEASE_MS, as a
 * crash after the provider call always did; an error of the provider call releases it at once.
 */
export async function insertLeasedPayments(db: Queryable, payments: readonly NewPayment[], leaseMs: number): Promise<(PaymentRow | undefined)[]> {
  const { rows } = await db.query<PaymentRow>(
    `with input as (
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::bigint[])
         with ordinality as i (donation_id, provider, checkout_key, request_sha256, currency, amount_units, n)),
     p as (
       insert into payments (donation_id, provider, checkout_key, request_sha256, reference, currency, amount_units, attempt, lease_until)
       select donation_id, provider, checkout_key, request_sha256, 'amanah-' || donation_id::text, currency, amount_units, 1,
         now() + $7 * interval '1 millisecond'
       from input order by n
       on conflict do nothing returning *)
     select ${PAYMENT_COLUMNS} from p join donations d on d.id = p.donation_id`,
    [payments.map((item) => item.donationId), payments.map((item) => item.provider), payments.map((item) => item.checkoutKey),
      payments.map((item) => item.requestSha256), payments.map((item) => item.currency), payments.map((item) => item.amountUnits), leaseMs],
  );
  const byKey = new Map(rows.map((row) => [row.checkout_key, row]));
  return payments.map((item) => {
    const row = byKey.get(item.checkoutKey);
    byKey.delete(item.checkoutKey); // A key twice in the batch: only its first request holds the lease.
    return row !== undefined && row.donation_id === item.donationId ? row : undefined;
  });
}

/**
 * Takes the right to call the provider for a payment still being created: one request at a time (a crashed
 * holder's lease runs out). Midtrans refuses an order_id twice, so each attempt after the first gets a new
 * reference there; Stripe and Xendit keep theirs (Stripe's idempotency key and Xendit's lookup make a resumed
 * call return the first payment). The leased row is answered by the same statement.
 */
export async function leasePayment(db: Queryable, id: bigint, leaseMs: number): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `with p as (
       update payments set attempt = attempt + 1, lease_until = now() + $2 * interval '1 millisecond', updated_at = now(),
         reference = case when provider = 'midtrans' and attempt >= 1 then 'amanah-' || donation_id::text || '-' || (attempt + 1)::text else reference end
       where id = $1 and status = 'creating' and (lease_until is null or lease_until < now())
       returning *)
     select ${PAYMENT_COLUMNS} from p join donations d on d.id = p.donation_id`,
    [id, leaseMs],
  );
  return rows[0];
}

export async function releaseLease(db: Queryable, id: bigint): Promise<void> {
  await db.query(`update payments set lease_until = null where id = $1 and status = 'creating'`, [id]);
}

export interface StoredAnswer { paymentId: bigint; created: CreatedPayment }

/**
 * The third step for a batch: what each provider answered, stored; each payment is open for the donor to pay.
 * One statement answers the rows as stored (per input, in order), or undefined for a payment no longer
 * 'creating' (its lease ran out and another request stored its own answer first).
 */
export async function storeCreatedPayments(db: Queryable, answers: readonly StoredAnswer[]): Promise<(PaymentRow | undefined)[]> {
  const { rows } = await db.query<PaymentRow>(
    `with input as (
       select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         as i (id, provider_payment_id, payment_url, snap_token, expires_at)),
     stored as (
       update payments p set status = 'open', provider_payment_id = i.provider_payment_id, payment_url = i.payment_url,
         snap_token = i.snap_token, expires_at = i.expires_at, lease_until = null, updated_at = now()
       from input i where p.id = i.id and p.status = 'creating'
       returning p.*)
     select ${PAYMENT_COLUMNS} from stored p join donations d on d.id = p.donation_id`,
    [answers.map((item) => item.paymentId), answers.map((item) => item.created.providerPaymentId), answers.map((item) => item.created.paymentUrl),
      answers.map((item) => item.created.snapToken), answers.map((item) => item.created.expiresAt?.toISOString() ?? null)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return answers.map((item) => byId.get(item.paymentId));
}

export async function recordEventOutcome(db: Queryable, event: PaymentEvent, paymentId: bigint | null, outcome: string): Promise<void> {
  await db.query(`update payment_events set payment_id = $3, outcome = $4 where provider = $1 and event_id = $2`,
    [event.provider, event.eventId, paymentId, outcome]);
}

export async function recordRefusal(db: Queryable, provider: string, reason: string, remote: string | null, bodyBytes: number, bodySha256: Buffer): Promise<void> {
  await db.query(
    `insert into payment_webhook_refusals (provider, reason, remote, body_bytes, body_sha256) values ($1, $2, $3, $4, $5)`,
    [provider, reason.slice(0, 500), remote, bodyBytes, bodySha256],
  );
}
