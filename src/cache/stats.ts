// Counters for each cache, read by /metrics (Prometheus) and by the observer page (cacheStats()). They are plain
// numbers bumped on the hot path (an increment costs nothing next to a Map look-up); the Prometheus metrics read
// them only when scraped.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface CacheStats {
  readonly name: string;
  /** Reads answered from the cache. */
  readonly hits: number;
  /** Reads the cache could not answer (concurrent misses on one key count each; they share one load). */
  readonly misses: number;
  /** Entries pushed out by the entry or byte bound. */
  readonly evictions: number;
  /** Loads from the database (or, for responses, handler runs whose result was offered to the cache). */
  readonly loads: number;
  /** Entries dropped because a committed write changed what they show. */
  readonly invalidations: number;
  readonly entries: number;
  readonly bytes: number;
  readonly entriesMax: number;
  readonly bytesMax: number;
}

/** The mutable counts behind a CacheStats. */
export class CacheCounters {
  hits = 0;
  misses = 0;
  evictions = 0;
  loads = 0;
  invalidations = 0;

  snapshot(name: string, cache: { size: number; calculatedSize: number; max: number; maxSize: number }): CacheStats {
    return {
      name, hits: this.hits, misses: this.misses, evictions: this.evictions, loads: this.loads,
      invalidations: this.invalidations, entries: cache.size, bytes: cache.calculatedSize,
      entriesMax: cache.max, bytesMax: cache.maxSize,
    };
  }
}

const COUNTERS = ['hits', 'misses', 'evictions', 'loads', 'invalidations'] as const;

/** Adds amanah_cache_<counter>_total{cache} and amanah_cache_entries/bytes{cache} to the registry. */
export function registerCacheMetrics(registry: Registry, read: () => readonly CacheStats[]): void {
  for (const counter of COUNTERS) {
    new Counter({
      name: `amanah_cache_${counter}_total`,
      help: `Cache ${counter}, by cache`,
      labelNames: ['cache'] as const,
      registers: [registry],
      collect() {
        // The counts live in the caches; the metric mirrors them at scrape time.
        this.reset();
        for (const stats of read()) this.inc({ cache: stats.name }, stats[counter]);
      },
    });
  }
  const gauge = (name: string, help: string, field: 'entries' | 'bytes' | 'bytesMax') => new Gauge({
    name, help, labelNames: ['cache'] as const, registers: [registry],
    collect() {
      for (const stats of read()) this.set({ cache: stats.name }, stats[field]);
    },
  });
  gauge('amanah_cache_entries', 'Entries held, by cache', 'entries');
  gauge('amanah_cache_bytes', 'Bytes held (as the cache sizes its entries), by cache', 'bytes');
  gauge('amanah_cache_bytes_max', 'Byte bound, by cache', 'bytesMax');
}
