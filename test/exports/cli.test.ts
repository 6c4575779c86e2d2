// `amanah export` as a user runs it: a child process writing a file or stdout, with filters and the BOM flag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/database.ts';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

async function seed(database: Database): Promise<void> {
  await database.query(`insert into campaigns (slug, name, fund, currency, status) values ('alpha', 'Alpha', 'zakat', 'IDR', 'active'), ('beta', 'Beta', 'infaq', 'KWD', 'active')`);
  await database.query(`insert into donors (display_name, anonymous) values ('=HYPERLINK("http://x")', false), ('Secret', true)`);
  await database.query(
    `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256, donated_at)
     select case when g % 2 = 0 then (select id from campaigns where slug = 'alpha') else (select id from campaigns where slug = 'beta') end,
            (select min(id) from donors) + g % 2, case when g % 2 = 0 then '=HYPERLINK("http://x")' else 'Secret' end, g % 2 = 1, 1000 * g, case when g % 2 = 0 then 'IDR' else 'KWD' end,
            case when g % 3 = 0 then 'pending' else 'approved' end, 'manual', 'cli-' || g, '\\x00',
            timestamptz '2025-03-01T00:00:00Z' + g * interval '6 hours'
       from generate_series(1, 20) g`);
}

describe('amanah export', () => {
  let target: TestDatabase | undefined;
  let directory: string;
  let env: Record<string, string>;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'amanah-export-'));
    const probe = await createTestDatabase();
    if (probe.url) {
      target = probe;
      env = { DATABASE_URL: probe.url };
      await seed(probe.database);
    } else {
      // PGlite in a data folder belongs to one process at a time: it is seeded and closed before the CLI runs.
      await probe.drop();
      const dataDirectory = join(directory, 'data');
      const database = await openPglite(dataDirectory);
      await migrate(database);
      await seed(database);
      await database.close();
      env = { AMANAH_DATA_DIR: dataDirectory };
    }
  });
  after(async () => {
    await target?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  const run = (...args: string[]) => {
    const environment: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', ...env };
    if (!env.DATABASE_URL) delete environment.DATABASE_URL;
    const result = spawnSync(process.execPath, [CLI, 'export', ...args], { env: environment, encoding: 'buffer', timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
  };

  test('--output FILE writes the filtered CSV; --output - writes the same bytes to stdout', () => {
    // Proves the CLI filters (campaign, status, date range) and both destinations.
    const file = join(directory, 'alpha.csv');
    const args = ['--campaign', 'alpha', '--status', 'approved', '--from', '2025-03-02', '--to', '2025-03-04T00:00:00Z'];
    const written = run(...args, '--output', file);
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /^exported 3 donations to /);
    const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    // donated_at is g × 6 hours after 2025-03-01, so [2025-03-02, 2025-03-04) is g = 4..11; alpha's are the even
    // g, approved those that are not multiples of 3: g = 4, 8, 10, amounts 10 × g.
    assert.deepEqual(rows.map((row) => row.amount), ['40.00', '80.00', '100.00']);
    assert.ok(rows.every((row) => row.campaign_slug === 'alpha' && row.status === 'approved' && row.source === 'manual'));
    assert.ok(rows.every((row) => row.donor_name === `'=HYPERLINK("http://x")`), 'the formula is neutralised');
    const printed = run(...args, '--output', '-');
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual(printed.stdout, readFileSync(file));
  });

  test('--bom starts the file with the byte order mark; anonymous donors are not named', () => {
    // Proves the BOM flag and that the export keeps an anonymous donor's name to itself.
    const printed = run('--campaign', 'beta', '--bom');
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual([...printed.stdout.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const rows = parse(printed.stdout.toString('utf8'), { columns: true, bom: true }) as Record<string, string>[];
    assert.equal(rows.length, 10);
    assert.ok(rows.every((row) => row.donor_name === '' && row.currency === 'KWD' && /^\d+\.\d{3}$/.test(row.amount!)));
  });

  test('bad flags exit 2 with a message and leave no file behind', () => {
    // Proves usage errors are reported as such and a failed export writes nothing.
    const file = join(directory, 'never.csv');
    for (const args of [['--campaign', 'nope'], ['--status', 'lost'], ['--from', 'yesterday'], ['--from', '2025-03-02', '--to', '2025-03-01']]) {
      const result = run(...args, '--output', file);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^amanah export: /);
      assert.equal(existsSync(file), false);
    }
    const help = run('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout.toString('utf8'), /^amanah export /);
  });
});
