// Checkout creation (POST /api/checkout: the pending donation, the provider call, the answer stored) at 64
// clients against the loopback Stripe answering every call in 200 ms, and, in the same run, the reference: the
// same delayed provider endpoint (POST /v1/checkout/sessions) called directly at 64 connections. A checkout
// waits on its provider, so 64 clients can make at most 64 / 0.2 s = 320 a second either way; the ratio is
// what amanah's own work (two writes, the lease, the rate limiter) costs on top of the provider's wait.
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { findTotalsMismatches } from '../src/campaigns/queries.ts';
import { gatewayEnvironment, startGateway, STRIPE_KEY } from '../test/payments/gateway-server.ts';

export const name = 'checkout';

const CONNECTIONS = 64;
const PROVIDER_DELAY_MS = 200;
const DURATION_SECONDS = 5;
const QUICK_DURATION_SECONDS = 2;
const WARMUP_SECONDS = 1;
const REQUEST_TIMEOUT_SECONDS = 20;
const LATENCY_SAMPLES_MAX = 100_000;

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
  await context.database.query(`insert into campaigns (slug, name, fund, currency, status) values ('checkout-bench', 'Checkout benchmark', 'general', 'USD', 'active')`);
  const gateway = await startGateway();
  gateway.delayMs = PROVIDER_DELAY_MS;
  const loadBefore = loadavg()[0]!;
  const server = await startServerProcess(context.repositoryDirectory, {
    ...gatewayEnvironment(gateway), PAYMENT_CALL_TIMEOUT_MS: '10000',
    DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false', PAYMENT_SWEEP_INTERVAL_MS: '0',
    CHECKOUT_RATE_PER_IP_MAX: '0', CHECKOUT_RATE_PER_EMAIL_MAX: '0',
  });
  let checkouts: Phase;
  let direct: Phase;
  try {
    let key = 0;
    const checkoutRequest: autocannon.Request = {
      method: 'POST', path: '/api/checkout',
      setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json', 'idempotency-key': `bench-checkout-${key++}` },
        body: JSON.stringify({ campaign_id: 'checkout-bench', amount: '5.00', provider: 'stripe', donor_email: 'bench@example.org' }) }),
    };
    // What the Stripe SDK sends for a session (form-encoded, its own Idempotency-Key), straight to the gateway.
    const form = new URLSearchParams({ mode: 'payment', client_reference_id: 'bench', 'line_items[0][quantity]': '1', 'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][unit_amount]': '500', 'line_items[0][price_data][product_data][name]': 'Checkout benchmark', success_url: 'http://127.0.0.1/return' }).toString();
    const directRequest: autocannon.Request = {
      method: 'POST', path: '/v1/checkout/sessions',
      setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${STRIPE_KEY}`, 'idempotency-key': `bench-direct-${key++}` }, body: form }),
    };
    await measure(server.url, WARMUP_SECONDS, checkoutRequest, context.signal);
    await measure(gateway.url, WARMUP_SECONDS, directRequest, context.signal);
    checkouts = await measure(server.url, seconds, checkoutRequest, context.signal);
    direct = await measure(gateway.url, seconds, directRequest, context.signal);
  } finally {
    await server.stop();
    await gateway.close();
  }
  const mismatches = await findTotalsMismatches(context.database);
  if (mismatches.length > 0) throw new Error(`campaign totals differ from their approved donations: ${mismatches.map((row) => row.slug).join(', ')}`);
  const { rows } = await context.database.query<{ open: string }>(`select count(*)::text as open from payments where status = 'open'`);
  const rate = (phase: Phase) => phase.ok / phase.seconds;
  const round = (value: number, digits = 1) => Number(value.toFixed(digits));
  context.log(`checkouts ${Math.round(rate(checkouts))}/s vs direct ${Math.round(rate(direct))}/s, load ${loadavg()[0]!.toFixed(2)}`);
  return {
    name,
    workload: `POST /api/checkout, Stripe answering in ${PROVIDER_DELAY_MS} ms, 64 clients: ${Math.round(rate(checkouts))}/s, p50 ${checkouts.p50Ms.toFixed(1)} ms, p99 ${checkouts.p99Ms.toFixed(1)} ms`,
    reference: `the same delayed provider endpoint called directly, 64 connections, same run: ${Math.round(rate(direct))}/s, p50 ${direct.p50Ms.toFixed(1)} ms, p99 ${direct.p99Ms.toFixed(1)} ms`,
    ratio: round(rate(checkouts) / rate(direct), 3),
    target: 0.8,
    figures: {
      connections: CONNECTIONS, provider_delay_ms: PROVIDER_DELAY_MS, seconds,
      checkouts_per_second: round(rate(checkouts)), checkouts_p50_ms: round(checkouts.p50Ms, 2), checkouts_p99_ms: round(checkouts.p99Ms, 2),
      direct_per_second: round(rate(direct)), direct_p50_ms: round(direct.p50Ms, 2), direct_p99_ms: round(direct.p99Ms, 2),
      payments_open: Number(rows[0]!.open), checkout_failures: JSON.stringify(checkouts.failures), direct_failures: JSON.stringify(direct.failures),
      load_average_1m_before: round(loadBefore, 2), load_average_1m_after: round(loadavg()[0]!, 2),
    },
    notes: 'Each checkout has its own Idempotency-Key, so each is a new donation, a new lease and a new provider call; the gateway runs in the benchmark process, serving both phases.',
  };
}
