// Reconciliation: a payment still open some time after checkout (its webhook lost, or never sent) is asked
// about through the provider's status API, and the answer applied through the webhooks' own path
// (applyEvent): stored once, the payment moved forward only, the donation settled with the same key. So a
// webhook and the sweep that both report one payment change it once, whichever comes first.
//
// Each process sweeps on a timer; rows are claimed by moving their updated_at under FOR UPDATE SKIP LOCKED, so
// two processes never ask about one payment in the same round, and a payment is asked about at most once per
// `ageMs`. Sizing: a sweep asks about at most `batchRowsMax` payments, one at a time (a provider's rate limit
// is the constraint, not amanah: Stripe allows 100 reads/s in live mode).
import type { Queryable } from '../db/database.ts';
import type { AppContext } from '../http/context.ts';
import type { ProviderName } from './amounts.ts';
import type { PaymentProvider } from './provider.ts';
import { applyEvent, type EventOutcome } from './webhooks.ts';

export const SWEEP_BATCH_ROWS_MAX = 100;

interface Claimed { id: bigint; provider: ProviderName; provider_payment_id: string; reference: string }

async function claimOpenPayments(db: Queryable, providers: readonly ProviderName[], ageMs: number, rowsMax: number): Promise<Claimed[]> {
  const { rows } = await db.query<Claimed>(
    `update payments p set updated_at = now()
     where p.id in (
       select id from payments
       where status = 'open' and provider = any($1::text[]) and updated_at <= now() - $2 * interval '1 millisecond'
       order by updated_at limit $3 for update skip locked)
     returning p.id, p.provider, p.provider_payment_id, p.reference`,
    [providers, ageMs, rowsMax],
  );
  return rows;
}

export interface SweepCounts { asked: number; failed: number; outcomes: Partial<Record<EventOutcome, number>> }

export async function sweepPayments(context: AppContext, providers: ReadonlyMap<ProviderName, PaymentProvider>, ageMs: number): Promise<SweepCounts> {
  const claimed = await claimOpenPayments(context.database, [...providers.keys()], ageMs, SWEEP_BATCH_ROWS_MAX);
  const counts: SweepCounts = { asked: claimed.length, failed: 0, outcomes: {} };
  for (const payment of claimed) {
    try {
      const { event, raw } = await providers.get(payment.provider)!.status({ providerPaymentId: payment.provider_payment_id, reference: payment.reference });
      const outcome = await applyEvent(context, event, raw);
      counts.outcomes[outcome] = (counts.outcomes[outcome] ?? 0) + 1;
    } catch {
      // A provider that is down is asked again next round; the payment stays open meanwhile.
      counts.failed += 1;
    }
  }
  return counts;
}

/** Sweeps every `intervalMs` (0: never) until stopped. */
export function startSweep(context: AppContext, providers: ReadonlyMap<ProviderName, PaymentProvider>, intervalMs: number, ageMs: number): () => void {
  if (intervalMs === 0 || providers.size === 0) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepPayments(context, providers, ageMs)
      .catch(() => undefined)
      .finally(() => { running = false; });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
