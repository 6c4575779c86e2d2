// `amanah import` as a user runs it: a child process on the selected engine, with progress, summary and rejects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCliTarget, REPOSITORY, type CliTarget } from '../helpers/cli-target.ts';
import type { Database } from '../../src/db/database.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { findCampaign } from '../../src/campaigns/queries.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { GDQ_DIRECTORY } from '../helpers/gdq.ts';

const JRDQ = `${GDQ_DIRECTORY}jrdq_donations.csv`;
const GDQ_ARGS = ['--currency', 'USD', '--map', 'donor_name=donator,donated_at=date'];

/** The child's database (this file's own on PostgreSQL, a data folder on PGlite) and a scratch folder. */
let target: CliTarget;
let scratch: string;

before(async () => {
  target = await createCliTarget('import-cli');
  scratch = target.scratch;
  await target.withDatabase(async (database) => {
    for (const slug of ['jrdq', 'small']) await createCampaign(database, new ChangeFeed(), { slug, name: slug, fund: 'general', currency: 'USD', status: 'active' });
  });
});

after(() => target.close());

const withDatabase = <T>(work: (database: Database) => Promise<T>): Promise<T> => target.withDatabase(work);

interface Result { code: number | null; stdout: string; stderr: string }

function amanah(args: string[], stdin?: string): Promise<Result> {
  const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
    cwd: REPOSITORY, env: target.childEnv(), stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const jsonLines = (text: string) => text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

test('importing a GDQ file prints JSON progress and a summary, and a second run adds nothing', async () => {
  // Proves the command end to end in a child process: totals to the cent, then exactly once on a rerun.
  const first = await amanah(['import', JRDQ, '--campaign', 'jrdq', ...GDQ_ARGS, '--batch-rows', '200']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /imported 1,192, duplicates skipped 0, rejected 0/);
  const events = jsonLines(first.stderr);
  assert.equal(events[0]!.event, 'started');
  assert.ok(events.filter((event) => event.event === 'progress').length >= 5);
  assert.deepEqual({ ...events.at(-1), seconds: 0, rows_per_second: 0 }, {
    event: 'summary', import_id: events[0]!.import_id, rows: 1192, imported: 1192, duplicates_skipped: 0, rejected: 0,
    bytes: 56910, bytes_total: 56910, seconds: 0, rows_per_second: 0, eta_seconds: 0, unmapped_columns: ['with_comment'],
  });
  const second = await amanah(['import', JRDQ, '--campaign', 'jrdq', ...GDQ_ARGS]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /imported 0, duplicates skipped 1,192, rejected 0/);
  const campaign = await withDatabase((database) => findCampaign(database, 'jrdq'));
  assert.deepEqual([campaign!.raised_minor, campaign!.donation_count], [2580033n, 1192n]);
  const verify = await amanah(['verify']);
  assert.equal(verify.code, 0, verify.stderr);
});

test('rows from stdin import, and rejects go to the --rejects file as CSV with line, original line and reason', async () => {
  // Proves `-` for stdin, NDJSON by --format, and the rejects file's format.
  const rejectsPath = join(scratch, 'rejects.csv');
  const input = '{"amount":"1.50","donor_name":"A"}\n{"amount":"x"}\n\n{"amount":"2.50","donor_name":"Quote \\"Q\\", Esq."}\n{"amount":2.5,"donor_name":"=1+1"}\n';
  const result = await amanah(['import', '-', '--campaign', 'small', '--currency', 'USD', '--format', 'ndjson', '--rejects', rejectsPath], input);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /imported 3, duplicates skipped 0, rejected 1/);
  const rejects = readFileSync(rejectsPath, 'utf8');
  assert.equal(rejects, 'line,original_line,reason\r\n2,"{""amount"":""x""}","amount: amount ""x"" is not a decimal number: use digits with an optional ""."" and at most 2 decimals, e.g. ""150000.50"""\r\n');
  const campaign = await withDatabase((database) => findCampaign(database, 'small'));
  assert.equal(campaign!.raised_minor, 650n);
});

test('usage mistakes exit 2 with the usage, and problems with the import exit 1 with the reason', async () => {
  // Proves the command's error handling: nothing is imported when the request is wrong.
  const noFile = await amanah(['import', '--campaign', 'jrdq']);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /give one file/);
  const badMap = await amanah(['import', JRDQ, '--campaign', 'jrdq', '--map', 'donor=donator']);
  assert.equal(badMap.code, 2);
  assert.match(badMap.stderr, /unknown target "donor"/);
  const badColumn = await amanah(['import', JRDQ, '--campaign', 'jrdq', '--currency', 'USD', '--map', 'donor_name=who']);
  assert.equal(badColumn.code, 1);
  assert.match(badColumn.stderr, /no column "who"/);
  const noCampaign = await amanah(['import', JRDQ, '--campaign', 'nope', ...GDQ_ARGS]);
  assert.equal(noCampaign.code, 1);
  assert.match(noCampaign.stderr, /no campaign with id or slug "nope"/);
  const file = join(scratch, 'bad.csv');
  writeFileSync(file, 'amount\n1\n');
  const noCurrency = await amanah(['import', file, '--campaign', 'small']);
  assert.equal(noCurrency.code, 1);
  assert.match(noCurrency.stderr, /no currency column/);
});
