// SQL for the donations export. Every cell is made text in SQL, so that PostgreSQL's COPY can stream the CSV
// without a row passing through JavaScript, and the paged path (PGlite) writes the very same text:
//   amounts     decimal strings in major units, by integer division in SQL, equal to money's formatAmount;
//   timestamps  ISO 8601 in UTC with milliseconds, as the JSON API writes them (Date.toISOString);
//   free text   donor names and external references that begin with = + - @, tab or CR get a leading
//               apostrophe (OWASP's advice against CSV formula injection), so no spreadsheet runs them.
import type { Queryable } from '../db/database.ts';
import { currencyExponent, isCurrencyCode } from '../money/index.ts';

export type ExportStatus = 'pending' | 'approved' | 'rejected' | 'refunded';
export const EXPORT_STATUSES: readonly ExportStatus[] = ['pending', 'approved', 'rejected', 'refunded'];

export const EXPORT_COLUMNS = [
  'id', 'campaign_slug', 'donated_at', 'amount', 'currency', 'status', 'source', 'donor_name', 'external_ref', 'created_at',
] as const;

export interface ExportFilter {
  campaignId?: bigint | undefined;
  status?: ExportStatus | undefined;
  /** donated_at >= from */
  from?: Date | undefined;
  /** donated_at < to */
  to?: Date | undefined;
}

/** Places a value in SQL text: as a `$n` parameter, or (for COPY, which takes none) as a quoted literal. */
export type Bind = (value: string) => string;

export function parameterBinder(params: unknown[]): Bind {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

/**
 * A standard-conforming string literal. Only ever given text amanah made itself from validated input (a bigint's
 * digits, a status from the fixed list, Date.toISOString), so doubling quotes is the whole of the escaping.
 */
export const literalBinder: Bind = (value) => `'${value.replaceAll("'", "''")}'`;

/** Formula triggers per OWASP: = + - @, tab (0x09) and carriage return (0x0D). */
const FORMULA_TRIGGERS_SQL = `('=', '+', '-', '@', chr(9), chr(13))`;

/** `expression`, with a leading apostrophe when its first character would start a spreadsheet formula. */
export function neutralisedSql(expression: string): string {
  return `case when left(${expression}, 1) in ${FORMULA_TRIGGERS_SQL} then '''' || ${expression} else ${expression} end`;
}

/** A timestamptz as ISO 8601 in UTC with milliseconds, the text of Date.prototype.toISOString. */
export function isoTimestampSql(expression: string): string {
  return `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

let exponentGroups: ReadonlyMap<number, readonly string[]> | undefined;

/**
 * Every ISO 4217 code the money module knows, grouped by its exponent. The groups are read from
 * currencyExponent itself (all 17,576 three-letter codes are asked once, in about 15 ms) so that the SQL and
 * formatAmount share one table instead of two that could drift apart.
 */
function currenciesByExponent(): ReadonlyMap<number, readonly string[]> {
  if (exponentGroups) return exponentGroups;
  const groups = new Map<number, string[]>();
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const first of letters) for (const second of letters) for (const third of letters) {
    const code = first + second + third;
    if (!isCurrencyCode(code)) continue;
    const exponent = currencyExponent(code);
    groups.set(exponent, [...(groups.get(exponent) ?? []), code]);
  }
  exponentGroups = groups;
  return groups;
}

/** `amount` (bigint minor units) / 10^exponent as text with exactly `exponent` decimals, as formatScaled. */
function scaledTextSql(amount: string, exponent: number): string {
  if (exponent === 0) return `(${amount})::text`;
  const unit = (10n ** BigInt(exponent)).toString();
  // bigint division truncates toward zero, so the sign is written once and both parts come from abs().
  return `case when ${amount} < 0 then '-' else '' end || (abs(${amount}) / ${unit})::text || '.' || ` +
    `lpad((abs(${amount}) % ${unit})::text, ${exponent}, '0')`;
}

/**
 * The SQL of formatAmount(amount, currency): the currency's exponent is chosen by a CASE over the codes of
 * each exponent, the most common exponent (2) being the ELSE. A code the money module does not know (none can
 * be stored through amanah) falls to the ELSE branch, where formatAmount would throw.
 */
export function amountTextSql(amount: string, currency: string): string {
  const groups = [...currenciesByExponent()].sort((a, b) => b[1].length - a[1].length);
  const [common, ...others] = groups;
  const branches = others.map(([exponent, codes]) =>
    `when ${currency} in (${codes.map((code) => `'${code}'`).join(', ')}) then ${scaledTextSql(amount, exponent)}`);
  return `case ${branches.join(' ')} else ${scaledTextSql(amount, common![0])} end`;
}

/** The export's SELECT: one text column per CSV column, plus the numeric id first for keyset paging. */
export function exportSelectSql(filter: ExportFilter, bind: Bind): string {
  const conditions = ['true'];
  if (filter.campaignId !== undefined) conditions.push(`d.campaign_id = ${bind(filter.campaignId.toString())}::bigint`);
  if (filter.status !== undefined) conditions.push(`d.status = ${bind(filter.status)}`);
  if (filter.from !== undefined) conditions.push(`d.donated_at >= ${bind(filter.from.toISOString())}::timestamptz`);
  if (filter.to !== undefined) conditions.push(`d.donated_at < ${bind(filter.to.toISOString())}::timestamptz`);
  // An anonymous donor's name is kept for the charity's own records but never exported; '' becomes NULL so
  // that the CSV has one kind of empty cell.
  // The name and flag are the donation's own (migration 0005): a later gift of the same donor changes neither.
  const donorName = `(case when d.donor_anonymous then null else nullif(d.donor_name, '') end)`;
  return `select d.id::text as id, c.slug as campaign_slug,
      ${isoTimestampSql('d.donated_at')} as donated_at,
      ${amountTextSql('d.amount_minor', 'd.currency')} as amount,
      d.currency::text as currency, d.status, d.source,
      ${neutralisedSql(donorName)} as donor_name,
      ${neutralisedSql(`nullif(d.external_ref, '')`)} as external_ref,
      ${isoTimestampSql('d.created_at')} as created_at
    from donations d
    join campaigns c on c.id = d.campaign_id
    where ${conditions.join(' and ')}`;
}

/** The query the COPY runs, with literals (parameters are not allowed in COPY); benchmarks hand it to psql. */
export function exportQuerySql(filter: ExportFilter): string {
  return `${exportSelectSql(filter, literalBinder)} order by d.id`;
}

/** The whole export as one COPY statement. */
export function exportCopySql(filter: ExportFilter): string {
  return `copy (${exportQuerySql(filter)}) to stdout with (format csv, header)`;
}

export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | null>;

/** One page of the export after `afterId`, in id order (keyset on the primary key). */
export async function exportPage(db: Queryable, filter: ExportFilter, afterId: bigint, limit: number): Promise<ExportRow[]> {
  const params: unknown[] = [];
  const bind = parameterBinder(params);
  const select = exportSelectSql(filter, bind);
  const { rows } = await db.query<ExportRow>(
    `${select} and d.id > ${bind(afterId.toString())}::bigint order by d.id limit ${bind(String(limit))}::integer`, params);
  return rows;
}
