// Proves that `amanah serve --workers 2` starts while PostgreSQL is down (waiting for it) and outlives it
// restarting three times under write load: no worker exits, so the primary never spends its restart budget, the
// server still answers, and every acknowledged donation and approval is there exactly once.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { PrivatePostgres } from './private-postgres.ts';
import { createCampaign, runCli, startServe, VERIFICATION_ENV, WriteLoad } from './serve.ts';
import { assertExactlyOnce, assertQueueResumes, outage, waitReady, type OutageKind } from './outage.ts';

const DONORS = 12;
const APPROVERS = 4;

test('serve --workers 2 survives three restarts without a worker exit; a worker replaced during an outage waits', { timeout: 240_000 }, async () => {
  const cluster = await PrivatePostgres.start();
  // Started while PostgreSQL is down: the primary waits for it before forking, and nothing exits.
  await cluster.stopServer('fast');
  const starting = startServe(cluster.url, 2, VERIFICATION_ENV);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await cluster.startServer();
  const serve = await starting.catch(async (error: unknown) => { await cluster.destroy(); throw error; });
  let load: WriteLoad | undefined;
  try {
    assert.match(serve.output(), /"role":"primary".*database unavailable at start/, 'the primary waited for the database');
    const campaigns = [await createCampaign(serve.url, 'Workers A'), await createCampaign(serve.url, 'Workers B')];
    load = new WriteLoad([serve.url], campaigns);
    load.start(DONORS, APPROVERS);
    const cases: OutageKind[] = ['immediate', 'fast', 'immediate'];
    for (const kind of cases) {
      const before = load.counts.created;
      for (const deadline = Date.now() + 30_000; load.counts.created < before + 20 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
      const outcome = await outage(cluster, load, kind);
      await waitReady(serve.url);
      console.log(`# workers, ${kind}: down ${outcome.downMs} ms, first write ${outcome.recoveryMs} ms after PostgreSQL accepted`);
    }
    await assertQueueResumes(cluster);
    await load.stop();
    assert.equal(serve.exit(), undefined, 'the primary still runs');
    assert.doesNotMatch(serve.output(), /worker \d+ exited/, 'no worker exited, so no restart was spent');
    assert.deepEqual(load.unexpected, [], 'no 500, no reset, no hang, no other 503');
    await assertExactlyOnce(cluster, load);
    const verify = await runCli(cluster.url, ['verify']);
    assert.equal(verify.code, 0, verify.output);

    // A worker that crashes while PostgreSQL is down is replaced (one restart, rightly: it crashed), and its
    // successor waits for the database instead of exiting and spending the rest of the budget.
    await cluster.stopServer('fast');
    const [worker] = execFileSync('ps', ['-o', 'pid=', '--ppid', String(serve.child.pid)], { encoding: 'utf8' }).trim().split(/\s+/);
    process.kill(Number(worker), 'SIGKILL');
    for (const deadline = Date.now() + 30_000; !/"role":"server".*database unavailable at start/.test(serve.output());) {
      assert.ok(Date.now() < deadline, 'the new worker waits for the database');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await cluster.startServer();
    await waitReady(serve.url);
    assert.equal(serve.exit(), undefined, 'the primary still runs');
    assert.equal(serve.output().match(/worker \d+ exited/g)?.length, 1, 'one restart spent, for the one crash');
  } catch (error) {
    console.log(serve.output().slice(-5000));
    throw error;
  } finally {
    await load?.stop();
    await serve.stop();
    await cluster.destroy();
  }
});
