// Group commit. Concurrent requests (API donations, staff approvals) are gathered for a short window (or until
// a row bound) and written by one batch function in one transaction: one round trip per statement, one fsync
// and one NOTIFY for the lot, instead of a transaction each. Each request is answered only after that commit,
// with its own outcome; a request the database refuses inside a batch is retried alone so it fails only itself.
//
// Sizing: GDQ's busiest minute held 392 donations (6.5/s); 100× a Ramadan evening peak on a large platform is
// a few thousand per second. At 64 concurrent clients a 2 ms window gathers ~20–60 rows per batch, so a
// PostgreSQL that commits ~1–2k transactions/s on this disk takes tens of thousands of rows/s (Figures in README).
import { AppError } from '../errors.ts';

export interface GroupCommitOptions {
  /** Off: each request is its own transaction (the baseline the benchmark compares with). */
  readonly enabled: boolean;
  /** How long the first request of a batch waits for company. */
  readonly windowMs: number;
  /** A batch is written as soon as it holds this many requests. */
  readonly batchRowsMax: number;
  /** Batches being written at once; more wait, gathering more rows. Leaves the rest of the pool to reads. */
  readonly batchesInFlightMax: number;
  /** Requests waiting beyond this are refused with 503 rather than growing memory without bound. */
  readonly queueRowsMax: number;
}

interface Waiting<Request, Result> {
  readonly request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/** Writes a batch in one transaction and answers each request in order: its result, or the error it earned. */
export type BatchWriter<Request, Result> = (requests: readonly Request[]) => Promise<(Result | AppError)[]>;

export class GroupCommitter<Request, Result> {
  readonly #writeBatch: BatchWriter<Request, Result>;
  readonly #options: GroupCommitOptions;
  #queue: Waiting<Request, Result>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  /** Counters for /metrics and the observer. */
  readonly stats = { batches: 0, rows: 0, batchRowsLargest: 0, isolatedRetries: 0, refusedOverload: 0 };

  constructor(writeBatch: BatchWriter<Request, Result>, options: GroupCommitOptions) {
    this.#writeBatch = writeBatch;
    this.#options = options;
  }

  get queued(): number { return this.#queue.length; }
  get inFlight(): number { return this.#inFlight; }

  submit(request: Request): Promise<Result> {
    if (!this.#options.enabled) return this.#writeOne(request);
    if (this.#queue.length >= this.#options.queueRowsMax) {
      this.stats.refusedOverload += 1;
      return Promise.reject(new AppError('overloaded', `${this.#queue.length} requests are waiting to be written; retry shortly`, {}, 1));
    }
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (this.#queue.length >= this.#options.batchRowsMax) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), this.#options.windowMs);
    });
  }

  /** Resolves once every submitted request has been answered. */
  async drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return;
    await new Promise<void>((resolve) => { this.#drained = resolve; this.#flush(); });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // A full house: the batch in flight will flush again when it commits, with everything gathered meanwhile.
    while (this.#queue.length > 0 && this.#inFlight < this.#options.batchesInFlightMax) {
      const batch = this.#queue.splice(0, this.#options.batchRowsMax);
      this.#inFlight += 1;
      void this.#write(batch).finally(() => {
        this.#inFlight -= 1;
        if (this.#queue.length > 0) this.#flush();
        else if (this.#inFlight === 0) this.#drained?.();
      });
    }
  }

  async #write(batch: Waiting<Request, Result>[]): Promise<void> {
    this.stats.batches += 1;
    this.stats.rows += batch.length;
    this.stats.batchRowsLargest = Math.max(this.stats.batchRowsLargest, batch.length);
    let outcomes;
    try {
      outcomes = await this.#writeBatch(batch.map((waiting) => waiting.request));
    } catch (error) {
      // The database is away (or the pool full): every request would fail alike, so each is answered that 503
      // now (a write whose commit went unanswered is retried by its client with the same key) instead of
      // retrying the batch one request at a time against a database that cannot take any.
      if (error instanceof AppError && error.status === 503) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // The database refused the batch as a whole (say, one donor name it cannot store): write each alone.
      this.stats.isolatedRetries += batch.length;
      await Promise.all(batch.map((waiting) => this.#writeOne(waiting.request).then(waiting.resolve, waiting.reject)));
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index]!;
      if (outcome instanceof AppError) waiting.reject(outcome);
      else waiting.resolve(outcome);
    });
  }

  async #writeOne(request: Request): Promise<Result> {
    const [outcome] = await this.#writeBatch([request]);
    if (outcome instanceof AppError) throw outcome;
    return outcome!;
  }
}
