// `serve --workers 2` as a real child process: /metrics reports both workers, whichever worker answers the
// scrape, and the observer's snapshot lists each worker and their total. PostgreSQL only (a PGlite database
// belongs to one process, so there are no workers to sum).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startServe, ADMIN_TOKEN, type ServeProcess } from '../resilience/serve.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const onPostgres = process.env.DATABASE_URL?.startsWith('postgres') === true;
const HEALTH_REQUESTS = 40;

/** One request on a connection of its own (no keep-alive), so the primary hands each to the next worker. */
function getOnce(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function healthzCount(text: string): number {
  return text.split('\n')
    .filter((line) => line.startsWith('amanah_http_request_duration_seconds_count{') && line.includes('route="/healthz"'))
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

let target: TestDatabase | undefined;
let serve: ServeProcess | undefined;

before(async () => {
  if (!onPostgres) return;
  target = await createTestDatabase();
  serve = await startServe(target.url!, 2);
});

after(async () => {
  await serve?.stop();
  await target?.drop();
});

test('/metrics sums both workers, whichever answers; the observer shows each and the total', { skip: onPostgres ? false : 'serve --workers needs PostgreSQL', timeout: 60_000 }, async () => {
  try {
    // startServe's own /healthz polls count too: measure from a scrape taken before the requests.
    const before = healthzCount((await getOnce(`${serve!.url}/metrics`)).body);
    for (let index = 0; index < HEALTH_REQUESTS; index += 1) assert.equal((await getOnce(`${serve!.url}/healthz`)).status, 200);
    // onResponse records a request just after its answer is written: the last may land a moment later.
    let scrapes: string[] = [];
    for (let attempt = 0; attempt < 50; attempt += 1) {
      scrapes = [];
      for (let index = 0; index < 4; index += 1) scrapes.push((await getOnce(`${serve!.url}/metrics`)).body);
      if (scrapes.every((text) => healthzCount(text) === before + HEALTH_REQUESTS)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const text of scrapes) {
      assert.match(text, /^amanah_cluster_workers_reporting 2$/m, 'both workers answered');
      assert.match(text, /^amanah_cluster_workers_missing 0$/m);
      // One worker alone saw about half: only the sum of both is every request sent.
      assert.equal(healthzCount(text), before + HEALTH_REQUESTS, 'every /healthz request, from both workers, on each scrape');
      const utilisation = Number(/^amanah_event_loop_utilization (\S+)$/m.exec(text)?.[1]);
      assert.ok(utilisation >= 0 && utilisation <= 1, `utilisation averaged across workers, not summed: ${utilisation}`);
    }

    const snapshot = JSON.parse((await getOnce(`${serve!.url}/api/observer/snapshot`, { authorization: `Bearer ${ADMIN_TOKEN}` })).body) as {
      workers: { missing: number; workers: Array<{ pid: number; requests: number; rss_bytes: number }>; total: { pid: string; requests: number; rss_bytes: number } };
    };
    const { workers, total, missing } = snapshot.workers;
    assert.equal(missing, 0);
    assert.equal(workers.length, 2);
    assert.notEqual(workers[0]!.pid, workers[1]!.pid);
    assert.ok(workers.every((worker) => worker.requests > 0 && worker.rss_bytes > 0), 'each worker took requests');
    assert.equal(total.pid, 'total');
    assert.equal(total.requests, workers[0]!.requests + workers[1]!.requests);
    assert.equal(total.rss_bytes, workers[0]!.rss_bytes + workers[1]!.rss_bytes);
  } catch (error) {
    console.log(serve!.output().slice(-3000));
    throw error;
  }
});
