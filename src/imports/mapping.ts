// Column mapping: which column of the file feeds which field of a donation. `--map donor_name=donator,…` names
// foreign columns; a target not named in the map is read from a column of its own name when there is one. A
// mapping is checked against the CSV header before the first row, so a typo stops the import at once instead
// of rejecting every row.
import type { SourceRecord } from './parse.ts';

/** The donation fields an import can fill. */
export const IMPORT_TARGETS = [
  'amount', 'amount_minor', 'currency', 'donor_name', 'donor_email', 'donor_ref', 'anonymous', 'external_ref',
  'donated_at', 'campaign',
] as const;
export type ImportTarget = (typeof IMPORT_TARGETS)[number];

/** A --map text longer than this is refused; 4 KiB. */
export const MAP_SPEC_CHARS_MAX = 4096;

/** A mapping problem found before any row is read: the import does not start. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

export function isMappingError(error: unknown): error is MappingError {
  return error instanceof MappingError;
}

export type MapSpec = ReadonlyMap<ImportTarget, string>;

function isTarget(name: string): name is ImportTarget {
  return (IMPORT_TARGETS as readonly string[]).includes(name);
}

/** Parses `target=source,target=source`. Column names with a comma or "=" cannot be mapped this way. */
export function parseMapSpec(text: string | undefined): MapSpec {
  const spec = new Map<ImportTarget, string>();
  if (text === undefined || text.trim() === '') return spec;
  if (text.length > MAP_SPEC_CHARS_MAX) throw new MappingError(`--map is longer than ${MAP_SPEC_CHARS_MAX} characters`);
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    const target = pair.slice(0, equals).trim();
    const source = pair.slice(equals + 1).trim();
    if (equals === -1 || source === '') throw new MappingError(`--map: "${pair}" is not target=column`);
    if (!isTarget(target)) throw new MappingError(`--map: unknown target "${target}"; the targets are ${IMPORT_TARGETS.join(', ')}`);
    if (spec.has(target)) throw new MappingError(`--map: "${target}" is mapped twice`);
    spec.set(target, source);
  }
  return spec;
}

/** The text of each mapped field of one record; a field not in the file is undefined. */
export type RowFields = Partial<Record<ImportTarget | 'key', string>>;

/** Reads mapped fields out of records of one file. */
export interface FieldReader {
  /** The targets the file provides (mapped or by name), for checks made before the first row. */
  readonly provides: ReadonlySet<ImportTarget | 'key'>;
  /** Columns of the file that feed no field, in header order (NDJSON has no header: none). */
  readonly unmapped: readonly string[];
  /** The fields of a record, or the reason the record cannot be read. */
  read(record: SourceRecord): RowFields | string;
}

const AMOUNT_ALTERNATIVE: Partial<Record<ImportTarget, ImportTarget>> = { amount: 'amount_minor', amount_minor: 'amount' };

function findColumn(header: readonly string[], name: string): number {
  const exact = header.indexOf(name);
  if (exact !== -1) return exact;
  const lower = name.toLowerCase();
  return header.findIndex((column) => column.toLowerCase() === lower);
}

function requireAmount(provides: ReadonlySet<string>, where: string): void {
  if (provides.has('amount') && provides.has('amount_minor')) {
    throw new MappingError(`${where} provides both amount and amount_minor; map only one`);
  }
}

/** Compiles the mapping against a CSV header: every mapped column must exist, and an amount must be found. */
export function csvFieldReader(header: readonly string[], spec: MapSpec, keyColumn: string | undefined): FieldReader {
  const names = header.map((column) => column.trim());
  const columns: [ImportTarget | 'key', number][] = [];
  for (const target of IMPORT_TARGETS) {
    const source = spec.get(target);
    // Mapping one of the two amount forms explicitly means the other is not read by its name.
    const alternative = AMOUNT_ALTERNATIVE[target];
    if (source === undefined && alternative !== undefined && spec.has(alternative)) continue;
    const index = findColumn(names, source ?? target);
    if (source !== undefined && index === -1) throw new MappingError(`--map ${target}=${source}: the file has no column "${source}"; its columns are ${names.join(', ')}`);
    if (index !== -1) columns.push([target, index]);
  }
  if (keyColumn !== undefined) {
    const index = findColumn(names, keyColumn);
    if (index === -1) throw new MappingError(`--key-column ${keyColumn}: the file has no such column; its columns are ${names.join(', ')}`);
    columns.push(['key', index]);
  }
  const provides = new Set(columns.map(([target]) => target));
  if (!provides.has('amount') && !provides.has('amount_minor')) {
    throw new MappingError(`the file has no amount column; map one with --map amount=COLUMN (its columns are ${names.join(', ')})`);
  }
  requireAmount(provides, 'the file');
  const width = header.length;
  const used = new Set(columns.map(([, index]) => index));
  return {
    provides,
    unmapped: names.filter((name, index) => !used.has(index) && name !== ''),
    read(record) {
      const cells = record.cells!;
      if (cells.length !== width) return `the record has ${cells.length} fields; the header has ${width}`;
      const fields: RowFields = {};
      for (const [target, index] of columns) fields[target] = cells[index];
      return fields;
    },
  };
}

/**
 * NDJSON has no header: a member named by the map (or by the target) is read when present. Whether an amount
 * is present is a per-row matter there, so a row without one is rejected.
 */
export function ndjsonFieldReader(spec: MapSpec, keyColumn: string | undefined): FieldReader {
  const members: [ImportTarget | 'key', string][] = IMPORT_TARGETS.map((target) => [target, spec.get(target) ?? target]);
  if (keyColumn !== undefined) members.push(['key', keyColumn]);
  const provides = new Set<ImportTarget | 'key'>(IMPORT_TARGETS);
  if (keyColumn !== undefined) provides.add('key');
  return {
    provides,
    unmapped: [],
    read(record) {
      const object = record.object!;
      const fields: RowFields = {};
      for (const [target, member] of members) {
        const value = object[member];
        if (value !== undefined) fields[target] = value;
      }
      if (fields.amount !== undefined && fields.amount_minor !== undefined) return 'the object has both amount and amount_minor';
      return fields;
    },
  };
}

/**
 * Words in a column name that suggest a field, for a column the mapping leaves out: a file's "Tanggal" or
 * "Email" that is not imported is most likely a mistake in --map, which the import warns about (or, with
 * --strict, stops for) before the first row. English and Indonesian, the languages of the files amanah meets.
 */
const SUGGESTIONS: readonly [ImportTarget, RegExp][] = [
  ['donated_at', /date|time|tanggal|waktu|when|created|paid/i],
  ['donor_email', /e-?mail|surel/i],
  ['donor_name', /name|nama|donor|donatur|donator|donatee|from|pengirim/i],
  ['amount', /amount|jumlah|nominal|total|sum|value|nilai/i],
  ['currency', /currency|mata.?uang|ccy/i],
  ['external_ref', /ref|transaction|trx|invoice|receipt|kwitansi/i],
  ['anonymous', /anon/i],
];

/** The field each unmapped column's name suggests, among the fields the file does not provide yet. */
export function suggestedTargets(reader: FieldReader): { column: string; target: ImportTarget }[] {
  const suggested: { column: string; target: ImportTarget }[] = [];
  const provides = new Set<string>(reader.provides);
  if (provides.has('amount_minor')) provides.add('amount');
  for (const column of reader.unmapped) {
    const match = SUGGESTIONS.find(([target, pattern]) => !provides.has(target) && pattern.test(column));
    if (match !== undefined) suggested.push({ column, target: match[0] });
  }
  return suggested;
}
