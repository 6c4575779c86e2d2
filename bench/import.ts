// Bulk import: `amanah import` of 1,000,000 generated donations (a child process, as a user runs it, its peak
// RSS measured by /usr/bin/time), next to the physical limit measured in the same run: raw COPY of the same
// donation rows (same keys, amounts, dates, fingerprints, donor names, import id) into the same donations table
// with the same indexes, in one stream. Also: the write paths compared (COPY straight into the table, COPY into
// a staging table, unnest arrays; one writer to three), the naive path users have today (one transaction per
// row, measured on a sample and extrapolated), and the 17 GDQ files, one campaign each, every total and count
// checked against that README.
//
// Every phase starts from empty donation tables and a checkpoint, so no phase pays for another's WAL.
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { BenchContext, BenchResult } from './run.ts';
import type { Database } from '../src/db/database.ts';
import { findCampaign, findTotalsMismatches, insertCampaign, type CampaignRow } from '../src/campaigns/queries.ts';
import { changeStatus, donorOf, insertDonation } from '../src/donations/queries.ts';
import { checkImport, IMPORT_BATCH_ROWS_DEFAULT, runImport, startRun, type ImportRequest, type ImportSummary } from '../src/imports/pipeline.ts';
import { csvFieldReader, parseMapSpec, type FieldReader } from '../src/imports/mapping.ts';
import { readRecords } from '../src/imports/parse.ts';
import { prepareRow, type PreparedRow } from '../src/imports/validate.ts';
import { OccurrenceCounter } from '../src/imports/keys.ts';
import type { WriteMethod } from '../src/imports/writer.ts';
import { DONATION_COPY_COLUMNS, donationCopyLines } from '../src/imports/queries.ts';
import { fileURLToPath } from 'node:url';
import { gdqTextRejects } from '../test/helpers/gdq.ts';

export const name = 'import';

const ROWS = 1_000_000;
const QUICK_ROWS = 50_000;
/** Rows the naive path writes; its rate is extrapolated to the full file. */
const NAIVE_SAMPLE_ROWS = 5_000;
const QUICK_NAIVE_SAMPLE_ROWS = 500;
/** Rows for each write-path variant compared in-process. */
const COMPARE_ROWS = 200_000;
const QUICK_COMPARE_ROWS = 20_000;
/** The real data: the project's own copy (datasets/gdq, CC0). */
const GDQ_DIRECTORY = fileURLToPath(new URL('../datasets/gdq', import.meta.url));
const GDQ_MAP = 'donor_name=donator,donated_at=date';
const TIME_BINARY = '/usr/bin/time';
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

interface Generated {
  path: string;
  rows: number;
  totalMinor: bigint;
}

/** Writes `rows` GDQ-shaped rows (a third anonymous, names with commas, two-decimal USD) and sums them exactly. */
async function generate(path: string, rows: number): Promise<Generated> {
  const out = createWriteStream(path);
  out.write('"donator","date","amount","with_comment"\n');
  let totalMinor = 0n;
  let chunk = '';
  for (let index = 0; index < rows; index += 1) {
    const cents = 100 + (index % 50_000) * 7 % 99_900;
    totalMinor += BigInt(cents);
    const donor = index % 3 === 0 ? '(Anonymous)' : `Donor, number ${index % 20_000}`;
    const second = index % 86_400;
    const time = `${String(Math.floor(second / 3600)).padStart(2, '0')}:${String(Math.floor(second / 60) % 60).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`;
    chunk += `"${donor}","2017-01-${String(1 + (index % 9)).padStart(2, '0')}T${time}Z",${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},TRUE\n`;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return { path, rows, totalMinor };
}

/** Empties everything imports write, resets the identities, and checkpoints, so each phase starts alike. */
async function reset(database: Database): Promise<CampaignRow> {
  await database.query('truncate donations, donation_status_changes, campaign_donors, donors, import_rejects, imports, campaigns restart identity cascade');
  await database.query('checkpoint');
  return insertCampaign(database, {
    slug: 'bench-import', name: 'Import benchmark', description: '', fund: 'general', currency: 'USD', goalMinor: null,
    status: 'active', startsAt: null, endsAt: null,
  });
}

async function checkTotals(database: Database, slug: string, rows: number, totalMinor: bigint, label: string): Promise<void> {
  const campaign = (await findCampaign(database, slug))!;
  if (campaign.raised_minor !== totalMinor || campaign.donation_count !== BigInt(rows)) {
    throw new Error(`${label}: campaign ${slug} has ${campaign.raised_minor} in ${campaign.donation_count} donations; expected ${totalMinor} in ${rows}`);
  }
  const mismatches = await findTotalsMismatches(database);
  if (mismatches.length > 0) throw new Error(`${label}: amanah verify would fail: ${JSON.stringify(mismatches, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))}`);
}

interface ChildImport {
  importSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
  summary: Record<string, unknown>;
}

/** Runs `amanah import` in a child process under /usr/bin/time; the import's own clock and the wall clock. */
async function importInChild(context: BenchContext, file: string, rssPath: string): Promise<ChildImport> {
  const args = ['src/cli/main.ts', 'import', file, '--campaign', 'bench-import', '--currency', 'USD', '--map', GDQ_MAP, '--progress', 'json'];
  const timed = existsSync(TIME_BINARY);
  const command = timed ? TIME_BINARY : process.execPath;
  const child = spawn(command, timed ? ['-f', '%M', '-o', rssPath, process.execPath, ...args] : args, {
    cwd: context.repositoryDirectory, env: { ...process.env, DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-20_000); });
  child.stdout.resume();
  const started = performance.now();
  const [code] = await once(child, 'close') as [number | null];
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`amanah import exited ${code}: ${stderr.slice(-2000)}`);
  const summary = stderr.split('\n').filter((line) => line.startsWith('{"event":"summary"')).map((line) => JSON.parse(line) as Record<string, unknown>)[0];
  if (!summary) throw new Error(`no summary line from amanah import: ${stderr.slice(-2000)}`);
  const peakRssMb = timed ? Number(readFileSync(rssPath, 'utf8').trim().split('\n').at(-1)) / 1024 : Number.NaN;
  return { importSeconds: Number(summary.seconds), wallSeconds, peakRssMb, summary };
}

/** The rows the import writes, prepared exactly as the pipeline prepares them (untimed), for the references. */
async function preparedRows(file: string, campaign: CampaignRow, each: (row: PreparedRow, index: number) => Promise<void> | void): Promise<void> {
  let reader: FieldReader | undefined;
  let ordinal = 0;
  const context = { campaign, campaigns: new Map(), currency: 'USD', now: new Date(), occurrences: new OccurrenceCounter() };
  for await (const records of readRecords(createReadStream(file, { highWaterMark: 1 << 18 }), 'csv', { bytesRead: 0 })) {
    for (const record of records) {
      if (reader === undefined) {
        reader = csvFieldReader(record.cells!, parseMapSpec(GDQ_MAP), undefined);
        continue;
      }
      ordinal += 1;
      const row = prepareRow(record, reader.read(record) as Record<string, string>, context);
      if (typeof row === 'string') throw new Error(`generated row ${ordinal} was rejected: ${row}`);
      await each(row, ordinal - 1);
    }
  }
}

/** Renders the COPY text of the donation rows the import writes (DONATION_COPY_COLUMNS order). */
async function renderCopyFile(directory: string, file: string, campaign: CampaignRow): Promise<string> {
  const path = join(directory, 'donations.copy');
  const stream = createWriteStream(path);
  let buffer = '';
  await preparedRows(file, campaign, async (row) => {
    buffer += donationCopyLines([row], [null], 'approved', REFERENCE_IMPORT_ID, '');
    if (buffer.length >= 1 << 16) {
      if (!stream.write(buffer)) await once(stream, 'drain');
      buffer = '';
    }
  });
  stream.end(buffer);
  await once(stream, 'finish');
  return path;
}

async function copyFile(context: BenchContext, table: string, path: string): Promise<void> {
  await context.database.withClient(async (client) => {
    // One COPY of a million rows runs past the pool's statement timeout, which guards requests, not this.
    await client.query('begin');
    await client.query('set local statement_timeout = 0');
    await pipeline(createReadStream(path, { highWaterMark: 1 << 18 }), client.query(copyFrom(`copy ${table} from stdin`)));
    await client.query('commit');
  });
}

/** The import id the reference's rows name (donations.import_id has no foreign key: migration 0002). */
const REFERENCE_IMPORT_ID = 1n;

/** Raw COPY of the donation rows, in one stream, into the same table with the same indexes. */
async function referenceCopy(context: BenchContext, generated: Generated, path: string): Promise<number> {
  const campaign = await reset(context.database);
  const started = performance.now();
  await copyFile(context, `donations (${DONATION_COPY_COLUMNS})`, path);
  const seconds = (performance.now() - started) / 1000;
  const { rows: counted } = await context.database.query<{ count: bigint }>('select count(*) as count from donations where campaign_id = $1', [campaign.id]);
  const count = counted[0]!.count;
  if (count !== BigInt(generated.rows)) throw new Error(`raw COPY wrote ${count} rows, not ${generated.rows}`);
  return seconds;
}

function importRequest(overrides: Partial<ImportRequest>): ImportRequest {
  return {
    campaign: 'bench-import', currency: 'USD', map: parseMapSpec(GDQ_MAP), status: 'approved', keyColumn: undefined,
    format: 'csv', batchRows: IMPORT_BATCH_ROWS_DEFAULT, actor: 'bench', sourceName: 'bench.csv', bytesTotal: null, writeMethod: 'copy',
    writers: 2, options: {}, ...overrides,
  };
}

async function importInProcess(database: Database, path: string, overrides: Partial<ImportRequest>): Promise<ImportSummary> {
  const checked = await checkImport(database, importRequest({ bytesTotal: statSync(path).size, ...overrides }));
  return runImport(database, createReadStream(path, { highWaterMark: 1 << 18 }), checked, await startRun(database, checked));
}

/** The write paths side by side on the same smaller file, in this process: rows/s of each. */
async function compareWritePaths(context: BenchContext, generated: Generated): Promise<Record<string, number>> {
  const variants: { label: string; writeMethod: WriteMethod; writers: number; batchRows: number }[] = [
    { label: 'copy_1_writer', writeMethod: 'copy', writers: 1, batchRows: 5_000 },
    { label: 'staging_1_writer', writeMethod: 'staging', writers: 1, batchRows: 5_000 },
    { label: 'unnest_1_writer', writeMethod: 'unnest', writers: 1, batchRows: 5_000 },
    { label: 'copy_2_writers', writeMethod: 'copy', writers: 2, batchRows: 5_000 },
    { label: 'staging_2_writers', writeMethod: 'staging', writers: 2, batchRows: 5_000 },
    { label: 'unnest_2_writers', writeMethod: 'unnest', writers: 2, batchRows: 5_000 },
    { label: 'copy_3_writers', writeMethod: 'copy', writers: 3, batchRows: 5_000 },
    { label: 'copy_2_writers_batch_2000', writeMethod: 'copy', writers: 2, batchRows: 2_000 },
    { label: 'copy_2_writers_batch_10000', writeMethod: 'copy', writers: 2, batchRows: 10_000 },
  ];
  const figures: Record<string, number> = {};
  for (const variant of variants) {
    if (context.signal.aborted) break;
    await reset(context.database);
    const summary = await importInProcess(context.database, generated.path, variant);
    await checkTotals(context.database, 'bench-import', generated.rows, generated.totalMinor, variant.label);
    figures[`compare_${variant.label}_rows_per_second`] = Math.round(summary.imported / summary.seconds);
    context.log(`${variant.label}: ${whole.format(summary.imported / summary.seconds)} rows/s`);
  }
  return figures;
}

/**
 * The naive path: each row in its own transaction, with the same statements the API and an approval send
 * (a donor, a pending donation, then changeStatus to approved). Measured on a sample; one fsync per row is
 * what bounds it, so the rate holds for a larger file.
 */
async function naiveSample(context: BenchContext, generated: Generated, sampleRows: number): Promise<number> {
  const campaign = await reset(context.database);
  const sample: PreparedRow[] = [];
  await preparedRows(generated.path, campaign, (row) => { if (sample.length < sampleRows) sample.push(row); });
  const started = performance.now();
  for (const row of sample) {
    await context.database.transaction(async (tx) => {
      const donor = await donorOf(tx, { displayName: row.donorName, email: null, anonymous: row.anonymous });
      const id = await insertDonation(tx, {
        campaignId: campaign.id, donor, amountMinor: row.amountMinor, currency: 'USD', status: 'pending', source: 'import',
        idempotencyKey: row.key, requestSha256: Buffer.from(row.requestSha256Hex, 'hex'), externalRef: null, donatedAt: new Date(row.donatedAt!),
      });
      await changeStatus(tx, { ids: [id!], from: 'pending', to: 'approved', actor: 'bench', reason: null });
    });
  }
  return (performance.now() - started) / 1000;
}

interface GdqOutcome { files: number; rows: number; seconds: number }

/** Every GDQ file into a campaign of its own, one after another; each total and count checked to the cent. */
async function importGdq(context: BenchContext): Promise<GdqOutcome> {
  await reset(context.database);
  const readme = readFileSync(join(GDQ_DIRECTORY, 'README.md'), 'utf8');
  // Each file's README figures less the rows whose donor names the text rules refuse (upstream mojibake, rejected).
  const files = [...readme.matchAll(/^\| (\S+\.csv) \| (\d+) \| (\d+) \|$/gm)].map((match) => {
    const refused = gdqTextRejects(match[1]!);
    return { file: match[1]!, rows: Number(match[2]) - Number(refused.rows), cents: BigInt(match[3]!) - refused.cents, refused: Number(refused.rows) };
  });
  if (files.length !== 17) throw new Error(`the GDQ README lists ${files.length} files, not 17`);
  let rows = 0;
  const started = performance.now();
  for (const [index, expected] of files.entries()) {
    const slug = `gdq-${index}`;
    await insertCampaign(context.database, { slug, name: expected.file, description: '', fund: 'general', currency: 'USD', goalMinor: null, status: 'active', startsAt: null, endsAt: null });
    const summary = await importInProcess(context.database, join(GDQ_DIRECTORY, expected.file), { campaign: slug, sourceName: expected.file });
    if (summary.rejected !== expected.refused) throw new Error(`${expected.file}: ${summary.rejected} rows rejected, not ${expected.refused}`);
    rows += summary.imported;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const [index, expected] of files.entries()) await checkTotals(context.database, `gdq-${index}`, expected.rows, expected.cents, expected.file);
  return { files: files.length, rows, seconds };
}

function postgresSettings(context: BenchContext): string {
  try {
    return execFileSync('psql', [context.databaseUrl, '-Atc', "select string_agg(name || '=' || setting, ' ') from pg_settings where name in ('shared_buffers', 'max_wal_size', 'synchronous_commit', 'wal_level')"], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const rows = context.integerOption('rows', context.quick ? QUICK_ROWS : ROWS, 1_000, 20_000_000);
  const naiveRows = context.integerOption('naive-rows', context.quick ? QUICK_NAIVE_SAMPLE_ROWS : NAIVE_SAMPLE_ROWS, 100, 100_000);
  const compareRows = context.integerOption('compare-rows', context.quick ? QUICK_COMPARE_ROWS : COMPARE_ROWS, 1_000, 5_000_000);
  const directory = mkdtempSync(join(tmpdir(), 'amanah-bench-import-'));
  try {
    context.log(`generating ${whole.format(rows)} rows`);
    const generated = await generate(join(directory, 'donations.csv'), rows);
    const compared = await generate(join(directory, 'compare.csv'), compareRows);

    context.log('rendering the rows for raw COPY, as the pipeline prepares them (untimed)');
    const copyPath = await renderCopyFile(directory, generated.path, await reset(context.database));
    // The reference is measured before and after the import and averaged, so a machine whose load drifts
    // during the run does not favour either side.
    context.log('raw COPY of the donation rows (1 of 2)');
    const copyBefore = await referenceCopy(context, generated, copyPath);
    context.log('amanah import in a child process');
    await reset(context.database);
    const child = await importInChild(context, generated.path, join(directory, 'rss.txt'));
    await checkTotals(context.database, 'bench-import', rows, generated.totalMinor, 'amanah import');
    context.log(`imported in ${child.importSeconds.toFixed(1)} s (${whole.format(rows / child.importSeconds)} rows/s), peak RSS ${child.peakRssMb.toFixed(0)} MB`);
    context.log('raw COPY of the donation rows (2 of 2)');
    const copyAfter = await referenceCopy(context, generated, copyPath);
    const copySeconds = (copyBefore + copyAfter) / 2;
    context.log(`raw COPY: ${copyBefore.toFixed(1)} s and ${copyAfter.toFixed(1)} s`);

    context.log(`write paths compared on ${whole.format(compareRows)} rows`);
    const comparison = await compareWritePaths(context, compared);
    context.log(`naive path on ${whole.format(naiveRows)} rows`);
    const naiveSeconds = await naiveSample(context, generated, naiveRows);
    context.log('the 17 GDQ files');
    const gdq = await importGdq(context);
    if (context.signal.aborted) throw new Error('stopped before the end');
    return result({ rows, child, copySeconds, copyRuns: [copyBefore, copyAfter], comparison, naiveRows, naiveSeconds, gdq, settings: postgresSettings(context) });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

interface Measured {
  rows: number;
  child: ChildImport;
  copySeconds: number;
  copyRuns: number[];
  comparison: Record<string, number>;
  naiveRows: number;
  naiveSeconds: number;
  gdq: GdqOutcome;
  settings: string;
}

function result(measured: Measured): BenchResult {
  const { rows, child, copySeconds, naiveRows, naiveSeconds, gdq } = measured;
  const importRate = rows / child.importSeconds;
  const copyRate = rows / copySeconds;
  const naiveRate = naiveRows / naiveSeconds;
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return {
    name,
    workload: `amanah import of ${whole.format(rows)} rows: ${whole.format(importRate)} rows/s (${child.importSeconds.toFixed(1)} s), peak RSS ${child.peakRssMb.toFixed(0)} MB`,
    reference: `raw COPY of the same donation rows: ${whole.format(copyRate)} rows/s (${copySeconds.toFixed(1)} s)`,
    ratio: round(importRate / copyRate, 3),
    target: 0.8,
    figures: {
      rows,
      import_seconds: round(child.importSeconds, 2),
      import_wall_seconds_with_process_start: round(child.wallSeconds, 2),
      import_rows_per_second: Math.round(importRate),
      import_peak_rss_mb: round(child.peakRssMb, 1),
      peak_rss_target_mb: 256,
      copy_donations_seconds: round(copySeconds, 2),
      copy_donations_runs_seconds: measured.copyRuns.map((seconds) => seconds.toFixed(2)).join(' and '),
      copy_donations_rows_per_second: Math.round(copyRate),
      ...measured.comparison,
      naive_sample_rows: naiveRows,
      naive_sample_seconds: round(naiveSeconds, 2),
      naive_rows_per_second: Math.round(naiveRate),
      naive_extrapolated_seconds_for_all_rows: Math.round(rows / naiveRate),
      import_speedup_over_naive: round(importRate / naiveRate, 1),
      gdq_files: gdq.files,
      gdq_rows: gdq.rows,
      gdq_seconds: round(gdq.seconds, 2),
      gdq_rows_per_second: Math.round(gdq.rows / gdq.seconds),
      gdq_totals_equal_readme: 'yes, all 17 to the cent, counts equal',
      postgres_settings: measured.settings,
    },
    notes: 'ratio = import rows/s (the import\'s own clock, first byte to last commit) ÷ raw COPY rows/s of the same donation rows '
      + 'into the same table and indexes (one COPY stream, run before and after the import, mean taken). The import also parses, validates and '
      + 'keys every row, moves the campaign totals and the run\'s counters in each batch\'s transaction. '
      + `The naive path (one transaction per row: a pending donation, then its approval) was measured on ${whole.format(naiveRows)} rows and extrapolated.`,
  };
}
