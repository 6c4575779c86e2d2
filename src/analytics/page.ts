// The page at /campaigns/:id/analytics: a campaign's figures with SVG charts of donations over time and of the
// distribution of amounts. Server-rendered from the same analytics the JSON endpoint returns.
import type { CampaignRow } from '../campaigns/queries.ts';
import { formatDisplay, parseAmount } from '../money/index.ts';
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import { html } from '../http/html.ts';
import { barChart, type Bar } from './charts.ts';
import type { CampaignAnalytics, SeriesPoint } from './analytics.ts';

/** The Intl locale of the page being rendered: one page renders at a time, synchronously. */
let intlLocale = INTL_LOCALE.id;

/** Minor units (bigint, the currency's ISO 4217 exponent) formatted for the viewer, as the console does. */
function display(amount: string | null, currency: string): string {
  return amount === null ? '–' : formatDisplay(parseAmount(amount, currency), currency, intlLocale);
}

function seriesBars(points: readonly SeriesPoint[], currency: string): Bar[] {
  return points.map((point) => ({
    label: point.start.length > 10 ? point.start.slice(5).replace('T', ' ') : point.start.slice(5),
    value: parseAmount(point.total, currency),
    tooltip: `${display(point.total, currency)} from ${point.count} donations`,
  }));
}

function maxOf(points: readonly { total: string }[], currency: string): string {
  const values = points.map((point) => parseAmount(point.total, currency));
  return display(points[values.indexOf(values.reduce((a, b) => (b > a ? b : a), 0n))]?.total ?? null, currency);
}

export function analyticsPage(campaign: CampaignRow, analytics: CampaignAnalytics, jsonUrl: string, locale: Locale = 'id'): string {
  intlLocale = INTL_LOCALE[locale];
  const { currency } = analytics;
  const histogramBars: Bar[] = analytics.histogram.map((bucket) => ({
    label: `${display(bucket.from, currency)}–`,
    value: BigInt(bucket.count),
    tooltip: `${bucket.count} donations from ${display(bucket.from, currency)} to under ${display(bucket.to, currency)}`,
  }));
  const mostInBucket = analytics.histogram.reduce((most, bucket) => Math.max(most, bucket.count), 0);
  const figures: [string, string][] = [
    ['Total', display(analytics.total, currency)], ['Donations', String(analytics.count)],
    ['Average', display(analytics.average, currency)], ['Median', display(analytics.median, currency)],
    ['Smallest', display(analytics.min, currency)], ['Largest', display(analytics.max, currency)],
    ['Donors', String(analytics.donors.unique)], ['Repeat donors', String(analytics.donors.repeat)],
  ];
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${campaign.name} · analytics · amanah</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#111;background:#fafafa}
dl{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.5rem}dl div{background:#fff;border:1px solid #ccc;border-radius:.4rem;padding:.5rem}
dt{color:#444;font-size:.85rem}dd{margin:0;font-weight:bold}figure{margin:1.5rem 0;background:#fff;border:1px solid #ccc;border-radius:.4rem;padding:.5rem}
svg{width:100%;height:auto}rect{fill:#2b6cb0}rect:hover{fill:#1a4971}.axis{font-size:11px;fill:#444}.base{stroke:#888}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:start}a{color:#0645ad}
@media (prefers-color-scheme:dark){body{color:#eee;background:#121212}dl div,figure{background:#1e1e1e;border-color:#555}dt,.axis{color:#ccc;fill:#ccc}rect{fill:#63a4e8}rect:hover{fill:#9cc7f2}td,th{border-color:#444}a{color:#8ab4f8}}</style></head>
<body><header><p><a href="/">amanah</a> · <a href="${jsonUrl}">JSON</a></p>
<h1 dir="auto">${campaign.name}</h1><p>${campaign.fund} · ${currency} · approved donations${analytics.from ? ` from ${analytics.from}` : ''}${analytics.to ? ` until ${analytics.to}` : ''} · times in ${analytics.time_zone}</p></header>
<main><dl>${figures.map(([name, value]) => html`<div><dt>${name}</dt><dd>${value}</dd></div>`)}</dl>
${barChart('Donations per day', `total given each day, last ${analytics.daily.length} days with donations`, seriesBars(analytics.daily, currency), maxOf(analytics.daily, currency))}
${barChart('Donations per hour', `total given each hour, last ${analytics.hourly.length} hours with donations`, seriesBars(analytics.hourly, currency), maxOf(analytics.hourly, currency))}
${barChart('Distribution of amounts', 'number of donations in each amount range (logarithmic 1-2-5 ranges)', histogramBars, `${mostInBucket} donations`)}
<h2>Largest donations</h2>
${analytics.largest.length === 0 ? html`<p>None yet.</p>` : html`<table><tr><th>Amount</th><th>Donor</th><th>When</th></tr>
${analytics.largest.map((row) => html`<tr><td>${display(row.amount, currency)}</td><td><bdi>${row.donor_name ?? 'Anonymous'}</bdi></td><td>${row.donated_at}</td></tr>`)}</table>`}
</main></body></html>`.text;
}
