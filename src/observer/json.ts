// The observer's JSON, snake_case like the rest of the API. `liveJson` is what changes every second (sent on
// the stream with each sample); the snapshot adds what is read on demand (system, statements, profiler).
import type { Database } from '../db/database.ts';
import type { GcTotals, ProcessSampler } from './sampler.ts';
import type { PressureState } from './pressure.ts';
import type { SourceTables } from './sources.ts';
import type { SystemSnapshot } from './system.ts';
import type { Statements } from './statements.ts';

export interface LiveParts {
  readonly sampler: ProcessSampler;
  readonly pressure: () => PressureState;
  readonly tables: () => SourceTables;
  readonly database: Database;
}

function gcJson(gc: GcTotals) {
  return {
    pauses: gc.pauses,
    pause_ms: gc.pauseMs,
    by_kind: Object.fromEntries(Object.entries(gc.byKind).map(([kind, totals]) => [kind, { pauses: totals.pauses, pause_ms: totals.pauseMs }])),
  };
}

export function pressureJson(state: PressureState) {
  return {
    under_pressure: state.underPressure,
    measured: { event_loop_delay_ms: state.measured.eventLoopDelayMs, heap_used_bytes: state.measured.heapUsedBytes, rss_bytes: state.measured.rssBytes },
    thresholds: {
      event_loop_delay_ms_max: state.thresholds.eventLoopDelayMsMax,
      heap_used_bytes_max: state.thresholds.heapUsedBytesMax,
      rss_bytes_max: state.thresholds.rssBytesMax,
      retry_after_seconds: state.thresholds.retryAfterSeconds,
    },
    shed: { total: state.shed.total, by_reason: state.shed.byReason },
  };
}

function tablesJson(tables: SourceTables) {
  return {
    caches: tables.caches.map((cache) => ({
      name: cache.name, size: cache.size ?? null, max: cache.max ?? null, bytes: cache.bytes ?? null, bytes_max: cache.bytesMax ?? null,
      hits: cache.hits, misses: cache.misses, evictions: cache.evictions, invalidations: cache.invalidations ?? null, hit_ratio: cache.hitRatio,
    })),
    queues: tables.queues.map((queue) => ({
      name: queue.name, depth: queue.depth, in_flight: queue.inFlight, completed_total: queue.completedTotal,
      failed_total: queue.failedTotal ?? null, throughput_per_second: queue.throughputPerSecond,
    })),
    subscribers: tables.subscribers.map((row) => ({ name: row.name, subscribers: row.subscribers })),
    source_errors: tables.errors,
  };
}

/** Everything that moves each second: the newest sample, pressure, the pool and the source tables. */
export function liveJson(parts: LiveParts) {
  const pool = parts.database.poolStats();
  const latest = parts.sampler.latest;
  return {
    sequence: latest?.sequence ?? 0,
    values: latest?.values ?? null,
    pressure: pressureJson(parts.pressure()),
    gc: gcJson(parts.sampler.gcTotals),
    database: {
      engine: parts.database.engine,
      pool: {
        total: pool.total, idle: pool.idle, waiting: pool.waiting, max: pool.max, acquire_timeouts: pool.acquireTimeouts,
        acquires: pool.acquires ?? null,
        acquire_wait_ms_total: pool.acquireWaitMsTotal ?? null,
        acquire_wait_ms_mean: latest?.values.pool_acquire_wait_ms_mean ?? null,
      },
    },
    ...tablesJson(parts.tables()),
  };
}

export function systemJson(system: SystemSnapshot) {
  const { memory } = system;
  return {
    pid: system.pid,
    uptime_seconds: system.uptimeSeconds,
    cores: system.cores,
    load_average: system.loadAverage,
    memory: {
      rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, heap_total_bytes: memory.heapTotal,
      external_bytes: memory.external, array_buffers_bytes: memory.arrayBuffers,
    },
    heap_limit_bytes: system.heapLimitBytes,
    heap_spaces: system.heapSpaces.map((space) => ({
      name: space.name, size_bytes: space.sizeBytes, used_bytes: space.usedBytes,
      available_bytes: space.availableBytes, physical_bytes: space.physicalBytes,
    })),
    active_resources: system.activeResources,
    versions: system.versions,
  };
}

export function statementsJson(statements: Statements) {
  if (!statements.available) return { available: false, reason: statements.reason, statements: [] };
  return {
    available: true,
    statements: statements.statements.map((row) => ({ query: row.query, calls: row.calls, rows: row.rows, total_ms: row.totalMs, mean_ms: row.meanMs })),
  };
}
