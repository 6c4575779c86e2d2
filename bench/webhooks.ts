// Signed Stripe webhooks (checkout.session.completed, each for its own open payment, so each is an approval
// through the group committer) at 64 concurrent senders, against POST /api/donations at 64 connections on the
// same `amanah serve`, in the same run. The webhook path does more per request (HMAC check, the raw event
// stored, the payment moved, the approval), so the target is a ratio of at least 0.8 to the plain intake. A third
// phase approves as many pending donations of the same campaign through the staff API (POST
// /api/donations/:id/approve): the same approval without a provider, so the ratio to it is what the webhook
// layer itself costs (event, signature, payment), apart from what an approval costs.
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import Stripe from 'stripe';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { findTotalsMismatches } from '../src/campaigns/queries.ts';

export const name = 'webhooks';

const CONNECTIONS = 64;
const DURATION_SECONDS = 5;
const QUICK_DURATION_SECONDS = 2;
const WARMUP_SECONDS = 1;
/** Open payments made for the webhook phases (warm-up and measured): above what 64 senders get through at ~5k/s. */
const PAYMENTS = 40_000;
const REQUEST_TIMEOUT_SECONDS = 20;
const LATENCY_SAMPLES_MAX = 250_000;
const WEBHOOK_SECRET = 'whsec_bench_0123456789';
const ADMIN_TOKEN = 'webhooks-bench-admin-token-0123456789';
const stripe = new Stripe('sk_test_bench_0123456789');

/** Prepares the webhooks' open payments and, for the staff phase, as many pending donations; answers the latter's ids. */
async function prepare(context: BenchContext): Promise<string[]> {
  await context.database.query(`insert into campaigns (slug, name, fund, currency, status) values ('webhooks-bench', 'Webhooks benchmark', 'general', 'USD', 'active')`);
  await context.database.query(
    `with d as (
       insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select c.id, 'Webhook donor', false, 2500, 'USD', 'pending', 'api', 'checkout:bench-' || n, sha256(('bench-' || n)::bytea)
         from generate_series(1, $1::int) n, campaigns c where c.slug = 'webhooks-bench'
       returning id, idempotency_key)
     insert into payments (donation_id, provider, checkout_key, request_sha256, reference, provider_payment_id, currency, amount_units, status)
     select id, 'stripe', substr(idempotency_key, 10), sha256(idempotency_key::bytea), 'amanah-' || id, 'cs_bench_' || substr(idempotency_key, 16),
            'USD', 2500, 'open' from d`,
    [PAYMENTS]);
  const { rows } = await context.database.query<{ id: string }>(
    `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
     select c.id, 'Approved donor', false, 2500, 'USD', 'pending', 'api', 'approve:bench-' || n, sha256(('approve-' || n)::bytea)
       from generate_series(1, $1::int) n, campaigns c where c.slug = 'webhooks-bench'
     returning id::text`, [PAYMENTS]);
  return rows.map((row) => row.id);
}

interface Phase { ok: number; seconds: number; p50Ms: number; p99Ms: number; failures: Record<string, number> }

async function measure(url: string, seconds: number, request: autocannon.Request, signal: AbortSignal): Promise<Phase> {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  const statuses = new Map<number, number>();
  const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds, timeout: REQUEST_TIMEOUT_SECONDS, requests: [request] });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    if (statusCode < 300) latency.record(responseTimeMs);
  });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  const ok = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
  const failures: Record<string, number> = Object.fromEntries([...statuses].filter(([status]) => status >= 300).map(([status, count]) => [String(status), count]));
  if (outcome.errors > 0) failures.error = outcome.errors;
  const [p50Ms = Number.NaN, p99Ms = Number.NaN] = latency.percentiles(50, 99);
  return { ok, seconds: outcome.duration, p50Ms, p99Ms, failures };
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const seconds = context.integerOption('duration-seconds', context.quick ? QUICK_DURATION_SECONDS : DURATION_SECONDS, 1, 60);
  const pendingIds = await prepare(context);
  const loadBefore = loadavg()[0]!;
  const server = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false',
    STRIPE_SECRET_KEY: 'sk_test_bench_0123456789', STRIPE_WEBHOOK_SECRETS: WEBHOOK_SECRET, PAYMENT_SWEEP_INTERVAL_MS: '0',
    AMANAH_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  let webhooks: Phase;
  let donations: Phase;
  let approvals: Phase;
  try {
    // Signed before the phases, so the load generator does no more work per webhook than per donation.
    const signed = Array.from({ length: PAYMENTS }, (_unused, index) => {
      const body = JSON.stringify({ id: `evt_bench_${index + 1}`, object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
        data: { object: { id: `cs_bench_${index + 1}`, object: 'checkout.session', amount_total: 2500, currency: 'usd', payment_status: 'paid', status: 'complete', client_reference_id: null } } });
      return { body, headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }) } };
    });
    let serial = 0;
    const webhookRequest: autocannon.Request = {
      method: 'POST', path: '/api/webhooks/stripe',
      setupRequest: (request) => ({ ...request, ...signed[serial++ % PAYMENTS]! }),
    };
    let key = 0;
    const donationRequest: autocannon.Request = {
      method: 'POST', path: '/api/donations',
      setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json', 'idempotency-key': `bench-donation-${key++}` },
        body: JSON.stringify({ campaign_id: 'webhooks-bench', amount: '25.00', currency: 'USD', donor_name: 'Bench donor' }) }),
    };
    let pendingNext = 0;
    const approvalRequest: autocannon.Request = {
      method: 'POST',
      // Past the ids (a much faster machine) they repeat: the answers are then 409s, counted as failures.
      setupRequest: (request) => ({ ...request, path: `/api/donations/${pendingIds[pendingNext++ % pendingIds.length]!}/approve`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    };
    // All paths warmed first (JIT, pool connections), so neither side measures a cold server.
    await measure(server.url, WARMUP_SECONDS, webhookRequest, context.signal);
    await measure(server.url, WARMUP_SECONDS, donationRequest, context.signal);
    await measure(server.url, WARMUP_SECONDS, approvalRequest, context.signal);
    webhooks = await measure(server.url, seconds, webhookRequest, context.signal);
    donations = await measure(server.url, seconds, donationRequest, context.signal);
    approvals = await measure(server.url, seconds, approvalRequest, context.signal);
  } finally {
    await server.stop();
  }
  const mismatches = await findTotalsMismatches(context.database);
  if (mismatches.length > 0) throw new Error(`campaign totals differ from their approved donations: ${mismatches.map((row) => row.slug).join(', ')}`);
  const { rows } = await context.database.query<{ approved: string }>(`select count(*)::text as approved from payments where status = 'paid'`);
  const rate = (phase: Phase) => phase.ok / phase.seconds;
  const round = (value: number, digits = 1) => Number(value.toFixed(digits));
  context.log(`webhooks ${Math.round(rate(webhooks))}/s vs donations ${Math.round(rate(donations))}/s (${(rate(webhooks) / rate(donations)).toFixed(2)}), vs staff approvals ${Math.round(rate(approvals))}/s (${(rate(webhooks) / rate(approvals)).toFixed(2)}), load ${loadavg()[0]!.toFixed(2)}`);
  return {
    name,
    workload: `signed Stripe webhooks (each an approval), 64 senders: ${Math.round(rate(webhooks))}/s, p99 ${webhooks.p99Ms.toFixed(1)} ms`,
    reference: `POST /api/donations, 64 connections, same server: ${Math.round(rate(donations))}/s, p99 ${donations.p99Ms.toFixed(1)} ms`,
    ratio: round(rate(webhooks) / rate(donations), 3),
    target: 0.8,
    figures: {
      connections: CONNECTIONS, seconds, webhooks_per_second: round(rate(webhooks)), webhooks_p50_ms: round(webhooks.p50Ms, 2), webhooks_p99_ms: round(webhooks.p99Ms, 2),
      donations_per_second: round(rate(donations)), donations_p50_ms: round(donations.p50Ms, 2), donations_p99_ms: round(donations.p99Ms, 2),
      staff_approvals_per_second: round(rate(approvals)), staff_approvals_p99_ms: round(approvals.p99Ms, 2), ratio_to_staff_approvals: round(rate(webhooks) / rate(approvals), 3),
      approval_failures: JSON.stringify(approvals.failures),
      payments_paid: Number(rows[0]!.approved), webhook_failures: JSON.stringify(webhooks.failures), donation_failures: JSON.stringify(donations.failures),
      load_average_1m_before: round(loadBefore, 2), load_average_1m_after: round(loadavg()[0]!, 2),
    },
    notes: 'Each webhook names its own open payment (cs_bench_N), so each is one approval through the group committer; past PAYMENTS the ids repeat and later events are answered 200 as stale.',
  };
}
