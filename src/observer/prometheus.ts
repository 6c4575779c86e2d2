// The observer's figures for Prometheus, in the app's registry beside prom-client's defaults. The defaults
// already export event-loop delay percentiles (nodejs_eventloop_lag_*), GC pauses (nodejs_gc_duration_seconds),
// heap spaces (nodejs_heap_space_size_*), active handles and resources, CPU and memory, so only what they lack
// is added here: event-loop utilisation, load shedding, and the pool's acquire wait.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import type { ProcessSampler } from './sampler.ts';
import type { PressureState } from './pressure.ts';

/** The shed counter exists before under-pressure is registered, so each shed request is counted as it happens. */
export function createShedCounter(registry: Registry): Counter<'reason'> {
  return new Counter({
    name: 'amanah_load_shed_total',
    help: 'Requests answered 503 overloaded by load shedding, by the threshold that tripped',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
}

export function registerObserverMetrics(registry: Registry, sampler: ProcessSampler, pressure: () => PressureState, database: Database): void {
  new Gauge({
    name: 'amanah_event_loop_utilization',
    help: 'Share of the last sample interval (1 s) the event loop spent running code, 0 to 1',
    registers: [registry],
    // Across workers (src/observability/cluster-metrics.ts) the mean, not the sum: a share stays 0 to 1.
    aggregator: 'average',
    collect() { this.set(sampler.latest?.values.event_loop_utilization ?? 0); },
  });
  new Gauge({
    name: 'amanah_under_pressure',
    help: '1 while load shedding is answering 503, else 0',
    registers: [registry],
    aggregator: 'max',
    collect() { this.set(pressure().underPressure ? 1 : 0); },
  });
  // Cumulative counters read from the pool at scrape time.
  const cumulative = (name: string, help: string, read: () => number | undefined) => new Counter({
    name, help, registers: [registry],
    collect() { this.reset(); this.inc(read() ?? 0); },
  });
  cumulative('amanah_db_pool_acquires_total', 'Database connections handed out since start', () => database.poolStats().acquires);
  cumulative('amanah_db_pool_acquire_wait_seconds_total', 'Time spent waiting for a database connection since start',
    () => (database.poolStats().acquireWaitMsTotal ?? 0) / 1_000);
}
