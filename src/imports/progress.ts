// Progress of an import on stderr: a redrawn bar with rows/s and ETA when stderr is a terminal, else one JSON
// line per committed batch (for logs and for programs driving the CLI), then a final summary either way.
import type { ImportProgress, ImportSummary } from './pipeline.ts';

/** The bar is redrawn at most this often; a batch commits every few tens of milliseconds. */
export const PROGRESS_REDRAW_MS_MIN = 100;
const BAR_WIDTH_CHARS = 30;

export interface ProgressSink {
  /** Before the first row: the run's id, and the status its rows get (said before it starts, so none is a surprise). */
  started(importId: bigint, sourceName: string, status: string): void;
  /** A column whose name suggests a field is not mapped. */
  warning(message: string): void;
  progress(progress: ImportProgress): void;
  finished(summary: ImportSummary): void;
}

interface Output {
  write(text: string): unknown;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Seconds left at the current byte rate, when the total size is known. */
export function etaSeconds(progress: ImportProgress): number | null {
  if (progress.bytesTotal === null || progress.bytesTotal <= 0 || progress.bytesRead <= 0 || progress.seconds <= 0) return null;
  const rate = progress.bytesRead / progress.seconds;
  return Math.max(0, (progress.bytesTotal - progress.bytesRead) / rate);
}

function rowsPerSecond(progress: ImportProgress): number {
  return progress.seconds > 0 ? progress.rowsRead / progress.seconds : 0;
}

function clock(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** One line a person reads at the end, whatever the output. */
export function summaryLine(summary: ImportSummary): string {
  const unmapped = summary.unmappedColumns?.length ? `; columns not imported: ${summary.unmappedColumns.join(', ')}` : '';
  return `import ${summary.importId}: imported ${count.format(summary.imported)}, duplicates skipped ${count.format(summary.duplicates)}, ` +
    `rejected ${count.format(summary.rejected)}, in ${summary.seconds.toFixed(1)} s (${count.format(summary.rowsPerSecond)} rows/s)${unmapped}`;
}

function statusNote(status: string): string {
  return status === 'approved'
    ? 'rows go in as approved (the default; --status pending leaves them for staff)'
    : `rows go in as ${status}, for staff to approve`;
}

/**
 * One line that fits `columns`: the counts first, then as wide a bar as is left (up to BAR_WIDTH_CHARS), cut to
 * the width if even the counts do not fit. A line longer than the terminal wraps, and "\r" then redraws only its
 * last part, so each redraw must fit to stay in place.
 */
export function barLine(progress: ImportProgress, columns: number): string {
  const fraction = progress.bytesTotal ? Math.min(1, progress.bytesRead / progress.bytesTotal) : null;
  const eta = etaSeconds(progress);
  const percent = fraction === null ? '' : `${(fraction * 100).toFixed(0).padStart(3)}% `;
  const counts = `${count.format(progress.rowsRead)} rows, ${count.format(rowsPerSecond(progress))} rows/s` +
    `${eta === null ? '' : `, ETA ${clock(eta)}`}, ${count.format(progress.rejected)} rejected`;
  const room = columns - 1 - percent.length - counts.length - 3;
  const width = fraction === null ? 0 : Math.min(BAR_WIDTH_CHARS, room);
  const filled = Math.round((fraction ?? 0) * Math.max(width, 0));
  const bar = width >= BAR_WIDTH_CHARS_MIN ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
  return `${bar}${percent}${counts}`.slice(0, Math.max(columns - 1, 1));
}

/** Fewer bar characters than this say nothing: the percentage alone is shown. */
const BAR_WIDTH_CHARS_MIN = 5;
const COLUMNS_DEFAULT = 80;

export function barProgress(output: Output & { columns?: number }): ProgressSink {
  let drawnAt = 0;
  const draw = (progress: ImportProgress) => {
    output.write(`\r${barLine(progress, output.columns ?? COLUMNS_DEFAULT)}\x1b[K`);
  };
  return {
    started(importId, sourceName, status) { output.write(`import ${importId}: ${sourceName}; ${statusNote(status)}\n`); },
    warning(message) { output.write(`\rwarning: ${message}\x1b[K\n`); },
    progress(progress) {
      const now = performance.now();
      if (now - drawnAt < PROGRESS_REDRAW_MS_MIN) return;
      drawnAt = now;
      draw(progress);
    },
    finished(summary) {
      draw(summary);
      output.write('\n');
    },
  };
}

function progressJson(event: string, progress: ImportProgress): Record<string, unknown> {
  const eta = etaSeconds(progress);
  return {
    event, import_id: String(progress.importId), rows: progress.rowsRead, imported: progress.imported,
    duplicates_skipped: progress.duplicates, rejected: progress.rejected, bytes: progress.bytesRead,
    bytes_total: progress.bytesTotal, seconds: Number(progress.seconds.toFixed(3)),
    rows_per_second: Math.round(rowsPerSecond(progress)), eta_seconds: eta === null ? null : Number(eta.toFixed(1)),
  };
}

/** The summary as the JSON progress stream ends with it, and as `amanah import --json` prints it. */
export function summaryJson(summary: ImportSummary): Record<string, unknown> {
  return { ...progressJson('summary', summary), unmapped_columns: summary.unmappedColumns ?? [] };
}

export function jsonProgress(output: Output): ProgressSink {
  return {
    started(importId, sourceName, status) { output.write(`${JSON.stringify({ event: 'started', import_id: String(importId), source: sourceName, status })}\n`); },
    warning(message) { output.write(`${JSON.stringify({ event: 'warning', message })}\n`); },
    progress(progress) { output.write(`${JSON.stringify(progressJson('progress', progress))}\n`); },
    finished(summary) { output.write(`${JSON.stringify(summaryJson(summary))}\n`); },
  };
}

export function silentProgress(): ProgressSink {
  return { started() {}, warning() {}, progress() {}, finished() {} };
}
