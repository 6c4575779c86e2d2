// Proves that a connection lost while it is checked out of the pool (node-postgres takes the pool's error
// listener off it meanwhile) neither ends the process nor goes back to the pool, that the failure is the 503
// `database_unavailable`, and that a lost LISTEN connection comes back and tells its handlers LISTEN_GAP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { LISTEN_GAP } from '../../src/db/database.ts';
import { PostgresDatabase } from '../../src/db/postgres.ts';
import { DatabaseUnavailableError } from '../../src/db/availability.ts';

const onPostgres = process.env.DATABASE_URL?.startsWith('postgres') === true;
const skip = onPostgres ? false : 'PGlite has one in-process connection, which cannot be lost';

async function terminate(database: PostgresDatabase, applicationName: string, pid?: number): Promise<void> {
  await database.query(
    'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1 and ($2::int is null or pid = $2) and pid <> pg_backend_pid()',
    [applicationName, pid ?? null]);
}

test('a checked-out connection that dies is a 503 and is destroyed, not a crash', { skip }, async () => {
  const { database, drop } = await createTestDatabase();
  const postgres = database as PostgresDatabase;
  try {
    await assert.rejects(postgres.withClient(async (client) => {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      await terminate(postgres, 'amanah', rows[0]!.pid);
      // Idle between two statements, as a transaction waiting on JavaScript is: the error event comes now.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.query('select 1');
    }), (error) => error instanceof DatabaseUnavailableError && error.status === 503);
    await assert.rejects(postgres.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
      await terminate(postgres, 'amanah', rows[0]!.pid);
      await tx.query('select 1');
    }), DatabaseUnavailableError);
    const { rows } = await database.query<{ one: number }>('select 1 as one');
    assert.equal(rows[0]!.one, 1, 'the pool goes on with a new connection');
  } finally {
    await drop();
  }
});

test('the LISTEN connection reconnects and reports the gap', { skip }, async () => {
  const { database, drop } = await createTestDatabase();
  const postgres = database as PostgresDatabase;
  try {
    const payloads: string[] = [];
    await database.listen('amanah_resilience_test', (payload) => payloads.push(payload));
    assert.equal(postgres.listening(), true);
    await terminate(postgres, 'amanah-listen');
    for (const deadline = Date.now() + 10_000; !payloads.includes(LISTEN_GAP);) {
      assert.ok(Date.now() < deadline, 'LISTEN_GAP within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(postgres.listening(), true);
    await database.query("select pg_notify('amanah_resilience_test', 'after')");
    for (const deadline = Date.now() + 10_000; !payloads.includes('after');) {
      assert.ok(Date.now() < deadline, 'notifications arrive again');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.deepEqual(postgres.listenStats, { lost: 1, reconnected: 1 });
  } finally {
    await drop();
  }
});
