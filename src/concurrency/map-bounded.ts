// A bounded-concurrency map with a per-item timeout that cancels the item, completing in any order: the
// seed's `Task.async_stream(items, fun, max_concurrency: n, timeout: ms, on_timeout: :kill_task,
// ordered: false)`, consumed as it completes.
//
// Why not a library: p-map 7.1 (pMapIterable with `preserveOrder: false`) bounds concurrency and takes one
// AbortSignal for the whole map, but hands the mapper no per-item signal and has no per-item timeout; p-limit
// only bounds concurrency; p-timeout times one promise out without freeing a slot in a pool. Composing them
// still leaves the part that matters here (abort the item's own I/O, free its slot at the deadline even if the
// item ignores the abort, and count the outcome) to write by hand, so this is that part alone.
//
// Items are pulled from the source only when a slot is free, so an async source (a database claim, a file)
// is read with backpressure, never ahead of the work.

export interface MapBoundedOptions<Item, Result> {
  /** Items worked on at once; at least 1. */
  readonly concurrency: number;
  /** Each item's deadline: its signal aborts with a TimeoutError and its slot is freed, whatever it does. */
  readonly itemTimeoutMs: number;
  /** Stops the map: no new items are started and the items in flight are aborted. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Hears each item's outcome as it completes, in completion order, while the item still holds its slot (so
   * the consumer's own work, a database write, is bounded by the same concurrency and is not under the
   * item's deadline). If it throws, the map stops starting items, aborts those in flight and rejects.
   */
  readonly onSettled?: ((item: Item, settlement: Settlement<Result>) => void | Promise<void>) | undefined;
}

export type Settlement<Result> =
  | { readonly status: 'fulfilled'; readonly value: Result }
  | { readonly status: 'rejected'; readonly reason: unknown }
  /** The deadline passed first; the item's signal was aborted with a TimeoutError. */
  | { readonly status: 'timed_out' }
  /** The map's own signal stopped the item before it finished. */
  | { readonly status: 'aborted' };

export interface MapBoundedCounts {
  started: number;
  fulfilled: number;
  rejected: number;
  timedOut: number;
  aborted: number;
}

const TIMED_OUT = Symbol('timed out');
const ABORTED = Symbol('aborted');

export type ItemWork<Item, Result> = (item: Item, signal: AbortSignal) => Promise<Result>;

function iteratorOf<Item>(items: AsyncIterable<Item> | Iterable<Item>): AsyncIterator<Item> | Iterator<Item> {
  return Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight, each under its own deadline, and resolves to
 * the counts once every started item has settled (and `onSettled` has heard it).
 */
export async function mapBounded<Item, Result>(
  items: AsyncIterable<Item> | Iterable<Item>,
  work: ItemWork<Item, Result>,
  options: MapBoundedOptions<Item, Result>,
): Promise<MapBoundedCounts> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${options.concurrency}`);
  if (!(options.itemTimeoutMs > 0)) throw new RangeError(`itemTimeoutMs must be > 0, got ${options.itemTimeoutMs}`);
  const counts: MapBoundedCounts = { started: 0, fulfilled: 0, rejected: 0, timedOut: 0, aborted: 0 };
  // Aborts the items in flight when the caller stops the map or when the consumer fails.
  const stop = new AbortController();
  const stopSignal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const iterator = iteratorOf(items);
  let exhausted = false;
  try {
    while (!stopSignal.aborted) {
      if (inFlight.size >= options.concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      counts.started += 1;
      const task: Promise<void> = settleOne(next.value, work, options, stopSignal, counts)
        .catch((error: unknown) => {
          failure ??= { error };
          stop.abort(error);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  } finally {
    // A source left early (stopped, or the source itself threw) is told so it can release what it holds.
    if (!exhausted) await iterator.return?.();
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
  return counts;
}

/** Runs one item to its settlement, counts it, and hands it to the consumer. Rejects only if the consumer does. */
async function settleOne<Item, Result>(
  item: Item,
  work: ItemWork<Item, Result>,
  options: MapBoundedOptions<Item, Result>,
  stopSignal: AbortSignal,
  counts: MapBoundedCounts,
): Promise<void> {
  // One controller per item, aborted by its deadline or by the map's stop, with the stop listener removed when
  // the item ends. Measured against AbortSignal.any([deadline, stop]) per item (Node 24, 400k trivial items,
  // concurrency 50, heap after GC): AbortSignal.any kept 49.6 MB (~125 bytes an item, held by the long-lived
  // stop signal) at 130k items/s; this keeps 0.1 MB at 470k items/s.
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      // Settle the race before aborting, so an item that rejects at once on abort still counts as timed out.
      resolve(TIMED_OUT);
      controller.abort(new DOMException(`item took longer than ${options.itemTimeoutMs} ms`, 'TimeoutError'));
    }, options.itemTimeoutMs);
  });
  const stopped = new Promise<typeof ABORTED>((resolve) => {
    onStop = () => {
      resolve(ABORTED);
      controller.abort(stopSignal.reason);
    };
    if (stopSignal.aborted) onStop();
    else stopSignal.addEventListener('abort', onStop, { once: true });
  });
  const signal = controller.signal;
  let settlement: Settlement<Result>;
  try {
    const attempt = Promise.resolve().then(() => work(item, signal)).then(
      (value): Settlement<Result> => ({ status: 'fulfilled', value }),
      (reason: unknown): Settlement<Result> => ({ status: 'rejected', reason }),
    );
    const winner = await Promise.race([attempt, expired, stopped]);
    settlement = winner === TIMED_OUT ? { status: 'timed_out' } : winner === ABORTED ? { status: 'aborted' } : winner;
  } finally {
    clearTimeout(timer);
    if (onStop) stopSignal.removeEventListener('abort', onStop);
  }
  if (settlement.status === 'fulfilled') counts.fulfilled += 1;
  else if (settlement.status === 'rejected') counts.rejected += 1;
  else if (settlement.status === 'timed_out') counts.timedOut += 1;
  else counts.aborted += 1;
  await options.onSettled?.(item, settlement);
}
