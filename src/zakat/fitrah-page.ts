// The fitrah and fidyah calculator on the /zakat page, in Indonesian and English: plain forms that post back to
// the server, which answers with the page and the quote (fitrah.ts), so page, API and CLI can never disagree.
// Every value shown is escaped by the `html` template. The language is the page's (routes.ts negotiates it:
// the form's lang or ?lang=, the amanah_lang cookie, Accept-Language, else Indonesian).
import { html, type SafeHtml } from '../http/html.ts';
import { formatDisplay, parseAmount } from '../money/index.ts';
import { AppError } from '../errors.ts';
import { INTL_LOCALE, type Locale } from '../console/i18n.ts';
import { DEFAULT_REGION, FITRAH_CURRENCY, parseWhen, quote, REGIONS, type QuoteJson, type SpecialKind } from './fitrah.ts';

export type PageLocale = Locale;

const TEXT = {
  en: {
    title: 'Zakat calculator', fitrahLegend: 'Zakat fitrah (per person)', fidyahLegend: 'Fidyah (per day of fasting missed)',
    people: 'People', days: 'Days', region: 'Region', when: 'When you pay (Jakarta time)', whenHint: 'now when empty',
    calculate: 'Calculate', perPerson: 'Per person', perDay: 'Per day', total: 'To pay', rice: 'Rice equivalent',
    table: 'Price table', notVerified: 'figures not verified: see the source', eid: 'Due before the Eid prayer',
    eidKemenag: 'date fixed by Kemenag\'s sidang isbat', eidUmalqura: 'no Kemenag decision held: Umm al-Qura calendar',
    recordedFitrah: 'Recorded as zakat fitrah, in the zakat fund.',
    recordedSadaqah: 'This is after the Eid prayer, when fitrah is no longer due: it is recorded as sadaqah (infak/sedekah fund), not as zakat fitrah.',
    recordedFidyah: 'Recorded as fidyah, in the DSKL fund (dana sosial keagamaan lainnya), spent on feeding the poor.',
    source: 'Source', switchTo: 'Bahasa Indonesia', resultFitrah: 'Zakat fitrah', resultFidyah: 'Fidyah',
    note: 'Fitrah and fidyah: people or days × the price the region\'s decree sets on the day. Fitrah is due before the Eid al-Fitr prayer, taken as 07:00 WIB on 1 Syawal.',
  },
  id: {
    title: 'Kalkulator zakat', fitrahLegend: 'Zakat fitrah (per jiwa)', fidyahLegend: 'Fidyah (per hari puasa yang ditinggalkan)',
    people: 'Jumlah jiwa', days: 'Jumlah hari', region: 'Wilayah', when: 'Waktu pembayaran (WIB)', whenHint: 'sekarang bila kosong',
    calculate: 'Hitung', perPerson: 'Per jiwa', perDay: 'Per hari', total: 'Jumlah yang dibayar', rice: 'Setara beras',
    table: 'Tabel harga', notVerified: 'angka belum terverifikasi: lihat sumbernya', eid: 'Wajib sebelum salat Idulfitri',
    eidKemenag: 'tanggal hasil sidang isbat Kemenag', eidUmalqura: 'belum ada keputusan Kemenag: kalender Umm al-Qura',
    recordedFitrah: 'Dicatat sebagai zakat fitrah, dalam dana zakat.',
    recordedSadaqah: 'Ini sesudah salat Idulfitri, saat zakat fitrah tidak lagi wajib: dicatat sebagai sedekah (dana infak/sedekah), bukan zakat fitrah.',
    recordedFidyah: 'Dicatat sebagai fidyah, dalam dana sosial keagamaan lainnya (DSKL), untuk memberi makan fakir miskin.',
    source: 'Sumber', switchTo: 'English', resultFitrah: 'Zakat fitrah', resultFidyah: 'Fidyah',
    note: 'Fitrah dan fidyah: jumlah jiwa atau hari × harga yang ditetapkan keputusan wilayahnya pada hari itu. Zakat fitrah wajib sebelum salat Idulfitri, diambil pukul 07.00 WIB pada 1 Syawal.',
  },
} as const;

export function pageText(locale: PageLocale) { return TEXT[locale]; }

type Values = Record<string, string | undefined>;

/** People or days are at most seven digits (kindQuoteFromForm); the input takes no more. */
const COUNT_DIGITS_MAX = 7;
const COUNT_PATTERN = new RegExp(`^\\d{1,${COUNT_DIGITS_MAX}}$`);

function regionChoice(name: string, label: string, values: Values): SafeHtml {
  const selected = values[name] ?? DEFAULT_REGION;
  return html`<p><label for="${name}">${label}</label> <select id="${name}" name="${name}">${[...REGIONS.values()].map((region) =>
    html`<option value="${region.id}"${region.id === selected ? html` selected` : ''}>${region.name}</option>`)}</select></p>`;
}

function kindForm(kind: SpecialKind, values: Values, locale: PageLocale): SafeHtml {
  const t = TEXT[locale];
  const count = kind === 'fitrah' ? 'people' : 'days';
  return html`<form method="post" action="/zakat"><fieldset><legend>${kind === 'fitrah' ? t.fitrahLegend : t.fidyahLegend}</legend>
<input type="hidden" name="form" value="${kind}"><input type="hidden" name="lang" value="${locale}">
<p><label for="${count}">${kind === 'fitrah' ? t.people : t.days}</label> <input id="${count}" name="${count}" inputmode="numeric" autocomplete="off" maxlength="${String(COUNT_DIGITS_MAX)}" value="${values[count] ?? ''}"></p>
${regionChoice(`${kind}_region`, t.region, values)}
<p><label for="${kind}_at">${t.when}</label> <input id="${kind}_at" name="${kind}_at" type="datetime-local" value="${values[`${kind}_at`] ?? ''}"> <small>${t.whenHint}</small></p>
<p><button type="submit">${t.calculate}</button></p></fieldset></form>`;
}

export function kindForms(values: Values, locale: PageLocale): SafeHtml {
  return html`${kindForm('fitrah', values, locale)}${kindForm('fidyah', values, locale)}<p><small>${TEXT[locale].note}</small></p>`;
}

const display = (amount: string, locale: PageLocale) => formatDisplay(parseAmount(amount, FITRAH_CURRENCY), FITRAH_CURRENCY, INTL_LOCALE[locale]);

/** Kilograms and litres are decimal text ("2.5"); Intl formats the string exactly, "2,5" in Indonesian. */
const decimal = (text: string, locale: PageLocale) =>
  new Intl.NumberFormat(INTL_LOCALE[locale], { maximumFractionDigits: 3 }).format(text as Intl.StringNumericLiteral);

/** A calendar date (YYYY-MM-DD, no zone): read at UTC midnight and written in UTC, so no zone moves its day. */
const calendarDate = (date: string, locale: PageLocale) =>
  new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));

/** Indonesia's zones by their UTC offset, named as people read them; any other offset is written as UTC±hh:mm. */
const INDONESIAN_ZONE_NAMES: Readonly<Record<string, string>> = { '+07:00': 'WIB', '+08:00': 'WITA', '+09:00': 'WIT' };

/**
 * A local time with its offset (`2026-03-21T07:00+07:00`, the Eid prayer) in the page's words, read in the
 * offset it carries, so 07:00 WIB stays 07:00 whatever zone the server runs in.
 */
function localTime(text: string, locale: PageLocale): string {
  const offset = /([+-]\d{2}:\d{2})$/.exec(text)?.[1] ?? '+00:00';
  const shown = new Intl.DateTimeFormat(INTL_LOCALE[locale], { dateStyle: 'full', timeStyle: 'short', timeZone: offset }).format(new Date(text));
  return `${shown} ${INDONESIAN_ZONE_NAMES[offset] ?? `UTC${offset}`}`;
}

export function kindResult(answer: QuoteJson, locale: PageLocale): SafeHtml {
  const t = TEXT[locale];
  const recorded = answer.recorded_as === 'sadaqah' ? t.recordedSadaqah : answer.recorded_as === 'fidyah' ? t.recordedFidyah : t.recordedFitrah;
  return html`<section aria-live="polite"><h2>${answer.kind === 'fitrah' ? t.resultFitrah : t.resultFidyah}</h2><table>
<tr><th scope="row">${answer.kind === 'fitrah' ? t.perPerson : t.perDay}</th><td class="amount">${display(answer.unit_price, locale)}</td></tr>
<tr><th scope="row">${answer.kind === 'fitrah' ? t.people : t.days}</th><td class="amount">${String(answer.quantity)}</td></tr>
<tr><th scope="row">${t.total}</th><td class="amount"><strong id="kind-amount">${display(answer.amount, locale)}</strong></td></tr>
${answer.rice_kg === undefined || answer.rice_liters === undefined ? '' : html`<tr><th scope="row">${t.rice}</th><td class="amount">${decimal(answer.rice_kg, locale)} kg (${decimal(answer.rice_liters, locale)} l)</td></tr>`}
</table>
${answer.eid ? html`<p>${t.eid}: <time datetime="${answer.eid.prayer_local}">${localTime(answer.eid.prayer_local, locale)}</time> (1 Syawal ${String(answer.eid.hijri_year)} H, ${answer.eid.basis === 'kemenag' ? t.eidKemenag : t.eidUmalqura})</p>` : ''}
<p id="kind-recorded" data-recorded-as="${answer.recorded_as}" data-ledger-fund="${answer.ledger_fund}">${recorded}</p>
<p>${t.table}: ${answer.table.title}, <time datetime="${answer.table.effective_from}">${calendarDate(answer.table.effective_from, locale)}</time>${answer.table.verified ? '' : html` (<strong>${t.notVerified}</strong>)`}. ${t.source}: ${answer.table.source}</p>
</section>`;
}

const LOCAL_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/** The fitrah or fidyah form as a quote: a datetime-local value is Jakarta time (WIB, UTC+7). */
export function kindQuoteFromForm(kind: SpecialKind, values: Values, now: Date): QuoteJson {
  const count = kind === 'fitrah' ? 'people' : 'days';
  const text = values[count]?.trim() ?? '';
  if (!COUNT_PATTERN.test(text)) throw new AppError('invalid_quantity', `${count} must be a whole number`, { field: count });
  const when = values[`${kind}_at`]?.trim();
  const at = when === undefined || when === '' ? now : parseWhen(LOCAL_MINUTE.test(when) ? `${when}:00+07:00` : when, `${kind}_at`);
  const { amountMinor: _amount, tableId: _table, ...answer } = quote({ kind, quantity: Number(text), region: values[`${kind}_region`]?.trim() || undefined, at });
  return answer;
}
