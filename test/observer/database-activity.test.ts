// The observer's database panel on both engines: sizes everywhere; on PostgreSQL a real long query and a real
// lock wait between two other connections, shown with their literals blanked; on PGlite the two panels that
// cannot exist there say why.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { TEST_ADMIN_TOKEN } from '../helpers/database.ts';
import { redactQuery, QUERY_TEXT_CHARACTERS_MAX, type DatabaseActivity } from '../../src/observer/database-activity.ts';

let app: TestApp;
before(async () => { app = await createTestApp(); });
after(async () => { await app.close(); });

async function activity(): Promise<DatabaseActivity> {
  const response = await app.app.inject({ method: 'GET', url: '/api/observer/snapshot', headers: bearer(TEST_ADMIN_TOKEN) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().database_activity as DatabaseActivity;
}

test('literals are blanked, parameters and numbers kept, long text cut', () => {
  assert.equal(redactQuery("select * from donors where email = 'siti@example.org' and n = 5"), "select * from donors where email = '…' and n = 5");
  assert.equal(redactQuery("insert into t values ('it''s Ayşe', $1)"), "insert into t values ('…', $1)");
  assert.equal(redactQuery("update t set name = 'cut in hal"), "update t set name = '…");
  assert.equal(redactQuery('do $body$ secret $body$; select $$x$$, $2'), 'do $$…$$; select $$…$$, $2');
  const long = redactQuery(`select ${'a, '.repeat(500)}1`);
  assert.equal(long.length, QUERY_TEXT_CHARACTERS_MAX + 1);
});

test('sizes: every table with its indexes, and each index', async () => {
  const { sizes } = await activity();
  assert.ok(sizes.available, 'sizes are read on both engines');
  const donations = sizes.rows.find((row) => row.name === 'donations');
  assert.ok(donations, `donations among the largest: ${sizes.rows.map((row) => row.name).join(', ')}`);
  assert.equal(donations.kind, 'table');
  assert.ok(donations.total_bytes >= donations.table_bytes + donations.index_bytes && donations.index_bytes > 0);
  assert.ok(sizes.rows.some((row) => row.kind === 'index' && row.table !== row.name), 'indexes name their table');
});

test('running queries and lock waits', async (t) => {
  const url = app.testDatabase.url;
  if (app.database.engine === 'pglite' || url === undefined) {
    const { running, locks, engine } = await activity();
    assert.equal(engine, 'pglite');
    assert.equal(running.available, false);
    assert.equal(locks.available, false);
    assert.match(running.available ? '' : running.reason, /one backend/);
    return;
  }
  const holder = new pg.Client({ connectionString: url });
  const waiter = new pg.Client({ connectionString: url });
  const sleeper = new pg.Client({ connectionString: url });
  await Promise.all([holder.connect(), waiter.connect(), sleeper.connect()]);
  t.after(async () => { await Promise.allSettled([holder.end(), waiter.end(), sleeper.end()]); });
  await holder.query('create table observer_lock_probe (id int)');
  const [holderPid] = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows.map((row) => row.pid);
  await holder.query('begin');
  await holder.query('lock table observer_lock_probe in access exclusive mode');
  const waiting = waiter.query("select count(*) from observer_lock_probe where 'donor-secret@example.org' <> ''").catch(() => undefined);
  const sleeping = sleeper.query("select pg_sleep(30), 'Siti Aminah'").catch(() => undefined);
  let seen: DatabaseActivity | undefined;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    seen = await activity();
    const ready = seen.locks.available && seen.locks.rows.length > 0 && seen.running.available && seen.running.rows.some((row) => row.query.includes('pg_sleep'));
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(seen!.running.available && seen!.locks.available);
  const sleep = seen!.running.rows.find((row) => row.query.includes('pg_sleep'));
  assert.ok(sleep, 'the long query is listed');
  assert.equal(sleep.query, "select pg_sleep(30), '…'");
  assert.ok(sleep.seconds >= 0);
  const wait = seen!.locks.rows.find((row) => row.relation === 'observer_lock_probe');
  assert.ok(wait, JSON.stringify(seen!.locks.rows));
  assert.deepEqual(wait.blocked_by, [holderPid]);
  assert.equal(wait.mode, 'AccessShareLock');
  assert.doesNotMatch(JSON.stringify(seen), /donor-secret|Siti Aminah/, 'no literal reaches the page');
  assert.match(wait.blocking_query, /lock table observer_lock_probe/);
  await holder.query('rollback');
  await waiting;
  const cancel = new pg.Client({ connectionString: url });
  await cancel.connect();
  await cancel.query("select pg_cancel_backend(pid) from pg_stat_activity where query like 'select pg_sleep(30)%'");
  await cancel.end();
  await sleeping;
});
