// The amanah CLI as a user runs it: a child process per command, on the engine the test run selects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, createCliTarget, type CliTarget } from '../helpers/cli-target.ts';
import { authenticate } from '../../src/auth/tokens.ts';
import type { Database } from '../../src/db/database.ts';

describe('amanah CLI', () => {
  let target: CliTarget;
  before(async () => { target = await createCliTarget('cli'); });
  after(() => target.close());

  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: target.childEnv(), encoding: 'utf8', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const withDatabase = <T>(work: (database: Database) => Promise<T>): Promise<T> => target.withDatabase(work);

  test('every command answers --help, and an unknown command exits 2 with the list', () => {
    // Proves the help surface the README promises.
    for (const command of ['serve', 'migrate', 'verify', 'seed', 'token']) {
      const result = run(command, '--help');
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      assert.match(result.stdout, /^amanah /);
    }
    const unknown = run('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    assert.match(run('--help').stdout, /Commands:/);
  });

  test('a bad configuration value stops the command with one line naming it', () => {
    // Proves configuration is validated before any work.
    const result = spawnSync(process.execPath, [CLI, 'migrate'], { env: target.childEnv({ DATABASE_POOL_SIZE: 'many' }), encoding: 'utf8' });
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), 'amanah: configuration: DATABASE_POOL_SIZE: expected an integer from 1 to 500, got "many"');
  });

  test('migrate, seed twice, then verify passes', () => {
    // Proves seed is idempotent and its totals are consistent.
    assert.equal(run('migrate').code, 0);
    const first = run('seed');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /9 campaigns, \d+ donations \(\d+ newly approved\)/);
    assert.match(run('seed').stdout, /\(0 newly approved\)/);
    const verify = run('verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /every campaign total equals/);
  });

  test('verify exits non-zero and names each campaign whose total differs from its donations', async () => {
    // Proves verify recomputes from the donations rather than trusting the maintained totals.
    await withDatabase((database) => database.query("update campaigns set raised_minor = raised_minor + 1 where slug = 'masjid-waqf'"));
    const result = run('verify');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /campaign masjid-waqf \(\d+\): raised \d+ vs \d+ minor units/);
    assert.doesNotMatch(result.stderr, /ramadan-iftar/);
    await withDatabase((database) => database.query("update campaigns set raised_minor = raised_minor - 1 where slug = 'masjid-waqf'"));
    assert.equal(run('verify').code, 0);
  });

  test('token create prints a token that authenticates with its role', async () => {
    // Proves the printed token is usable and only its digest is stored.
    const result = run('token', 'create', '--role', 'staff', '--name', 'night shift');
    assert.equal(result.code, 0, result.stderr);
    const token = result.stdout.trim();
    assert.match(token, /^amanah_\d+_[A-Za-z0-9_-]{43}$/);
    const principal = await withDatabase((database) => authenticate(database, token, undefined));
    assert.deepEqual({ name: principal?.name, role: principal?.role }, { name: 'night shift', role: 'staff' });
    const stored = await withDatabase((database) => database.query<{ count: bigint }>('select count(*) as count from api_tokens where secret_sha256::text like $1', [`%${token.slice(-43)}%`]));
    assert.equal(stored.rows[0]!.count, 0n);
    assert.equal(run('token', 'create', '--role', 'root').code, 2);
    const id = token.split('_')[1]!;
    assert.equal(run('token', 'revoke', id).code, 0);
    assert.equal(await withDatabase((database) => authenticate(database, token, undefined)), undefined);
    assert.equal(run('token', 'revoke', id).code, 1);
  });
});
