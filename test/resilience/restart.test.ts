// Proves that one `amanah serve` process outlives PostgreSQL restarting (immediate and fast) and being stopped
// for seconds, under concurrent donations and approvals: it never exits, answers only 2xx, 4xx or 503
// database_unavailable with Retry-After, says not-ready while the database is away, recovers by itself (writes,
// readiness, the live stream, graphile-worker's queue), and every acknowledged write is there exactly once. It
// also starts while the database is down, and waits for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrivatePostgres } from './private-postgres.ts';
import { createCampaign, runCli, startServe, VERIFICATION_ENV, WriteLoad } from './serve.ts';
import { assertExactlyOnce, assertQueueResumes, outage, waitReady, type OutageKind } from './outage.ts';
import { openStream, type SseStream } from '../live/sse-client.ts';

/** Concurrent donors and approvers: enough that requests are in flight at every moment, light enough for 2 cores. */
const DONORS = 12;
const APPROVERS = 4;
/** The stopped case is held this long (the 60 s case is bench/outage.ts's). */
const STOPPED_MS = 5_000;
/** How long the server is left waiting for a stopped database at start. */
const START_WAIT_MS = 1_500;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('serve survives immediate and fast restarts and a stop of several seconds under write load', { timeout: 240_000 }, async () => {
  const cluster = await PrivatePostgres.start();
  // Started while PostgreSQL is down: it waits (logging each attempt) instead of exiting.
  await cluster.stopServer('fast');
  // The database is started once the server has said it waits (a fixed pause raced the server's own boot, which
  // grew past it as the modules did), and after START_WAIT_MS more of waiting.
  const serve = await startServe(cluster.url, 1, VERIFICATION_ENV, async (output) => {
    await waitFor(() => /database unavailable at start/.test(output()), 'the server to find the database down', 60_000);
    await new Promise((resolve) => setTimeout(resolve, START_WAIT_MS));
    await cluster.startServer();
  }).catch(async (error: unknown) => { await cluster.destroy(); throw error; });
  let load: WriteLoad | undefined;
  let stream: SseStream | undefined;
  try {
    assert.match(serve.output(), /database unavailable at start/, 'it waited for the database');
    stream = await openStream(`${serve.url}/api/live`);
    const campaigns = [await createCampaign(serve.url, 'Restart A'), await createCampaign(serve.url, 'Restart B')];
    load = new WriteLoad([serve.url], campaigns);
    load.start(DONORS, APPROVERS);
    const cases: [OutageKind, number][] = [['immediate', 0], ['fast', 0], ['stop', STOPPED_MS]];
    for (const [kind, stoppedMs] of cases) {
      const before = load.counts.approvals;
      await waitFor(() => load!.counts.approvals > before + 10, 'approvals before the outage');
      const outcome = await outage(cluster, load, kind, stoppedMs, async () => {
        const ready = await fetch(`${serve.url}/readyz`);
        assert.equal(ready.status, 503, 'not ready while the database is stopped');
      });
      await waitReady(serve.url);
      assert.equal(serve.exit(), undefined, `serve still runs after ${kind}`);
      console.log(`# ${kind}: down ${outcome.downMs} ms, first write ${outcome.recoveryMs} ms after PostgreSQL accepted`);
    }
    const after = load.counts.created;
    await waitFor(() => load!.counts.created > after + 20, 'writes after the last outage');
    await assertQueueResumes(cluster);
    const seen = stream.events.length;
    await stream.waitFor(() => true, seen);
    assert.ok(!stream.ended, 'the live stream stayed open and moves again after the outages');
    await load.stop();
    assert.equal(serve.exit(), undefined, 'serve never exited');
    assert.deepEqual(load.unexpected, [], 'no 500, no reset, no hang, no other 503');
    assert.ok(load.counts.unavailable > 0, 'requests met the outages and were answered 503 database_unavailable');
    await assertExactlyOnce(cluster, load);
    const verify = await runCli(cluster.url, ['verify']);
    assert.equal(verify.code, 0, verify.output);
  } catch (error) {
    console.log(serve.output().slice(-5000));
    throw error;
  } finally {
    stream?.close();
    await load?.stop();
    await serve.stop();
    await cluster.destroy();
  }
});
