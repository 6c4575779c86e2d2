// Column mapping and per-row validation: what a row must be to become a donation, and the reason it gets if not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvFieldReader, isMappingError, ndjsonFieldReader, parseMapSpec } from '../../src/imports/mapping.ts';
import { prepareRow, type PreparedRow, type ValidationContext } from '../../src/imports/validate.ts';
import type { SourceRecord } from '../../src/imports/parse.ts';
import type { CampaignRow } from '../../src/campaigns/queries.ts';
import { legacyPositionKey, OccurrenceCounter } from '../../src/imports/keys.ts';

const campaign = {
  id: 7n, slug: 'ramadan', currency: 'USD', status: 'active', starts_at: null, ends_at: null,
} as unknown as CampaignRow;
const now = new Date('2026-03-01T00:00:00Z');
const context: ValidationContext = { campaign, campaigns: new Map(), currency: 'USD', now, occurrences: new OccurrenceCounter() };
const freshContext = (): ValidationContext => ({ ...context, occurrences: new OccurrenceCounter() });
const header = ['donator', 'date', 'amount', 'with_comment'];
const reader = csvFieldReader(header, parseMapSpec('donor_name=donator,donated_at=date'), undefined);

function row(cells: string[], ordinal = 1, using: ValidationContext = context): PreparedRow | string {
  const record: SourceRecord = { line: ordinal + 1, raw: cells.join(','), cells, object: undefined, malformed: undefined };
  const fields = reader.read(record);
  return typeof fields === 'string' ? fields : prepareRow(record, fields, using);
}

test('--map parses target=column pairs and refuses unknown targets, duplicates and malformed pairs', () => {
  // Proves the --map grammar and its errors.
  assert.deepEqual([...parseMapSpec(' donor_name = donator , donated_at=date ')], [['donor_name', 'donator'], ['donated_at', 'date']]);
  assert.equal(parseMapSpec(undefined).size, 0);
  for (const bad of ['donor=x', 'amount', 'amount=', 'amount=a,amount=b']) {
    assert.throws(() => parseMapSpec(bad), isMappingError, bad);
  }
});

test('the mapping is checked against the header before any row', () => {
  // Proves that a mapped column missing from the file, or a file with no amount, stops the import at once.
  assert.throws(() => csvFieldReader(header, parseMapSpec('donor_name=donor'), undefined), /no column "donor"/);
  assert.throws(() => csvFieldReader(['name', 'when'], parseMapSpec(''), undefined), /no amount column/);
  assert.throws(() => csvFieldReader(header, parseMapSpec(''), 'reference'), /--key-column reference/);
  assert.deepEqual([...csvFieldReader(header, parseMapSpec('amount_minor=amount'), undefined).provides], ['amount_minor']);
});

test('a GDQ row becomes a donation in minor units, and "(Anonymous)" an anonymous donor', () => {
  // Proves the happy path on the GDQ file's shape, including the key derived from content and occurrence.
  const named = row(['Van Camp, Alex (Lange)', '2017-01-07T04:35:33Z', '5', 'TRUE'], 1, freshContext()) as PreparedRow;
  assert.equal(named.amountMinor, 500n);
  assert.equal(named.donorName, 'Van Camp, Alex (Lange)');
  assert.equal(named.anonymous, false);
  assert.equal(named.donatedAt, '2017-01-07T04:35:33.000Z');
  assert.match(named.key, /^import:7:row:[A-Za-z0-9_-]{22}:1$/);
  const anonymous = row(['(Anonymous)', '2017-01-07T04:11:23Z', '12.34', 'TRUE']) as PreparedRow;
  assert.equal(anonymous.anonymous, true);
  assert.equal(anonymous.donorName, '');
  assert.equal(anonymous.amountMinor, 1234n);
});

test('a row keeps its key wherever it stands in the file; identical rows are told apart by occurrence', () => {
  // Proves the exactly-once key: the same content at another line has the same key in another run, a second
  // identical row in one file has the next occurrence, and other content another key.
  const cells = ['(Anonymous)', '2017-01-07T04:11:23Z', '5', 'TRUE'];
  const run = freshContext();
  const first = row(cells, 10, run) as PreparedRow;
  assert.equal((row([...cells], 900, freshContext()) as PreparedRow).key, first.key);
  const second = row([...cells], 11, run) as PreparedRow;
  assert.equal(second.key, first.key.replace(/:1$/, ':2'));
  assert.equal((row(cells, 12, run) as PreparedRow).key, first.key.replace(/:1$/, ':3'));
  assert.notEqual((row(['(Anonymous)', '2017-01-07T04:11:23Z', '6', 'TRUE'], 10, freshContext()) as PreparedRow).key, first.key);
});

test('bad rows get a reason naming the field', () => {
  // Proves each rejection rule: money, dates, campaign window and currency, text limits, field count.
  const date = '2017-01-07T04:35:33Z';
  const cases: [string[], RegExp][] = [
    [['A', date, 'abc', 'TRUE'], /^amount: .*not a decimal number/],
    [['A', date, '0', 'TRUE'], /^amount: must be greater than zero/],
    [['A', date, '1.234', 'TRUE'], /^amount: .*3 decimals/],
    [['A', date, '-5', 'TRUE'], /^amount: .*negative/],
    [['A', date, '', 'TRUE'], /^amount: the row has no amount/],
    [['A', date, '1,000.00', 'TRUE'], /^amount: /],
    [['A', 'yesterday', '5', 'TRUE'], /^donated_at: /],
    [['A', '2026-03-05T00:00:00Z', '5', 'TRUE'], /^donated_at: .*in the future/],
    [['x'.repeat(201), date, '5', 'TRUE'], /^donor_name: longer than 200/],
    [['A', date, '5'], /has 3 fields; the header has 4/],
    [['A\u0000', date, '5', 'TRUE'], /NUL/],
  ];
  for (const [cells, reason] of cases) assert.match(row(cells) as string, reason, cells.join('|'));
  const idr = { ...context, currency: 'IDR' };
  assert.match(row(['A', date, '5', 'TRUE'], 1, idr) as string, /^currency: campaign "ramadan" takes USD, not IDR/);
  const windowed = { ...context, campaign: { ...campaign, starts_at: new Date('2018-01-01T00:00:00Z') } as CampaignRow };
  assert.match(row(['A', date, '5', 'TRUE'], 1, windowed) as string, /^campaign: .*starts at/);
});

test('a bare date is midnight UTC, and an empty date means now', () => {
  // Proves the two date forms bank exports use besides full timestamps.
  assert.equal((row(['A', '2017-01-07', '5', 'TRUE']) as PreparedRow).donatedAt, '2017-01-07T00:00:00.000Z');
  assert.equal((row(['A', '', '5', 'TRUE']) as PreparedRow).donatedAt, null);
});

test('NDJSON rows read members by target name or map, with exact amounts, emails and flags', () => {
  // Proves the NDJSON reader and the email, anonymous and key-column rules.
  const ndjson = ndjsonFieldReader(parseMapSpec('donor_email=email'), 'ref');
  const record = (object: Record<string, string>): SourceRecord => ({ line: 1, raw: JSON.stringify(object), cells: undefined, object, malformed: undefined });
  const check = (object: Record<string, string>) => {
    const fields = ndjson.read(record(object));
    return typeof fields === 'string' ? fields : prepareRow(record(object), fields, context);
  };
  const good = check({ amount: '10.10', email: 'A@Example.org', anonymous: 'yes', ref: 'TX-1' }) as PreparedRow;
  assert.equal(good.amountMinor, 1010n);
  assert.equal(good.email, 'A@Example.org');
  assert.equal(good.anonymous, true);
  assert.equal(good.key, 'import:7:key:TX-1');
  assert.match(check({ amount: '1', email: 'not-an-email', ref: 'x' }) as string, /^donor_email: /);
  assert.match(check({ amount: '1', anonymous: 'maybe', ref: 'x' }) as string, /^anonymous: /);
  assert.match(check({ amount: '1', ref: ' ' }) as string, /^key: the key column is empty/);
  assert.match(check({ amount: '1', amount_minor: '100', ref: 'x' }) as string, /both amount and amount_minor/);
});

test('a row without a key column is keyed by campaign, the SHA-256 of its fields and its occurrence, stable across versions', () => {
  // Proves the key format never drifts: a file imported by an earlier version must be skipped, not doubled, when
  // imported again. The digest is the one the first released version computed for this row (SHA-256 of the fields
  // joined by U+0000; the first 16 bytes in base64url); that version's key held the position instead of the
  // occurrence, and migration 0009 rewrites such keys into this format (test/imports/keys.test.ts).
  const prepared = row(['Ann', '2017-01-01T00:00:00Z', '5.00', 'TRUE'], 3, freshContext()) as PreparedRow;
  assert.equal(prepared.requestSha256Hex, '0fe2d24863eb714723751bf267024ea1463e734641bab0e2527e4143003129b5');
  assert.equal(prepared.key, 'import:7:row:D-LSSGPrcUcjdRvyZwJOoQ:1');
  assert.equal(legacyPositionKey(7n, 3, prepared.requestSha256Hex), 'import:7:3:D-LSSGPrcUcjdRvyZwJOoQ');
});
