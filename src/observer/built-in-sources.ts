// The sources every app has, read from the AppContext: the campaign and response caches (and Redis when it is
// configured), and the API's group-commit queue. Features built as route plugins add theirs through
// app.observer.addSources (src/observer/sources.ts).
import type { AppContext } from '../http/context.ts';
import type { CacheStats, ObserverSources, QueueStats } from './sources.ts';

function caches(context: AppContext): readonly CacheStats[] {
  const report = context.caches.cacheStats();
  const rows: CacheStats[] = report.caches.map((cache) => ({
    name: cache.name, size: cache.entries, max: cache.entriesMax, bytes: cache.bytes, bytesMax: cache.bytesMax,
    hits: cache.hits, misses: cache.misses, evictions: cache.evictions, invalidations: cache.invalidations,
  }));
  if (report.redis !== undefined) {
    rows.push({ name: 'redis (level 2)', hits: report.redis.hits, misses: report.redis.misses, evictions: 0 });
  }
  return rows;
}

function queues(context: AppContext): readonly QueueStats[] {
  // Depth counts requests waiting; in flight counts the batches (transactions) being written.
  const { intake, transitions } = context;
  return [{
    name: 'API donations: group commit (rows waiting, batches in flight)',
    depth: intake.queued, inFlight: intake.inFlight, completedTotal: intake.stats.rows, failedTotal: intake.stats.refusedOverload,
  }, {
    name: 'Approvals, rejections, refunds: group commit (rows waiting, batches in flight)',
    depth: transitions.queued, inFlight: transitions.inFlight, completedTotal: transitions.stats.rows, failedTotal: transitions.stats.refusedOverload,
  }];
}

export function builtInSources(context: AppContext): ObserverSources {
  return { caches: () => caches(context), queues: () => queues(context) };
}
