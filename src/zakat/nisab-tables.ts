// BAZNAS's dated nisab tables for zakat on income and services (zakat pendapatan dan jasa). The figures are
// data (baznas-nisab.json), one entry per decree, because BAZNAS sets a new rupiah figure every year from
// the price of 85 g of gold; the calculator picks the table in effect on the calculation date and its answer
// names that table, so a figure can always be traced to its decree.
//
// The data file sits beside this one rather than in a data/ folder because .gitignore leaves out every data/
// folder (PGlite's database lives in one). The file is checked once, when this module loads: a malformed entry
// is a programmer error and stops the process at start, rather than answering a zakat question with a wrong
// figure.
import nisabData from './baznas-nisab.json' with { type: 'json' };
import { divideRounded, parseAmount } from '../money/index.ts';

/** The income nisab tables are in rupiah; BAZNAS publishes no other currency. */
export const NISAB_TABLE_CURRENCY = 'IDR';

/** Whole grams of gold that BAZNAS's income nisab stands for. */
export const INCOME_NISAB_GOLD_GRAMS = 85n;

export interface NisabTable {
  readonly id: string;
  /** Short name of the decree, e.g. "SK Ketua BAZNAS No. 15 Tahun 2026". */
  readonly title: string;
  /** Full decree title, or null where the decree number could not be verified. */
  readonly decree: string | null;
  /** First calendar day (YYYY-MM-DD, Indonesian civil date) on which the table applies. */
  readonly effectiveFrom: string;
  readonly goldGrams: bigint;
  readonly nisabYearMinor: bigint;
  readonly nisabMonthMinor: bigint;
  readonly source: string;
}

interface RawTable {
  id: string; title: string; decree: string | null; effective_from: string; currency: string;
  gold_grams: string; nisab_year: string; nisab_month: string; source: string;
}

const ID_PATTERN = /^[a-z0-9-]{1,64}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is not one). */
export function isCalendarDate(text: string): boolean {
  if (!DATE_PATTERN.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function fail(raw: RawTable, problem: string): never {
  throw new Error(`nisab table ${JSON.stringify(raw.id)} in baznas-nisab.json ${problem}`);
}

function readTable(raw: RawTable): NisabTable {
  if (!ID_PATTERN.test(raw.id)) fail(raw, 'has an id that is not lower-case letters, digits and dashes');
  if (!isCalendarDate(raw.effective_from)) fail(raw, 'has an effective_from that is not a YYYY-MM-DD date');
  if (raw.currency !== NISAB_TABLE_CURRENCY) fail(raw, `is in ${raw.currency}, not ${NISAB_TABLE_CURRENCY}`);
  if (BigInt(raw.gold_grams) !== INCOME_NISAB_GOLD_GRAMS) fail(raw, `is not based on ${INCOME_NISAB_GOLD_GRAMS} g of gold`);
  const nisabYearMinor = parseAmount(raw.nisab_year, NISAB_TABLE_CURRENCY);
  const nisabMonthMinor = parseAmount(raw.nisab_month, NISAB_TABLE_CURRENCY);
  // BAZNAS publishes the monthly figure as one twelfth of the yearly one, rounded to the whole rupiah; a
  // mismatch means a figure was mistyped, so both are checked against each other.
  const rupiahMinor = 100n;
  const twelfth = divideRounded(nisabYearMinor / rupiahMinor, 12n, 'half_up') * rupiahMinor;
  if (twelfth !== nisabMonthMinor) fail(raw, `has a monthly nisab ${raw.nisab_month} that is not one twelfth of ${raw.nisab_year}`);
  return Object.freeze({
    id: raw.id, title: raw.title, decree: raw.decree, effectiveFrom: raw.effective_from,
    goldGrams: INCOME_NISAB_GOLD_GRAMS, nisabYearMinor, nisabMonthMinor, source: raw.source,
  });
}

function readTables(raws: readonly RawTable[]): readonly NisabTable[] {
  const tables = raws.map(readTable);
  tables.forEach((table, index) => {
    const previous = tables[index - 1];
    if (previous && previous.effectiveFrom >= table.effectiveFrom) {
      throw new Error(`nisab tables in baznas-nisab.json must be in order of effective_from: ${previous.id} then ${table.id}`);
    }
  });
  if (new Set(tables.map((table) => table.id)).size !== tables.length) throw new Error('nisab table ids must be unique');
  if (tables.length === 0) throw new Error('baznas-nisab.json holds no nisab table');
  return Object.freeze(tables);
}

/** Every known table, oldest first. */
export const NISAB_TABLES: readonly NisabTable[] = readTables(nisabData.tables);

/** The table in effect on `date` (YYYY-MM-DD): the latest one whose effective_from is not after it. */
export function nisabTableOn(date: string, tables: readonly NisabTable[] = NISAB_TABLES): NisabTable | undefined {
  let found: NisabTable | undefined;
  // ISO dates compare correctly as text, and the tables are in order, so the last match is the answer.
  for (const table of tables) if (table.effectiveFrom <= date) found = table;
  return found;
}

// The decrees are Indonesian, so "today" is the civil date in Jakarta (UTC+7), not the server's time zone:
// at 20:00 UTC on 31 December it is already 1 January, and the new year's table, in Jakarta.
const JAKARTA_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The civil date in Jakarta at `now`, as YYYY-MM-DD. */
export function jakartaDate(now: Date): string {
  return JAKARTA_DATE.format(now);
}
