// What other parts of amanah show on the observer: caches, queues and pipelines, live subscribers. Each is a
// plain function returning rows, so the observer depends on no feature module. A feature hands its sources in
// one of two ways: whoever builds the app passes them to registerObserver, or a route plugin registered after
// the observer calls `app.observer.addSources({ ... })` (guarded by `app.hasDecorator('observer')`).
// A table nobody reports to shows as empty, with a line naming this hook.

export interface CacheStats {
  readonly name: string;
  /** Entries held now, and the bound on them (unknown for a shared cache such as Redis). */
  readonly size?: number | undefined;
  readonly max?: number | undefined;
  readonly bytes?: number | undefined;
  readonly bytesMax?: number | undefined;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  /** Entries dropped because a write changed what they show. */
  readonly invalidations?: number | undefined;
}

export interface QueueStats {
  readonly name: string;
  /** Items waiting, and items being worked on now. */
  readonly depth: number;
  readonly inFlight: number;
  /** Items finished since start; the observer turns it into a rate. */
  readonly completedTotal: number;
  readonly failedTotal?: number | undefined;
}

export interface SubscriberStats {
  readonly name: string;
  readonly subscribers: number;
}

export interface ObserverSources {
  readonly caches?: () => readonly CacheStats[];
  readonly queues?: () => readonly QueueStats[];
  readonly subscribers?: () => readonly SubscriberStats[];
}

export interface CacheRow extends CacheStats {
  /** hits / (hits + misses), null before the first lookup. */
  readonly hitRatio: number | null;
}

export interface QueueRow extends QueueStats {
  /** Completed per second over the last sample interval; null on the first read. */
  readonly throughputPerSecond: number | null;
}

export interface SourceTables {
  readonly caches: readonly CacheRow[];
  readonly queues: readonly QueueRow[];
  readonly subscribers: readonly SubscriberStats[];
  /** Sources that threw on the last read, by table, so a broken source shows instead of hiding. */
  readonly errors: readonly string[];
}

function read<T>(name: string, source: (() => readonly T[]) | undefined, errors: string[]): readonly T[] {
  if (!source) return [];
  try {
    return source();
  } catch (error) {
    errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}

/** Reads every source once a sample; keeps the previous queue totals to turn them into rates. */
export class SourceReader {
  readonly #sources: ObserverSources[] = [];
  readonly #previousQueues = new Map<string, { completedTotal: number; atMs: number }>();
  #latest: SourceTables = { caches: [], queues: [], subscribers: [], errors: [] };

  add(sources: ObserverSources): void {
    this.#sources.push(sources);
  }

  get latest(): SourceTables {
    return this.#latest;
  }

  refresh(nowMs: number): SourceTables {
    const errors: string[] = [];
    const all = <T>(table: string, pick: (sources: ObserverSources) => (() => readonly T[]) | undefined) =>
      this.#sources.flatMap((sources) => read(table, pick(sources), errors));
    const caches = all('caches', (sources) => sources.caches).map((cache) => {
      const lookups = cache.hits + cache.misses;
      return { ...cache, hitRatio: lookups === 0 ? null : cache.hits / lookups };
    });
    const queues = all('queues', (sources) => sources.queues).map((queue) => {
      const previous = this.#previousQueues.get(queue.name);
      this.#previousQueues.set(queue.name, { completedTotal: queue.completedTotal, atMs: nowMs });
      const seconds = previous ? (nowMs - previous.atMs) / 1_000 : 0;
      return { ...queue, throughputPerSecond: previous && seconds > 0 ? (queue.completedTotal - previous.completedTotal) / seconds : null };
    });
    const subscribers = all('subscribers', (sources) => sources.subscribers);
    this.#latest = { caches, queues, subscribers, errors };
    return this.#latest;
  }
}
