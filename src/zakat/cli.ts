// `amanah zakat`: the calculator on the command line, a flag per asset, printing the breakdown. It needs no
// database: the answer is a pure function of the flags (and, for income, of the date's nisab table).
import { AppError } from '../errors.ts';
import { incomeZakat, wealthZakat, type IncomeAnswer, type WealthAnswer } from './zakat.ts';
import { NISAB_BASES, type IncomePeriod, type NisabBasis } from './calculator.ts';
import { parseWhen, quote, type QuoteJson, type SpecialKind } from './fitrah.ts';

/** Flag names for the asset fields of the API request, so the CLI and the API name the same things. */
const ASSET_FLAGS = {
  cash: 'cash', 'gold-grams': 'gold_grams', 'silver-grams': 'silver_grams', investments: 'investments',
  'business-inventory': 'business_inventory', receivables: 'receivables',
} as const;

const text = { type: 'string' } as const;

export const zakatCommandOptions = {
  help: { type: 'boolean', short: 'h' },
  currency: text, basis: text, 'gold-price': text, 'silver-price': text, hawl: { type: 'boolean' },
  cash: text, 'gold-grams': text, 'silver-grams': text, investments: text, 'business-inventory': text,
  receivables: text, debts: text,
  income: text, 'other-income': text, period: text, date: text,
  people: text, days: text, region: text,
  json: { type: 'boolean' },
} as const;

type Values = Record<string, unknown>;

function flag(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function choice<T extends string>(values: Values, name: string, allowed: readonly T[], fallback: T): T {
  const value = flag(values, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new AppError('validation_failed', `--${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}

/** Right-aligns amounts in a column so that a person can add them up by eye. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const amountWidth = Math.max(...rows.map(([, amount]) => amount.length));
  return rows.map(([label, amount]) => `${label.padEnd(labelWidth)}  ${amount.padStart(amountWidth)}`);
}

export function wealthReport(answer: WealthAnswer): string {
  const rows: Array<readonly [string, string]> = answer.breakdown.map((line) =>
    [line.note ? `${line.line} (${line.note})` : line.line, line.amount] as const);
  rows.push(['zakatable wealth', answer.zakatable_wealth], [`nisab (${answer.nisab_grams} g of ${answer.nisab_basis})`, answer.nisab],
    [`zakat due (rate ${answer.rate}, rounding ${answer.rounding})`, answer.zakat]);
  return [`currency ${answer.currency}`, ...table(rows), '', answer.explanation].join('\n');
}

export function incomeReport(answer: IncomeAnswer): string {
  const rows = [[`income of the ${answer.period}`, answer.income_total], [`nisab per ${answer.period}`, answer.nisab],
    [`zakat due (rate ${answer.rate}, rounding ${answer.rounding})`, answer.zakat]] as const;
  return [`currency ${answer.currency}, on ${answer.on_date}`, ...table(rows),
    `nisab table: ${answer.table.title} (${answer.table.id}), in effect from ${answer.table.effective_from}`, '', answer.explanation].join('\n');
}

// The API's field names as the flags that set them, longest first so "other_income" is not read as "income".
const FLAG_OF_FIELD: ReadonlyArray<readonly [string, string]> = [
  ...Object.entries(ASSET_FLAGS).map(([name, field]) => [`assets.${field}`, `--${name}`] as const),
  ['liabilities.debts_due', '--debts'], ['gold_price_per_gram', '--gold-price'], ['silver_price_per_gram', '--silver-price'],
  ['nisab_basis', '--basis'], ['other_income', '--other-income'], ['on_date', '--date'], ['income', '--income'],
  ['people', '--people'], ['days', '--days'], ['region', '--region'],
];

const flagOfField = new Map(FLAG_OF_FIELD);
// One pass over the message, so a flag written in never gets rewritten again.
const FIELD_PATTERN = new RegExp(FLAG_OF_FIELD.map(([field]) => field.replace(/[.]/g, '\\.')).join('|'), 'g');

/** Rewrites an error naming API fields so that it names the flags a CLI user typed. */
function inFlagNames(message: string): string {
  return message.replace(FIELD_PATTERN, (field) => flagOfField.get(field) ?? field);
}

/** A whole count from a flag, refused by name when it is not digits (the range is fitrah.ts's). */
function countFlag(values: Values, name: string): number {
  const value = flag(values, name);
  if (value === undefined) throw new AppError('validation_failed', `--${name} is required`);
  if (!/^\d{1,7}$/.test(value)) throw new AppError('invalid_quantity', `--${name} must be a whole number, not "${value}"`);
  return Number(value);
}

/** `amanah zakat fitrah|fidyah`: the quote for --people or --days, --region and --date (now when absent). */
export function kindFromFlags(kind: SpecialKind, values: Values, now: Date = new Date()): QuoteJson {
  const when = flag(values, 'date');
  const { amountMinor: _amount, tableId: _table, ...answer } = quote({
    kind, quantity: countFlag(values, kind === 'fitrah' ? 'people' : 'days'), region: flag(values, 'region'),
    at: when === undefined ? now : parseWhen(when, '--date'),
  });
  return answer;
}

export function kindReport(answer: QuoteJson): string {
  const unit = answer.kind === 'fitrah' ? (answer.quantity === 1 ? 'person' : 'people') : (answer.quantity === 1 ? 'day' : 'days');
  const rows: Array<readonly [string, string]> = [[`${answer.kind} per ${answer.unit}`, answer.unit_price], [`${answer.quantity} ${unit}`, answer.amount]];
  const lines = [`${answer.kind} in ${answer.currency}, region ${answer.region}, on ${answer.on_date}`, ...table(rows),
    `price table: ${answer.table.title} (${answer.table.id}), in effect from ${answer.table.effective_from}${answer.table.verified ? '' : ', figures NOT verified'}`];
  if (answer.rice_kg !== undefined) lines.push(`rice equivalent: ${answer.rice_kg} kg (${answer.rice_liters} l)`);
  if (answer.eid) lines.push(`Eid prayer: ${answer.eid.prayer_local} (1 Syawal ${answer.eid.hijri_year} H, ${answer.eid.basis === 'kemenag' ? 'Kemenag sidang isbat' : 'Umm al-Qura fallback'})`);
  lines.push(`recorded as: ${answer.recorded_as} (ledger fund ${answer.ledger_fund})`, '', answer.explanation);
  return lines.join('\n');
}

/** Answers from the flags: income zakat when --income is given, else zakat on wealth. */
export function zakatFromFlags(values: Values, now: Date = new Date()): WealthAnswer | IncomeAnswer {
  const income = flag(values, 'income');
  if (income !== undefined) {
    return incomeZakat({
      period: choice<IncomePeriod>(values, 'period', ['month', 'year'], 'month'),
      income, other_income: flag(values, 'other-income'), on_date: flag(values, 'date'),
    }, now);
  }
  return wealthZakat({
    currency: flag(values, 'currency') ?? 'IDR',
    nisab_basis: choice<NisabBasis>(values, 'basis', NISAB_BASES, 'gold'),
    gold_price_per_gram: flag(values, 'gold-price'),
    silver_price_per_gram: flag(values, 'silver-price'),
    hawl_complete: values.hawl === true,
    assets: Object.fromEntries(Object.entries(ASSET_FLAGS).map(([name, field]) => [field, flag(values, name)])),
    liabilities: { debts_due: flag(values, 'debts') },
  });
}

export const zakatCommand = {
  summary: 'Calculate zakat on wealth (a flag per asset) or on income (BAZNAS nisab table), with the breakdown',
  usage: [
    'amanah zakat [--currency IDR] [--basis gold|silver] --gold-price P [--silver-price P] [--hawl]',
    '             [--cash A] [--gold-grams G] [--silver-grams G] [--investments A] [--business-inventory A]',
    '             [--receivables A] [--debts A] [--json]',
    'amanah zakat --income A [--other-income A] [--period month|year] [--date YYYY-MM-DD] [--json]',
    'amanah zakat fitrah --people N [--region jabodetabek] [--date YYYY-MM-DD|RFC 3339] [--json]',
    'amanah zakat fidyah --days N [--region jabodetabek] [--date YYYY-MM-DD|RFC 3339] [--json]',
    '',
    'Amounts are decimal text in major units, grams up to 3 decimals; absent assets are zero. Without --hawl no',
    'zakat on wealth is due. Income zakat is in rupiah, against the BAZNAS table in effect on --date (today).',
    'Fitrah and fidyah are people or days × the region\'s decreed price on --date (a date is 00:00 WIB; now when',
    'absent); a fitrah after the Eid prayer (07:00 WIB on 1 Syawal) is sadaqah.',
  ].join('\n'),
  options: zakatCommandOptions,
  async run(_config: unknown, values: Values, positionals: string[] = []): Promise<number> {
    let answer: WealthAnswer | IncomeAnswer | QuoteJson;
    const [mode, ...extra] = positionals;
    if ((mode !== undefined && mode !== 'fitrah' && mode !== 'fidyah') || extra.length > 0) {
      throw new AppError('validation_failed', `the subcommands are "fitrah" and "fidyah", not "${positionals.join(' ')}"`);
    }
    try {
      answer = mode === undefined ? zakatFromFlags(values) : kindFromFlags(mode, values);
    } catch (error) {
      if (error instanceof AppError) throw new AppError(error.code, inFlagNames(error.message), error.extra);
      throw error;
    }
    if (values.json === true) console.log(JSON.stringify(answer, null, 2));
    else console.log('breakdown' in answer ? wealthReport(answer) : 'unit_price' in answer ? kindReport(answer) : incomeReport(answer));
    return 0;
  },
};
