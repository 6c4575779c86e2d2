// Xendit invoices through the official xendit-node, pointed at XENDIT_API_BASE. An invoice is created with
// external_id = the payment's reference; a checkout resumed after a crash first looks the reference up
// (GET /v2/invoices?external_id=…) and takes the invoice it finds, so a retry never makes a second one.
// Callbacks carry the account's callback token in x-callback-token, compared in constant time with every
// configured token (rotation). The SDK takes no AbortSignal, so calls are bounded by withTimeout.
import { timingSafeEqual, createHash } from 'node:crypto';
import { Xendit } from 'xendit-node';
import type { XenditSettings } from './settings.ts';
import { majorNumber, unitsFromMajor } from './amounts.ts';
import {
  headerOf, jsonBody, PROVIDER_LIST_RECORDS_MAX, providerRefused, providerUnavailable, signatureInvalid, withTimeout,
  type CheckoutOrder, type CreatedPayment, type PaymentEvent, type PaymentProvider,
} from './provider.ts';

/** Equal tokens, in time independent of where they differ (both hashed first, so lengths match too). */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function classify(error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (code === 'payment_provider_unavailable' || code === 'payment_provider_refused') return error as Error;
  const status = Number((error as { status?: unknown }).status ?? NaN);
  if ((error as { name?: string }).name === 'XenditSdkError' && status >= 400 && status < 500 && status !== 429) {
    return providerRefused('xendit', `${status}: ${(error as { errorMessage?: string }).errorMessage ?? (error as Error).message}`);
  }
  return providerUnavailable('xendit', (error as Error).message);
}

/** The decimals Xendit takes for a currency (IDR and VND whole, else two). */
function decimalsOf(currency: string): number {
  return currency === 'IDR' || currency === 'VND' ? 0 : 2;
}

export function xenditProvider(settings: XenditSettings, callTimeoutMs: number): PaymentProvider {
  const invoices = new Xendit({ secretKey: settings.secretKey, xenditURL: settings.apiBase }).Invoice;
  return {
    name: 'xendit',
    async create(order: CheckoutOrder): Promise<CreatedPayment> {
      try {
        const [found] = await withTimeout('xendit', callTimeoutMs, invoices.getInvoices({ externalId: order.reference }));
        const invoice = found ?? await withTimeout('xendit', callTimeoutMs, invoices.createInvoice({
          data: {
            externalId: order.reference,
            amount: majorNumber(order.amount),
            currency: order.currency,
            description: order.description,
            ...(order.donorEmail ? { payerEmail: order.donorEmail } : {}),
            successRedirectUrl: order.returnUrl,
            failureRedirectUrl: order.returnUrl,
          },
        }));
        if (!invoice.id || !invoice.invoiceUrl) throw providerRefused('xendit', 'the invoice has no id or invoice_url');
        return { providerPaymentId: invoice.id, paymentUrl: invoice.invoiceUrl, snapToken: null, expiresAt: Number.isNaN(invoice.expiryDate.getTime()) ? null : invoice.expiryDate };
      } catch (error) {
        throw classify(error);
      }
    },
    async verify(rawBody, headers): Promise<PaymentEvent> {
      const token = headerOf(headers, 'x-callback-token');
      if (token === undefined) throw signatureInvalid('xendit', 'no x-callback-token header');
      // Every token is compared, so the time taken does not say which one (or whether any) matched.
      const matches = settings.callbackTokens.map((expected) => sameToken(expected, token));
      if (!matches.includes(true)) throw signatureInvalid('xendit', 'x-callback-token matches no configured token');
      return eventOf(jsonBody('xendit', rawBody));
    },
    async list(from, to) {
      let found;
      try {
        found = await withTimeout('xendit', callTimeoutMs, invoices.getInvoices({ createdAfter: from, createdBefore: to, limit: PROVIDER_LIST_RECORDS_MAX }));
      } catch (error) {
        throw classify(error);
      }
      return found.map((invoice) => ({
        providerPaymentId: invoice.id ?? '', reference: invoice.externalId, status: String(invoice.status),
        paid: invoice.status === 'PAID' || invoice.status === 'SETTLED',
        amountUnits: unitsFromMajor(invoice.amount, decimalsOf(invoice.currency ?? 'IDR')), currency: invoice.currency,
      }));
    },
    async status({ providerPaymentId }) {
      let invoice;
      try {
        invoice = await withTimeout('xendit', callTimeoutMs, invoices.getInvoiceById({ invoiceId: providerPaymentId }));
      } catch (error) {
        throw classify(error);
      }
      const body = { id: invoice.id, external_id: invoice.externalId, status: invoice.status, amount: invoice.amount, currency: invoice.currency };
      return { event: eventOf(body), raw: Buffer.from(JSON.stringify(body)) };
    },
  };

  function eventOf(body: Record<string, unknown>): PaymentEvent {
      const status = String(body.status ?? '');
      const currency = typeof body.currency === 'string' ? body.currency : 'IDR';
      const paid = body.paid_amount ?? body.amount;
      return {
        provider: 'xendit',
        // Xendit sends no event id; an invoice reaches each status once, and SETTLED follows PAID.
        eventId: `${String(body.id)}:${status}`,
        eventType: `invoice.${status.toLowerCase()}`,
        providerPaymentId: typeof body.id === 'string' ? body.id : undefined,
        reference: typeof body.external_id === 'string' ? body.external_id : undefined,
        kind: status === 'PAID' || status === 'SETTLED' ? 'paid' : status === 'EXPIRED' ? 'expired' : 'ignored',
        amountUnits: unitsFromMajor(paid, decimalsOf(currency)),
        currency,
      };
  }
}
