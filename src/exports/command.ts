// `amanah export`: the donations export to a file or stdout. A regular file is written under a temporary name
// and renamed when complete, so a failed export never leaves a complete-looking partial file behind.
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { isAppError } from '../errors.ts';
import { resolveExportFilter, writeDonationsCsv, type ExportResult } from './exports.ts';

export const exportCommand = {
  summary: 'Export donations as CSV (RFC 4180, UTF-8), streamed, filtered by campaign, status and date',
  usage: 'amanah export [--campaign ID|SLUG] [--status pending|approved|rejected|refunded] [--from DATE] [--to DATE] [--bom] [--output FILE|-]',
  options: {
    help: { type: 'boolean', short: 'h' },
    campaign: { type: 'string' },
    status: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    bom: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  } as const,
  async run(config: Config, values: Record<string, unknown>): Promise<number> {
    const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
    const output = text('output') ?? '-';
    const database = await openDatabase(config.database);
    try {
      await migrate(database);
      const filter = await resolveExportFilter(database, { campaign: text('campaign'), status: text('status'), from: text('from'), to: text('to') });
      const options = { bom: values.bom === true };
      const result = output === '-'
        ? await writeDonationsCsv(database, filter, options, process.stdout as Writable)
        : await writeFile(output, (destination) => writeDonationsCsv(database, filter, options, destination));
      console.error(`exported ${result.rows} donations to ${output === '-' ? 'stdout' : output}`);
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
