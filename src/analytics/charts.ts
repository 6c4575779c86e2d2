// Server-rendered SVG bar charts: no script, no build step. Every label is text escaped by `html`. The page draws
// the amount distribution with it, and the time series with it too until its script replaces them with uPlot charts
// (so the page still has its charts without JavaScript).
import { html, type SafeHtml } from '../http/html.ts';

export interface Bar {
  /** Axis label (shown for some bars when there are many). */
  label: string;
  value: bigint;
  /** Shown on hover: the exact figure. */
  tooltip: string;
}

const WIDTH_PX = 720;
const HEIGHT_PX = 240;
const MARGIN_LEFT_PX = 8;
const MARGIN_BOTTOM_PX = 36;
const MARGIN_TOP_PX = 20;
/** At most this many axis labels, so they never overlap. */
const AXIS_LABELS_MAX = 8;

/** The bar's height in whole pixels. Bigint arithmetic, then a small integer: display only, never money. */
function barHeight(value: bigint, max: bigint, plotHeight: number): number {
  if (max <= 0n || value <= 0n) return 0;
  return Math.max(1, Number((value * BigInt(plotHeight)) / max));
}

/**
 * An SVG bar chart of `bars` in order, without its figure: `title` names it for assistive technology, `maxLabel`
 * labels the tallest bar's value (already in the page's language), `emptyText` stands in when there are no bars.
 */
export function barChart(title: string, bars: readonly Bar[], maxLabel: string, emptyText: string): SafeHtml {
  if (bars.length === 0) return html`<p class="empty">${emptyText}</p>`;
  const plotHeight = HEIGHT_PX - MARGIN_BOTTOM_PX - MARGIN_TOP_PX;
  const slot = (WIDTH_PX - MARGIN_LEFT_PX) / bars.length;
  const barWidth = Math.max(1, slot * 0.8);
  const max = bars.reduce((highest, bar) => (bar.value > highest ? bar.value : highest), 0n);
  const labelEvery = Math.ceil(bars.length / AXIS_LABELS_MAX);
  const rects = bars.map((bar, index) => {
    const height = barHeight(bar.value, max, plotHeight);
    const x = (MARGIN_LEFT_PX + index * slot).toFixed(1);
    const y = MARGIN_TOP_PX + plotHeight - height;
    const label = index % labelEvery === 0
      ? html`<text x="${x}" y="${HEIGHT_PX - MARGIN_BOTTOM_PX + 14}" class="axis">${bar.label}</text>`
      : '';
    return html`<rect x="${x}" y="${y}" width="${barWidth.toFixed(1)}" height="${height}"><title>${bar.label}: ${bar.tooltip}</title></rect>${label}`;
  });
  return html`<svg viewBox="0 0 ${WIDTH_PX} ${HEIGHT_PX}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<text x="${MARGIN_LEFT_PX}" y="12" class="axis">${maxLabel}</text>
<line x1="${MARGIN_LEFT_PX}" y1="${MARGIN_TOP_PX + plotHeight}" x2="${WIDTH_PX}" y2="${MARGIN_TOP_PX + plotHeight}" class="base"/>
${rects}</svg>`;
}
