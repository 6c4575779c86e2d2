// One outage of the test's own PostgreSQL under load, and what it cost: the time from PostgreSQL accepting
// connections again to the first acknowledged write. Shared by the restart tests and bench/outage.ts.
import assert from 'node:assert/strict';
import { PrivatePostgres } from './private-postgres.ts';
import { VERIFY_JOB_SQL, type WriteLoad } from './serve.ts';

export type OutageKind = 'immediate' | 'fast' | 'stop';

export interface OutageOutcome {
  readonly kind: OutageKind;
  /** PostgreSQL accepting a new connection again → the first acknowledged donation or approval. */
  readonly recoveryMs: number;
  /** How long PostgreSQL refused connections (stop → accepting). */
  readonly downMs: number;
}

/**
 * `pg_ctl restart -m immediate`, `pg_ctl restart -m fast`, or a fast stop held for `stoppedMs` then a start.
 * Resolves once a write was acknowledged after PostgreSQL accepted again.
 */
export async function outage(cluster: PrivatePostgres, load: WriteLoad, kind: OutageKind, stoppedMs = 0, whileStopped?: () => Promise<void>): Promise<OutageOutcome> {
  const stoppingMs = Date.now();
  await cluster.stopServer(kind === 'stop' ? 'fast' : kind);
  if (kind === 'stop') {
    const held = new Promise((resolve) => setTimeout(resolve, stoppedMs));
    await whileStopped?.();
    await held;
  }
  const starting = cluster.startServer();
  await cluster.waitAccepting();
  const acceptingMs = Date.now();
  await starting;
  const firstWriteMs = await load.firstSuccessAfter(acceptingMs);
  return { kind, recoveryMs: firstWriteMs - acceptingMs, downMs: acceptingMs - stoppingMs };
}

/** Polls /readyz until it says ready: the pool and the LISTEN connection are back. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms: ${response?.status} ${await response?.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every acknowledged donation is in the database once, under its key; every acknowledged approval holds. */
export async function assertExactlyOnce(cluster: PrivatePostgres, load: WriteLoad): Promise<void> {
  const keys = [...load.acknowledged.keys()];
  const rows = await cluster.query<{ idempotency_key: string; id: string; status: string }>(
    'select idempotency_key, id::text, status from donations where idempotency_key = any($1)', [keys]);
  assert.equal(rows.length, keys.length, 'each acknowledged key has exactly one donation');
  for (const row of rows) assert.equal(row.id, load.acknowledged.get(row.idempotency_key), `key ${row.idempotency_key} keeps its donation`);
  const byId = new Map(rows.map((row) => [row.id, row.status]));
  for (const id of load.approved) assert.equal(byId.get(id), 'approved', `acknowledged approval of ${id} holds`);
  const twice = await cluster.query(
    "select donation_id from donation_status_changes where to_status = 'approved' group by donation_id having count(*) > 1");
  assert.deepEqual(twice, [], 'no donation was approved twice');
}

/** graphile-worker's runner came back: its scheduled job runs (and is re-added under a new id) after the outages. */
export async function assertQueueResumes(cluster: PrivatePostgres): Promise<void> {
  const [before] = await cluster.query<{ id: string }>(VERIFY_JOB_SQL);
  for (const deadline = Date.now() + 30_000; ;) {
    const [now] = await cluster.query<{ id: string }>(VERIFY_JOB_SQL);
    if (now !== undefined && now.id !== before?.id) return;
    if (Date.now() > deadline) throw new Error(`graphile-worker did not run its job after the outage (job ${before?.id})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
