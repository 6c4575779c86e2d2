// /api/checkout (anyone, with an Idempotency-Key), /api/payments/:id (the return page's status), the providers a
// campaign offers, and /api/webhooks/stripe|midtrans|xendit. Webhook routes live in their own scope whose only
// content-type parser keeps the raw bytes: a signature is over the bytes as sent, never over re-serialised JSON.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { checkIdempotencyKey } from '../donations/donations.ts';
import { taxIdProperties } from '../donations/schemas.ts';
import { isDatabaseId } from '../http/format.ts';
import { PROVIDER_NAMES, supportsCurrency, type ProviderName } from './amounts.ts';
import { Checkout, paymentJson, type CheckoutInput } from './checkout.ts';
import type { PaymentProvider } from './provider.ts';
import { findPaymentById, recordRefusal } from './queries.ts';
import { writeEventBatch, type EventOutcome, type ReceivedEvent } from './webhooks.ts';
import { GroupCommitter } from '../donations/group-commit.ts';
import { startSweep, sweepPayments } from './sweep.ts';
import { CheckoutRateLimiter } from './rate-limit.ts';
import { giveRoutes } from './give-page.ts';
import { requireRole } from '../http/auth.ts';
import { stripeProvider } from './stripe.ts';
import { midtransProvider } from './midtrans.ts';
import { xenditProvider } from './xendit.ts';
import type { PaymentProvidersConfig } from './settings.ts';

/** A provider notification is a few KiB; this bounds what an unverified sender can make amanah hash. */
export const WEBHOOK_BODY_BYTES_MAX = 256 * 1024; // 256 KiB

export function createProviders(settings: PaymentProvidersConfig): Map<ProviderName, PaymentProvider> {
  const providers = new Map<ProviderName, PaymentProvider>();
  if (settings.stripe) providers.set('stripe', stripeProvider(settings.stripe, settings.callTimeoutMs));
  if (settings.midtrans) providers.set('midtrans', midtransProvider(settings.midtrans, settings.callTimeoutMs));
  if (settings.xendit) providers.set('xendit', xenditProvider(settings.xendit, settings.callTimeoutMs));
  return providers;
}

const paymentSchema = {
  type: 'object',
  required: ['id', 'donation_id', 'provider', 'status', 'amount', 'currency', 'provider_amount', 'payment_url', 'snap_token', 'expires_at', 'created_at'],
  properties: {
    id: { type: 'string' }, donation_id: { type: 'string' }, provider: { type: 'string', enum: PROVIDER_NAMES },
    status: { type: 'string', enum: ['creating', 'open', 'paid', 'held', 'failed', 'expired', 'refunded'] },
    status_reason: { type: ['string', 'null'] },
    amount: { type: 'string', description: 'Decimal string in major units' }, currency: { type: 'string' },
    provider_amount: { type: 'string', description: "The amount in the provider's API unit" },
    payment_url: { type: ['string', 'null'], description: 'Where the donor pays (Stripe session URL, Snap redirect_url, Xendit invoice URL)' },
    snap_token: { type: ['string', 'null'], description: 'Midtrans Snap token, for snap.js' },
    expires_at: { type: ['string', 'null'], format: 'date-time' }, created_at: { type: 'string', format: 'date-time' },
  },
} as const;

const checkoutBody = {
  type: 'object',
  additionalProperties: false,
  required: ['campaign_id', 'amount', 'provider'],
  properties: {
    campaign_id: { type: 'string', minLength: 1, maxLength: 64, description: 'Campaign id or slug' },
    amount: { type: 'string', minLength: 1, maxLength: 32, description: 'Decimal string in major units of the campaign currency' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', description: "Optional; must be the campaign's" },
    provider: { type: 'string', enum: PROVIDER_NAMES },
    donor_name: { type: 'string', maxLength: 200, pattern: '^[^\\u0000]*$' },
    donor_email: { type: 'string', maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' },
    anonymous: { type: 'boolean' },
    ...taxIdProperties,
  },
} as const;

/** What a provider is answered once its event is stored: what the event did (a duplicate changes nothing). */
const webhookAnswerSchema = {
  type: 'object', required: ['received', 'event_id', 'outcome'],
  properties: {
    received: { type: 'boolean' }, event_id: { type: 'string' },
    outcome: { type: 'string', enum: ['duplicate', 'unknown_payment', 'applied', 'held', 'stale', 'no_change', 'partial_refund', 'partial_refund_held'] satisfies EventOutcome[] },
  },
} as const;

export async function paymentRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const providers = createProviders(context.config.paymentProviders);
  const checkout = new Checkout(context, providers);
  app.addHook('onClose', async () => checkout.drain());
  const limiter = new CheckoutRateLimiter(context.config.paymentProviders.rateLimits, context.config.cache.redisUrl, context.config.cache.rateLimitRedisTimeoutMs);
  app.addHook('onClose', async () => limiter.close());

  app.post<{ Body: CheckoutInput; Headers: { 'idempotency-key'?: string } }>('/api/checkout', {
    preValidation: async (request) => { checkIdempotencyKey(request.headers['idempotency-key']); },
    schema: {
      summary: "Give through a payment provider: a pending donation and the provider's payment, exactly once per Idempotency-Key", tags: ['payments'],
      headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
      body: checkoutBody,
      response: {
        200: { type: 'object', properties: { payment: paymentSchema, donation: { $ref: 'Donation#' } } },
        201: { type: 'object', properties: { payment: paymentSchema, donation: { $ref: 'Donation#' } } },
        400: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse, 429: problemResponse, 502: problemResponse, 503: problemResponse,
      },
    },
  }, async (request, reply) => {
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    const result = await checkout.submit(key, request.body, () => limiter.take(request.ip, request.body.donor_email));
    if (result.created) reply.code(201).header('location', `/api/payments/${result.payment.id}`);
    else reply.header('idempotent-replayed', 'true');
    return { payment: result.payment, donation: result.donation };
  });

  app.get<{ Params: { id: string } }>('/api/payments/:id', {
    schema: {
      summary: "A payment's status (the return page polls it until the webhook lands)", tags: ['payments'],
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 20 } } },
      response: { 200: paymentSchema, 404: problemResponse },
    },
  }, async (request) => {
    const payment = isDatabaseId(request.params.id) ? await findPaymentById(context.database, BigInt(request.params.id)) : undefined;
    if (!payment) throw new AppError('payment_not_found', `no payment with id "${request.params.id}"`);
    return paymentJson(payment);
  });

  app.get<{ Params: { id: string } }>('/api/campaigns/:id/payment-providers', {
    schema: {
      summary: 'The providers this campaign can be given through: those configured that charge its currency', tags: ['payments'],
      params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
      response: { 200: { type: 'object', properties: { providers: { type: 'array', items: { type: 'string' } } } }, 404: problemResponse },
    },
  }, async (request) => {
    const campaign = await context.caches.campaigns.get(request.params.id);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.params.id}"`);
    return { providers: [...providers.keys()].filter((name) => supportsCurrency(name, campaign.currency)) };
  });

  const settings = context.config.paymentProviders;
  const stopSweep = startSweep(context, providers, settings.sweepIntervalMs, settings.sweepAgeMs);
  app.addHook('onClose', async () => stopSweep());
  app.post<{ Querystring: { age_ms?: number } }>('/api/payments/sweep', {
    preHandler: requireRole('staff', context.database, context.config.adminTokenSha256),
    schema: {
      summary: 'Ask the providers now about payments still open (staff); the same runs on a timer', tags: ['payments'], security: [{ bearer: [] }],
      querystring: { type: 'object', additionalProperties: false, properties: { age_ms: { type: 'integer', minimum: 0, maximum: 7 * 86_400_000 } } },
      response: { 200: { type: 'object', additionalProperties: true }, 401: problemResponse, 403: problemResponse },
    },
  }, async (request) => sweepPayments(context, providers, request.query.age_ms ?? settings.sweepAgeMs));

  await app.register(async (scope) => webhookRoutes(scope, context, providers));
  await app.register(async (scope) => giveRoutes(scope, context, checkout, limiter, [...providers.keys()]));
}

/*
 * WHY A WEBHOOK IS ANSWERED AFTER ITS CHANGE, NOT AS SOON AS IT IS STORED. Stripe asks for a 2xx "prior to any
 * complex logic that could cause a timeout"; the change here is one group-committed batch, and 64 senders are
 * answered at p99 200–570 ms (bench/webhooks.ts), far inside the providers' timeouts. Answering once the event
 * was stored and applying it behind was tried (the batch's apply step left running after the answer): 565
 * webhooks/s against 1,639 POST /api/donations/s in the same run (0.34, load 6.8), where applying first measured
 * 0.31–0.37. The approval's own work (ledger entry, donor count, history, receipt request) is what a webhook
 * costs on two shared cores, so answering first would hide that work, not remove it, and would add a recovery
 * path for events stored but never applied. The redelivery of a stored event finishes an interrupted change.
 */
async function webhookRoutes(scope: FastifyInstance, context: AppContext, providers: ReadonlyMap<ProviderName, PaymentProvider>): Promise<void> {
  // Concurrent events are written together, like donations and approvals (writeEventBatch).
  const events = new GroupCommitter((requests: readonly ReceivedEvent[]) => writeEventBatch(context, requests), context.config.groupCommit);
  scope.addHook('onClose', async () => events.drain());
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_BYTES_MAX }, (_request, body, done) => done(null, body));
  for (const name of PROVIDER_NAMES) {
    scope.post<{ Body: Buffer }>(`/api/webhooks/${name}`, {
      schema: {
        summary: `${name} notifications, verified on the raw body`, tags: ['payments'],
        response: { 200: webhookAnswerSchema, 401: problemResponse, 404: problemResponse, 422: problemResponse },
      },
    }, async (request) => {
      const provider = providers.get(name);
      if (!provider) throw new AppError('payment_provider_not_configured', `provider "${name}" is not configured here`);
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let event;
      try {
        event = await provider.verify(raw, request.headers);
      } catch (error) {
        if (error instanceof AppError && error.code === 'webhook_signature_invalid') {
          // Nothing changes; the attempt is kept (without its untrusted body) and logged.
          request.log.warn({ provider: name, reason: error.message, remote: request.ip }, 'webhook refused');
          await recordRefusal(context.database, name, error.message, request.ip, raw.length, createHash('sha256').update(raw).digest());
        }
        throw error;
      }
      const outcome = await events.submit({ event, raw });
      return { received: true, event_id: event.eventId, outcome };
    });
  }
}
