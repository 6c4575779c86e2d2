// Proves that a PGlite data folder has one owner at a time, and that no dead owner can leave it stuck: a crashed
// process's lock (a dead pid, a reused pid, a torn file, a kill -9 mid-work) is taken over at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryError, DataDirectoryLockedError, LOCK_FILE_NAME, LOCK_STALE_MS, lockDataDirectory } from '../../src/db/data-dir-lock.ts';
import { openPglite } from '../../src/db/pglite.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'amanah-lock-'));

test('a folder taken once is refused to a second taker, naming the owner, and free again once released', () => {
  const directory = folder();
  try {
    const release = lockDataDirectory(directory);
    assert.throws(() => lockDataDirectory(directory), (error: unknown) =>
      error instanceof DataDirectoryLockedError && error.owner.pid === process.pid && error.message.includes(`pid ${process.pid}`));
    release();
    lockDataDirectory(directory)();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a lock left by a dead process, by a pid now reused, or torn, is taken over', () => {
  const directory = folder();
  const path = join(directory, LOCK_FILE_NAME);
  try {
    const exited = spawnSync(process.execPath, ['-e', '']);
    assert.equal(exited.status, 0);
    const stale = [
      JSON.stringify({ pid: exited.pid, startTicks: 1, host: hostname(), command: 'serve' }),
      // This very pid, but another start time: the pid was given to a new process after the owner died.
      JSON.stringify({ pid: process.pid, startTicks: 1, host: hostname(), command: 'serve' }),
      '{"pid": 12',
    ];
    for (const content of stale) {
      writeFileSync(path, content);
      const release = lockDataDirectory(directory);
      assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, process.pid);
      release();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a lock from another host (a recreated container) holds while its owner touches it, and is taken over once stale', () => {
  const directory = folder();
  const path = join(directory, LOCK_FILE_NAME);
  try {
    writeFileSync(path, JSON.stringify({ pid: 1, startTicks: 5, host: 'another-container', command: 'serve' }));
    assert.throws(() => lockDataDirectory(directory), (error: unknown) => error instanceof DataDirectoryLockedError && /on another-container/.test(error.message));
    const old = new Date(Date.now() - LOCK_STALE_MS - 1_000);
    utimesSync(path, old, old);
    const release = lockDataDirectory(directory);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { host: string }).host, hostname());
    release();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a folder that cannot be made stops at once with one line naming AMANAH_DATA_DIR', () => {
  // /proc/nope used to spin forever inside mkdirSync({ recursive: true }).
  const file = join(folder(), 'a-file');
  writeFileSync(file, '');
  for (const directory of ['/proc/nope', '/proc/nope/deeper', join(file, 'below')]) {
    assert.throws(() => lockDataDirectory(directory), (error: unknown) =>
      error instanceof DataDirectoryError && /^AMANAH_DATA_DIR .* cannot be used/.test(error.message) && !error.message.includes('\n'));
  }
});

test('a process killed with SIGKILL while it holds a PGlite folder does not keep it', { timeout: 120_000 }, async () => {
  const directory = folder();
  try {
    const script = `import { openPglite } from ${JSON.stringify(new URL('../../src/db/pglite.ts', import.meta.url).href)};
      const db = await openPglite(${JSON.stringify(directory)}); await db.query('select 1'); console.log('open'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    await assert.rejects(openPglite(directory), DataDirectoryLockedError);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const database = await openPglite(directory);
    assert.equal((await database.query<{ one: number }>('select 1 as one')).rows[0]!.one, 1);
    await database.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
