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
    ? 'rows are imported as approved (the default: they count in the totals at once; --status pending leaves them for staff)'
    : `rows are imported as ${status} (staff approve them in the queue)`;
}

export function barProgress(output: Output): ProgressSink {
  let drawnAt = 0;
  const draw = (progress: ImportProgress) => {
    const fraction = progress.bytesTotal ? Math.min(1, progress.bytesRead / progress.bytesTotal) : null;
    const filled = fraction === null ? 0 : Math.round(fraction * BAR_WIDTH_CHARS);
    const bar = fraction === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH_CHARS - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
    const eta = etaSeconds(progress);
    output.write(`\r${bar}${count.format(progress.rowsRead)} rows, ${count.format(rowsPerSecond(progress))} rows/s` +
      `${eta === null ? '' : `, ETA ${clock(eta)}`}, ${count.format(progress.rejected)} rejected\x1b[K`);
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

export function jsonProgress(output: Output): ProgressSink {
  return {
    started(importId, sourceName, status) { output.write(`${JSON.stringify({ event: 'started', import_id: String(importId), source: sourceName, status })}\n`); },
    warning(message) { output.write(`${JSON.stringify({ event: 'warning', message })}\n`); },
    progress(progress) { output.write(`${JSON.stringify(progressJson('progress', progress))}\n`); },
    finished(summary) { output.write(`${JSON.stringify({ ...progressJson('summary', summary), unmapped_columns: summary.unmappedColumns ?? [] })}\n`); },
  };
}

export function silentProgress(): ProgressSink {
  return { started() {}, warning() {}, progress() {}, finished() {} };
}
