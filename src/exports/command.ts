// `amanah export`: the donations export to a file or stdout. A regular file is written under a temporary name
// and renamed when complete, so a failed export never leaves a complete-looking partial file behind.
import { accessSync, constants, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { isAppError } from '../errors.ts';
import { resolveExportFilter, writeDonationsCsv, type ExportResult } from './exports.ts';

export const exportCommand = {
  summary: 'Export donations as CSV (RFC 4180, UTF-8), streamed, filtered by campaign, status and date',
  usage: 'amanah export [--campaign ID|SLUG] [--status pending|approved|rejected|refunded] [--from DATE] [--to DATE] [--bom] [--output FILE|-] [--json]',
  options: {
    help: { type: 'boolean', short: 'h' },
    campaign: { type: 'string' },
    status: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    bom: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  } as const,
  async run(config: Config, values: Record<string, unknown>): Promise<number> {
    const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
    const output = text('output') ?? '-';
    // Before the database is opened: a folder that is not there is one line naming the file, not a stack trace
    // naming the temporary file the export writes first.
    const unwritable = output === '-' ? undefined : unwritableReason(output);
    if (unwritable !== undefined) {
      console.error(`amanah export: cannot write ${output}: ${unwritable}`);
      return 1;
    }
    const database = await openDatabase(config.database);
    try {
      await migrate(database);
      const filter = await resolveExportFilter(database, { campaign: text('campaign'), status: text('status'), from: text('from'), to: text('to') });
      const options = { bom: values.bom === true };
      const result = output === '-'
        ? await writeDonationsCsv(database, filter, options, process.stdout as Writable)
        : await writeFile(output, (destination) => writeDonationsCsv(database, filter, options, destination));
      const where = output === '-' ? 'stdout' : output;
      console.error(values.json === true ? JSON.stringify({ rows: result.rows, output: where }) : `exported ${result.rows} donations to ${where}`);
      return 0;
    } catch (error) {
      if (!isAppError(error)) throw error;
      console.error(`amanah export: ${error.message}`);
      return 2;
    } finally {
      await database.close();
    }
  },
};

/** Why `path` cannot be written (its folder is missing, not a folder, or not writable), or undefined. */
function unwritableReason(path: string): string | undefined {
  const folder = dirname(resolve(path));
  const stat = statSync(folder, { throwIfNoEntry: false });
  if (stat === undefined) return `the folder ${folder} does not exist`;
  if (!stat.isDirectory()) return `${folder} is not a folder`;
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    return `the folder ${folder} is not writable`;
  }
  return undefined;
}

async function writeFile(path: string, write: (destination: Writable) => Promise<ExportResult>): Promise<ExportResult> {
  // A device or pipe (/dev/null, a named pipe) is written as it is: renaming a file over it would replace it.
  const existing = statSync(path, { throwIfNoEntry: false });
  if (existing !== undefined && !existing.isFile()) return write(createWriteStream(path));
  const partial = `${path}.partial-${process.pid}`;
  try {
    const result = await write(createWriteStream(partial, { flags: 'wx' }));
    renameSync(partial, path);
    return result;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
