// Configuration is read once from the environment (and a `.env` file), validated, frozen and passed in.
// Nothing else in amanah reads process.env: a bad value stops the process at start with one line naming the
// variable and what it expects, instead of failing later in the middle of a request.
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { parsePaymentProviders, type PaymentProvidersConfig } from './payments/settings.ts';
import { parseReceipts, type ReceiptsConfig } from './receipts/settings.ts';
import { parsePortal, type PortalConfig } from './portal/settings.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface DatabaseConfig {
  /** `undefined` means embedded PGlite in `dataDirectory`; `memory://` means in-memory PGlite. */
  readonly url: string | undefined;
  readonly dataDirectory: string;
  readonly poolSize: number;
  readonly acquireTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** How long a batch job (an import) goes on retrying while the database is away before it gives up. */
  readonly retryWaitMs: number;
}

export interface GroupCommitConfig {
  readonly enabled: boolean;
  readonly windowMs: number;
  readonly batchRowsMax: number;
  readonly batchesInFlightMax: number;
  readonly queueRowsMax: number;
}

export interface PaymentVerificationConfig {
  /** Base URL of the payment provider's status endpoint; `undefined` turns scheduled verification off. */
  readonly providerUrl: string | undefined;
  readonly concurrency: number;
  readonly itemTimeoutMs: number;
  readonly intervalMs: number;
  readonly attemptsMax: number;
}

/** Thresholds past which the server answers 503 + Retry-After instead of taking more work; 0 turns one off. */
export interface LoadSheddingConfig {
  /** Mean event-loop delay over one 1 s sample, above the 10 ms timer resolution (@fastify/under-pressure's measure). */
  readonly eventLoopDelayMsMax: number;
  readonly heapUsedBytesMax: number;
  readonly rssBytesMax: number;
  readonly retryAfterSeconds: number;
}

export interface CacheConfig {
  /** `AMANAH_CACHE=off` turns every cache off (the "caching off" benchmark, or to rule caching out). */
  readonly enabled: boolean;
  /** A backstop: entries are invalidated by writes; the TTL bounds staleness if a notification is ever lost. */
  readonly ttlSeconds: number;
  /** Memory the in-process caches of one process hold together (campaigns, campaign lists, responses), in bytes. */
  readonly bytesMax: number;
  /** `redis://…`: a shared second level for cached responses; unset, nothing changes. */
  readonly redisUrl: string | undefined;
  /**
   * How long a rate-limit count waits for Redis before the process counts alone (RATE_LIMIT_REDIS_TIMEOUT_MS):
   * a degraded limit rather than a donor kept waiting. Also the least the first connection is given.
   */
  readonly rateLimitRedisTimeoutMs: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly database: DatabaseConfig;
  /** SHA-256 of AMANAH_ADMIN_TOKEN, so the plain token does not sit in memory longer than start-up. */
  readonly adminTokenSha256: Buffer | undefined;
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly seedDemoData: boolean;
  /** Live dashboard streams one process holds (each is a socket, a file descriptor and ~17 KB resident: bench/live.ts). */
  readonly liveSubscribersMax: number;
  readonly loadShedding: LoadSheddingConfig;
  readonly groupCommit: GroupCommitConfig;
  readonly payments: PaymentVerificationConfig;
  /** Stripe, Midtrans and Xendit (issue 14): src/payments/settings.ts. */
  readonly paymentProviders: PaymentProvidersConfig;
  readonly cache: CacheConfig;
  /** Receipts, their numbering and the mail outbox (issue 15): src/receipts/settings.ts. */
  readonly receipts: ReceiptsConfig;
  /** The donor's own page, magic links and their mail (issue 15): src/portal/settings.ts. */
  readonly portal: PortalConfig;
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, expected: string, got: string) {
    super(`${variable}: expected ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Environment = Record<string, string | undefined>;

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return value;
}

function oneOf<T extends string>(env: Environment, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `one of ${allowed.join(', ')}`, raw);
  return raw as T;
}

/** Every on/off setting reads the same words: true/false, on/off, yes/no, 1/0, in any case. */
const TRUE_WORDS = new Set(['true', 'on', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'off', 'no', '0']);

function booleanFlag(env: Environment, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (TRUE_WORDS.has(raw.toLowerCase())) return true;
  if (FALSE_WORDS.has(raw.toLowerCase())) return false;
  throw new ConfigError(name, 'true or false (or on/off, yes/no, 1/0)', raw);
}

function databaseUrl(env: Environment): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'memory://' || /^postgres(ql)?:\/\//.test(raw)) return raw;
  throw new ConfigError('DATABASE_URL', 'postgres://user@host:port/database, memory://, or nothing for PGlite in ./data', raw);
}

function redisUrl(env: Environment): string | undefined {
  const raw = env.REDIS_URL;
  if (raw === undefined || raw === '') return undefined;
  if (/^rediss?:\/\//.test(raw)) return raw;
  throw new ConfigError('REDIS_URL', 'redis://[user:password@]host:port[/db] or rediss://…, or nothing', raw);
}

function adminToken(env: Environment): Buffer | undefined {
  const raw = env.AMANAH_ADMIN_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  // A short admin token can be guessed; 24 characters of a random token is well over 128 bits.
  if (raw.length < 24) throw new ConfigError('AMANAH_ADMIN_TOKEN', 'at least 24 characters', '<hidden>');
  return createHash('sha256').update(raw).digest();
}

function providerUrl(env: Environment): string | undefined {
  const raw = env.PAYMENT_PROVIDER_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^https?:\/\/[^\s/?#]+[^\s?#]*$/.test(raw)) throw new ConfigError('PAYMENT_PROVIDER_URL', 'an http:// or https:// URL without query or fragment', raw);
  return raw.replace(/\/+$/, '');
}

// A heap at 90% of V8's limit spends most of its time in GC and is close to an out-of-memory crash: refusing
// new work there is what lets the requests in flight finish. RSS has no safe default (the container's limit is
// not always visible to the process), so it is off unless set.
const HEAP_USED_FRACTION_MAX = 0.9;
const BYTES_MAX = 2 ** 50; // 1 PiB: any larger value is a typo

function loadShedding(env: Environment): LoadSheddingConfig {
  return Object.freeze({
    // Measured on PGlite with 2 shared cores: 200 connections keeping /docs saturated (6,400 req/s, a core busy)
    // held the mean delay at 11–28 ms with p99 latency 111 ms. 200 ms is thus well past a busy loop that still
    // serves; it trips when work arrives faster than it drains, or when something blocks the loop.
    eventLoopDelayMsMax: integer(env, 'AMANAH_SHED_EVENT_LOOP_DELAY_MS', 200, 0, 60_000),
    heapUsedBytesMax: integer(env, 'AMANAH_SHED_HEAP_USED_BYTES', Math.floor(getHeapStatistics().heap_size_limit * HEAP_USED_FRACTION_MAX), 0, BYTES_MAX),
    rssBytesMax: integer(env, 'AMANAH_SHED_RSS_BYTES', 0, 0, BYTES_MAX),
    retryAfterSeconds: integer(env, 'AMANAH_SHED_RETRY_AFTER_SECONDS', 5, 1, 3_600),
  });
}

/** Validates an environment into a frozen Config. Throws ConfigError naming the first bad variable. */
export function parseConfig(env: Environment): Config {
  const database: DatabaseConfig = Object.freeze({
    url: databaseUrl(env),
    dataDirectory: env.AMANAH_DATA_DIR || './data',
    // The seed's pool: 20 connections, a 5 s acquire target, 15 s statements, 5 s connect.
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 500),
    acquireTimeoutMs: integer(env, 'DATABASE_ACQUIRE_TIMEOUT_MS', 5_000, 1, 600_000),
    statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15_000, 0, 3_600_000),
    connectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
    idleTimeoutMs: integer(env, 'DATABASE_IDLE_TIMEOUT_MS', 30_000, 0, 3_600_000),
    retryWaitMs: integer(env, 'DATABASE_RETRY_WAIT_MS', 60_000, 0, 3_600_000),
  });
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65_535),
    // Loopback unless HOST says otherwise: a demo with a printed admin token should not listen on every network.
    host: env.HOST || '127.0.0.1',
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    database,
    adminTokenSha256: adminToken(env),
    bodyLimitBytes: integer(env, 'AMANAH_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024), // 1 MiB
    requestTimeoutMs: integer(env, 'AMANAH_REQUEST_TIMEOUT_MS', 30_000, 0, 3_600_000),
    seedDemoData: booleanFlag(env, 'AMANAH_SEED_DEMO', true),
    liveSubscribersMax: integer(env, 'AMANAH_LIVE_SUBSCRIBERS_MAX', 10_000, 1, 1_000_000),
    loadShedding: loadShedding(env),
    groupCommit: Object.freeze({
      enabled: booleanFlag(env, 'AMANAH_GROUP_COMMIT', true),
      windowMs: integer(env, 'AMANAH_GROUP_COMMIT_WINDOW_MS', 2, 0, 1_000),
      batchRowsMax: integer(env, 'AMANAH_GROUP_COMMIT_ROWS_MAX', 500, 1, 10_000),
      batchesInFlightMax: integer(env, 'AMANAH_GROUP_COMMIT_BATCHES_IN_FLIGHT_MAX', 2, 1, 64),
      queueRowsMax: integer(env, 'AMANAH_GROUP_COMMIT_QUEUE_MAX', 10_000, 1, 1_000_000),
    }),
    // The seed's DonationVerifier: 50 checks at once, 30 s each before the check is killed.
    payments: Object.freeze({
      providerUrl: providerUrl(env),
      concurrency: integer(env, 'PAYMENT_VERIFY_CONCURRENCY', 50, 1, 1_000),
      itemTimeoutMs: integer(env, 'PAYMENT_VERIFY_TIMEOUT_MS', 30_000, 1, 600_000),
      intervalMs: integer(env, 'PAYMENT_VERIFY_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      attemptsMax: integer(env, 'PAYMENT_VERIFY_ATTEMPTS_MAX', 5, 1, 100),
    }),
    paymentProviders: parsePaymentProviders(env),
    receipts: parseReceipts(env),
    portal: parsePortal(env),
    cache: Object.freeze({
      enabled: booleanFlag(env, 'AMANAH_CACHE', true),
      ttlSeconds: integer(env, 'AMANAH_CACHE_TTL_SECONDS', 60, 1, 86_400),
      bytesMax: integer(env, 'AMANAH_CACHE_BYTES_MAX', 64 * 1024 * 1024, 1024 * 1024, 16 * 1024 * 1024 * 1024), // 64 MiB
      redisUrl: redisUrl(env),
      rateLimitRedisTimeoutMs: integer(env, 'RATE_LIMIT_REDIS_TIMEOUT_MS', 250, 10, 60_000),
    }),
  });
}

/** Reads `.env` (if present) into process.env without overriding what is already set, then validates. */
export function loadConfig(overrides: Environment = {}): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return parseConfig({ ...process.env, ...overrides });
}
