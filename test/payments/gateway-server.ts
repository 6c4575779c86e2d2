// A payment gateway on loopback that speaks the parts of Stripe, Midtrans and Xendit that amanah calls: Stripe's
// POST /v1/checkout/sessions (form-encoded, honouring Idempotency-Key), Midtrans' POST /snap/v1/transactions
// (refusing an order_id twice) and GET /v2/{order_id}/status, Xendit's POST /v2/invoices and
// GET /v2/invoices?external_id=. It serves a minimal pay page, and sends signed notifications to amanah:
// Stripe's with the SDK's own generateTestHeaderString, Midtrans' with its documented SHA-512 formula, Xendit's
// with the callback token. `down` makes every API call answer 503, as a provider outage would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { midtransSignature } from '../../src/payments/midtrans.ts';

export const STRIPE_KEY = 'sk_test_gateway_0123456789';
export const STRIPE_SECRETS = ['whsec_old_0123456789', 'whsec_new_0123456789'];
export const MIDTRANS_KEYS = ['SB-Mid-server-gateway-1', 'SB-Mid-server-gateway-2'];
export const XENDIT_KEY = 'xnd_development_gateway_0123';
export const XENDIT_TOKENS = ['xendit-callback-token-a', 'xendit-callback-token-b'];

const stripeSdk = new Stripe(STRIPE_KEY);

export interface StripeSession { created?: number; success_url?: string; id: string; amount_total: number; currency: string; client_reference_id: string; payment_intent: string; url: string; expires_at: number; status: string; payment_status: string }
export interface SnapTransaction { order_id: string; gross_amount: number; token: string; transaction_status: string; refund_amount?: string }
export interface XenditInvoice { id: string; external_id: string; amount: number; currency: string; status: string; invoice_url: string; expiry_date: string }

export interface Gateway {
  readonly url: string;
  /** Every API call answers 503 while set. */
  down: boolean;
  /** Every API call is answered this many milliseconds late (bench/checkout.ts: a provider taking 200 ms). */
  delayMs: number;
  /** Payments are made, but the answer is a 503 (amanah crashed or the connection dropped after the call). */
  loseAnswers: boolean;
  readonly calls: { stripeCreate: number; snapCreate: number; snapStatus: number; xenditCreate: number; xenditList: number };
  readonly stripe: Map<string, StripeSession>;
  readonly snap: Map<string, SnapTransaction>;
  readonly xendit: Map<string, XenditInvoice>;
  /** Where notifications go: amanah's base URL. */
  target: string;
  /** A Stripe event about a session (or its charge), signed with `secret` at `timestamp` (seconds). */
  sendStripe(type: string, object: Record<string, unknown>, options?: { id?: string; secret?: string; timestamp?: number; signature?: string }): Promise<Response>;
  stripeEventBody(type: string, object: Record<string, unknown>, id?: string): string;
  sendMidtrans(orderId: string, options?: { serverKey?: string; grossAmount?: string; statusCode?: string }): Promise<Response>;
  sendXendit(invoice: XenditInvoice, options?: { token?: string; paidAmount?: number }): Promise<Response>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startGateway(): Promise<Gateway> {
  let serial = 0;
  const stripeByKey = new Map<string, StripeSession>();
  const gateway: Gateway = {
    url: '', down: false, delayMs: 0, loseAnswers: false, target: '',
    calls: { stripeCreate: 0, snapCreate: 0, snapStatus: 0, xenditCreate: 0, xenditList: 0 },
    stripe: new Map(), snap: new Map(), xendit: new Map(),
    stripeEventBody(type, object, id = `evt_${++serial}`) {
      return JSON.stringify({ id, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), livemode: false, data: { object } });
    },
    async sendStripe(type, object, options = {}) {
      const payload = gateway.stripeEventBody(type, object, options.id);
      const header = options.signature ?? stripeSdk.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? STRIPE_SECRETS[1]!, ...(options.timestamp ? { timestamp: options.timestamp } : {}) });
      return fetch(`${gateway.target}/api/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
    },
    async sendMidtrans(orderId, options = {}) {
      const transaction = gateway.snap.get(orderId);
      const grossAmount = options.grossAmount ?? `${transaction?.gross_amount ?? 0}.00`;
      const statusCode = options.statusCode ?? '200';
      const body = {
        order_id: orderId, status_code: statusCode, gross_amount: grossAmount, transaction_status: transaction?.transaction_status ?? 'pending',
        signature_key: midtransSignature(orderId, statusCode, grossAmount, options.serverKey ?? MIDTRANS_KEYS[1]!), currency: 'IDR',
      };
      return fetch(`${gateway.target}/api/webhooks/midtrans`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    },
    async sendXendit(invoice, options = {}) {
      const body = { ...invoice, paid_amount: options.paidAmount ?? invoice.amount, paid_at: new Date().toISOString() };
      return fetch(`${gateway.target}/api/webhooks/xendit`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-callback-token': options.token ?? XENDIT_TOKENS[0]! }, body: JSON.stringify(body) });
    },
    close: async () => { await new Promise<void>((resolve) => server.close(() => resolve())); },
  };

  async function stripeCreate(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    if (request.headers.authorization !== `Bearer ${STRIPE_KEY}`) return json(response, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key' } });
    const key = String(request.headers['idempotency-key'] ?? '');
    gateway.calls.stripeCreate += 1;
    const again = key === '' ? undefined : stripeByKey.get(key);
    if (again) return json(response, 200, { object: 'checkout.session', ...again });
    const id = `cs_test_${++serial}`;
    const session: StripeSession = {
      id, amount_total: Number(form.get('line_items[0][price_data][unit_amount]')), currency: String(form.get('line_items[0][price_data][currency]')),
      client_reference_id: String(form.get('client_reference_id')), payment_intent: `pi_${serial}`, url: `${gateway.url}/pay/stripe/${id}`,
      expires_at: Math.floor(Date.now() / 1000) + 86_400, status: 'open', payment_status: 'unpaid', created: Math.floor(Date.now() / 1000),
      success_url: String(form.get('success_url') ?? ''),
    };
    gateway.stripe.set(id, session);
    if (key !== '') stripeByKey.set(key, session);
    if (gateway.loseAnswers) return json(response, 503, { error: { type: 'api_error', message: 'answer lost' } });
    json(response, 200, { object: 'checkout.session', ...session });
  }

  async function snapCreate(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(request)) as { transaction_details: { order_id: string; gross_amount: number } };
    const expected = `Basic ${Buffer.from(`${MIDTRANS_KEYS[0]}:`).toString('base64')}`;
    if (request.headers.authorization !== expected) return json(response, 401, { error_messages: ['Access denied'] });
    gateway.calls.snapCreate += 1;
    const { order_id: orderId, gross_amount: grossAmount } = body.transaction_details;
    if (gateway.snap.has(orderId)) return json(response, 400, { error_messages: ['transaction_details.order_id sudah digunakan'] });
    const token = `snap-token-${++serial}`;
    gateway.snap.set(orderId, { order_id: orderId, gross_amount: grossAmount, token, transaction_status: 'pending' });
    json(response, 201, { token, redirect_url: `${gateway.url}/pay/midtrans/${token}` });
  }

  function snapStatus(orderId: string, response: ServerResponse): void {
    gateway.calls.snapStatus += 1;
    const transaction = gateway.snap.get(orderId);
    if (!transaction) return json(response, 404, { status_code: '404', status_message: "Transaction doesn't exist." });
    json(response, 200, {
      status_code: transaction.transaction_status === 'expire' ? '407' : transaction.transaction_status === 'pending' ? '201' : '200',
      transaction_id: `trx-${orderId}`, order_id: orderId, gross_amount: `${transaction.gross_amount}.00`, currency: 'IDR',
      transaction_status: transaction.transaction_status, fraud_status: 'accept', payment_type: 'bank_transfer',
      ...(transaction.refund_amount ? { refund_amount: transaction.refund_amount } : {}),
    });
  }

  async function xenditCreate(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(request)) as { external_id: string; amount: number; currency?: string };
    gateway.calls.xenditCreate += 1;
    const id = `inv_${++serial}`;
    const invoice: XenditInvoice = {
      id, external_id: body.external_id, amount: body.amount, currency: body.currency ?? 'IDR', status: 'PENDING',
      invoice_url: `${gateway.url}/pay/xendit/${id}`, expiry_date: new Date(Date.now() + 86_400_000).toISOString(),
    };
    gateway.xendit.set(id, invoice);
    if (gateway.loseAnswers) return json(response, 503, { error_code: 'SERVER_ERROR', message: 'answer lost' });
    json(response, 200, xenditJson(invoice));
  }

  function xenditJson(invoice: XenditInvoice): Record<string, unknown> {
    const now = new Date().toISOString();
    return { ...invoice, user_id: 'user-1', merchant_name: 'amanah test', merchant_profile_picture_url: '', created: now, updated: now, available_banks: [], available_retail_outlets: [], available_ewallets: [], available_qr_codes: [], available_direct_debits: [], available_paylaters: [], should_exclude_credit_card: false, should_send_email: false };
  }

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://gateway');
      const paying = /^\/pay\/stripe\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'POST' && paying && gateway.stripe.has(paying[1]!)) {
        // The donor pays: the browser is sent back to amanah's return page first, and the signed webhook follows
        // once that answer is out, as at Stripe (the return page must show the status turning, not find it done).
        const session = gateway.stripe.get(paying[1]!)!;
        Object.assign(session, { status: 'complete', payment_status: 'paid' });
        response.once('finish', () => { void gateway.sendStripe('checkout.session.completed', { ...session }).catch(() => undefined); });
        response.writeHead(303, { location: (session.success_url ?? '').replace('{CHECKOUT_SESSION_ID}', session.id) }).end();
        return;
      }
      if (url.pathname.startsWith('/pay/')) {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><title>Pay</title><h1>Loopback pay page</h1><form method="post"><button>Pay</button></form>`);
        return;
      }
      if (gateway.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, gateway.delayMs));
      if (gateway.down) return json(response, 503, { error: { type: 'api_error', message: 'gateway down' } });
      if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') return stripeCreate(request, response);
      if (request.method === 'GET' && url.pathname === '/v1/checkout/sessions') {
        // Stripe's list: newest first, created[gte]/created[lt] in seconds; one page (has_more false) suffices here.
        const gte = Number(url.searchParams.get('created[gte]') ?? 0);
        const lt = Number(url.searchParams.get('created[lt]') ?? Number.MAX_SAFE_INTEGER);
        const data = [...gateway.stripe.values()].filter((item) => (item.created ?? 0) >= gte && (item.created ?? 0) < lt).reverse()
          .map((item) => ({ object: 'checkout.session', ...item }));
        return json(response, 200, { object: 'list', url: '/v1/checkout/sessions', has_more: false, data });
      }
      const session = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'GET' && session) {
        const found = gateway.stripe.get(decodeURIComponent(session[1]!));
        return found ? json(response, 200, { object: 'checkout.session', ...found }) : json(response, 404, { error: { type: 'invalid_request_error', message: 'No such session' } });
      }
      const invoice = /^\/v2\/invoices\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'GET' && invoice) {
        const found = gateway.xendit.get(decodeURIComponent(invoice[1]!));
        return found ? json(response, 200, xenditJson(found)) : json(response, 404, { error_code: 'INVOICE_NOT_FOUND_ERROR', message: 'not found' });
      }
      if (request.method === 'POST' && url.pathname === '/snap/v1/transactions') return snapCreate(request, response);
      const status = /^\/v2\/([^/]+)\/status$/.exec(url.pathname);
      if (request.method === 'GET' && status) return snapStatus(decodeURIComponent(status[1]!), response);
      if (request.method === 'POST' && /^\/v2\/invoices\/?$/.test(url.pathname)) return xenditCreate(request, response);
      if (request.method === 'GET' && /^\/v2\/invoices\/?$/.test(url.pathname)) {
        gateway.calls.xenditList += 1;
        const externalId = url.searchParams.get('external_id');
        // Without external_id: the list by date (every invoice here is recent, so the range is not applied).
        return json(response, 200, [...gateway.xendit.values()].filter((invoice) => externalId === null || invoice.external_id === externalId).map(xenditJson));
      }
      json(response, 404, { error: 'no such endpoint' });
    })().catch((error: unknown) => json(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (gateway as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gateway;
}

/** The environment that points amanah's three providers at the gateway. */
export function gatewayEnvironment(gateway: Gateway): Record<string, string> {
  return {
    STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_WEBHOOK_SECRETS: STRIPE_SECRETS.join(','), STRIPE_API_BASE: gateway.url,
    MIDTRANS_SERVER_KEYS: MIDTRANS_KEYS.join(','), MIDTRANS_API_BASE: gateway.url, MIDTRANS_SNAP_BASE: `${gateway.url}/snap/v1`,
    XENDIT_SECRET_KEY: XENDIT_KEY, XENDIT_CALLBACK_TOKENS: XENDIT_TOKENS.join(','), XENDIT_API_BASE: gateway.url,
    PAYMENT_CALL_TIMEOUT_MS: '3000',
  };
}
