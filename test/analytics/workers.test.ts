// The analytics worker threads: a job gives the same answer as inline, and while a large job runs on a worker
// the server on this event loop keeps answering.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { AnalyticsWorkers } from '../../src/analytics/workers.ts';
import { distributionOf, packPairs, PAIR_BYTES } from '../../src/analytics/distribution.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** Distinct amounts in the large job: 48 MB of pairs, several hundred milliseconds of work on a worker. */
const LARGE_JOB_PAIRS = 3_000_000;

function largeTable(pairs: number): Uint8Array {
  const packed = new Uint8Array(pairs * PAIR_BYTES);
  const view = new DataView(packed.buffer);
  for (let index = 0; index < pairs; index += 1) {
    view.setBigInt64(index * PAIR_BYTES, BigInt(100 + index * 7), false);
    view.setBigInt64(index * PAIR_BYTES + 8, BigInt(1 + (index % 5)), false);
  }
  return packed;
}

describe('analytics workers', () => {
  let testDatabase: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  const workers = new AnalyticsWorkers();

  before(async () => {
    testDatabase = await createTestDatabase();
    app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await workers.close();
    await app.close();
    await testDatabase.drop();
  });

  test('a job on a worker thread answers exactly what the inline computation answers', async () => {
    // Proves the worker path (module loading, transfer of the bytes, bigint results) end to end.
    const packed = packPairs([[100n, 3n], [250n, 1n], [999n, 2n], [1_000_000n, 1n]]);
    const inline = distributionOf(packed);
    assert.deepEqual(await workers.runInWorker(packed.slice()), inline);
    assert.equal(inline.medianMinor, 250n);
  });

  test('while a large job runs on a worker, a /healthz request to this process completes first', async () => {
    // Proves the event loop stays free: the request is answered before the CPU-bound job finishes.
    const packed = largeTable(LARGE_JOB_PAIRS);
    const events: string[] = [];
    const job = workers.runInWorker(packed).then((result) => {
      events.push('job');
      return result;
    });
    const health = await fetch(`${base}/healthz`);
    events.push(`healthz ${health.status}`);
    const result = await job;
    assert.deepEqual(events, ['healthz 200', 'job']);
    assert.equal(result.count, BigInt(LARGE_JOB_PAIRS / 5) * 15n);
    assert.equal(result.minMinor, 100n);
    assert.equal(result.maxMinor, BigInt(100 + (LARGE_JOB_PAIRS - 1) * 7));
  });
});
