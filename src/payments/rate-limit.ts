// Checkout creation is limited per IP and per email (card-testing bots made 400 attempts in five minutes
// against one GiveWP form, GiveWP #5258). Fixed windows: at most `perWindowMax` new checkouts per key per
// `windowSeconds`; past it 429 rate_limited with Retry-After (the rest of the window). A retry with an
// Idempotency-Key already used is not a new checkout and is never counted.
//
// With REDIS_URL the counts are shared by every process (INCR and PEXPIRE in one MULTI per key); without it, or
// while Redis does not answer within its command timeout, each process counts alone (so N processes allow up
// to N times the limit then: a degraded limit rather than refusing every donor).
import { Redis } from 'ioredis';
import { AppError } from '../errors.ts';

export interface CheckoutRateLimits {
  readonly perIpMax: number;
  readonly perEmailMax: number;
  readonly windowSeconds: number;
}

/** In-process windows held at most; past it, expired ones are dropped, then the oldest. */
const LOCAL_KEYS_MAX = 100_000;
// The command timeout is a setting (RATE_LIMIT_REDIS_TIMEOUT_MS, default 250 ms): a checkout waits on its provider
// for hundreds of milliseconds anyway; 50 ms fell back to counting alone whenever the machine was loaded (load 15
// on 2 cores: two processes then each allowed the whole limit).
/** How long the first checkouts wait for Redis to connect before counting locally, at least. */
const REDIS_CONNECT_TIMEOUT_MS_MIN = 1000;

export class CheckoutRateLimiter {
  readonly #limits: CheckoutRateLimits;
  readonly #local = new Map<string, { windowStartMs: number; count: number }>();
  readonly #redis: Redis | undefined;
  /** Settles once the first connection is made or has failed: until then a count waits for it, so a process
   * just started shares its counts from its first checkout instead of counting alone. */
  readonly #connected: Promise<void>;

  constructor(limits: CheckoutRateLimits, redisUrl: string | undefined, redisTimeoutMs = 250) {
    this.#limits = limits;
    this.#redis = redisUrl === undefined ? undefined : new Redis(redisUrl, {
      lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: redisTimeoutMs,
      connectTimeout: Math.max(REDIS_CONNECT_TIMEOUT_MS_MIN, redisTimeoutMs),
    });
    this.#redis?.on('error', () => { /* counted locally meanwhile */ });
    this.#connected = this.#redis ? this.#redis.connect().catch(() => undefined) : Promise.resolve();
  }

  /** Counts one new checkout; throws 429 rate_limited when the IP or the email is past its limit. */
  async take(ip: string, email: string | undefined, nowMs = Date.now()): Promise<void> {
    const { perIpMax, perEmailMax, windowSeconds } = this.#limits;
    const checks: [string, number][] = [];
    if (perIpMax > 0) checks.push([`ip:${ip}`, perIpMax]);
    if (perEmailMax > 0 && email !== undefined) checks.push([`email:${email.toLowerCase()}`, perEmailMax]);
    const windowMs = windowSeconds * 1000;
    const windowStartMs = Math.floor(nowMs / windowMs) * windowMs;
    for (const [key, max] of checks) {
      const count = await this.#count(key, windowStartMs, windowMs);
      if (count > max) {
        const retryAfterSeconds = Math.max(1, Math.ceil((windowStartMs + windowMs - nowMs) / 1000));
        throw new AppError('rate_limited', `at most ${max} checkouts per ${windowSeconds} s for this ${key.startsWith('ip:') ? 'address' : 'email'}; retry in ${retryAfterSeconds} s`, {}, retryAfterSeconds);
      }
    }
  }

  async #count(key: string, windowStartMs: number, windowMs: number): Promise<number> {
    await this.#connected;
    if (this.#redis?.status === 'ready') {
      try {
        const redisKey = `amanah:checkout-rate:${key}:${windowStartMs}`;
        const answer = await this.#redis.multi().incr(redisKey).pexpire(redisKey, windowMs).exec();
        const count = answer?.[0]?.[1];
        if (typeof count === 'number') return count;
      } catch { /* counted locally below */ }
    }
    return this.#countLocally(key, windowStartMs);
  }

  #countLocally(key: string, windowStartMs: number): number {
    const entry = this.#local.get(key);
    if (entry && entry.windowStartMs === windowStartMs) return ++entry.count;
    if (this.#local.size >= LOCAL_KEYS_MAX) this.#evict(windowStartMs);
    this.#local.set(key, { windowStartMs, count: 1 });
    return 1;
  }

  #evict(windowStartMs: number): void {
    for (const [key, entry] of this.#local) if (entry.windowStartMs !== windowStartMs) this.#local.delete(key);
    // All current: drop the oldest tenth (a Map iterates in insertion order).
    let drop = this.#local.size >= LOCAL_KEYS_MAX ? Math.ceil(LOCAL_KEYS_MAX / 10) : 0;
    for (const key of this.#local.keys()) {
      if (drop-- <= 0) break;
      this.#local.delete(key);
    }
  }

  close(): void {
    this.#redis?.disconnect();
  }
}
