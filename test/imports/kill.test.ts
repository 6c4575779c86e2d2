// kill -9 at any moment, then the same command again: every good row ends up present exactly once.
//
// PostgreSQL only. On PGlite the data folder belongs to one process at a time, and a process killed with
// SIGKILL can leave it needing recovery that PGlite does not promise; resumable imports at that scale are a
// reason to run on PostgreSQL (README, "When to move to PostgreSQL").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findCampaign, findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { GDQ_DIRECTORY, gdqTextRejects } from '../helpers/gdq.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const FILE = `${GDQ_DIRECTORY}agdq2017_donations.csv`;
/** The rows whose donor names the text rules refuse (two C1 controls from upstream mojibake): rejected every run. */
const REFUSED = gdqTextRejects('agdq2017_donations.csv');
/** The README's figures for the file, less those rows. */
const README_ROWS = 43_472n - REFUSED.rows;
const README_CENTS = 222_279_052n - REFUSED.cents;
/** The child gives up after this; a hung import fails the test instead of hanging it. */
const RUN_TIMEOUT_MS = 120_000;

let testDatabase: TestDatabase;
const onPostgres = (process.env.DATABASE_URL ?? '').startsWith('postgres');

before(async () => {
  if (!onPostgres) return;
  testDatabase = await createTestDatabase();
  await createCampaign(testDatabase.database, new ChangeFeed(), { slug: 'agdq-2017', name: 'AGDQ 2017', fund: 'general', currency: 'USD', status: 'active' });
});
after(async () => { if (onPostgres) await testDatabase.drop(); });

/** When to kill the child: at the first JSON line it prints that matches, plus a delay (to land mid-batch). */
type KillPoint = { afterLine: (event: Record<string, unknown>) => boolean; delayMs: number } | undefined;

interface Run { code: number | null; signal: NodeJS.Signals | null; killed: boolean; stdout: string }

function runImport(killPoint: KillPoint): Promise<Run> {
  const child: ChildProcess = spawn(process.execPath, [
    'src/cli/main.ts', 'import', FILE, '--campaign', 'agdq-2017', '--currency', 'USD',
    '--map', 'donor_name=donator,donated_at=date', '--batch-rows', '1000', '--progress', 'json',
  ], { cwd: REPOSITORY, env: { ...process.env, DATABASE_URL: testDatabase.url!, LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let killed = false;
  const kill = () => { if (!killed && child.exitCode === null) { killed = true; child.kill('SIGKILL'); } };
  let stdout = '';
  let pending = '';
  const timers: NodeJS.Timeout[] = [];
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (killPoint && line.startsWith('{') && killPoint.afterLine(JSON.parse(line))) timers.push(setTimeout(kill, killPoint.delayMs));
    }
  });
  timers.push(setTimeout(kill, RUN_TIMEOUT_MS));
  return new Promise((resolve) => child.on('close', (code, signal) => {
    for (const timer of timers) clearTimeout(timer);
    resolve({ code, signal, killed, stdout });
  }));
}

async function state() {
  const database = testDatabase.database;
  const campaign = (await findCampaign(database, 'agdq-2017'))!;
  const { rows: [counts] } = await database.query<{ donations: bigint; keys: bigint; donors: bigint }>(
    `select count(*) as donations, count(distinct idempotency_key) as keys, count(distinct donor_id) as donors
       from donations where campaign_id = $1`, [campaign.id]);
  const { rows: [orphans] } = await database.query<{ count: bigint }>(
    'select count(*) as count from donors r where not exists (select 1 from donations d where d.donor_id = r.id)');
  return { campaign, ...counts!, orphans: orphans!.count, mismatches: await findTotalsMismatches(database) };
}

const imported = (at: number) => (event: Record<string, unknown>) => event.event === 'progress' && Number(event.imported) >= at;

test('an import killed with SIGKILL at several points, then run again, holds every row exactly once', { skip: onPostgres ? false : 'kill -9 and resume is tested on PostgreSQL only (set DATABASE_URL=postgres://…): PGlite\'s data folder is one process\'s at a time and a killed process may leave it unusable' }, async (t) => {
  // Proves exactly once under crashes: kills before the first batch, mid-file, late, and at a timed moment.
  const killPoints: KillPoint[] = [
    { afterLine: (event) => event.event === 'started', delayMs: 0 },
    { afterLine: imported(3_000), delayMs: 0 },
    { afterLine: imported(1_000), delayMs: 37 },
    { afterLine: imported(5_000), delayMs: 5 },
  ];
  const partial: bigint[] = [];
  for (const killPoint of killPoints) {
    const run = await runImport(killPoint);
    const after = await state();
    if (run.killed) partial.push(after.donations);
    // Whatever the moment, what committed is consistent: whole batches, totals equal to a recount, no orphans.
    assert.deepEqual(after.mismatches, [], JSON.stringify(killPoint));
    assert.equal(after.keys, after.donations);
    assert.equal(after.orphans, 0n);
    assert.ok(after.donations <= README_ROWS);
    if (!run.killed) assert.equal(run.code, 0, 'a run that was not killed finished');
  }
  t.diagnostic(`donations after each kill: ${partial.join(', ')}`);
  // Every kill landed mid-import, and each run but the first committed some batches before it died.
  assert.equal(partial.length, killPoints.length, `donations after each kill: ${partial.join(', ')}`);
  assert.ok(partial.every((count, index) => count < README_ROWS && (index === 0 || count > partial[index - 1]!)), `donations after each kill: ${partial.join(', ')}`);
  const final = await runImport(undefined);
  assert.equal(final.code, 0);
  const done = await state();
  assert.equal(done.campaign.raised_minor, README_CENTS);
  assert.equal(done.campaign.donation_count, README_ROWS);
  assert.equal(done.donations, README_ROWS);
  assert.equal(done.keys, README_ROWS);
  assert.equal(done.campaign.donor_count, README_ROWS);
  assert.equal(done.orphans, 0n);
  // The final run skipped what the killed runs had committed and imported the rest.
  const match = /imported ([\d,]+), duplicates skipped ([\d,]+), rejected [\d,]+/.exec(final.stdout)!;
  assert.equal(BigInt(match[1]!.replaceAll(',', '')) + BigInt(match[2]!.replaceAll(',', '')), README_ROWS);
  const verify = spawn(process.execPath, ['src/cli/main.ts', 'verify'], { cwd: REPOSITORY, env: { ...process.env, DATABASE_URL: testDatabase.url! }, stdio: 'ignore' });
  assert.equal(await new Promise((resolve) => verify.on('close', resolve)), 0);
});
