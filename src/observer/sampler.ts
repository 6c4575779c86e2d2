// The process's vital signs, sampled once a second into a 15-minute ring (the observer's charts) and handed to
// every live stream. One sample costs a process.memoryUsage() (a read of /proc), a cpuUsage and ELU delta, a
// few histogram percentiles and a walk of the active resources: measured at about 70 µs, so 0.007% of one core.
import { monitorEventLoopDelay, performance, PerformanceObserver, constants, type ELDHistogram, type EventLoopUtilization, type PerformanceEntry } from 'node:perf_hooks';
import type { PoolStats } from '../db/database.ts';
import type { HttpRecorder } from './http-stats.ts';
import { SERIES_SAMPLES_MAX, SeriesRing } from './ring.ts';

export const SAMPLE_INTERVAL_MS = 1_000;
/** The event-loop delay timer ticks this often; each recorded delay includes it, so it is subtracted. */
const EVENT_LOOP_RESOLUTION_MS = 10;

/** The charted series. The names go on the wire as they are, so they are snake_case like the rest of the API. */
export const SERIES = [
  'time', 'cpu_user_percent', 'cpu_system_percent',
  'rss_bytes', 'heap_used_bytes', 'heap_total_bytes', 'external_bytes', 'array_buffers_bytes',
  'event_loop_delay_p50_ms', 'event_loop_delay_p99_ms', 'event_loop_delay_max_ms', 'event_loop_utilization',
  'gc_pauses', 'gc_pause_ms', 'gc_pause_ms_max', 'active_resources',
  'requests_per_second', 'latency_p50_ms', 'latency_p90_ms', 'latency_p99_ms',
  'status_2xx_per_second', 'status_3xx_per_second', 'status_4xx_per_second', 'status_5xx_per_second', 'shed_per_second',
  'pool_total', 'pool_idle', 'pool_waiting', 'pool_acquire_wait_ms_mean',
] as const;

export type SeriesName = (typeof SERIES)[number];
export type SampleValues = Record<SeriesName, number>;

export interface Sample {
  /** Counts samples since the sampler started; a stream's event id. */
  readonly sequence: number;
  readonly values: SampleValues;
}

export interface SamplerInputs {
  readonly http: HttpRecorder;
  readonly pool: () => PoolStats;
  /** Requests shed since start. */
  readonly shedTotal: () => number;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export interface GcTotals {
  pauses: number;
  pauseMs: number;
  byKind: Record<string, { pauses: number; pauseMs: number }>;
}

export class ProcessSampler {
  readonly ring = new SeriesRing<SeriesName>(SERIES, SERIES_SAMPLES_MAX);
  readonly gcTotals: GcTotals = { pauses: 0, pauseMs: 0, byKind: {} };
  /** Listener calls that threw; see sample(). */
  listenerErrors = 0;
  readonly #inputs: SamplerInputs;
  readonly #listeners = new Set<(sample: Sample) => void>();
  readonly #eventLoopDelay: ELDHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  readonly #gcObserver: PerformanceObserver;
  #gcInterval = { pauses: 0, pauseMs: 0, pauseMsMax: 0 };
  #timer: NodeJS.Timeout | undefined;
  #sequence = 0;
  #latest: Sample | undefined;
  #previousAtMs = performance.now();
  #previousCpu = process.cpuUsage();
  #previousElu: EventLoopUtilization = performance.eventLoopUtilization();
  #previousShed = 0;
  #previousAcquires = 0;
  #previousAcquireWaitMs = 0;

  constructor(inputs: SamplerInputs) {
    this.#inputs = inputs;
    this.#gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#recordGc(entry);
    });
  }

  start(): void {
    if (this.#timer) return;
    this.#eventLoopDelay.enable();
    this.#gcObserver.observe({ entryTypes: ['gc'] });
    this.#timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    // Sampling never keeps the process alive on its own.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#eventLoopDelay.disable();
    this.#gcObserver.disconnect();
    this.#listeners.clear();
  }

  get latest(): Sample | undefined {
    return this.#latest;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Calls `listener` with every new sample until the returned function is called. */
  subscribe(listener: (sample: Sample) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** Takes one sample now, stores it and hands it to every listener. */
  sample(): Sample {
    const nowMs = performance.now();
    const elapsedSeconds = Math.max(1e-3, (nowMs - this.#previousAtMs) / 1_000);
    this.#previousAtMs = nowMs;
    const values: SampleValues = {
      time: Date.now() / 1_000,
      ...this.#cpu(elapsedSeconds),
      ...memory(),
      ...this.#eventLoop(),
      ...this.#gc(),
      active_resources: process.getActiveResourcesInfo().length,
      ...this.#http(elapsedSeconds),
      ...this.#pool(),
    };
    const sample: Sample = { sequence: ++this.#sequence, values };
    this.ring.push(values);
    this.#latest = sample;
    for (const listener of this.#listeners) {
      // A listener's failure (a source that returns something JSON cannot hold) must not stop the sampling
      // or, thrown from a timer, the process. It is counted and shown on the snapshot.
      try {
        listener(sample);
      } catch {
        this.listenerErrors += 1;
      }
    }
    return sample;
  }

  #recordGc(entry: PerformanceEntry): void {
    const kind = GC_KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
    this.#gcInterval.pauses += 1;
    this.#gcInterval.pauseMs += entry.duration;
    this.#gcInterval.pauseMsMax = Math.max(this.#gcInterval.pauseMsMax, entry.duration);
    this.gcTotals.pauses += 1;
    this.gcTotals.pauseMs += entry.duration;
    const byKind = (this.gcTotals.byKind[kind] ??= { pauses: 0, pauseMs: 0 });
    byKind.pauses += 1;
    byKind.pauseMs += entry.duration;
  }

  #cpu(elapsedSeconds: number) {
    const cpu = process.cpuUsage(this.#previousCpu);
    this.#previousCpu = process.cpuUsage();
    // Microseconds of CPU per second of wall time, as a percentage of one core.
    const percent = (microseconds: number) => microseconds / (elapsedSeconds * 1e6) * 100;
    return { cpu_user_percent: percent(cpu.user), cpu_system_percent: percent(cpu.system) };
  }

  #eventLoop() {
    const histogram = this.#eventLoopDelay;
    const delayMs = (nanoseconds: number) => (histogram.count === 0 ? Number.NaN : Math.max(0, nanoseconds / 1e6 - EVENT_LOOP_RESOLUTION_MS));
    const values = {
      event_loop_delay_p50_ms: delayMs(histogram.percentile(50)),
      event_loop_delay_p99_ms: delayMs(histogram.percentile(99)),
      event_loop_delay_max_ms: delayMs(histogram.max),
      event_loop_utilization: 0,
    };
    histogram.reset();
    const elu = performance.eventLoopUtilization();
    values.event_loop_utilization = performance.eventLoopUtilization(elu, this.#previousElu).utilization;
    this.#previousElu = elu;
    return values;
  }

  #gc() {
    const { pauses, pauseMs, pauseMsMax } = this.#gcInterval;
    this.#gcInterval = { pauses: 0, pauseMs: 0, pauseMsMax: 0 };
    return { gc_pauses: pauses, gc_pause_ms: pauseMs, gc_pause_ms_max: pauseMsMax };
  }

  #http(elapsedSeconds: number) {
    const interval = this.#inputs.http.drain();
    const shedTotal = this.#inputs.shedTotal();
    const shed = shedTotal - this.#previousShed;
    this.#previousShed = shedTotal;
    const perSecond = (count: number) => count / elapsedSeconds;
    return {
      requests_per_second: perSecond(interval.requests),
      latency_p50_ms: interval.latencyP50Ms,
      latency_p90_ms: interval.latencyP90Ms,
      latency_p99_ms: interval.latencyP99Ms,
      status_2xx_per_second: perSecond(interval.status2xx),
      status_3xx_per_second: perSecond(interval.status3xx),
      status_4xx_per_second: perSecond(interval.status4xx),
      status_5xx_per_second: perSecond(interval.status5xx),
      shed_per_second: perSecond(shed),
    };
  }

  #pool() {
    const pool = this.#inputs.pool();
    let acquireWaitMsMean = Number.NaN;
    if (pool.acquires !== undefined && pool.acquireWaitMsTotal !== undefined) {
      const acquires = pool.acquires - this.#previousAcquires;
      if (acquires > 0) acquireWaitMsMean = (pool.acquireWaitMsTotal - this.#previousAcquireWaitMs) / acquires;
      this.#previousAcquires = pool.acquires;
      this.#previousAcquireWaitMs = pool.acquireWaitMsTotal;
    }
    return { pool_total: pool.total, pool_idle: pool.idle, pool_waiting: pool.waiting, pool_acquire_wait_ms_mean: acquireWaitMsMean };
  }
}

function memory() {
  const usage = process.memoryUsage();
  return {
    rss_bytes: usage.rss,
    heap_used_bytes: usage.heapUsed,
    heap_total_bytes: usage.heapTotal,
    external_bytes: usage.external,
    array_buffers_bytes: usage.arrayBuffers,
  };
}
