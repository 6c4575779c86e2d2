// The optional second level: cached responses shared through Redis by every amanah process (REDIS_URL). When a
// process misses its own cache it asks Redis before running the handler, so after a write one process reads
// the database and the others take its result, instead of each of N processes reading it again.
//
// Invalidation is by epoch, not by DEL. A delete cannot win the cache-aside race: process B reads a row, A
// commits a change and deletes the key, then B writes the row it read before the commit, and Redis keeps it. So
// every entry is stored with the epoch current when its miss began (read in the same MGET that missed), and is
// served only while the epoch is unchanged. Every process bumps the epoch (INCR) after each change it hears of,
// the writer at once and the others on the NOTIFY, and its own Redis reads wait for its bump: an entry built from
// data read before a commit carries an epoch older than a bump that follows the commit, so no process serves it
// after hearing of the change. One epoch covers every entry (a per-campaign epoch would need the campaign
// before the look-up, which a slug URL does not give); a write drops the whole second level, and the next
// reader of each key refills it once for all processes. If a bump fails, Redis is not read until one succeeds.
// The epoch key has no TTL (entries do: the cache TTL): give Redis a `volatile-*` or `noeviction` maxmemory
// policy, so that it is never evicted. If it goes anyway, the next bump starts it again from a clock reading
// times a million, above any count it can have reached before, so no entry stored earlier matches it.
import { Redis } from 'ioredis';

/** A Redis command that takes longer is given up: the request goes on without the second level. */
const COMMAND_TIMEOUT_MS = 50;
const CONNECT_TIMEOUT_MS = 2_000;
const RECONNECT_DELAY_MS_MAX = 5_000;

export interface StoredResponse {
  readonly contentType: string;
  readonly tags: readonly string[];
  readonly body: Buffer;
}

export interface Level2Lookup {
  /** The entry, when Redis holds one of the current epoch. */
  readonly found: StoredResponse | undefined;
  /** The epoch the look-up saw, to store the response this miss builds; undefined when Redis did not answer. */
  readonly epoch: string | undefined;
}

export interface Level2Counters {
  hits: number;
  misses: number;
  /** Entries found but of an older epoch. */
  stale: number;
  stores: number;
  epochBumps: number;
  errors: number;
}

const NEWLINE = 0x0a;

export class RedisLevel {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #epochKey: string;
  readonly #ttlSeconds: number;
  /** The latest epoch bump; reads wait for it, so none runs between hearing of a change and bumping for it. */
  #bump: Promise<void> = Promise.resolve();
  #bumpFailed = false;
  #retryQueued = false;
  readonly counters: Level2Counters = { hits: 0, misses: 0, stale: 0, stores: 0, epochBumps: 0, errors: 0 };

  constructor(url: string, prefix: string, ttlSeconds: number) {
    this.#prefix = prefix;
    this.#epochKey = `${prefix}epoch`;
    this.#ttlSeconds = ttlSeconds;
    this.#client = new Redis(url, {
      // A request never waits for Redis to come back: with no offline queue a command fails at once instead.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(RECONNECT_DELAY_MS_MAX, 100 * 2 ** Math.min(attempt, 10)),
    });
    this.#client.on('error', () => { this.counters.errors += 1; });
  }

  /**
   * Waits (at most CONNECT_TIMEOUT_MS) for the connection, then bumps the epoch: a process that starts cannot
   * know what changed while it was not listening. Resolves false if Redis did not answer; requests then go on
   * without the second level until it does.
   */
  async start(): Promise<boolean> {
    if (this.#client.status !== 'ready') {
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS);
        this.#client.once('ready', () => { clearTimeout(timer); resolve(true); });
      });
      if (!ready) return false;
    }
    this.invalidate();
    await this.#bump;
    return !this.#bumpFailed;
  }

  /** Called for every change that invalidates cached responses. */
  invalidate(): void {
    this.#bump = this.#bump.then(() => this.#incrementEpoch());
  }

  async #incrementEpoch(): Promise<void> {
    this.#retryQueued = false;
    try {
      const started = await this.#client.set(this.#epochKey, String(BigInt(Date.now()) * 1_000_000n), 'NX');
      if (started === null) await this.#client.incr(this.#epochKey);
      this.counters.epochBumps += 1;
      this.#bumpFailed = false;
    } catch {
      this.counters.errors += 1;
      this.#bumpFailed = true;
    }
  }

  async get(key: string): Promise<Level2Lookup> {
    await this.#bump;
    if (this.#bumpFailed) {
      if (!this.#retryQueued) {
        this.#retryQueued = true;
        this.invalidate();
      }
      await this.#bump;
      if (this.#bumpFailed) return { found: undefined, epoch: undefined };
    }
    let value: Buffer | null;
    let epochBuffer: Buffer | null;
    try {
      [value = null, epochBuffer = null] = await this.#client.mgetBuffer(`${this.#prefix}r:${key}`, this.#epochKey);
    } catch {
      this.counters.errors += 1;
      return { found: undefined, epoch: undefined };
    }
    if (epochBuffer === null) {
      // No epoch (a new Redis, or one that lost its keys): the bump starts one above any earlier count.
      this.invalidate();
      this.counters.misses += 1;
      return { found: undefined, epoch: undefined };
    }
    const epoch = epochBuffer.toString('latin1');
    const stored = value === null ? undefined : decode(value);
    if (stored === undefined || stored.epoch !== epoch) {
      if (stored !== undefined) this.counters.stale += 1;
      this.counters.misses += 1;
      return { found: undefined, epoch };
    }
    this.counters.hits += 1;
    return { found: stored.response, epoch };
  }

  /** Stores a response built in a miss that saw `epoch`; fire and forget (a failed store is only a lost hit). */
  set(key: string, response: StoredResponse, epoch: string): void {
    const header = Buffer.from(`${JSON.stringify({ e: epoch, t: response.contentType, g: response.tags })}\n`);
    this.#client.set(`${this.#prefix}r:${key}`, Buffer.concat([header, response.body]), 'EX', this.#ttlSeconds)
      .then(() => { this.counters.stores += 1; }, () => { this.counters.errors += 1; });
  }

  async close(): Promise<void> {
    await this.#bump;
    this.#client.disconnect();
  }
}

function decode(value: Buffer): { epoch: string; response: StoredResponse } | undefined {
  const newline = value.indexOf(NEWLINE);
  if (newline < 0) return undefined;
  try {
    const header = JSON.parse(value.subarray(0, newline).toString('utf8')) as { e: string; t: string; g: string[] };
    return { epoch: header.e, response: { contentType: header.t, tags: header.g, body: value.subarray(newline + 1) } };
  } catch {
    return undefined;
  }
}
