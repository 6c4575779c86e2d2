// The bounded-concurrency map: its bound, unordered completion, per-item deadlines that abort, stopping, and
// a failing consumer. Items are released by the test, so no assertion depends on how fast anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { mapBounded, type Settlement } from '../../src/concurrency/map-bounded.ts';

/** Work whose items finish only when the test says so, counting how many run at once. */
function controlledWork() {
  const waiting = new Map<number, (value: number) => void>();
  const state = { inFlight: 0, inFlightMax: 0, waiting };
  const work = (item: number) => new Promise<number>((resolve) => {
    state.inFlight += 1;
    state.inFlightMax = Math.max(state.inFlightMax, state.inFlight);
    waiting.set(item, (value) => {
      waiting.delete(item);
      state.inFlight -= 1;
      resolve(value);
    });
  });
  return { state, work };
}

async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns += 1) {
    if (turns > 100_000) throw new Error('condition never held');
    await tick();
  }
}

test('never more than the bound at once, reaches it, and completes in the order items finish', async () => {
  // Proves the concurrency bound and unordered completion: the newest item is released first each time.
  const { state, work } = controlledWork();
  const heard: number[] = [];
  const running = mapBounded(Array.from({ length: 12 }, (_, index) => index), work, {
    concurrency: 3, itemTimeoutMs: 60_000, onSettled: (item) => { heard.push(item); },
  });
  while (heard.length < 12) {
    await until(() => state.waiting.size === Math.min(3, 12 - heard.length));
    const newest = Math.max(...state.waiting.keys());
    state.waiting.get(newest)!(newest * 10);
    await until(() => heard.includes(newest));
  }
  const counts = await running;
  assert.equal(state.inFlightMax, 3);
  assert.deepEqual(counts, { started: 12, fulfilled: 12, rejected: 0, timedOut: 0, aborted: 0 });
  assert.deepEqual([...heard].sort((a, b) => a - b), Array.from({ length: 12 }, (_, index) => index));
  assert.notDeepEqual(heard, [...heard].sort((a, b) => a - b));
});

test('an async source is pulled only when a slot is free', async () => {
  // Proves backpressure: with two slots held, the source has handed out two items and no more.
  const { state, work } = controlledWork();
  let pulled = 0;
  async function* source() {
    for (let item = 0; item < 6; item += 1) {
      pulled += 1;
      yield item;
    }
  }
  const running = mapBounded(source(), work, { concurrency: 2, itemTimeoutMs: 60_000 });
  await until(() => state.waiting.size === 2);
  for (let turn = 0; turn < 50; turn += 1) await tick();
  assert.equal(pulled, 2);
  while ((await Promise.race([running.then(() => true), tick().then(() => false)])) === false) {
    for (const release of [...state.waiting.values()]) release(0);
  }
  assert.equal(pulled, 6);
});

test('an item past its deadline is aborted with a TimeoutError and frees its slot even if it ignores the abort', async () => {
  // Proves on_timeout: :kill_task — the slot is freed, the signal aborts, the outcome is counted timed out.
  const reasons: unknown[] = [];
  const settlements: Settlement<string>[] = [];
  const counts = await mapBounded(['listens', 'ignores', 'quick'], (item, signal) => {
    if (item === 'quick') return Promise.resolve('done');
    signal.addEventListener('abort', () => reasons.push(signal.reason));
    // Neither promise ever settles: the 'ignores' item does not even reject on abort.
    return new Promise<string>(() => {});
  }, { concurrency: 1, itemTimeoutMs: 20, onSettled: (_item, settlement) => { settlements.push(settlement); } });
  assert.deepEqual(counts, { started: 3, fulfilled: 1, rejected: 0, timedOut: 2, aborted: 0 });
  assert.deepEqual(settlements.map((settlement) => settlement.status), ['timed_out', 'timed_out', 'fulfilled']);
  assert.equal(reasons.length, 2);
  for (const reason of reasons) assert.equal((reason as DOMException).name, 'TimeoutError');
});

test('a rejected item is counted and does not stop the others', async () => {
  // Proves failures are per item.
  const counts = await mapBounded([1, 2, 3, 4], async (item) => {
    if (item % 2 === 0) throw new Error(`item ${item} failed`);
    return item;
  }, { concurrency: 2, itemTimeoutMs: 60_000 });
  assert.deepEqual(counts, { started: 4, fulfilled: 2, rejected: 2, timedOut: 0, aborted: 0 });
});

test('stopping the map aborts the items in flight, starts no more, and closes the source', async () => {
  // Proves the map's own signal: in-flight items see the abort and the source's cleanup runs.
  const stop = new AbortController();
  const { state, work } = controlledWork();
  let sourceClosed = false;
  let pulled = 0;
  async function* source() {
    try {
      for (let item = 0; item < 100; item += 1) {
        pulled += 1;
        yield item;
      }
    } finally {
      sourceClosed = true;
    }
  }
  const aborted: number[] = [];
  const running = mapBounded(source(), (item, signal) => {
    signal.addEventListener('abort', () => aborted.push(item));
    return work(item);
  }, { concurrency: 3, itemTimeoutMs: 60_000, signal: stop.signal });
  await until(() => state.waiting.size === 3);
  stop.abort();
  const counts = await running;
  assert.deepEqual(counts, { started: 3, fulfilled: 0, rejected: 0, timedOut: 0, aborted: 3 });
  assert.deepEqual(aborted.sort(), [0, 1, 2]);
  assert.equal(pulled, 3);
  assert.ok(sourceClosed);
});

test('a consumer that throws stops the map, which rejects with its error once the items in flight settle', async () => {
  // Proves a failing consumer (say, the database is down) is not swallowed.
  const started: number[] = [];
  await assert.rejects(
    mapBounded(Array.from({ length: 50 }, (_, index) => index), async (item) => { started.push(item); return item; }, {
      concurrency: 2, itemTimeoutMs: 60_000,
      onSettled: (item) => { if (item === 3) throw new Error('consumer failed at 3'); },
    }),
    /consumer failed at 3/,
  );
  assert.ok(started.length < 50, `started ${started.length} of 50`);
});

test('the bound and the deadline are checked', async () => {
  // Proves programmer errors are refused up front.
  await assert.rejects(mapBounded([1], async (item) => item, { concurrency: 0, itemTimeoutMs: 10 }), RangeError);
  await assert.rejects(mapBounded([1], async (item) => item, { concurrency: 1, itemTimeoutMs: 0 }), RangeError);
});
