// What every payment provider module gives checkout and the webhooks: create a payment for an order, and turn a
// verified notification into a PaymentEvent. The provider modules (stripe.ts, midtrans.ts, xendit.ts) are the
// only places that know a provider's wire format.
import { AppError } from '../errors.ts';
import type { ProviderAmount, ProviderName } from './amounts.ts';

export interface CheckoutOrder {
  readonly paymentId: bigint;
  readonly donationId: bigint;
  /** amanah's name for the payment at the provider (order_id, external_id, client_reference_id). */
  readonly reference: string;
  readonly amount: ProviderAmount;
  readonly currency: string;
  readonly description: string;
  readonly donorName: string | undefined;
  readonly donorEmail: string | undefined;
  /** The return page the donor's browser is sent to after paying. */
  readonly returnUrl: string;
}

export interface CreatedPayment {
  readonly providerPaymentId: string;
  readonly paymentUrl: string;
  readonly snapToken: string | null;
  readonly expiresAt: Date | null;
}

export type EventKind = 'paid' | 'failed' | 'expired' | 'refunded' | 'pending' | 'ignored';

/** A verified provider notification, in amanah's terms. */
export interface PaymentEvent {
  readonly provider: ProviderName;
  /** Unique per provider: Stripe's event id; Midtrans and Xendit send none, so it is made of payment and status. */
  readonly eventId: string;
  readonly eventType: string;
  /** How the payment is found: any one that is set. */
  readonly providerPaymentId?: string | undefined;
  readonly reference?: string | undefined;
  readonly intentId?: string | undefined;
  readonly kind: EventKind;
  /** For paid: what was paid; for refunded: what was refunded in all (provider units). */
  readonly amountUnits?: bigint | undefined;
  readonly currency?: string | undefined;
  /** For refunded: whether the whole payment has been refunded. */
  readonly fullRefund?: boolean | undefined;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  create(order: CheckoutOrder): Promise<CreatedPayment>;
  /** Verifies and reads a webhook; throws AppError webhook_signature_invalid (401) when it does not verify. */
  verify(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<PaymentEvent>;
  /**
   * Asks the provider's status API about a payment whose webhook has not come (the reconciliation sweep):
   * the event the provider would have sent, and the raw answer to store with it.
   */
  status(payment: { providerPaymentId: string; reference: string }): Promise<{ event: PaymentEvent; raw: Buffer }>;
  /**
   * The provider's own record of payments made in [from, to) (reconcile.ts: Stripe's checkout sessions, Xendit's
   * invoices). Midtrans has no list API; its orders are asked about one by one with status().
   */
  list?(from: Date, to: Date): Promise<ProviderRecord[]>;
}

/** One payment as the provider's list reports it. */
export interface ProviderRecord {
  readonly providerPaymentId: string;
  readonly reference: string | undefined;
  readonly status: string;
  readonly paid: boolean;
  /** What was charged, provider units. */
  readonly amountUnits: bigint | undefined;
  readonly currency: string | undefined;
}

/** At most this many records a list is read to (100 pages of Stripe's 100): a reconcile is run over days, not years. */
export const PROVIDER_LIST_RECORDS_MAX = 10_000;

/** The provider could not be reached or failed (5xx, timeout): 503, retry later with the same key. */
export function providerUnavailable(provider: ProviderName, why: string): AppError {
  return new AppError('payment_provider_unavailable', `${provider} is unavailable: ${why}; retry with the same Idempotency-Key`, { provider }, 5);
}

/** The provider answered with a refusal amanah did not expect (4xx): 502. */
export function providerRefused(provider: ProviderName, why: string): AppError {
  return new AppError('payment_provider_refused', `${provider} refused the payment: ${why}`, { provider });
}

export function signatureInvalid(provider: ProviderName, why: string): AppError {
  return new AppError('webhook_signature_invalid', `${provider} webhook not verified: ${why}`, { provider });
}

export function headerOf(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as JSON, or a 400 naming the provider (only after the signature has been checked). */
export function jsonBody(provider: ProviderName, rawBody: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch { /* answered below */ }
  throw new AppError('validation_failed', `${provider} webhook body is not a JSON object`);
}

/** Rejects when `work` has not settled in `timeoutMs` (for SDKs that take no AbortSignal). */
export async function withTimeout<T>(provider: ProviderName, timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(providerUnavailable(provider, `no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
