// The caches of one amanah process, wired together: the campaign cache (rows and list pages), the response cache
// for public GETs with its fast path in front of Fastify, the optional Redis second level, their invalidation by
// the change feed, and their counters on /metrics and in cacheStats() for the observer page.
//
// What is cached, and what drops it. Every cached thing shows campaigns: a campaign (by id or slug), its
// summary, its approved donations, a page of the list. Public donation lists change only when a donation is
// approved or an approved one is refunded, and both move the campaign's totals, which every writer records as a
// campaign change; a new pending donation changes no public output. So campaign changes are the one trigger:
// `campaign:<id>` entries and every list page go, at once in the writing process (the feed tells it right after
// commit) and, in every other process, when PostgreSQL delivers the NOTIFY (milliseconds; the documented bound
// is 100 ms). `'all'` (a change too large to list) clears everything.
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerFactory, RouteOptions } from 'fastify';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { ChangeEvent } from '../events/changes.ts';
import type { AppContext } from '../http/context.ts';
import { CampaignCache } from './campaign-cache.ts';
import { RedisLevel, type Level2Counters } from './redis.ts';
import {
  buildEntry, chooseVariant, fastPathServerFactory, notModified, ResponseCache, type ResponseEntry,
} from './response-cache.ts';
import { registerCacheMetrics, type CacheStats } from './stats.ts';

export interface CacheReport {
  readonly enabled: boolean;
  readonly caches: readonly CacheStats[];
  /** Present when REDIS_URL is set. */
  readonly redis: Readonly<Level2Counters> | undefined;
}

export interface Caches {
  readonly enabled: boolean;
  readonly campaigns: CampaignCache;
  /** Undefined when caching is off. */
  readonly responses: ResponseCache | undefined;
  readonly level2: RedisLevel | undefined;
  /** For Fastify's constructor: the fast path for cache hits; undefined when caching is off. */
  readonly serverFactory: FastifyServerFactory | undefined;
  /** Counters of every cache, for the observer page. */
  cacheStats(): CacheReport;
  invalidate(event: ChangeEvent): void;
  close(): Promise<void>;
}

/** An in-memory PGlite database lives and dies with this process: its Redis namespace is this process's. */
const PROCESS_IDENTITY = randomUUID();

/** The Redis key prefix: one namespace per database, so two deployments (or test databases) never mix. */
export function redisPrefix(config: Config): string {
  const url = config.database.url;
  let identity = url === 'memory://' ? PROCESS_IDENTITY : `${hostname()}:${resolve(config.database.dataDirectory)}`;
  if (url !== undefined && url.startsWith('postgres')) {
    const parsed = new URL(url);
    identity = `${parsed.hostname}:${parsed.port}${parsed.pathname}`;
  }
  return `amanah:${createHash('sha1').update(identity).digest('hex').slice(0, 12)}:`;
}

export function createCaches(config: Config, database: Database): Caches {
  const { enabled, ttlSeconds, bytesMax, redisUrl } = config.cache;
  const ttlMs = ttlSeconds * 1_000;
  // The byte bound covers all three: half for responses (they hold compressed copies too), half for campaigns.
  const campaigns = new CampaignCache(database, { enabled, ttlMs, bytesMax: Math.floor(bytesMax / 2) });
  const responses = enabled ? new ResponseCache({ ttlMs, bytesMax: Math.floor(bytesMax / 2) }) : undefined;
  const level2 = enabled && redisUrl !== undefined ? new RedisLevel(redisUrl, redisPrefix(config), ttlSeconds) : undefined;
  return {
    enabled, campaigns, responses, level2,
    serverFactory: responses === undefined ? undefined : fastPathServerFactory(responses),
    cacheStats: () => ({
      enabled,
      caches: [...campaigns.stats(), ...(responses === undefined ? [] : [responses.stats()]), ...(level2 === undefined ? [] : [level2Stats(level2)])],
      redis: level2 === undefined ? undefined : { ...level2.counters },
    }),
    invalidate(event) {
      campaigns.invalidate(event);
      responses?.invalidate(event);
      if (level2 !== undefined && (event.campaignIds === 'all' || event.campaignIds.length > 0)) level2.invalidate();
    },
    close: async () => { await level2?.close(); },
  };
}

/**
 * The second level in the same shape as the others, for /metrics: its evictions are entries refused for an
 * older epoch, its loads are stores, its invalidations are epoch bumps; Redis keeps its own sizes.
 */
function level2Stats(level2: RedisLevel): CacheStats {
  const { hits, misses, stale, stores, epochBumps } = level2.counters;
  return { name: 'responses_redis', hits, misses, evictions: stale, loads: stores, invalidations: epochBumps, entries: 0, bytes: 0, entriesMax: 0, bytesMax: 0 };
}

/** The public GET routes whose responses are cached, each with the tags its entries carry. */
const CACHED_ROUTES: ReadonlyMap<string, (request: FastifyRequest, campaigns: CampaignCache) => string[] | undefined> = new Map([
  ['/api/campaigns', () => ['list']],
  ['/api/campaigns/:id', campaignTag],
  ['/api/campaigns/:id/summary', campaignTag],
  ['/api/campaigns/:id/donations', campaignTag],
]);

function campaignTag(request: FastifyRequest, campaigns: CampaignCache): string[] | undefined {
  const id = campaigns.idOf((request.params as { id: string }).id);
  return id === undefined ? undefined : [`campaign:${id}`];
}

/**
 * Subscribes the caches to the change feed, adds their metrics, and hooks the response cache into the cached
 * routes. Call before the route plugins are registered (the hooks attach as each route is added).
 */
export function installCaches(app: FastifyInstance, context: AppContext): void {
  const { caches, changes, metrics } = context;
  const unsubscribe = changes.subscribe((event) => caches.invalidate(event));
  registerCacheMetrics(metrics.registry, () => caches.cacheStats().caches);
  app.addHook('onReady', async () => {
    if (caches.level2 !== undefined && !(await caches.level2.start())) app.log.warn('REDIS_URL: Redis did not answer; serving without the second level until it does');
  });
  app.addHook('onClose', async () => {
    unsubscribe();
    await caches.close();
  });
  const responses = caches.responses;
  if (responses === undefined) return;
  const hooks = new ResponseCacheHooks(responses, caches.campaigns, caches.level2);
  app.addHook('onRoute', (route: RouteOptions) => {
    const tagsOf = CACHED_ROUTES.get(route.url);
    if (tagsOf === undefined || route.method !== 'GET') return;
    route.onRequest = [...toArray(route.onRequest), (request, reply) => hooks.onRequest(request, reply)];
    route.onSend = [...toArray(route.onSend), (request, reply, payload) => hooks.onSend(request, reply, payload, tagsOf)];
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface MissState {
  /** The response cache's generation when the miss began. */
  readonly generation: number;
  /** The Redis epoch the miss saw, when the second level answered. */
  readonly epoch: string | undefined;
}

/** The response cache inside Fastify: hits for requests the fast path did not see (app.inject), and misses. */
class ResponseCacheHooks {
  readonly #responses: ResponseCache;
  readonly #campaigns: CampaignCache;
  readonly #level2: RedisLevel | undefined;
  readonly #misses = new WeakMap<FastifyRequest, MissState>();

  constructor(responses: ResponseCache, campaigns: CampaignCache, level2: RedisLevel | undefined) {
    this.#responses = responses;
    this.#campaigns = campaigns;
    this.#level2 = level2;
  }

  async onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const generation = this.#responses.generation;
    // Entries hold public answers only: a caller with credentials is answered for its principal (staff see
    // more than the public), and onSend never stores that answer.
    if (request.headers.authorization !== undefined) {
      this.#misses.set(request, { generation, epoch: undefined });
      return undefined;
    }
    let entry = this.#responses.lookup(request.url);
    let epoch: string | undefined;
    if (entry === undefined && this.#level2 !== undefined) {
      const lookup = await this.#level2.get(request.url);
      epoch = lookup.epoch;
      if (lookup.found !== undefined) {
        entry = await buildEntry(request.url, lookup.found.contentType, lookup.found.body, lookup.found.tags);
        this.#responses.store(entry, generation);
      }
    }
    if (entry === undefined) {
      this.#responses.counters.misses += 1;
      this.#misses.set(request, { generation, epoch });
      return undefined;
    }
    this.#responses.counters.hits += 1;
    const chosen = chooseVariant(entry, request.headers['accept-encoding']);
    reply.headers(chosen.headers).header('x-cache', 'HIT');
    if (notModified(entry, request.headers['if-none-match'])) return reply.code(304).send();
    return reply.code(200).send(chosen.body);
  }

  async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown,
    tagsOf: (request: FastifyRequest, campaigns: CampaignCache) => string[] | undefined): Promise<unknown> {
    const miss = this.#misses.get(request);
    if (miss === undefined || reply.statusCode !== 200 || !(typeof payload === 'string' || Buffer.isBuffer(payload))) return payload;
    const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
    const tags = tagsOf(request, this.#campaigns);
    const entry = await buildEntry(request.url, contentType, Buffer.from(payload), tags ?? []);
    this.#responses.counters.loads += 1;
    // A request with credentials may have been answered for its principal: its response is never shared.
    if (tags !== undefined && request.headers.authorization === undefined) this.#keep(entry, miss);
    const chosen = chooseVariant(entry, request.headers['accept-encoding']);
    reply.headers(chosen.headers).header('x-cache', 'MISS');
    // Answered for one caller: no shared cache (a CDN, a proxy) may keep it either.
    if (request.headers.authorization !== undefined) reply.header('cache-control', 'private, no-store');
    if (!notModified(entry, request.headers['if-none-match'])) return chosen.body;
    reply.code(304);
    return null;
  }

  #keep(entry: ResponseEntry, miss: MissState): void {
    if (!this.#responses.store(entry, miss.generation)) return;
    if (this.#level2 !== undefined && miss.epoch !== undefined) {
      this.#level2.set(entry.url, { contentType: entry.contentType, tags: entry.tags, body: entry.identity.body }, miss.epoch);
    }
  }
}
