// The analytics page's words in Indonesian and English, in the console's style (src/console/i18n.ts): one English
// catalogue that names the keys, an Indonesian one of the same type, so a missing word fails the type check.
// The client script (client.js) gets the same catalogue as JSON, so the page and its redraws say the same words.
import type { Locale } from '../console/i18n.ts';

const en = {
  'page.title': '{name} · analytics · amanah', 'page.home': 'amanah', 'page.json': 'JSON',
  'lang.label': 'Language', 'lang.switch': 'Bahasa Indonesia',
  'summary.approved': '{fund} · {currency} · approved donations', 'summary.from': 'from {from}', 'summary.to': 'until {to}',
  'summary.zone': 'times in {zone}',
  'figure.total': 'Total', 'figure.count': 'Donations', 'figure.average': 'Average', 'figure.median': 'Median',
  'figure.min': 'Smallest', 'figure.max': 'Largest', 'figure.donors': 'Donors', 'figure.repeat': 'Repeat donors',
  'range.legend': 'Date range', 'range.from': 'From', 'range.to': 'To (not included)', 'range.apply': 'Show',
  'range.days': 'Last {days} days', 'range.all': 'All time', 'range.presets': 'Quick ranges',
  'range.loading': 'Loading…', 'range.shown': 'Days with donations shown: {count}', 'range.failed': 'The figures could not be loaded: {detail}',
  'daily.title': 'Donations per day', 'daily.caption': 'total given on each day with donations; the most recent {count} shown',
  'hourly.title': 'Donations per hour', 'hourly.caption': 'total given in each hour with donations; the most recent {count} shown',
  'histogram.title': 'Distribution of amounts', 'histogram.caption': 'number of donations in each amount range (logarithmic 1-2-5 ranges)',
  'chart.empty': 'No approved donations yet.', 'chart.max': 'max {value}', 'chart.point': '{amount} ({count} donations)',
  'chart.bucket': '{count} donations from {from} to under {to}', 'chart.bucketMax': '{count} donations',
  'axis.day': 'Day ({zone})', 'axis.hour': 'Hour ({zone})', 'axis.amount': 'Amount ({currency})',
  'col.day': 'Day', 'col.donations': 'Donations', 'col.total': 'Total', 'col.amount': 'Amount', 'col.donor': 'Donor', 'col.when': 'When',
  'daily.table': 'Totals per day', 'largest.heading': 'Largest donations', 'largest.none': 'None yet.', 'donor.anonymous': 'Anonymous',
} as const;

export type AnalyticsKey = keyof typeof en;
type Catalogue = Readonly<Record<AnalyticsKey, string>>;

const id: Catalogue = {
  'page.title': '{name} · analitik · amanah', 'page.home': 'amanah', 'page.json': 'JSON',
  'lang.label': 'Bahasa', 'lang.switch': 'English',
  'summary.approved': '{fund} · {currency} · donasi yang disetujui', 'summary.from': 'sejak {from}', 'summary.to': 'sampai {to}',
  'summary.zone': 'waktu dalam {zone}',
  'figure.total': 'Total', 'figure.count': 'Donasi', 'figure.average': 'Rata-rata', 'figure.median': 'Median',
  'figure.min': 'Terkecil', 'figure.max': 'Terbesar', 'figure.donors': 'Donatur', 'figure.repeat': 'Donatur berulang',
  'range.legend': 'Rentang tanggal', 'range.from': 'Dari', 'range.to': 'Sampai (tidak termasuk)', 'range.apply': 'Tampilkan',
  'range.days': '{days} hari terakhir', 'range.all': 'Semua waktu', 'range.presets': 'Rentang cepat',
  'range.loading': 'Memuat…', 'range.shown': 'Hari dengan donasi yang ditampilkan: {count}', 'range.failed': 'Angka tidak dapat dimuat: {detail}',
  'daily.title': 'Donasi per hari', 'daily.caption': 'total donasi tiap hari yang ada donasinya; {count} yang terbaru ditampilkan',
  'hourly.title': 'Donasi per jam', 'hourly.caption': 'total donasi tiap jam yang ada donasinya; {count} yang terbaru ditampilkan',
  'histogram.title': 'Sebaran jumlah donasi', 'histogram.caption': 'banyaknya donasi di tiap rentang jumlah (rentang logaritmik 1-2-5)',
  'chart.empty': 'Belum ada donasi yang disetujui.', 'chart.max': 'maks. {value}', 'chart.point': '{amount} ({count} donasi)',
  'chart.bucket': '{count} donasi dari {from} sampai di bawah {to}', 'chart.bucketMax': '{count} donasi',
  'axis.day': 'Hari ({zone})', 'axis.hour': 'Jam ({zone})', 'axis.amount': 'Jumlah ({currency})',
  'col.day': 'Hari', 'col.donations': 'Donasi', 'col.total': 'Total', 'col.amount': 'Jumlah', 'col.donor': 'Donatur', 'col.when': 'Waktu',
  'daily.table': 'Total per hari', 'largest.heading': 'Donasi terbesar', 'largest.none': 'Belum ada.', 'donor.anonymous': 'Anonim',
};

const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { en, id };

export function analyticsCatalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale];
}

/** The message for `key`, with each {name} replaced by its value. */
export function analyticsText(locale: Locale, key: AnalyticsKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
