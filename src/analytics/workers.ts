// Worker threads (piscina) for the CPU-bound part of analytics, so that a distribution over millions of distinct
// amounts never blocks the event loop that serves every other request. Small jobs run inline: handing a job to a
// worker costs a message round trip, which is more than the work below DISTRIBUTION_INLINE_PAIRS_MAX pairs.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AppError } from '../errors.ts';
import { distributionOf, PAIR_BYTES, type Distribution } from './distribution.ts';

/**
 * Tables up to this many distinct amounts are read on the main thread. Measured (Node 24, 2 busy cores), best of
 * five: 5,000 pairs 0.8 ms inline against 2.0 ms through a worker; 20,000 pairs 2.5 ms against 1.4 ms; 1,000,000
 * pairs 53 ms against 60 ms, which inline would be 53 ms in which the server answers nothing.
 */
export const DISTRIBUTION_INLINE_PAIRS_MAX = 10_000;

/** One core is left to the event loop (and, on a small machine, to PostgreSQL). */
export const ANALYTICS_WORKER_THREADS_MAX = Math.max(1, availableParallelism() - 1);

/** Jobs waiting for a thread; past this a request gets 503 and Retry-After rather than an ever longer wait. */
export const ANALYTICS_WORKER_QUEUE_MAX = 32;

/** A job still running after this is abandoned (its worker is replaced) and the request answers 503. */
export const ANALYTICS_JOB_TIMEOUT_MS = 30_000;

/** Idle worker threads exit after this, so a quiet server holds none. */
const WORKER_IDLE_TIMEOUT_MS = 60_000;
const RETRY_AFTER_SECONDS = 5;

export class AnalyticsWorkers {
  #pool: Piscina<Uint8Array, Distribution> | undefined;
  readonly #inlinePairsMax: number;

  /** `inlinePairsMax` is DISTRIBUTION_INLINE_PAIRS_MAX except in tests that need the worker path on small data. */
  constructor(inlinePairsMax = DISTRIBUTION_INLINE_PAIRS_MAX) {
    this.#inlinePairsMax = inlinePairsMax;
  }

  /** The distribution of a packed frequency table: inline when small, else on a worker thread. */
  async distribution(packed: Uint8Array): Promise<Distribution> {
    if (packed.byteLength / PAIR_BYTES <= this.#inlinePairsMax) return distributionOf(packed);
    return this.runInWorker(packed);
  }

  /** Always on a worker thread (tests use this to show the event loop stays free while a job runs). */
  async runInWorker(packed: Uint8Array): Promise<Distribution> {
    // The bytes are moved to the worker, not copied; a view onto a larger buffer is copied first so that
    // moving it does not take memory that belongs to someone else.
    const own = packed.byteOffset === 0 && packed.byteLength === packed.buffer.byteLength ? packed : packed.slice();
    try {
      return await this.#workers().run(Piscina.move(own) as Uint8Array, { signal: AbortSignal.timeout(ANALYTICS_JOB_TIMEOUT_MS) });
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) {
        throw new AppError('overloaded', 'the analytics workers are busy; retry later', {}, RETRY_AFTER_SECONDS);
      }
      if (error instanceof Error && error.name === 'AbortError') {
        throw new AppError('overloaded', `the analytics job took longer than ${ANALYTICS_JOB_TIMEOUT_MS} ms`, {}, RETRY_AFTER_SECONDS);
      }
      throw error;
    }
  }

  #workers(): Piscina<Uint8Array, Distribution> {
    this.#pool ??= new Piscina({
      filename: new URL('./distribution-worker.ts', import.meta.url).href,
      minThreads: 0,
      maxThreads: ANALYTICS_WORKER_THREADS_MAX,
      maxQueue: ANALYTICS_WORKER_QUEUE_MAX,
      idleTimeout: WORKER_IDLE_TIMEOUT_MS,
    });
    return this.#pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }
}
