// Zakat fitrah (per person) and fidyah (per day of fasting missed) from dated regional price tables
// (fitrah-prices.json, one entry per decree), and the Eid al-Fitr cutoff from the dates Indonesia's Ministry of
// Religious Affairs fixed (eid-dates.json), falling back to Intl's islamic-umalqura calendar for a year with no
// entry. The amount is always computed here, from quantity × the table's price: a client never sets it.
//
// Both data files are checked once, when this module loads: a malformed entry is a programmer error and stops
// the process at start rather than charging a wrong figure.
import pricesData from './fitrah-prices.json' with { type: 'json' };
import eidData from './eid-dates.json' with { type: 'json' };
import { AppError } from '../errors.ts';
import { parseRfc3339 } from '../text/timestamp.ts';
import { formatAmount, formatScaled, parseAmount, parseScaled } from '../money/index.ts';
import { isCalendarDate, jakartaDate } from './nisab-tables.ts';
import type { LedgerFund } from '../ledger/logic.ts';

export const FITRAH_CURRENCY = 'IDR';

/** Most people one fitrah payment covers: a household or a small congregation; more is split into payments. */
export const FITRAH_PEOPLE_MAX = 1_000;
/** Most days one fidyah payment covers: a dozen Ramadans of thirty days for one person. */
export const FIDYAH_DAYS_MAX = 360;

/**
 * The Eid prayer is taken as 07:00 Western Indonesian Time (WIB, Asia/Jakarta, UTC+7 all year): most
 * congregations in Jakarta pray between 06:30 and 07:00, and the decree's rule is "before the Eid prayer". WIB
 * has no daylight saving time, so the cutoff is the Eid date at 00:00 UTC exactly.
 */
export const EID_PRAYER_LOCAL_TIME = '07:00';
export const EID_PRAYER_TIME_ZONE = 'Asia/Jakarta';
const EID_PRAYER_UTC_OFFSET_HOURS = 7;

/** The region a request names when it names none: the only region BAZNAS RI decrees figures for. */
export const DEFAULT_REGION = 'jabodetabek';

export type SpecialKind = 'fitrah' | 'fidyah';
/** What a donation is recorded as: a fitrah after the Eid prayer is no longer fitrah but sadaqah. */
export type RecordedKind = SpecialKind | 'sadaqah';

/**
 * The ledger fund each recorded kind posts to (migration 0017 stores it on the donation):
 * - fitrah is zakat (PSAK 109), paid only to the eight asnaf;
 * - fidyah goes to DSKL (dana sosial keagamaan lainnya), not infak/sedekah: it is owed, not voluntary, and is
 *   for one use only (feeding the poor for each day missed), so mixing it with unrestricted infak would let it
 *   be spent on anything infak may; DSKL is the fund migration 0010 keeps for fidyah, kafarat and nazar;
 * - a late fitrah is voluntary sadaqah, so infak/sedekah, and not zakat: counting it as zakat would overstate
 *   the zakat received in the PSAK 109 statement and the BAZNAS report.
 */
export const LEDGER_FUND_OF_KIND: Readonly<Record<RecordedKind, LedgerFund>> = Object.freeze({
  fitrah: 'zakat', fidyah: 'dskl', sadaqah: 'infak_sedekah',
});

export interface Region { readonly id: string; readonly name: string; readonly authority: string }

export interface PriceTable {
  readonly id: string;
  readonly region: string;
  readonly title: string;
  readonly decree: string;
  readonly effectiveFrom: string;
  readonly fitrahPerPersonMinor: bigint;
  readonly fidyahPerDayMinor: bigint;
  /** Rice a person's fitrah stands for, in grams and millilitres (2.5 kg = 2500). */
  readonly riceGrams: bigint;
  readonly riceMillilitres: bigint;
  readonly verified: boolean;
  readonly source: string;
}

const ID_PATTERN = /^[a-z0-9-]{1,64}$/;

function readRegions(): ReadonlyMap<string, Region> {
  const regions = new Map<string, Region>();
  for (const raw of pricesData.regions) {
    if (!ID_PATTERN.test(raw.id) || regions.has(raw.id)) throw new Error(`fitrah-prices.json: region ${JSON.stringify(raw.id)} is malformed or repeated`);
    regions.set(raw.id, Object.freeze({ ...raw }));
  }
  return regions;
}

export const REGIONS: ReadonlyMap<string, Region> = readRegions();

function readTables(): readonly PriceTable[] {
  const tables = pricesData.tables.map((raw): PriceTable => {
    const fail = (problem: string): never => { throw new Error(`fitrah-prices.json: table ${JSON.stringify(raw.id)} ${problem}`); };
    if (!ID_PATTERN.test(raw.id)) fail('has an id that is not lower-case letters, digits and dashes');
    if (!REGIONS.has(raw.region)) fail(`names an unknown region ${raw.region}`);
    if (!isCalendarDate(raw.effective_from)) fail('has an effective_from that is not a YYYY-MM-DD date');
    if (raw.currency !== FITRAH_CURRENCY) fail(`is in ${raw.currency}, not ${FITRAH_CURRENCY}`);
    if (raw.source.length === 0) fail('names no source');
    const fitrah = parseAmount(raw.fitrah_per_person, FITRAH_CURRENCY);
    const fidyah = parseAmount(raw.fidyah_per_day, FITRAH_CURRENCY);
    if (fitrah <= 0n || fidyah <= 0n) fail('has a price that is not above zero');
    return Object.freeze({
      id: raw.id, region: raw.region, title: raw.title, decree: raw.decree, effectiveFrom: raw.effective_from,
      fitrahPerPersonMinor: fitrah, fidyahPerDayMinor: fidyah,
      riceGrams: parseScaled(raw.rice_kg, 3), riceMillilitres: parseScaled(raw.rice_liters, 3),
      verified: raw.verified, source: raw.source,
    });
  });
  if (new Set(tables.map((table) => table.id)).size !== tables.length) throw new Error('fitrah-prices.json: table ids must be unique');
  for (const region of REGIONS.keys()) {
    const own = tables.filter((table) => table.region === region);
    own.forEach((table, index) => {
      if (index > 0 && own[index - 1]!.effectiveFrom >= table.effectiveFrom) throw new Error(`fitrah-prices.json: ${region} tables must be in order of effective_from`);
    });
  }
  return Object.freeze(tables);
}

export const PRICE_TABLES: readonly PriceTable[] = readTables();

/** The region's table in effect on `date` (YYYY-MM-DD): its latest entry whose effective_from is not after it. */
export function priceTableOn(region: string, date: string, tables: readonly PriceTable[] = PRICE_TABLES): PriceTable | undefined {
  let found: PriceTable | undefined;
  for (const table of tables) if (table.region === region && table.effectiveFrom <= date) found = table;
  return found;
}

export interface EidDecision {
  readonly hijriYear: number;
  /** 1 Syawal, YYYY-MM-DD. */
  readonly date: string;
  /** kemenag: a sidang isbat decision in eid-dates.json; umalqura: Intl's islamic-umalqura calendar (no entry). */
  readonly basis: 'kemenag' | 'umalqura';
  readonly source: string;
  /** The Eid prayer, the fitrah cutoff (07:00 WIB on the date). */
  readonly prayerAt: Date;
}

export const EID_DATES: ReadonlyMap<number, { date: string; source: string }> = new Map(eidData.years.map((row) => {
  if (!Number.isInteger(row.hijri_year) || !isCalendarDate(row.date)) throw new Error(`eid-dates.json: ${row.hijri_year} is malformed`);
  return [row.hijri_year, { date: row.date, source: row.source }] as const;
}));

const UMALQURA = new Intl.DateTimeFormat('en-u-ca-islamic-umalqura', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });

/** The Umm al-Qura date of a civil date (YYYY-MM-DD): year, month (9 is Ramadan, 10 Syawal), day. */
export function umalquraDate(date: string): { year: number; month: number; day: number } {
  const parts = Object.fromEntries(UMALQURA.formatToParts(new Date(`${date}T00:00:00Z`)).map((part) => [part.type, part.value]));
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) };
}

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

const umalquraEidCache = new Map<number, string>();

/** 1 Syawal of a Hijri year by Umm al-Qura: found by walking from the civil date that year's search starts at. */
function umalquraEid(hijriYear: number, near: string): string {
  const cached = umalquraEidCache.get(hijriYear);
  if (cached !== undefined) return cached;
  // A Hijri year is 354 or 355 days, so 1 Syawal of the year `near` falls in lies within 355 days either side.
  for (let offset = -355; offset <= 355; offset += 1) {
    const day = addDays(near, offset);
    const hijri = umalquraDate(day);
    if (hijri.year === hijriYear && hijri.month === 10 && hijri.day === 1) {
      umalquraEidCache.set(hijriYear, day);
      return day;
    }
  }
  throw new Error(`no 1 Syawal ${hijriYear} found near ${near}`);
}

function prayerOf(date: string): Date {
  return new Date(Date.parse(`${date}T${EID_PRAYER_LOCAL_TIME}:00Z`) - EID_PRAYER_UTC_OFFSET_HOURS * 3_600_000);
}

/**
 * The Eid al-Fitr whose prayer a fitrah paid on `date` (a Jakarta civil date) is due before: 1 Syawal of the
 * Hijri year the date falls in. The Hijri year is read from Umm al-Qura, which can differ from Kemenag by a day
 * around a month's start but not in the year: a year changes at 1 Muharram, far from Ramadan. From 1 Muharram on,
 * a fitrah counts toward the coming Eid (paid early); between that year's Eid prayer and 1 Muharram it is late.
 */
export function eidFor(date: string, rows: ReadonlyMap<number, { date: string; source: string }> = EID_DATES): EidDecision {
  const hijriYear = umalquraDate(date).year;
  const row = rows.get(hijriYear);
  if (row) return { hijriYear, date: row.date, basis: 'kemenag', source: row.source, prayerAt: prayerOf(row.date) };
  const eid = umalquraEid(hijriYear, date);
  return {
    hijriYear, date: eid, basis: 'umalqura', prayerAt: prayerOf(eid),
    source: `no Kemenag sidang isbat decision in eid-dates.json for ${hijriYear} H: Intl's islamic-umalqura calendar (1 Syawal ${hijriYear} H = ${eid})`,
  };
}

export interface QuoteRequest {
  kind: SpecialKind;
  /** People for fitrah, days for fidyah. */
  quantity: number;
  region?: string | undefined;
  /** When it is paid; the price table is the one in effect on its Jakarta date. */
  at: Date;
}

export interface PriceTableJson {
  id: string; region: string; title: string; decree: string; effective_from: string; fitrah_per_person: string;
  fidyah_per_day: string; rice_kg: string; rice_liters: string; verified: boolean; source: string;
}

export interface QuoteJson {
  kind: SpecialKind;
  recorded_as: RecordedKind;
  ledger_fund: LedgerFund;
  quantity: number;
  unit: 'person' | 'day';
  region: string;
  on_date: string;
  currency: string;
  unit_price: string;
  amount: string;
  /** Fitrah only: the rice the payment stands for, in kg and litres. */
  rice_kg?: string;
  rice_liters?: string;
  table: PriceTableJson;
  /** Fitrah only: the Eid whose prayer it is due before, and which source fixed its date. */
  eid?: { hijri_year: number; date: string; basis: 'kemenag' | 'umalqura'; prayer_at: string; prayer_local: string; source: string };
  explanation: string;
}

export function priceTableJson(table: PriceTable): PriceTableJson {
  return {
    id: table.id, region: table.region, title: table.title, decree: table.decree, effective_from: table.effectiveFrom,
    fitrah_per_person: formatAmount(table.fitrahPerPersonMinor, FITRAH_CURRENCY),
    fidyah_per_day: formatAmount(table.fidyahPerDayMinor, FITRAH_CURRENCY),
    rice_kg: formatScaled(table.riceGrams, 3).replace(/\.?0+$/, ''), rice_liters: formatScaled(table.riceMillilitres, 3).replace(/\.?0+$/, ''),
    verified: table.verified, source: table.source,
  };
}

/** A whole count in 1..max, refused by name otherwise. */
export function checkQuantity(kind: SpecialKind, quantity: number): number {
  const field = kind === 'fitrah' ? 'people' : 'days';
  const max = kind === 'fitrah' ? FITRAH_PEOPLE_MAX : FIDYAH_DAYS_MAX;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > max) {
    throw new AppError('invalid_quantity', `${field} must be a whole number from 1 to ${max}`, { field });
  }
  return quantity;
}

/** The amount in rupiah minor units and what the payment is recorded as; every figure is named in the answer. */
export function quote(request: QuoteRequest): QuoteJson & { amountMinor: bigint; tableId: string } {
  const { kind } = request;
  const quantity = checkQuantity(kind, request.quantity);
  const region = request.region ?? DEFAULT_REGION;
  if (!REGIONS.has(region)) {
    throw new AppError('zakat_region_unknown', `no fitrah and fidyah price table for region "${region}"; known: ${[...REGIONS.keys()].join(', ')}`, { field: 'region' });
  }
  const onDate = jakartaDate(request.at);
  const table = priceTableOn(region, onDate);
  if (!table) {
    const first = PRICE_TABLES.find((candidate) => candidate.region === region)!;
    throw new AppError('validation_failed', `${onDate} is before the first ${region} price table amanah holds (${first.effectiveFrom})`, { field: 'at' });
  }
  const unitMinor = kind === 'fitrah' ? table.fitrahPerPersonMinor : table.fidyahPerDayMinor;
  const amountMinor = unitMinor * BigInt(quantity);
  const amount = formatAmount(amountMinor, FITRAH_CURRENCY);
  const unitPrice = formatAmount(unitMinor, FITRAH_CURRENCY);
  const tableJson = priceTableJson(table);
  const unverified = table.verified ? '' : ' (its figures are not verified: see the table\'s source)';
  const base = { kind, quantity, region, on_date: onDate, currency: FITRAH_CURRENCY, unit_price: unitPrice, amount, table: tableJson, amountMinor, tableId: table.id };
  if (kind === 'fidyah') {
    return {
      ...base, recorded_as: 'fidyah', ledger_fund: LEDGER_FUND_OF_KIND.fidyah, unit: 'day',
      explanation: `Fidyah for ${quantity} day${quantity === 1 ? '' : 's'} × ${unitPrice} IDR a day (${table.title}${unverified}) = ${amount} IDR, kept in the DSKL fund for feeding the poor.`,
    };
  }
  const eid = eidFor(onDate);
  const late = request.at.getTime() >= eid.prayerAt.getTime();
  const recordedAs: RecordedKind = late ? 'sadaqah' : 'fitrah';
  const riceKg = formatScaled(table.riceGrams * BigInt(quantity), 3).replace(/\.?0+$/, '');
  const riceLiters = formatScaled(table.riceMillilitres * BigInt(quantity), 3).replace(/\.?0+$/, '');
  const eidText = `the Eid al-Fitr prayer of 1 Syawal ${eid.hijriYear} H (${eid.date}, ${EID_PRAYER_LOCAL_TIME} WIB; ${eid.basis === 'kemenag' ? 'date fixed by Kemenag\'s sidang isbat' : 'no Kemenag decision held, Umm al-Qura calendar used'})`;
  const sum = `${quantity} ${quantity === 1 ? 'person' : 'people'} × ${unitPrice} IDR (${table.title}${unverified}) = ${amount} IDR, standing for ${riceKg} kg (${riceLiters} l) of rice`;
  return {
    ...base, recorded_as: recordedAs, ledger_fund: LEDGER_FUND_OF_KIND[recordedAs], unit: 'person', rice_kg: riceKg, rice_liters: riceLiters,
    eid: { hijri_year: eid.hijriYear, date: eid.date, basis: eid.basis, prayer_at: eid.prayerAt.toISOString(), prayer_local: `${eid.date}T${EID_PRAYER_LOCAL_TIME}+07:00`, source: eid.source },
    explanation: late
      ? `Zakat fitrah for ${sum}. It arrives after ${eidText}, when fitrah is no longer due: it is recorded as sadaqah (infak/sedekah fund), not as zakat fitrah.`
      : `Zakat fitrah for ${sum}, due before ${eidText}. It is recorded as zakat fitrah (zakat fund).`,
  };
}

/**
 * When a quote is for: an RFC 3339 instant with its offset, or a civil date (YYYY-MM-DD) read as its first
 * moment in Jakarta (00:00 WIB), which on Eid day is still before the prayer. Refused by name otherwise.
 */
export function parseWhen(text: string, field: string): Date {
  const instant = parseRfc3339(isCalendarDate(text) ? `${text}T00:00:00+07:00` : text);
  if (typeof instant === 'string') throw new AppError('validation_failed', `${field} ${instant}; write YYYY-MM-DD or an RFC 3339 time with its offset`, { field });
  return instant;
}
