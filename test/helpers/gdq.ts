// Where the real GDQ donations are: the project's own copy in `datasets/gdq` (CC0; its README has the totals).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { parseAmount } from '../../src/money/index.ts';
import { textProblem } from '../../src/text/text.ts';

export const GDQ_DIRECTORY = fileURLToPath(new URL('../../datasets/gdq/', import.meta.url));

/**
 * The rows of a GDQ file that amanah's text rules refuse (src/text/text.ts), counted independently of the import:
 * a handful of donator names hold C1 control characters (U+009A, U+008E, U+008A: Windows-1252 letters that were
 * decoded as Latin-1 upstream, "Tomá\u009a" for "Tomáš") or DEL. The import rejects them with the reason, so a
 * file's imported rows and cents are its README figures less these.
 */
export function gdqTextRejects(file: string): { rows: bigint; cents: bigint } {
  const records = parse(readFileSync(`${GDQ_DIRECTORY}${file}`), { columns: true, bom: true }) as Record<string, string>[];
  let rows = 0n;
  let cents = 0n;
  for (const record of records) {
    if ([record.donator, record.date, record.amount].some((cell) => cell !== undefined && textProblem(cell) !== undefined)) {
      rows += 1n;
      cents += parseAmount(record.amount!, 'USD');
    }
  }
  return { rows, cents };
}
