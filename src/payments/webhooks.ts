// What a verified provider event does. Every event is stored raw, once (payment_events' primary key is
// (provider, event id)); a redelivery changes nothing. The payment moves forward only (movePayment lists the
// statuses each move may leave), so an older or out-of-order event finds it already past and is recorded as
// stale. The donation follows the payment through the group committer, like a staff approval, with a key per
// (payment, target status): applying the same outcome twice, from a redelivery after a crash or from the
// reconciliation sweep, is one change.
//
//   payment:  creating|open → paid | held | failed | expired;  expired → paid (late) | held;  paid → refunded
//   donation: paid → approved, failed → rejected, refunded → refunded (from approved); held and expired stay
//             pending for staff (held says why in status_reason).
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import type { TargetStatus } from '../donations/donations.ts';
import type { PaymentEvent } from './provider.ts';
import { findPaymentById, findPaymentOfEvent, insertEvent, movePayment, recordEventOutcome, type PaymentRow } from './queries.ts';

export type EventOutcome = 'duplicate' | 'unknown_payment' | 'applied' | 'held' | 'stale' | 'no_change' | 'partial_refund_held';

/** Moves the payment as the event says, if it may; answers what happened. */
async function advance(context: AppContext, payment: PaymentRow, event: PaymentEvent): Promise<EventOutcome> {
  const db = context.database;
  const intent = event.intentId ?? null;
  switch (event.kind) {
    case 'paid': {
      const from = ['creating', 'open', 'expired'] as const;
      if (event.currency !== payment.currency || event.amountUnits !== payment.amount_units) {
        const reason = `held for staff: ${event.provider} reports ${event.amountUnits ?? 'no amount'} ${event.currency ?? '?'} paid (provider units); the donation is ${payment.amount_units} ${payment.currency}`;
        return await movePayment(db, payment.id, from, 'held', reason, intent) ? 'held' : 'stale';
      }
      const late = payment.status === 'expired' ? `late payment: ${event.provider} reports it paid after the payment had expired (${event.eventId})` : `paid at ${event.provider} (${event.eventId})`;
      return await movePayment(db, payment.id, from, 'paid', late, intent) ? 'applied' : 'stale';
    }
    case 'failed':
      return await movePayment(db, payment.id, ['creating', 'open'], 'failed', `payment failed at ${event.provider} (${event.eventId})`, intent) ? 'applied' : 'stale';
    case 'expired':
      return await movePayment(db, payment.id, ['creating', 'open'], 'expired', `payment expired at ${event.provider} (${event.eventId}); the donation stays pending`, intent) ? 'applied' : 'stale';
    case 'refunded': {
      const full = event.fullRefund === true || (event.amountUnits !== undefined && event.amountUnits >= payment.amount_units);
      if (!full) {
        // A partial refund would have to reverse exactly its amount from the totals, which amanah's status
        // changes cannot yet do (README, Payments: not done): it is kept for staff, never dropped.
        await movePayment(db, payment.id, ['paid'], 'paid', `partial refund of ${event.amountUnits ?? '?'} (provider units) at ${event.provider}: for staff to settle`, intent);
        return 'partial_refund_held';
      }
      return await movePayment(db, payment.id, ['paid'], 'refunded', `refunded at ${event.provider} (${event.eventId})`, intent) ? 'applied' : 'stale';
    }
    default:
      return 'no_change';
  }
}

const DONATION_TARGET: Partial<Record<PaymentRow['status'], { to: TargetStatus; from: PaymentRow['donation_status'] }>> = {
  paid: { to: 'approved', from: 'pending' },
  failed: { to: 'rejected', from: 'pending' },
  refunded: { to: 'refunded', from: 'approved' },
};

/** Brings the donation to where its payment says, through the group committer; idempotent per (payment, target). */
export async function settleDonation(context: AppContext, payment: PaymentRow): Promise<void> {
  const target = DONATION_TARGET[payment.status];
  if (!target || payment.donation_status !== target.from) return;
  try {
    await context.transitions.submit({
      id: String(payment.donation_id), to: target.to, actor: `payment:${payment.provider}`,
      reason: payment.status_reason ?? `${payment.provider} payment ${payment.status}`,
      key: `payment:${payment.id}:${target.to}`,
    });
  } catch (error) {
    // Staff moved the donation first (a manual rejection): the payment's status says what the provider did.
    if (!(error instanceof AppError && error.code === 'donation_status_conflict')) throw error;
  }
}

/** Applies one verified event: stored once, the payment moved forward, the donation settled. */
export async function applyEvent(context: AppContext, event: PaymentEvent, rawBody: Buffer): Promise<EventOutcome> {
  const db = context.database;
  const fresh = await insertEvent(db, event, rawBody);
  const payment = await findPaymentOfEvent(db, event);
  if (!payment) {
    if (fresh) await recordEventOutcome(db, event, null, 'unknown_payment');
    return fresh ? 'unknown_payment' : 'duplicate';
  }
  // A redelivery changes nothing, but finishes a donation change that a crash after the payment's move cut off.
  const outcome = fresh ? await advance(context, payment, event) : 'duplicate';
  if (fresh) await recordEventOutcome(db, event, payment.id, outcome);
  await settleDonation(context, (await findPaymentById(db, payment.id))!);
  return outcome;
}
