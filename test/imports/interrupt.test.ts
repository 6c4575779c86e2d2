// Proves, through a real child process, that an import never hangs: a whole-file problem on stdin fails as it does
// for a path, and SIGINT or SIGTERM stops an import (reading a file, or waiting on a silent pipe) promptly, says
// how to finish, and the same command then finishes it with every row exactly once. Also that what an import
// leaves out is said: the status rows get, before the first row; unmapped columns in the summary; a column whose
// name suggests a field, as a warning, or with --strict as an error before anything is written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCliTarget, REPOSITORY, type CliTarget } from '../helpers/cli-target.ts';
import type { Database } from '../../src/db/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findCampaign } from '../../src/campaigns/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';

const ROWS = 60_000;

/** The child's database (this file's own on PostgreSQL, a data folder on PGlite) and a scratch folder. */
let target: CliTarget;
let scratch: string;

before(async () => {
  target = await createCliTarget('import-stop');
  scratch = target.scratch;
  await target.withDatabase(async (database) => {
    for (const slug of ['stop', 'whole', 'columns']) await createCampaign(database, new ChangeFeed(), { slug, name: slug, fund: 'general', currency: 'USD', status: 'active' });
  });
});

after(() => target.close());

const withDatabase = <T>(work: (database: Database) => Promise<T>): Promise<T> => target.withDatabase(work);

interface Result { code: number | null; stdout: string; stderr: string }

/** Starts `amanah …`; `signalWhen` sends a signal once stderr matches; stdin stays open unless given. */
function amanah(args: string[], options: { stdin?: string; signal?: NodeJS.Signals; when?: RegExp } = {}): Promise<Result> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
    cwd: REPOSITORY, env: target.childEnv(), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (options.signal && !signalled && options.when?.test(stderr)) {
      signalled = true;
      child.kill(options.signal);
    }
  });
  if (options.stdin !== undefined) child.stdin.end(options.stdin);
  // A hang fails the test instead of holding the run: the child is ended after two minutes.
  const limit = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(limit);
    child.stdin.destroy();
    resolve({ code, stdout, stderr });
  }));
}

test('a whole-file problem on stdin fails with the same line and exit code as the same file by path', async () => {
  const path = join(scratch, 'no-amount.csv');
  writeFileSync(path, 'a,b\n1,2\n');
  const args = ['--campaign', 'whole', '--currency', 'USD', '--progress', 'json'];
  const byPath = await amanah(['import', path, ...args]);
  const piped = await amanah(['import', '-', ...args], { stdin: 'a,b\n1,2\n' });
  assert.equal(byPath.code, 1, byPath.stderr);
  assert.equal(piped.code, 1, piped.stderr);
  const lastLine = (text: string) => text.trim().split('\n').at(-1);
  assert.equal(lastLine(piped.stderr), lastLine(byPath.stderr));
  assert.match(lastLine(piped.stderr)!, /^amanah import: the file has no amount column/);
});

test('SIGTERM stops an import waiting on a silent pipe, and says how to finish', async () => {
  const result = await amanah(['import', '-', '--campaign', 'whole', '--currency', 'USD', '--progress', 'json'], { signal: 'SIGTERM', when: /"event":"started"/ });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /amanah import: interrupted; run the same command again to finish/);
});

test('SIGINT in the middle of a file stops it; the same command again finishes with every row exactly once', async () => {
  const path = join(scratch, 'big.csv');
  const lines = ['donor_name,amount,donated_at'];
  for (let index = 0; index < ROWS; index += 1) lines.push(`Donor ${index},${(index % 100) + 1},2026-01-01T00:00:00Z`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const args = ['import', path, '--campaign', 'stop', '--currency', 'USD', '--batch-rows', '500', '--progress', 'json'];
  const stopped = await amanah(args, { stdin: '', signal: 'SIGINT', when: /"event":"progress"/ });
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /interrupted; run the same command again to finish/);
  const partly = await withDatabase((database) => findCampaign(database, 'stop'));
  assert.ok(partly!.donation_count > 0n && partly!.donation_count < BigInt(ROWS), String(partly!.donation_count));
  const resumed = await amanah(args, { stdin: '' });
  assert.equal(resumed.code, 0, resumed.stderr);
  const done = await withDatabase((database) => findCampaign(database, 'stop'));
  assert.equal(done!.donation_count, BigInt(ROWS));
  let cents = 0n;
  for (let index = 0; index < ROWS; index += 1) cents += BigInt(((index % 100) + 1) * 100);
  assert.equal(done!.raised_minor, cents);
});

test('the status is stated before the import, unmapped columns are listed, and a suggestive one warns or, with --strict, stops', async () => {
  const path = join(scratch, 'columns.csv');
  writeFileSync(path, 'donator,Tanggal,amount,note\nAli,2026-01-02,10,hi\n');
  const args = ['import', path, '--campaign', 'columns', '--currency', 'USD', '--map', 'donor_name=donator', '--progress', 'json'];
  const strict = await amanah([...args, '--strict'], { stdin: '' });
  assert.equal(strict.code, 1, strict.stderr);
  assert.match(strict.stderr, /amanah import: column "Tanggal" looks like donated_at but is not imported; map it with --map donated_at=Tanggal/);
  assert.equal((await withDatabase((database) => findCampaign(database, 'columns')))!.donation_count, 0n);
  const result = await amanah(args, { stdin: '' });
  assert.equal(result.code, 0, result.stderr);
  const events = result.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(events.map((event) => event.event).filter((name) => name !== 'progress'), ['started', 'warning', 'summary']);
  assert.equal(events[0]!.status, 'approved');
  assert.match(String(events[1]!.message), /"Tanggal" looks like donated_at/);
  assert.deepEqual(events.at(-1)!.unmapped_columns, ['Tanggal', 'note']);
  assert.match(result.stdout, /imported 1, .*; columns not imported: Tanggal, note/);
});
