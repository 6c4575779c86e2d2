// Proves the CLI's conventions through real child processes: --version, --json on every command that prints
// results, exit codes 0/1/2 the same for every command with errors on stderr, "did you mean" for a near miss,
// one line for an export to a folder that is not there and for a PostgreSQL that cannot be reached, a progress
// bar that fits 60 columns; and that README's CLI table, each command's usage and its flags agree.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { loadCommands } from '../../src/cli/main.ts';
import { barLine } from '../../src/imports/progress.ts';

const REPOSITORY = join(import.meta.dirname, '../..');
const CLI = join(REPOSITORY, 'src/cli/main.ts');

test('README\'s CLI table, each command\'s usage and its flags agree', async () => {
  const readme = readFileSync(join(REPOSITORY, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('## CLI'), readme.indexOf('\n## ', readme.indexOf('## CLI') + 1));
  const rows = table.split('\n').filter((line) => line.startsWith('| `amanah '));
  for (const [name, command] of await loadCommands()) {
    const own = rows.filter((row) => row.startsWith(`| \`amanah ${name} `) || row.startsWith(`| \`amanah ${name}\``));
    assert.ok(own.length > 0, `README has no row for amanah ${name}`);
    for (const flag of Object.keys(command.options).filter((option) => option !== 'help')) {
      assert.ok(own.some((row) => row.includes(`--${flag}`)), `README's row for ${name} lacks --${flag}`);
      assert.ok(command.usage.includes(`--${flag}`), `the usage of ${name} lacks --${flag}`);
    }
  }
  const named = new Set(rows.map((row) => /^\| `amanah ([a-z-]+)/.exec(row)![1]));
  assert.deepEqual([...named].sort(), (await loadCommands()).map(([name]) => name).sort());
});

test('a progress line fits the terminal: at 60 columns, and at 20', () => {
  for (const columns of [60, 20, 200]) {
    for (const progress of [
      { importId: 1n, rowsRead: 12_345_678, imported: 1, duplicates: 0, rejected: 12_345, bytesRead: 500, bytesTotal: 1000, seconds: 10 },
      { importId: 1n, rowsRead: 5, imported: 5, duplicates: 0, rejected: 0, bytesRead: 5, bytesTotal: null, seconds: 1 },
    ]) {
      const line = barLine(progress, columns);
      assert.ok(line.length <= columns - 1, `${line.length} > ${columns - 1}: ${line}`);
    }
  }
  assert.match(barLine({ importId: 1n, rowsRead: 10, imported: 10, duplicates: 0, rejected: 0, bytesRead: 50, bytesTotal: 100, seconds: 1 }, 80), /^\[#+\.+\] +50% /);
});

describe('the amanah command', () => {
  let target: TestDatabase | undefined;
  let scratch = '';
  let env: Record<string, string | undefined> = {};

  before(async () => {
    const probe = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'amanah-conventions-'));
    env = { ...process.env, LOG_LEVEL: 'silent' };
    if (probe.url) {
      target = probe;
      env.DATABASE_URL = probe.url;
    } else {
      await probe.drop();
      env.AMANAH_DATA_DIR = join(scratch, 'data');
      delete env.DATABASE_URL;
    }
  });
  after(async () => {
    await target?.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const run = (args: string[], extra: Record<string, string | undefined> = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000, input: '' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  test('--version prints the package version and exits 0', () => {
    const version = (JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')) as { version: string }).version;
    const result = run(['--version']);
    assert.deepEqual([result.code, result.stdout.trim(), result.stderr], [0, `amanah ${version}`, '']);
  });

  test('usage mistakes exit 2 on stderr, with "did you mean" for a near miss', () => {
    const cases: [string[], RegExp][] = [
      [['imprt'], /^amanah: unknown command "imprt"; did you mean import\?/],
      [['verify', '--jsno'], /^amanah verify: unknown option --jsno; did you mean --json\?\nusage: amanah verify/],
      [['import', 'x.csv', '--campain', 'a'], /^amanah import: unknown option --campain; did you mean --campaign\?/],
      [['export', '--frobnicate'], /^amanah export: unknown option --frobnicate\nusage: /],
      [['token', 'mint'], /^amanah token: token: the subcommands are "create" and "revoke"/],
      [[], /Commands:/],
    ];
    for (const [args, message] of cases) {
      const result = run(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
      assert.match(result.stderr, message);
    }
  });

  test('every command that prints results prints one JSON object with --json', { timeout: 300_000 }, () => {
    const parse = (text: string) => JSON.parse(text.trim()) as Record<string, unknown>;
    assert.ok(Array.isArray(parse(run(['migrate', '--json']).stdout).applied));
    assert.equal(typeof parse(run(['seed', '--json']).stdout).campaigns, 'number');
    assert.equal(parse(run(['verify', '--json']).stdout).ok, true);
    const created = parse(run(['token', 'create', '--role', 'staff', '--json']).stdout);
    assert.match(String(created.token), /^amanah_[0-9]+_/);
    assert.deepEqual(parse(run(['token', 'revoke', String(created.id), '--json']).stdout), { id: created.id, revoked: true });
    const csv = join(scratch, 'rows.csv');
    writeFileSync(csv, 'amount,donor_name\n10,Ali\n');
    const imported = run(['import', csv, '--campaign', 'masjid-waqf', '--currency', 'USD', '--json', '--progress', 'json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(parse(imported.stdout).imported, 1);
    const exported = run(['export', '--output', join(scratch, 'out.csv'), '--json']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(Number(parse(exported.stderr).rows) >= 1);
    assert.equal(typeof parse(run(['zakat', '--currency', 'IDR', '--basis', 'gold', '--gold-price', '1000000', '--cash', '100000000', '--hawl', '--json']).stdout).zakat, 'string');
    const payments = run(['verify-payments', '--json'], { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9' });
    assert.equal(payments.code, 0, payments.stderr);
    assert.equal(typeof parse(payments.stdout).verified, 'number');
  });

  test('an import of a file that is not there fails with one line, exit 1', () => {
    const result = run(['import', '/no/such/file.csv', '--campaign', 'x', '--currency', 'USD']);
    assert.deepEqual([result.code, result.stdout, result.stderr], [1, '', 'amanah import: cannot read /no/such/file.csv (ENOENT)\n']);
  });

  test('an export to a folder that is not there fails with one line naming the file', () => {
    const result = run(['export', '--output', '/no/such/dir/x.csv']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'amanah export: cannot write /no/such/dir/x.csv: the folder /no/such/dir does not exist\n');
  });

  test('a PostgreSQL that cannot be reached is one line naming DATABASE_URL, its password hidden', () => {
    const result = run(['verify'], { DATABASE_URL: 'postgres://amanah:secret@127.0.0.1:1/amanah', AMANAH_DATA_DIR: undefined });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^amanah verify: cannot reach the database at DATABASE_URL=postgres:\/\/amanah:\*\*\*@127\.0\.0\.1:1\/amanah /);
    assert.doesNotMatch(result.stderr, /secret/);
  });
});
