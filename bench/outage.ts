// Recovery from a PostgreSQL outage under write load: a PostgreSQL cluster of the benchmark's own (initdb into a
// temporary folder, a free port; never the shared server) is restarted with `-m immediate`, with `-m fast`, and
// stopped for `--outage-seconds` (8; the case is 60) while `amanah serve` takes donations from
// `--donors` clients (32) and approvals from `--approvers` (8). For each outage it reports the time from
// PostgreSQL accepting connections again to the first acknowledged write through amanah, and to /readyz answering
// 200 (which needs the LISTEN connection back too). The reference, in
// the same run: a bare node-postgres client that retries connect + INSERT every 5 ms from the moment the server
// went down, i.e. the earliest any client could have written again. The ratio is reference / amanah (1 would
// be as fast as that bare client; a figure near 0 means amanah took much longer). Any 500, reset or hang fails it,
// and so does an acknowledged donation or approval that is not in the database exactly once.
//
// Run: `node_modules/.bin/node bench/run.ts outage [--outage-seconds=60] [--rounds=3] [--workers=2]`.
import { loadavg } from 'node:os';
import pg from 'pg';
import type { BenchContext, BenchResult } from './run.ts';
import { PrivatePostgres } from '../test/resilience/private-postgres.ts';
import { createCampaign, startServe, VERIFICATION_ENV, WriteLoad } from '../test/resilience/serve.ts';
import { assertExactlyOnce, waitReady, type OutageKind } from '../test/resilience/outage.ts';

export const name = 'outage';

/** How often the bare reference client retries while the server is away. */
const REFERENCE_RETRY_MS = 5;

/** The bare client: from now, connect + INSERT every REFERENCE_RETRY_MS until one succeeds; resolves to its time. */
async function bareClientWrite(url: string, signal: AbortSignal): Promise<number> {
  while (!signal.aborted) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('insert into outage_reference (at) values (now())');
      return Date.now();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, REFERENCE_RETRY_MS));
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new Error('aborted');
}

interface Measured { kind: OutageKind; downMs: number; amanahMs: number; referenceMs: number; readyMs: number }

async function measure(cluster: PrivatePostgres, load: WriteLoad, serveUrl: string, kind: OutageKind, stoppedMs: number, signal: AbortSignal): Promise<Measured> {
  const stoppingMs = Date.now();
  await cluster.stopServer(kind === 'stop' ? 'fast' : kind);
  const reference = bareClientWrite(cluster.url, signal);
  if (kind === 'stop') await new Promise((resolve) => setTimeout(resolve, stoppedMs));
  const starting = cluster.startServer();
  await cluster.waitAccepting();
  const acceptingMs = Date.now();
  await starting;
  const [amanahWriteMs, referenceWriteMs, readyAtMs] = await Promise.all([
    load.firstSuccessAfter(acceptingMs), reference, waitReady(serveUrl).then(() => Date.now()),
  ]);
  return {
    kind, downMs: acceptingMs - stoppingMs, amanahMs: amanahWriteMs - acceptingMs,
    referenceMs: Math.max(0, referenceWriteMs - acceptingMs), readyMs: readyAtMs - acceptingMs,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function run(context: BenchContext): Promise<BenchResult> {
  const outageSeconds = context.integerOption('outage-seconds', context.quick ? 3 : 8, 1, 600);
  const rounds = context.integerOption('rounds', context.quick ? 1 : 3, 1, 20);
  const workers = context.integerOption('workers', 1, 1, 8);
  const donors = context.integerOption('donors', 32, 1, 512);
  const approvers = context.integerOption('approvers', 8, 0, 512);
  const cluster = await PrivatePostgres.start();
  const serve = await startServe(cluster.url, workers, VERIFICATION_ENV);
  const load = new WriteLoad([serve.url], [await createCampaign(serve.url, 'Outage A'), await createCampaign(serve.url, 'Outage B')]);
  const results: Measured[] = [];
  try {
    await cluster.query('create table outage_reference (at timestamptz)');
    load.start(donors, approvers);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (let round = 1; round <= rounds; round += 1) {
      for (const kind of ['immediate', 'fast', 'stop'] as const) {
        const outcome = await measure(cluster, load, serve.url, kind, outageSeconds * 1000, context.signal);
        context.log(`round ${round} ${kind}: down ${outcome.downMs} ms; after accepting: first amanah write ${outcome.amanahMs} ms, /readyz 200 ${outcome.readyMs} ms, bare client ${outcome.referenceMs} ms (load ${loadavg()[0]!.toFixed(2)})`);
        results.push(outcome);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    await load.stop();
    if (serve.exit() !== undefined) throw new Error(`amanah serve exited (${serve.exit()})`);
    if (load.unexpected.length > 0) throw new Error(`answers an outage must not give: ${load.unexpected.slice(0, 5).join('; ')}`);
    await assertExactlyOnce(cluster, load);
  } finally {
    await load.stop();
    await serve.stop();
    await cluster.destroy();
  }
  const figures: Record<string, number | string> = {
    workers, donors, approvers, rounds, outage_seconds: outageSeconds, load_average_1m: Number(loadavg()[0]!.toFixed(2)),
    acknowledged_donations: load.acknowledged.size, acknowledged_approvals: load.approved.size, answered_503: load.counts.unavailable,
  };
  for (const kind of ['immediate', 'fast', 'stop'] as const) {
    const of = results.filter((result) => result.kind === kind);
    figures[`${kind}_recovery_ms_median`] = median(of.map((result) => result.amanahMs));
    figures[`${kind}_recovery_ms_max`] = Math.max(...of.map((result) => result.amanahMs));
    figures[`${kind}_reference_ms_median`] = median(of.map((result) => result.referenceMs));
    figures[`${kind}_ready_ms_max`] = Math.max(...of.map((result) => result.readyMs));
    figures[`${kind}_down_ms_median`] = median(of.map((result) => result.downMs));
  }
  const amanahMs = median(results.map((result) => result.amanahMs));
  const referenceMs = median(results.map((result) => result.referenceMs));
  return {
    name,
    workload: `first acknowledged write after PostgreSQL accepts again: median ${amanahMs} ms, worst ${Math.max(...results.map((result) => result.amanahMs))} ms`,
    reference: `a bare node-postgres client retrying every ${REFERENCE_RETRY_MS} ms: median ${referenceMs} ms`,
    // Both are a few milliseconds: the ratio is of the time PostgreSQL itself needs, plus 1 ms, so that 0 ms is not a division by zero.
    ratio: (referenceMs + 1) / (amanahMs + 1),
    figures,
    notes: 'every answer was 2xx, 4xx or 503 database_unavailable with Retry-After; serve never exited; every acknowledged donation and approval is there once',
  };
}
