// Prometheus metrics: the process (prom-client's defaults), HTTP requests, and the database pool.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/database.ts';
import { serveMetricsToPrimary } from './cluster-metrics.ts';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly donationsReceived: Counter<'source'>;
}

export function createMetrics(database: Database): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpRequestDuration = new Histogram({
    name: 'amanah_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const donationsReceived = new Counter({
    name: 'amanah_donations_received_total',
    help: 'Donations created, by source (replays are not counted)',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const pool = (name: string, help: string, read: () => number) => new Gauge({
    name, help, registers: [registry], collect() { this.set(read()); },
  });
  pool('amanah_db_pool_connections', 'Database connections open', () => database.poolStats().total);
  pool('amanah_db_pool_idle', 'Database connections idle', () => database.poolStats().idle);
  pool('amanah_db_pool_waiting', 'Queries waiting for a connection', () => database.poolStats().waiting);
  pool('amanah_db_pool_max', 'Database pool size limit', () => database.poolStats().max);
  pool('amanah_db_pool_acquire_timeouts', 'Connection acquires that timed out since start', () => database.poolStats().acquireTimeouts);
  // In a `serve --workers N` worker, the primary may ask for this registry (src/observability/cluster-metrics.ts).
  serveMetricsToPrimary(registry);
  return { registry, httpRequestDuration, donationsReceived };
}
