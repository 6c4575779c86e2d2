// The rejects file: CSV (RFC 4180) with the line number, the original line as it was in the file, and the
// reason, one row per rejected record, in line order. The same format is written by the CLI (--rejects FILE)
// and served by GET /api/imports/:id/rejects.
//
// The original line is written unchanged, not defused against spreadsheet formulas (a leading "=" kept as
// is): the file's purpose is to be corrected and imported again, and a changed line would import differently.
import type { Reject } from './queries.ts';

export const REJECTS_HEADER = 'line,original_line,reason\r\n';

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

export function rejectCsvLine(reject: Pick<Reject, 'line' | 'raw' | 'reason'>): string {
  return `${reject.line},${quoted(reject.raw)},${quoted(reject.reason)}\r\n`;
}
