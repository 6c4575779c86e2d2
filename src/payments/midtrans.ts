// Midtrans Snap through the official midtrans-client, its Snap and Core API bases overridden from
// MIDTRANS_SNAP_BASE and MIDTRANS_API_BASE. Snap takes no idempotency key and refuses an order_id twice, so
// a checkout resumed after a crash asks with a new order_id (the reference carries the attempt): the first
// token was never shown to anyone, so it can never be paid, and it expires at Midtrans.
//
// A notification is verified by its signature_key, SHA-512(order_id + status_code + gross_amount + server key),
// against every configured server key in constant time; then, as Midtrans advises, the status is taken from
// its Get Status API (GET /v2/{order_id}/status), never from the notification alone.
import { createHash, timingSafeEqual } from 'node:crypto';
import midtrans from 'midtrans-client';
import type { MidtransSettings } from './settings.ts';
import { unitsFromMajor } from './amounts.ts';
import {
  jsonBody, providerRefused, providerUnavailable, signatureInvalid, withTimeout,
  type CheckoutOrder, type CreatedPayment, type EventKind, type PaymentEvent, type PaymentProvider,
} from './provider.ts';

/** Midtrans' documented signature: SHA-512 hex of order_id, status_code, gross_amount and the server key. */
export function midtransSignature(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash('sha512').update(`${orderId}${statusCode}${grossAmount}${serverKey}`).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** transaction_status (and fraud_status for card captures) in amanah's terms. */
export function midtransKind(status: unknown, fraudStatus: unknown): EventKind {
  switch (status) {
    case 'settlement': return 'paid';
    case 'capture': return fraudStatus === 'accept' || fraudStatus === undefined ? 'paid' : 'pending';
    case 'deny': case 'cancel': case 'failure': return 'failed';
    case 'expire': return 'expired';
    case 'refund': case 'partial_refund': return 'refunded';
    case 'pending': return 'pending';
    default: return 'ignored';
  }
}

function classify(error: unknown): Error {
  if ((error as { code?: string }).code === 'payment_provider_unavailable') return error as Error;
  const status = Number((error as { httpStatusCode?: unknown }).httpStatusCode ?? NaN);
  if (!Number.isFinite(status) || status >= 500 || status === 429) return providerUnavailable('midtrans', (error as Error).message);
  return providerRefused('midtrans', (error as Error).message);
}

export function midtransProvider(settings: MidtransSettings, callTimeoutMs: number): PaymentProvider {
  const snap = new midtrans.Snap({ isProduction: false, serverKey: settings.serverKeys[0]! });
  snap.apiConfig.getSnapApiBaseUrl = () => settings.snapBase;
  snap.apiConfig.getCoreApiBaseUrl = () => settings.apiBase;
  snap.httpClient.http_client.defaults.timeout = callTimeoutMs;

  async function confirmedStatus(orderId: string): Promise<Record<string, unknown>> {
    try {
      return await withTimeout('midtrans', callTimeoutMs, snap.transaction.status(orderId));
    } catch (error) {
      throw classify(error);
    }
  }

  return {
    name: 'midtrans',
    async create(order: CheckoutOrder): Promise<CreatedPayment> {
      try {
        const answer = await withTimeout('midtrans', callTimeoutMs, snap.createTransaction({
          transaction_details: { order_id: order.reference, gross_amount: Number(order.amount.units) },
          item_details: [{ id: `donation-${order.donationId}`, price: Number(order.amount.units), quantity: 1, name: order.description.slice(0, 50) }],
          ...(order.donorEmail || order.donorName ? { customer_details: { first_name: order.donorName?.slice(0, 255), email: order.donorEmail } } : {}),
          callbacks: { finish: order.returnUrl },
        }));
        if (typeof answer.token !== 'string' || typeof answer.redirect_url !== 'string') throw providerRefused('midtrans', 'no token or redirect_url in the answer');
        return { providerPaymentId: order.reference, paymentUrl: answer.redirect_url, snapToken: answer.token, expiresAt: null };
      } catch (error) {
        if ((error as { code?: string }).code === 'payment_provider_refused') throw error;
        throw classify(error);
      }
    },
    async verify(rawBody): Promise<PaymentEvent> {
      const body = jsonBody('midtrans', rawBody);
      const { order_id: orderId, status_code: statusCode, gross_amount: grossAmount, signature_key: signatureKey } = body;
      if (typeof orderId !== 'string' || typeof statusCode !== 'string' || typeof grossAmount !== 'string' || typeof signatureKey !== 'string') {
        throw signatureInvalid('midtrans', 'order_id, status_code, gross_amount and signature_key must be strings');
      }
      const verified = settings.serverKeys.some((key) => sameHex(midtransSignature(orderId, statusCode, grossAmount, key), signatureKey.toLowerCase()));
      if (!verified) throw signatureInvalid('midtrans', 'signature_key matches no configured server key');
      // The notification only says "look": the status API says what is true now.
      return eventOf(orderId, await confirmedStatus(orderId));
    },
    async status({ reference }) {
      const status = await confirmedStatus(reference);
      return { event: eventOf(reference, status), raw: Buffer.from(JSON.stringify(status)) };
    },
  };

  function eventOf(orderId: string, status: Record<string, unknown>): PaymentEvent {
      const kind = midtransKind(status.transaction_status, status.fraud_status);
      const transactionId = typeof status.transaction_id === 'string' ? status.transaction_id : orderId;
      const refunded = typeof status.refund_amount === 'string' ? unitsFromMajor(status.refund_amount, 0) : undefined;
      return {
        provider: 'midtrans',
        eventId: `${transactionId}:${String(status.transaction_status)}:${String(status.refund_amount ?? '')}`,
        eventType: `notification.${String(status.transaction_status)}`,
        providerPaymentId: orderId,
        reference: orderId,
        kind,
        amountUnits: kind === 'refunded' ? refunded : unitsFromMajor(status.gross_amount, 0),
        currency: typeof status.currency === 'string' ? status.currency : 'IDR',
        fullRefund: status.transaction_status === 'refund',
      };
  }
}
