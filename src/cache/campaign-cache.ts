// The in-process campaign cache: one campaign by id or slug, and pages of the campaign list, bounded in entries
// and bytes, with a TTL, single-flight loads and stale-while-revalidate. lru-cache does the storing, the LRU
// order, the size accounting and the coalescing of concurrent misses (its `fetch` hands every caller of a key
// that is already loading the same promise); this file is the glue: what a key is, how an entry is loaded, and
// which entries a committed change drops.
//
// Correctness under writes. The change feed tells this cache, after commit, which campaigns changed (at once in
// the writing process, by NOTIFY in every other). Deleting a key whose load is in flight makes lru-cache abort
// that load and discard its result, so a load that read the row before the commit never lands in the cache;
// its waiters are told "aborted", and `get` loads again (bounded), which reads the committed row. A TTL is only
// the backstop for a notification that never arrives (the LISTEN connection dropped and reconnected).
//
// Slugs never change and campaigns are never deleted, so a slug → id alias is cached without invalidation, and
// a row is cached under its id only: one key to drop per changed campaign, whichever key the reader used.
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/database.ts';
import type { ChangeEvent } from '../events/changes.ts';
import { isDatabaseId } from '../http/format.ts';
import { findCampaign, listCampaigns, type CampaignListFilter, type CampaignRow } from '../campaigns/queries.ts';
import { CacheCounters, type CacheStats } from './stats.ts';

/** A miss that keeps losing its load to invalidations loads this many times, then reads the database directly. */
const FETCH_ATTEMPTS_MAX = 3;
/** Entries per cache; the byte bound usually binds first for lists, this one for single campaigns. */
const CAMPAIGN_ENTRIES_MAX = 100_000;
const LIST_ENTRIES_MAX = 1_000;
/** Slug → id aliases: about 100 bytes each, so 100k of them are about 10 MB. */
const ALIAS_ENTRIES_MAX = 100_000;
/**
 * What a cached row costs beyond its text: 15 properties, 2 Dates, 5 bigints. Measured on Node 24: 553 bytes of
 * heap per frozen row with 10-character slug and name and no description (100k rows); 600 leaves a margin.
 */
const ROW_OVERHEAD_BYTES = 600;

export interface CampaignCacheOptions {
  readonly enabled: boolean;
  readonly ttlMs: number;
  /** Shared between rows and lists: each gets half. */
  readonly bytesMax: number;
  /** Bound on cached campaigns (CAMPAIGN_ENTRIES_MAX when not given). */
  readonly entriesMax?: number;
  /** The clock the TTL reads (performance by default); tests pass one they move by hand. */
  readonly clock?: { now(): number };
}

/** Wraps an error thrown by a load, so `get` can tell it from lru-cache aborting a load an invalidation dropped. */
class LoadFailure extends Error {
  constructor(cause: unknown) {
    super('campaign cache load failed', { cause });
  }
}

function rowBytes(row: CampaignRow): number {
  return ROW_OVERHEAD_BYTES + 2 * (row.slug.length + row.name.length + row.description.length);
}

function listKey(filter: CampaignListFilter): string {
  return `${filter.status ?? ''}|${filter.fund ?? ''}|${filter.afterId ?? ''}|${filter.limit}`;
}

export class CampaignCache {
  readonly enabled: boolean;
  readonly #database: Queryable;
  readonly #rows: LRUCache<string, CampaignRow>;
  readonly #lists: LRUCache<string, readonly CampaignRow[], CampaignListFilter>;
  readonly #aliases: LRUCache<string, string>;
  readonly #rowCounters = new CacheCounters();
  readonly #listCounters = new CacheCounters();
  /** Bumped by every invalidation: a slug load that saw it move does not seed the row cache. */
  #generation = 0;

  constructor(database: Queryable, options: CampaignCacheOptions) {
    this.enabled = options.enabled;
    this.#database = database;
    const clock = options.clock === undefined ? {} : { perf: options.clock, ttlResolution: 0 };
    const common = { ttl: options.ttlMs, allowStale: true, noDeleteOnStaleGet: true, ...clock } as const;
    this.#rows = new LRUCache<string, CampaignRow>({
      ...common,
      max: options.entriesMax ?? CAMPAIGN_ENTRIES_MAX,
      maxSize: Math.floor(options.bytesMax / 2),
      sizeCalculation: rowBytes,
      dispose: (_value, _key, reason) => { if (reason === 'evict') this.#rowCounters.evictions += 1; },
      fetchMethod: async (id) => {
        this.#rowCounters.loads += 1;
        try {
          const row = await findCampaign(this.#database, id);
          return row === undefined ? undefined : Object.freeze(row);
        } catch (error) {
          throw new LoadFailure(error);
        }
      },
    });
    this.#lists = new LRUCache<string, readonly CampaignRow[], CampaignListFilter>({
      ...common,
      max: LIST_ENTRIES_MAX,
      maxSize: Math.floor(options.bytesMax / 2),
      sizeCalculation: (rows) => Math.max(1, rows.reduce((sum, row) => sum + rowBytes(row), 0)),
      dispose: (_value, _key, reason) => { if (reason === 'evict') this.#listCounters.evictions += 1; },
      fetchMethod: async (_key, _stale, { context }) => {
        this.#listCounters.loads += 1;
        try {
          return Object.freeze((await listCampaigns(this.#database, context)).map((row) => Object.freeze(row)));
        } catch (error) {
          throw new LoadFailure(error);
        }
      },
    });
    this.#aliases = new LRUCache<string, string>({
      max: ALIAS_ENTRIES_MAX,
      fetchMethod: (slug) => this.#loadBySlug(slug),
    });
  }

  /** The campaign if it is cached and fresh, without waiting: the hot path of a cached read. */
  cached(idOrSlug: string): CampaignRow | undefined {
    if (!this.enabled) return undefined;
    const id = this.idOf(idOrSlug);
    const row = id === undefined ? undefined : this.#rows.get(id, { allowStale: false });
    if (row !== undefined) this.#rowCounters.hits += 1;
    return row;
  }

  /** The campaign's id as a string when the key is an id or a slug seen before; undefined otherwise. */
  idOf(idOrSlug: string): string | undefined {
    return isDatabaseId(idOrSlug) ? idOrSlug : this.#aliases.get(idOrSlug);
  }

  /** The campaign by id or slug; concurrent misses on one key share one query. */
  async get(idOrSlug: string): Promise<CampaignRow | undefined> {
    if (!this.enabled) return findCampaign(this.#database, idOrSlug);
    const hit = this.cached(idOrSlug);
    if (hit !== undefined) return hit;
    this.#rowCounters.misses += 1;
    const id = isDatabaseId(idOrSlug) ? idOrSlug : await this.#fetch(() => this.#aliases.fetch(idOrSlug), () => this.#loadBySlug(idOrSlug));
    if (id === undefined) return undefined;
    return this.#fetch(() => this.#rows.fetch(id), () => findCampaign(this.#database, id));
  }

  /** A page of the campaign list with totals: one query per distinct page, shared by concurrent readers. */
  async list(filter: CampaignListFilter): Promise<readonly CampaignRow[]> {
    if (!this.enabled) return listCampaigns(this.#database, filter);
    const key = listKey(filter);
    const hit = this.#lists.get(key, { allowStale: false });
    if (hit !== undefined) {
      this.#listCounters.hits += 1;
      return hit;
    }
    this.#listCounters.misses += 1;
    const rows = await this.#fetch(() => this.#lists.fetch(key, { context: filter }), () => listCampaigns(this.#database, filter));
    return rows ?? [];
  }

  /** Drops what a committed change makes wrong: the changed campaigns, and every list page (totals move). */
  invalidate(event: ChangeEvent): void {
    if (event.campaignIds === 'all') {
      this.#generation += 1;
      this.#rowCounters.invalidations += this.#rows.size;
      this.#listCounters.invalidations += this.#lists.size;
      this.#rows.clear();
      this.#lists.clear();
      return;
    }
    if (event.campaignIds.length === 0) return;
    this.#generation += 1;
    for (const id of event.campaignIds) {
      if (this.#rows.delete(id)) this.#rowCounters.invalidations += 1;
    }
    this.#listCounters.invalidations += this.#lists.size;
    this.#lists.clear();
  }

  stats(): CacheStats[] {
    return [
      this.#rowCounters.snapshot('campaigns', this.#rows),
      this.#listCounters.snapshot('campaign_lists', this.#lists),
    ];
  }

  /**
   * Resolves a slug to its id (the value cached under the slug). The row it read also answers the id, unless
   * an invalidation arrived while it was being read: then the row may predate the change and is not kept.
   */
  async #loadBySlug(slug: string): Promise<string | undefined> {
    const generation = this.#generation;
    this.#rowCounters.loads += 1;
    let row: CampaignRow | undefined;
    try {
      row = await findCampaign(this.#database, slug);
    } catch (error) {
      throw new LoadFailure(error);
    }
    if (row === undefined) return undefined;
    const id = String(row.id);
    if (generation === this.#generation && this.#rows.get(id, { allowStale: false }) === undefined) {
      this.#rows.set(id, Object.freeze(row));
    }
    return id;
  }

  /**
   * lru-cache's fetch, retried when an invalidation aborted the shared load (it rejects every waiter then), and
   * after FETCH_ATTEMPTS_MAX such losses a direct read: a key written to without pause is still answered.
   */
  async #fetch<V>(fetch: () => Promise<V | undefined>, direct: () => Promise<V | undefined>): Promise<V | undefined> {
    for (let attempt = 1; attempt <= FETCH_ATTEMPTS_MAX; attempt += 1) {
      try {
        return await fetch();
      } catch (error) {
        if (error instanceof LoadFailure) throw error.cause;
      }
    }
    try {
      return await direct();
    } catch (error) {
      throw error instanceof LoadFailure ? error.cause : error;
    }
  }
}
