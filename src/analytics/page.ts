// The page at /campaigns/:id/analytics: a campaign's figures, its donations over time and the distribution of amounts,
// in Indonesian or English. Server-rendered from the same analytics the JSON endpoint returns, so it reads whole
// without JavaScript (figures, SVG charts, a table per day, a GET form for the range). Its script (client.js, served
// as a static file with uPlot's, nothing inline: the CSP allows scripts and styles from this origin only) then
// redraws the time series as uPlot charts in the viewer's time zone and reloads the data when the range changes.
import type { CampaignRow } from '../campaigns/queries.ts';
import { currencyExponent, formatDisplay, parseAmount } from '../money/index.ts';
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import { html, SafeHtml } from '../http/html.ts';
import { barChart, type Bar } from './charts.ts';
import { analyticsCatalogue, analyticsText, type AnalyticsKey } from './i18n.ts';
import type { CampaignAnalytics, SeriesPoint } from './analytics.ts';

/** The preset ranges the page offers, in days back from now; "all time" is the range without bounds. */
export const RANGE_PRESET_DAYS = [7, 30, 90] as const;
const DAY_MS = 24 * 3600 * 1000;

/** What one render needs: the language and the campaign's currency, passed down rather than held in a module. */
interface Render {
  locale: Locale;
  intlLocale: string;
  currency: string;
  timeZone: string;
  t(key: AnalyticsKey, values?: Record<string, string | number>): string;
  /** A decimal string in major units formatted for the viewer, exactly (formatDisplay never makes it a Number). */
  money(amount: string | null): string;
}

function render(locale: Locale, currency: string, timeZone: string): Render {
  const intlLocale = INTL_LOCALE[locale];
  return {
    locale, intlLocale, currency, timeZone,
    t: (key, values) => analyticsText(locale, key, values),
    money: (amount) => (amount === null ? '–' : formatDisplay(parseAmount(amount, currency), currency, intlLocale)),
  };
}

/** Text for a script type="application/json" block: `<` escaped so no text in it can close the element. */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

/** A series point's label: the local day (or day and hour) as the viewer's language writes it. */
function pointLabel(r: Render, start: string): string {
  const hourly = start.length > 10;
  // The start is already local to the series' zone, so it is read and formatted as if it were UTC.
  const date = new Date(`${hourly ? start : `${start}T00:00`}:00Z`);
  return new Intl.DateTimeFormat(r.intlLocale, hourly
    ? { timeZone: 'UTC', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
    : { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(date);
}

function seriesBars(r: Render, points: readonly SeriesPoint[]): Bar[] {
  return points.map((point) => ({
    label: pointLabel(r, point.start),
    value: parseAmount(point.total, r.currency),
    tooltip: r.t('chart.point', { amount: r.money(point.total), count: point.count }),
  }));
}

function maxOf(r: Render, points: readonly { total: string }[]): string {
  const values = points.map((point) => parseAmount(point.total, r.currency));
  return r.money(points[values.indexOf(values.reduce((a, b) => (b > a ? b : a), 0n))]?.total ?? null);
}

/** A time series: the SVG stands in the chart's box until the script mounts uPlot there. */
function seriesFigure(r: Render, name: 'daily' | 'hourly', points: readonly SeriesPoint[], table: SafeHtml | ''): SafeHtml {
  const title = r.t(`${name}.title`);
  return html`<figure id="${name}-figure" aria-labelledby="${name}-title"><figcaption><strong id="${name}-title">${title}</strong> · <span id="${name}-caption">${r.t(`${name}.caption`, { count: points.length })}</span></figcaption>
<div class="chart" id="chart-${name}" data-series="${name}" data-points="${points.length}">${barChart(title, seriesBars(r, points), r.t('chart.max', { value: maxOf(r, points) }), r.t('chart.empty'))}</div>
${table}</figure>`;
}

function dailyTable(r: Render, points: readonly SeriesPoint[]): SafeHtml {
  return html`<table id="daily-table"><caption>${r.t('daily.table')}</caption>
<thead><tr><th scope="col">${r.t('col.day')}</th><th scope="col" class="num">${r.t('col.donations')}</th><th scope="col" class="num">${r.t('col.total')}</th></tr></thead>
<tbody>${points.map((point) => html`<tr><td><time datetime="${point.start}">${pointLabel(r, point.start)}</time></td><td class="num">${point.count.toLocaleString(r.intlLocale)}</td><td class="num">${r.money(point.total)}</td></tr>`)}</tbody></table>`;
}

function largestTable(r: Render, analytics: CampaignAnalytics): SafeHtml {
  if (analytics.largest.length === 0) return html`<p>${r.t('largest.none')}</p>`;
  const when = new Intl.DateTimeFormat(r.intlLocale, { timeZone: r.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  return html`<table><thead><tr><th scope="col" class="num">${r.t('col.amount')}</th><th scope="col">${r.t('col.donor')}</th><th scope="col">${r.t('col.when')}</th></tr></thead>
<tbody>${analytics.largest.map((row) => html`<tr><td class="num">${r.money(row.amount)}</td><td><bdi>${row.donor_name ?? r.t('donor.anonymous')}</bdi></td><td><time datetime="${row.donated_at}">${when.format(new Date(row.donated_at))}</time></td></tr>`)}</tbody></table>`;
}

/** An ISO timestamp as the date (YYYY-MM-DD) it falls on in `timeZone`, for a date input's value. */
function dateIn(iso: string | null, timeZone: string): string {
  if (iso === null) return '';
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** The range summary under the heading; the script rewrites it after loading another range. */
function rangeSummary(r: Render, fund: string, analytics: Pick<CampaignAnalytics, 'from' | 'to' | 'time_zone'>): string {
  const when = new Intl.DateTimeFormat(r.intlLocale, { timeZone: analytics.time_zone, dateStyle: 'medium', timeStyle: 'short' });
  return [
    r.t('summary.approved', { fund, currency: r.currency }),
    ...(analytics.from ? [r.t('summary.from', { from: when.format(new Date(analytics.from)) })] : []),
    ...(analytics.to ? [r.t('summary.to', { to: when.format(new Date(analytics.to)) })] : []),
    r.t('summary.zone', { zone: analytics.time_zone }),
  ].join(' · ');
}

function rangeForm(r: Render, pagePath: string, analytics: CampaignAnalytics, nowMs: number): SafeHtml {
  const zone = encodeURIComponent(analytics.time_zone);
  const presets = RANGE_PRESET_DAYS.map((days) => {
    const from = new Date(nowMs - days * DAY_MS).toISOString();
    return html`<a href="${pagePath}?from=${encodeURIComponent(from)}&amp;tz=${zone}" data-days="${days}">${r.t('range.days', { days })}</a>`;
  });
  return html`<form id="range" class="range" method="get" action="${pagePath}"><fieldset><legend>${r.t('range.legend')}</legend>
<div><label for="range-from">${r.t('range.from')}</label><input type="date" id="range-from" name="from" value="${dateIn(analytics.from, analytics.time_zone)}"></div>
<div><label for="range-to">${r.t('range.to')}</label><input type="date" id="range-to" name="to" value="${dateIn(analytics.to, analytics.time_zone)}"></div>
<input type="hidden" name="tz" value="${analytics.time_zone}"><button type="submit">${r.t('range.apply')}</button></fieldset>
<nav class="presets" aria-label="${r.t('range.presets')}">${presets} <a href="${pagePath}?tz=${zone}" data-days="all">${r.t('range.all')}</a></nav>
<p id="range-status" role="status" aria-live="polite"></p></form>`;
}

export interface AnalyticsPageLinks {
  /** The page's own path, /campaigns/<slug>/analytics. */
  pagePath: string;
  /** The JSON of what the page shows. */
  jsonUrl: string;
  /** The page in the other language. */
  switchUrl: string;
}

export function analyticsPage(campaign: CampaignRow, analytics: CampaignAnalytics, links: AnalyticsPageLinks, locale: Locale = 'id', nowMs = Date.now()): string {
  const r = render(locale, analytics.currency, analytics.time_zone);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const histogramBars: Bar[] = analytics.histogram.map((bucket) => ({
    label: `${r.money(bucket.from)}–`,
    value: BigInt(bucket.count),
    tooltip: r.t('chart.bucket', { count: bucket.count, from: r.money(bucket.from), to: r.money(bucket.to) }),
  }));
  const mostInBucket = analytics.histogram.reduce((most, bucket) => Math.max(most, bucket.count), 0);
  const count = (value: number) => value.toLocaleString(r.intlLocale);
  const figures: [string, AnalyticsKey, string][] = [
    ['total', 'figure.total', r.money(analytics.total)], ['count', 'figure.count', count(analytics.count)],
    ['average', 'figure.average', r.money(analytics.average)], ['median', 'figure.median', r.money(analytics.median)],
    ['min', 'figure.min', r.money(analytics.min)], ['max', 'figure.max', r.money(analytics.max)],
    ['donors', 'figure.donors', count(analytics.donors.unique)], ['repeat', 'figure.repeat', count(analytics.donors.repeat)],
  ];
  const config = {
    api: links.jsonUrl.split('?')[0], locale: r.intlLocale, currency: analytics.currency, exponent: currencyExponent(analytics.currency),
    fund: campaign.fund, presetDays: RANGE_PRESET_DAYS, messages: analyticsCatalogue(locale), data: analytics,
  };
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${r.t('page.title', { name: campaign.name })}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/analytics/assets/uPlot.min.css"><link rel="stylesheet" href="/analytics/assets/analytics.css"></head>
<body><header><nav aria-label="amanah"><a href="/">${r.t('page.home')}</a> · <a href="${links.jsonUrl}">${r.t('page.json')}</a> · <a href="${links.switchUrl}" lang="${other}" hreflang="${other}" id="lang-switch">${r.t('lang.switch')}</a></nav>
<h1 dir="auto">${campaign.name}</h1><p id="range-summary">${rangeSummary(r, campaign.fund, analytics)}</p></header>
<main>${rangeForm(r, links.pagePath, analytics, nowMs)}
<dl id="figures">${figures.map(([name, key, value]) => html`<div data-figure="${name}"><dt>${r.t(key)}</dt><dd>${value}</dd></div>`)}</dl>
${seriesFigure(r, 'daily', analytics.daily, dailyTable(r, analytics.daily))}
${seriesFigure(r, 'hourly', analytics.hourly, '')}
<figure aria-labelledby="histogram-title"><figcaption><strong id="histogram-title">${r.t('histogram.title')}</strong> · ${r.t('histogram.caption')}</figcaption>
<div id="histogram">${barChart(r.t('histogram.title'), histogramBars, r.t('chart.max', { value: r.t('chart.bucketMax', { count: mostInBucket }) }), r.t('chart.empty'))}</div></figure>
<h2>${r.t('largest.heading')}</h2>
<div id="largest">${largestTable(r, analytics)}</div>
</main>
<script type="application/json" id="analytics-config">${jsonBlock(config)}</script>
<script src="/analytics/assets/uPlot.iife.min.js"></script><script src="/analytics/assets/analytics.js"></script></body></html>`.text;
}
