// What a verified provider event does. Every event is stored raw, once (payment_events' primary key is
// (provider, event id)); a redelivery changes nothing. The payment moves forward only (movePayment lists the
// statuses each move may leave), so an older or out-of-order event finds it already past and is recorded as
// stale. The donation follows the payment through the group committer, like a staff approval; only a pending
// donation can be approved or rejected and only an approved one refunded, so applying the same outcome twice,
// from a redelivery after a crash or from the reconciliation sweep, is one change.
//
//   payment:  creating|open → paid | held | failed | expired;  expired → paid (late) | held;  paid → refunded;
//             paid → paid with refunded_units up (a partial refund: the provider's total refunded, up only)
//   donation: paid → approved, failed → rejected, refunded → refunded (from approved), a partial refund reverses
//             the difference and the donation stays approved (donations/partial-refund.ts); held stays pending
//             for staff (held says why in status_reason); expired → expired (from pending: nothing moves), and a
//             late payment approves it from expired.
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import type { TargetStatus } from '../donations/donations.ts';
import type { PaymentEvent } from './provider.ts';
import { minorFromProvider } from './amounts.ts';
import {
  findPaymentById, movePaymentBatch, movePaymentForEvent, movePaymentRefund, receiveEvent, receiveEventBatch, recordEventOutcome, type BatchMove, type PaymentMove, type PaymentRow,
} from './queries.ts';

export type EventOutcome = 'duplicate' | 'unknown_payment' | 'applied' | 'held' | 'stale' | 'no_change' | 'partial_refund' | 'partial_refund_held';

/** A refund event for less than the whole payment (Stripe charge.refunded with refunded false, Midtrans partial_refund). */
function isPartialRefund(payment: PaymentRow, event: PaymentEvent): boolean {
  return event.kind === 'refunded' && event.fullRefund !== true && event.amountUnits !== undefined && event.amountUnits < payment.amount_units;
}

/** How the event would move the payment, if it may; undefined when it changes nothing. */
function moveFor(payment: PaymentRow, event: PaymentEvent): (PaymentMove & { outcome: EventOutcome }) | undefined {
  const intentId = event.intentId ?? null;
  const move = (from: readonly PaymentRow['status'][], to: PaymentRow['status'], reason: string, outcome: EventOutcome = 'applied') =>
    ({ from, to, reason, intentId, outcome, movedOutcome: outcome, staleOutcome: 'stale' });
  switch (event.kind) {
    case 'paid': {
      const from = ['creating', 'open', 'expired'] as const;
      if (event.currency !== payment.currency || event.amountUnits !== payment.amount_units) {
        return move(from, 'held', `held for staff: ${event.provider} reports ${event.amountUnits ?? 'no amount'} ${event.currency ?? '?'} paid (provider units); the donation is ${payment.amount_units} ${payment.currency}`, 'held');
      }
      return move(from, 'paid', payment.status === 'expired'
        ? `late payment: ${event.provider} reports it paid after the payment had expired (${event.eventId})`
        : `paid at ${event.provider} (${event.eventId})`);
    }
    case 'failed': return move(['creating', 'open'], 'failed', `payment failed at ${event.provider} (${event.eventId})`);
    case 'expired': return move(['creating', 'open'], 'expired', `payment expired at ${event.provider} (${event.eventId}); the donation stays pending`);
    case 'refunded':
      // Partial refunds never come here (applyPartialRefundEvent); a refund with no amount is taken as whole.
      return move(['paid'], 'refunded', `refunded at ${event.provider} (${event.eventId})`);
    default:
      return undefined;
  }
}

const DONATION_TARGET: Partial<Record<PaymentRow['status'], { to: TargetStatus; from: PaymentRow['donation_status'] }>> = {
  paid: { to: 'approved', from: 'pending' },
  expired: { to: 'expired', from: 'pending' },
  failed: { to: 'rejected', from: 'pending' },
  refunded: { to: 'refunded', from: 'approved' },
};

/**
 * The history reason for a donation change a payment makes. One text per (provider, change), not per event: the
 * group committer writes one statement per distinct (target, actor, reason), so a reason naming each event made
 * every webhook approval its own statement (51/s at 64 senders, bench/webhooks.ts). The event itself is in
 * payment_events and in the payment's status_reason.
 */
function historyReason(payment: PaymentRow): string {
  if (payment.status === 'paid' && payment.status_reason?.startsWith('late payment')) return `late payment: paid at ${payment.provider} after the payment had expired`;
  return `${payment.status} at ${payment.provider}`;
}

/** Brings the donation to where its payment says, through the group committer; a second call changes nothing. */
export async function settleDonation(context: AppContext, payment: PaymentRow): Promise<void> {
  // A late payment: the donation had expired with its checkout; it is approved from there, its history saying so.
  const late = payment.status === 'paid' && payment.donation_status === 'expired';
  const target = late ? { to: 'approved' as const, from: 'expired' as const } : DONATION_TARGET[payment.status];
  const actor = `payment:${payment.provider}`;
  // A refund the provider reports is already done: the money has left at the provider. It is posted even when the
  // fund was disbursed meanwhile and goes below zero (issue 13), rather than refused as a staff refund is: refusing
  // or holding it would leave the donation approved and the fund showing money that is no longer there, which
  // the next disbursement could spend again, and answering the webhook with an error would only make the
  // provider redeliver it. The books show the deficit: the fund's account below zero, the checks of every later
  // disbursement refusing it until staff cover it, and `amanah verify` naming the account (fund_negative).
  try {
    if (target && payment.donation_status === target.from) {
      await context.transitions.submit({
        // No Idempotency-Key: the change itself is once-only (only a pending donation can be approved or rejected,
        // only an approved one refunded), and a key would cost the committer a lookup round trip per batch.
        id: String(payment.donation_id), to: target.to, actor, reason: historyReason(payment), ...(late ? { from: 'expired' as const } : {}),
        ...(target.to === 'refunded' ? { reportedByProvider: true } : {}),
      });
    }
    // A partial refund names the provider's total refunded: applying it again (a redelivery, a crash before the
    // donation moved) reverses nothing more, so it is simply sent again until the donation has it.
    const refundedMinor = payment.status === 'paid' && payment.refunded_units > 0n ? minorFromProvider(payment.provider, payment.refunded_units, payment.currency) : undefined;
    if (refundedMinor !== undefined && refundedMinor > 0n && (payment.donation_status === 'approved' || target?.to === 'approved')) {
      await context.transitions.submit({ id: String(payment.donation_id), to: 'refunded', actor, reason: `partial refund at ${payment.provider}`, refundedTotalMinor: refundedMinor, reportedByProvider: true });
    }
  } catch (error) {
    // Staff moved the donation first (a manual rejection): the payment's status says what the provider did.
    if (!(error instanceof AppError && error.code === 'donation_status_conflict')) throw error;
  }
}

/**
 * A partial refund: the payment's refunded_units moved up to the event's total (never down: an older or repeated
 * partial refund is stale), then the donation reverses the difference. A total amanah cannot express exactly in
 * the donation's minor units is kept for staff, never rounded.
 */
async function applyPartialRefundEvent(context: AppContext, event: PaymentEvent, payment: PaymentRow): Promise<EventOutcome> {
  const db = context.database;
  const units = event.amountUnits!;
  if (minorFromProvider(payment.provider, units, payment.currency) === undefined) {
    await recordEventOutcome(db, event, payment.id, 'partial_refund_held');
    return 'partial_refund_held';
  }
  const moved = await movePaymentRefund(db, payment.id, event, units, `partial refund at ${event.provider}: ${units} of ${payment.amount_units} refunded in all (provider units; ${event.eventId})`);
  await settleDonation(context, moved ? { ...payment, refunded_units: units } : (await findPaymentById(db, payment.id))!);
  return moved ? 'partial_refund' : 'stale';
}

/**
 * Applies one verified event: stored once, the payment moved forward, the donation settled. Two round trips
 * and the group committer: receiveEvent (store and find), movePaymentForEvent (move and record), then the
 * donation's change batched with every other.
 */
export async function applyEvent(context: AppContext, event: PaymentEvent, rawBody: Buffer): Promise<EventOutcome> {
  const db = context.database;
  const { fresh, payment } = await receiveEvent(db, event, rawBody);
  if (!payment) {
    if (fresh) await recordEventOutcome(db, event, null, 'unknown_payment');
    return fresh ? 'unknown_payment' : 'duplicate';
  }
  // A redelivery changes nothing, but finishes a donation change that a crash after the payment's move cut off.
  if (!fresh) {
    await settleDonation(context, payment);
    return 'duplicate';
  }
  return applyFresh(context, event, payment);
}

export interface ReceivedEvent { readonly event: PaymentEvent; readonly raw: Buffer }

/**
 * The webhooks' group committer batch (src/donations/group-commit.ts): every concurrent event stored and its
 * payment found in one statement, every payment moved and every outcome recorded in a second, then the donations
 * settled through the transitions committer. Two round trips per batch instead of two per event: one event per
 * round trip kept 64 senders at 442/s against 2,292/s for the intake (bench/webhooks.ts). Two fresh events for
 * one payment in a batch: the first is moved with the batch, the rest one by one after it (rare: a provider
 * sends a payment's events seconds apart).
 */
export async function writeEventBatch(context: AppContext, requests: readonly ReceivedEvent[]): Promise<(EventOutcome | AppError)[]> {
  const db = context.database;
  const received = await receiveEventBatch(db, requests);
  const outcomes: (EventOutcome | undefined)[] = requests.map(() => undefined);
  const moves: (BatchMove & { index: number; payment: PaymentRow | undefined; outcome?: EventOutcome })[] = [];
  const later: number[] = [];
  const claimed = new Set<bigint>();
  received.forEach(({ fresh, payment }, index) => {
    const { event } = requests[index]!;
    if (!fresh) { outcomes[index] = 'duplicate'; return; }
    if (!payment) { moves.push({ index, event, paymentId: null, move: undefined, otherOutcome: 'unknown_payment', payment }); outcomes[index] = 'unknown_payment'; return; }
    if (claimed.has(payment.id) || isPartialRefund(payment, event)) { later.push(index); return; }
    const move = moveFor(payment, event);
    if (move) claimed.add(payment.id);
    moves.push({ index, event, paymentId: payment.id, move, otherOutcome: move ? 'stale' : 'no_change', payment, ...(move ? { outcome: move.outcome } : {}) });
    if (!move) outcomes[index] = 'no_change';
  });
  const moved = moves.length === 0 ? new Set<number>() : await movePaymentBatch(db, moves);
  const settling: Promise<void>[] = [];
  moves.forEach((item, position) => {
    if (!item.move || !item.payment) return;
    outcomes[item.index] = moved.has(position) ? item.outcome! : 'stale';
    settling.push(moved.has(position)
      ? settleDonation(context, { ...item.payment, status: item.move.to, status_reason: item.move.reason })
      : findPaymentById(db, item.payment.id).then((now) => settleDonation(context, now!)));
  });
  received.forEach(({ fresh, payment }) => { if (!fresh && payment) settling.push(settleDonation(context, payment)); });
  await Promise.all(settling);
  for (const index of later) {
    const { event } = requests[index]!;
    const payment = (await findPaymentById(db, received[index]!.payment!.id))!;
    outcomes[index] = await applyFresh(context, event, payment);
  }
  return outcomes.map((outcome) => outcome!);
}

/** The single path for an event already stored: move its payment and settle the donation. */
async function applyFresh(context: AppContext, event: PaymentEvent, payment: PaymentRow): Promise<EventOutcome> {
  const db = context.database;
  if (isPartialRefund(payment, event)) return applyPartialRefundEvent(context, event, payment);
  const move = moveFor(payment, event);
  if (!move) {
    await recordEventOutcome(db, event, payment.id, 'no_change');
    return 'no_change';
  }
  const moved = await movePaymentForEvent(db, payment.id, event, move);
  // Moved: the payment is as this event left it. Not moved: another event moved it first; read what it left.
  await settleDonation(context, moved ? { ...payment, status: move.to, status_reason: move.reason } : (await findPaymentById(db, payment.id))!);
  return moved ? move.outcome : 'stale';
}
