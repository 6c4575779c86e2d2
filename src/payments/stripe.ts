// Stripe Checkout Sessions through the official SDK, pointed at STRIPE_API_BASE (host, port, protocol) so tests
// run against a loopback gateway. A session is created with Stripe's own Idempotency-Key, derived from the
// payment row: a checkout resumed after a crash gets the same session back instead of a second one (Stripe
// keeps keys for 24 hours). Webhooks are verified by the SDK's constructEvent against every configured secret
// (rotation), with Stripe's default 300 s tolerance; the SDK compares signatures in constant time.
import Stripe from 'stripe';
import { AppError } from '../errors.ts';
import type { StripeSettings } from './settings.ts';
import {
  headerOf, PROVIDER_LIST_RECORDS_MAX, providerRefused, providerUnavailable, signatureInvalid,
  type CheckoutOrder, type CreatedPayment, type PaymentEvent, type PaymentProvider,
} from './provider.ts';

export const STRIPE_TOLERANCE_SECONDS = 300;

function classify(error: unknown): Error {
  const stripeError = error as { type?: string; statusCode?: number; message?: string };
  if (stripeError.type === 'StripeConnectionError' || stripeError.statusCode === undefined || stripeError.statusCode >= 500 || stripeError.statusCode === 429) {
    return providerUnavailable('stripe', stripeError.message ?? String(error));
  }
  return providerRefused('stripe', `${stripeError.statusCode}: ${stripeError.message ?? ''}`);
}

type StripeObject = Record<string, unknown>;

/** A Checkout Session event or charge.refunded in amanah's terms. */
export function stripeEventOf(event: { id: string; type: string; data: { object: StripeObject } }): PaymentEvent {
  const object = event.data.object;
  const base = { provider: 'stripe' as const, eventId: event.id, eventType: event.type };
  const currency = typeof object.currency === 'string' ? object.currency.toUpperCase() : undefined;
  const intentId = typeof object.payment_intent === 'string' ? object.payment_intent : undefined;
  if (event.type.startsWith('checkout.session.')) {
    const session = { ...base, providerPaymentId: String(object.id), reference: typeof object.client_reference_id === 'string' ? object.client_reference_id : undefined, intentId };
    const amountUnits = typeof object.amount_total === 'number' ? BigInt(object.amount_total) : undefined;
    switch (event.type) {
      // A delayed method (a bank debit) completes unpaid and settles later with async_payment_succeeded.
      case 'checkout.session.completed':
        return { ...session, kind: object.payment_status === 'paid' || object.payment_status === 'no_payment_required' ? 'paid' : 'pending', amountUnits, currency };
      case 'checkout.session.async_payment_succeeded': return { ...session, kind: 'paid', amountUnits, currency };
      case 'checkout.session.async_payment_failed': return { ...session, kind: 'failed' };
      case 'checkout.session.expired': return { ...session, kind: 'expired' };
      default: return { ...session, kind: 'ignored' };
    }
  }
  if (event.type === 'charge.refunded' && intentId !== undefined) {
    const refunded = typeof object.amount_refunded === 'number' ? BigInt(object.amount_refunded) : undefined;
    return { ...base, intentId, kind: 'refunded', amountUnits: refunded, currency, fullRefund: object.refunded === true };
  }
  return { ...base, kind: 'ignored' };
}

export function stripeProvider(settings: StripeSettings, callTimeoutMs: number): PaymentProvider {
  const protocol = settings.apiBase.protocol === 'http:' ? 'http' : 'https';
  const stripe = new Stripe(settings.secretKey, {
    host: settings.apiBase.hostname,
    port: settings.apiBase.port || (protocol === 'http' ? 80 : 443),
    protocol,
    timeout: callTimeoutMs,
    // The donor's retry (with the same Idempotency-Key) is the retry; the SDK's own would double the wait.
    maxNetworkRetries: 0,
  });
  return {
    name: 'stripe',
    async create(order: CheckoutOrder): Promise<CreatedPayment> {
      try {
        const session = await stripe.checkout.sessions.create({
          mode: 'payment',
          client_reference_id: order.reference,
          ...(order.donorEmail ? { customer_email: order.donorEmail } : {}),
          line_items: [{ quantity: 1, price_data: { currency: order.currency.toLowerCase(), unit_amount: Number(order.amount.units), product_data: { name: order.description } } }],
          metadata: { amanah_payment_id: String(order.paymentId), amanah_donation_id: String(order.donationId) },
          payment_intent_data: { metadata: { amanah_payment_id: String(order.paymentId) } },
          success_url: `${order.returnUrl}?session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: order.returnUrl,
        }, { idempotencyKey: `amanah-payment-${order.paymentId}` });
        if (!session.url) throw providerRefused('stripe', 'the session has no url');
        return { providerPaymentId: session.id, paymentUrl: session.url, snapToken: null, expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null };
      } catch (error) {
        if ((error as { code?: string }).code === 'payment_provider_refused') throw error;
        throw classify(error);
      }
    },
    async status({ providerPaymentId }) {
      let session;
      try {
        session = await stripe.checkout.sessions.retrieve(providerPaymentId);
      } catch (error) {
        throw classify(error);
      }
      // The session as it is now, read as the event that would have said so.
      const type = session.status === 'expired' ? 'checkout.session.expired'
        : session.status === 'complete' ? (session.payment_status === 'unpaid' ? 'checkout.session.completed' : 'checkout.session.async_payment_succeeded') : 'checkout.session.open';
      const object = session as unknown as StripeObject;
      const event = stripeEventOf({ id: `status:${session.id}:${session.status}:${session.payment_status}`, type, data: { object } });
      return { event, raw: Buffer.from(JSON.stringify(session)) };
    },
    async list(from, to) {
      try {
        const sessions = await stripe.checkout.sessions.list({ created: { gte: Math.floor(from.getTime() / 1000), lt: Math.ceil(to.getTime() / 1000) }, limit: 100 })
          .autoPagingToArray({ limit: PROVIDER_LIST_RECORDS_MAX });
        return sessions.map((session) => ({
          providerPaymentId: session.id, reference: session.client_reference_id ?? undefined, status: `${session.status}/${session.payment_status}`,
          paid: session.status === 'complete' && session.payment_status !== 'unpaid',
          amountUnits: session.amount_total === null ? undefined : BigInt(session.amount_total), currency: session.currency?.toUpperCase(),
        }));
      } catch (error) {
        throw classify(error);
      }
    },
    async verify(rawBody, headers): Promise<PaymentEvent> {
      const signature = headerOf(headers, 'stripe-signature');
      if (signature === undefined) throw signatureInvalid('stripe', 'no Stripe-Signature header');
      for (const secret of settings.webhookSecrets) {
        try {
          const event = stripe.webhooks.constructEvent(rawBody, signature, secret, STRIPE_TOLERANCE_SECONDS);
          return stripeEventOf(event as unknown as { id: string; type: string; data: { object: StripeObject } });
        } catch (error) {
          // A body that verifies but is not an event can only come from someone holding the secret: a 400.
          if ((error as { type?: string }).type !== 'StripeSignatureVerificationError') throw new AppError('validation_failed', `stripe webhook body is not an event: ${(error as Error).message}`);
        }
      }
      throw signatureInvalid('stripe', 'the signature matches no configured secret within 300 s');
    },
  };
}
