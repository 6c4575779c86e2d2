// Proves, through real child processes, that a PGlite folder has one owner: while `amanah serve` holds it, every
// command that opens the database stops at once with one line saying what to do, and writes nothing; once the
// server stops, each works, and the server then knows what they wrote. Also proves the first start of a new
// database prints an admin token that signs in (on both engines), and only the first.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const TOKEN_LINE = /^ {4}(amanah_[0-9]+_[A-Za-z0-9_-]{43})$/m;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

interface Served {
  child: ChildProcess;
  output: () => string;
  base: string;
}

/** Starts `amanah serve` and resolves once it answers /healthz. */
async function serve(env: Record<string, string | undefined>): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`);
    const ok = await fetch(`${base}/healthz`).then((response) => response.ok, () => false);
    if (ok && TOKEN_LINE.test(output) === output.includes('first start')) return { child, output: () => output, base };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not answer: ${output}`);
}

async function stop(served: Served): Promise<number | null> {
  served.child.kill('SIGTERM');
  const [code] = await once(served.child, 'exit') as [number | null];
  return code;
}

describe('one owner per database folder', () => {
  let target: TestDatabase | undefined;
  let dataDirectory = '';
  let env: Record<string, string | undefined> = {};

  before(async () => {
    const probe = await createTestDatabase();
    dataDirectory = mkdtempSync(join(tmpdir(), 'amanah-owner-'));
    env = { ...process.env, LOG_LEVEL: 'silent', AMANAH_SEED_DEMO: 'false', AMANAH_ADMIN_TOKEN: undefined,
      // No shedding: PGlite runs the server's queries on its own loop, and a loop blocked for a whole sample reads as Infinity.
      AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0' };
    if (probe.url) {
      target = probe;
      env.DATABASE_URL = probe.url;
    } else {
      await probe.drop();
      env.AMANAH_DATA_DIR = dataDirectory;
      delete env.DATABASE_URL;
    }
  });
  after(async () => {
    await target?.drop();
    rmSync(dataDirectory, { recursive: true, force: true });
  });

  const run = (args: string[], input?: string, extra: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extra }, input, encoding: 'utf8', timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  test('the first start prints an admin token that signs in; a later start prints none', { timeout: 300_000 }, async () => {
    const first = await serve(env);
    try {
      const token = TOKEN_LINE.exec(first.output())?.[1];
      assert.ok(token, first.output());
      const snapshot = await fetch(`${first.base}/api/observer/snapshot`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(snapshot.status, 200);
    } finally {
      assert.equal(await stop(first), 0);
    }
    const second = await serve(env);
    try {
      assert.doesNotMatch(second.output(), /first start|amanah_[0-9]+_/);
    } finally {
      await stop(second);
    }
  });

  test('while the server runs on PGlite, every database command stops at once with one line and writes nothing', { timeout: 600_000 }, async (t) => {
    if (target !== undefined) return t.skip('PGlite only: PostgreSQL is shared by any number of processes');
    const server = await serve(env);
    const csv = join(dataDirectory, '..', `owner-${process.pid}.csv`);
    writeFileSync(csv, 'amount,donor_name\n10,Ali\n');
    try {
      const commands = [['migrate'], ['seed'], ['verify'], ['token', 'create', '--role', 'staff'], ['token', 'revoke', '1'],
        ['import', csv, '--campaign', 'x', '--currency', 'USD'], ['export'], ['verify-payments'], ['serve']];
      for (const args of commands) {
        const result = run(args, undefined, { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9' });
        assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(result.stdout, '', args.join(' '));
        const lines = result.stderr.trim().split('\n');
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0]!, new RegExp(`^amanah ${args[0]}: .* is owned by a running amanah \\(pid ${server.child.pid}: serve\\); `));
      }
      // The piped form too, which used to hang: stdin is never read when the folder is taken.
      const piped = run(['import', '-', '--campaign', 'x', '--currency', 'USD'], 'amount\n1\n');
      assert.equal(piped.code, 1, piped.stderr);
    } finally {
      assert.equal(await stop(server), 0);
      rmSync(csv, { force: true });
    }
  });

  test('with the server stopped each command works, and the server then knows what they wrote', { timeout: 600_000 }, async () => {
    assert.equal(run(['migrate']).code, 0);
    const seeded = run(['seed']);
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.equal(run(['verify']).code, 0);
    const created = run(['token', 'create', '--role', 'staff']);
    assert.equal(created.code, 0, created.stderr);
    const staffToken = created.stdout.trim();
    const doomed = run(['token', 'create', '--role', 'staff']).stdout.trim();
    const revoked = run(['token', 'revoke', doomed.split('_')[1]!]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const csv = join(dataDirectory, '..', `owner-stopped-${process.pid}.csv`);
    writeFileSync(csv, 'amount,donor_name,donated_at\n10,Ali,2026-01-05\n20,Budi,2026-01-05\n');
    try {
      const campaigns = run(['export']);
      assert.equal(campaigns.code, 0, campaigns.stderr);
      const imported = run(['import', csv, '--campaign', 'ramadan-iftar', '--currency', 'IDR', '--progress', 'json']);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /imported 2\b/);
    } finally {
      rmSync(csv, { force: true });
    }
    assert.equal(run(['verify-payments'], undefined, { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9' }).code, 0);
    const server = await serve(env);
    try {
      const stats = await fetch(`${server.base}/api/live/stats`, { headers: { authorization: `Bearer ${staffToken}` } });
      assert.equal(stats.status, 200);
      const gone = await fetch(`${server.base}/api/live/stats`, { headers: { authorization: `Bearer ${doomed}` } });
      assert.equal(gone.status, 401);
      const donations = await fetch(`${server.base}/api/campaigns/ramadan-iftar/donations?limit=500`);
      const { donations: list } = (await donations.json()) as { donations: { donor_name: string }[] };
      assert.ok(list.some((donation) => donation.donor_name === 'Budi'), JSON.stringify(list).slice(0, 300));
      // Where PostgreSQL is shared, the CLI works beside the running server, and the server sees it at once.
      if (target !== undefined) {
        const beside = run(['token', 'create', '--role', 'staff']);
        assert.equal(beside.code, 0, beside.stderr);
        const known = await fetch(`${server.base}/api/live/stats`, { headers: { authorization: `Bearer ${beside.stdout.trim()}` } });
        assert.equal(known.status, 200);
      }
    } finally {
      assert.equal(await stop(server), 0);
    }
  });
});
