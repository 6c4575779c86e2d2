// Load shedding: past a threshold of event-loop delay, heap or RSS, a request is answered at once with 503,
// Retry-After and problem+json code `overloaded`, instead of joining a queue that only grows until the process
// runs out of memory or every client times out. The measuring is @fastify/under-pressure's (well kept, and
// the Fastify team's own): every second it reads the heap and RSS and the MEAN event-loop delay over that
// second. The mean, not a p99, is deliberate: at the 10 ms timer resolution a second holds ~100 delay samples,
// so its p99 is its maximum, and one 150 ms major GC would shed a healthy server for a whole second.
//
// Liveness and metrics are never shed (a load balancer or Prometheus must still see the process), and neither
// is the observer, which is where an admin looks, and profiles, while the process is under pressure.
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LoadSheddingConfig } from '../config.ts';
import { AppError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that answers even under pressure. */
    loadSheddingExempt?: boolean;
  }
}

/** Routes outside the observer that are never shed; the observer's routes say so in their route config. */
export const SHED_EXEMPT_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/metrics']);

export class ShedCounts {
  total = 0;
  readonly byReason: Record<string, number> = {};
  readonly #onShed: (reason: string) => void;

  constructor(onShed: (reason: string) => void = () => {}) {
    this.#onShed = onShed;
  }

  add(reason: string): void {
    this.total += 1;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    this.#onShed(reason);
  }
}

export interface PressureState {
  readonly underPressure: boolean;
  /** What under-pressure measured last: mean event-loop delay (ms) over the last second, heap and RSS bytes. */
  readonly measured: { readonly eventLoopDelayMs: number; readonly heapUsedBytes: number; readonly rssBytes: number };
  /** The thresholds in force; 0 means that one is off. */
  readonly thresholds: LoadSheddingConfig;
  readonly shed: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
}

function exempt(request: FastifyRequest): boolean {
  return request.routeOptions.config?.loadSheddingExempt === true || SHED_EXEMPT_ROUTES.has(request.routeOptions.url ?? '');
}

/**
 * Registers under-pressure on `app` itself (not in a child scope), so its onRequest hook guards every route.
 * Returns a reader of the current pressure state for the observer.
 */
export async function registerLoadShedding(app: FastifyInstance, config: LoadSheddingConfig, counts: ShedCounts): Promise<() => PressureState> {
  await app.register(underPressure, {
    maxEventLoopDelay: config.eventLoopDelayMsMax,
    maxHeapUsedBytes: config.heapUsedBytesMax,
    maxRssBytes: config.rssBytesMax,
    // Resolving lets the request through; rejecting hands the error to the app's problem+json error handler.
    pressureHandler: async (request, _reply, type, value) => {
      if (exempt(request)) return;
      counts.add(type);
      const measured = value === undefined ? '' : ` (${type} ${Math.round(value)} over its limit)`;
      throw new AppError('overloaded', `the server is shedding load${measured}; retry after ${config.retryAfterSeconds} s`, { reason: type }, config.retryAfterSeconds);
    },
  });
  return () => {
    const usage = app.memoryUsage();
    return {
      underPressure: app.isUnderPressure(),
      measured: { eventLoopDelayMs: usage.eventLoopDelay, heapUsedBytes: usage.heapUsed, rssBytes: usage.rssBytes },
      thresholds: config,
      shed: { total: counts.total, byReason: { ...counts.byReason } },
    };
  };
}
