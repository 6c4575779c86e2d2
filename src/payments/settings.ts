// Payment providers' settings, read from the environment by config.ts and validated at start like the rest.
// A provider is configured when its secret key is set; then its webhook secrets must be set too, because a
// provider that can take money but whose notifications amanah cannot verify would leave donations pending.
// Secrets are lists (comma-separated) so one can be rotated with no downtime: every listed secret verifies a
// webhook; the first is used to call the provider.
import { ConfigError } from '../config.ts';
import type { ProviderName } from './amounts.ts';

type Environment = Record<string, string | undefined>;

export interface StripeSettings { readonly secretKey: string; readonly webhookSecrets: readonly string[]; readonly apiBase: URL }
export interface MidtransSettings { readonly serverKeys: readonly string[]; readonly apiBase: string; readonly snapBase: string }
export interface XenditSettings { readonly secretKey: string; readonly callbackTokens: readonly string[]; readonly apiBase: string }

export interface PaymentProvidersConfig {
  readonly stripe: StripeSettings | undefined;
  readonly midtrans: MidtransSettings | undefined;
  readonly xendit: XenditSettings | undefined;
  /** Where a donor's browser comes back to after paying (the return page), without a trailing slash. */
  readonly publicUrl: string;
  /** How long one call to a provider may take before checkout answers 503 and the retry resumes. */
  readonly callTimeoutMs: number;
  /** How long a checkout holds the right to call the provider for its payment (a crash frees it after this). */
  readonly leaseMs: number;
  /** How often each process asks providers about payments still open (0: never), and after how long open. */
  readonly sweepIntervalMs: number;
  readonly sweepAgeMs: number;
  /** New checkouts allowed per IP and per email in each window (0: no limit of that kind). */
  readonly rateLimits: { readonly perIpMax: number; readonly perEmailMax: number; readonly windowSeconds: number };
}

/** The providers a campaign offers: those configured, in a fixed order. */
export function configuredProviders(config: PaymentProvidersConfig): ProviderName[] {
  return (['stripe', 'midtrans', 'xendit'] as const).filter((name) => config[name] !== undefined);
}

function list(env: Environment, name: string): string[] {
  return (env[name] ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function baseUrl(env: Environment, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^https?:\/\/[^\s/?#]+[^\s?#]*$/.test(raw)) throw new ConfigError(name, 'an http:// or https:// URL without query or fragment', raw);
  return raw.replace(/\/+$/, '');
}

function secret(env: Environment, name: string, lengthMin: number): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < lengthMin || /\s/.test(raw)) throw new ConfigError(name, `a key of at least ${lengthMin} characters without spaces`, '<hidden>');
  return raw;
}

function requiredList(env: Environment, name: string, because: string): string[] {
  const values = list(env, name);
  if (values.length === 0) throw new ConfigError(name, `one or more comma-separated secrets (${because})`, env[name] ?? '');
  return values;
}

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return value;
}

export function parsePaymentProviders(env: Environment): PaymentProvidersConfig {
  const stripeKey = secret(env, 'STRIPE_SECRET_KEY', 8);
  const midtransKeys = list(env, 'MIDTRANS_SERVER_KEYS');
  const xenditKey = secret(env, 'XENDIT_SECRET_KEY', 8);
  return Object.freeze({
    stripe: stripeKey === undefined ? undefined : Object.freeze({
      secretKey: stripeKey,
      webhookSecrets: Object.freeze(requiredList(env, 'STRIPE_WEBHOOK_SECRETS', 'STRIPE_SECRET_KEY is set')),
      apiBase: new URL(baseUrl(env, 'STRIPE_API_BASE', 'https://api.stripe.com')),
    }),
    midtrans: midtransKeys.length === 0 ? undefined : Object.freeze({
      serverKeys: Object.freeze(midtransKeys),
      apiBase: baseUrl(env, 'MIDTRANS_API_BASE', 'https://api.sandbox.midtrans.com'),
      snapBase: baseUrl(env, 'MIDTRANS_SNAP_BASE', 'https://app.sandbox.midtrans.com/snap/v1'),
    }),
    xendit: xenditKey === undefined ? undefined : Object.freeze({
      secretKey: xenditKey,
      callbackTokens: Object.freeze(requiredList(env, 'XENDIT_CALLBACK_TOKENS', 'XENDIT_SECRET_KEY is set')),
      apiBase: baseUrl(env, 'XENDIT_API_BASE', 'https://api.xendit.co'),
    }),
    publicUrl: baseUrl(env, 'AMANAH_PUBLIC_URL', 'http://localhost:3000'),
    callTimeoutMs: integer(env, 'PAYMENT_CALL_TIMEOUT_MS', 10_000, 100, 120_000),
    leaseMs: integer(env, 'PAYMENT_CHECKOUT_LEASE_MS', 30_000, 1_000, 600_000),
    sweepIntervalMs: integer(env, 'PAYMENT_SWEEP_INTERVAL_MS', 300_000, 0, 86_400_000),
    sweepAgeMs: integer(env, 'PAYMENT_SWEEP_AGE_MS', 900_000, 0, 7 * 86_400_000),
    rateLimits: Object.freeze({
      perIpMax: integer(env, 'CHECKOUT_RATE_PER_IP_MAX', 20, 0, 1_000_000),
      perEmailMax: integer(env, 'CHECKOUT_RATE_PER_EMAIL_MAX', 5, 0, 1_000_000),
      windowSeconds: integer(env, 'CHECKOUT_RATE_WINDOW_SECONDS', 300, 1, 86_400),
    }),
  });
}
