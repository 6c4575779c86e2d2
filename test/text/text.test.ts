// The text and timestamp rules alone: which characters a field refuses and which it keeps, the one email key,
// and RFC 3339 that refuses days and times that do not exist instead of moving them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { emailKey, findTextFault, textProblem } from '../../src/text/text.ts';
import { DONATED_AT_MIN, parseDonatedAt, parseRfc3339 } from '../../src/text/timestamp.ts';
import { WORLD_NAMES } from '../helpers/names.ts';


describe('text rules', () => {
  test('every script and the directional marks are accepted as they are', () => {
    // Proves names are not narrowed to one alphabet and U+200E/U+200F pass.
    for (const name of WORLD_NAMES) assert.equal(textProblem(name), undefined, name);
  });

  test('NUL, other C0 and C1 controls, DEL, bidi overrides and isolates, and lone surrogates are refused', () => {
    // Proves each refused class, in one-line and multi-line fields alike.
    const refused = ['a\u0000b', '\u0001', 'x\u001b[31m', '\u007f', '\u0085', '\u009f', '\u202a', '\u202e', '\u2066', '\u2069', 'a\ud800', '\udc00b'];
    for (const text of refused) {
      assert.ok(textProblem(text, 'line'), JSON.stringify(text));
      assert.ok(textProblem(text, 'multiline'), JSON.stringify(text));
    }
    assert.match(textProblem('abc\u0000')!, /U\+0000/);
    assert.match(textProblem('\u202e')!, /bidirectional/);
  });

  test('tab and line breaks are refused on one line and kept in a multi-line field', () => {
    // Proves the one difference between the two kinds.
    for (const text of ['a\tb', 'a\nb', 'a\r\nb']) {
      assert.ok(textProblem(text, 'line'));
      assert.equal(textProblem(text, 'multiline'), undefined);
    }
    assert.ok(textProblem('a\u2028b', 'line'));
  });

  test('a nested value names the member at fault, and description and reason are multi-line', () => {
    // Proves the walk the HTTP guard uses: member names are checked, the path names the field.
    assert.equal(findTextFault({ name: 'ok', description: 'two\nlines', reason: 'a\tb' }, ''), undefined);
    assert.deepEqual(findTextFault({ name: 'a\nb' }, '')?.field, 'name');
    assert.deepEqual(findTextFault({ rows: [{ x: 'ok' }, { x: '\u0000' }] }, '')?.field, 'rows/1/x');
    assert.deepEqual(findTextFault({ ['k\u0000']: 1 }, '')?.field, 'k\u0000');
    assert.equal(findTextFault(Buffer.from([0]), ''), undefined);
  });

  test('the email key folds ASCII only, so JavaScript and SQL agree on every address', () => {
    // Proves İ, Σ and friends are kept as written while ASCII case still means one donor.
    assert.equal(emailKey('Sam.Public@Example.ORG'), 'sam.public@example.org');
    assert.equal(emailKey('İ@x.org'), 'İ@x.org');
    assert.equal(emailKey('ΑΣ@X.org'), 'ΑΣ@x.org');
    assert.notEqual(emailKey('ı@x'), emailKey('I@x'));
  });
});

describe('RFC 3339 timestamps', () => {
  test('valid timestamps parse to the instant they name, offsets and fractions included', () => {
    // Proves the grammar accepted: seconds required, Z or ±hh:mm, up to nine fraction digits, t/z lower case.
    assert.equal((parseRfc3339('2026-03-20T19:30:00+07:00') as Date).toISOString(), '2026-03-20T12:30:00.000Z');
    assert.equal((parseRfc3339('2024-02-29T23:59:59.123456789Z') as Date).toISOString(), '2024-02-29T23:59:59.123Z');
    assert.equal((parseRfc3339('2026-01-01t00:00:00z') as Date).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal((parseRfc3339('1970-01-01T00:00:00Z') as Date).getTime(), 0);
  });

  test('days, times and offsets that do not exist are refused, not moved', () => {
    // Proves the calendar is checked before any Date is built.
    for (const text of ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z', '2026-12-31T23:59:60Z',
      '2026-01-01T00:00:00+24:00', '2026-01-01T00:00:00+05:60']) {
      assert.equal(typeof parseRfc3339(text), 'string', text);
    }
  });

  test('years outside 1970 to 2100 and loose forms are refused', () => {
    // Proves years 0000, 0001, 9999 and forms Date would take (no seconds, no offset, spaces) are not.
    for (const text of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1969-12-31T23:59:59Z',
      '1970-01-01T00:30:00+01:00', '2101-01-01T00:00:00Z', '2026-01-01T00:00Z', '2026-01-01T00:00:00', '2026-01-01 00:00:00Z',
      '+002026-01-01T00:00:00Z', '2026-1-1T00:00:00Z', ' 2026-01-01T00:00:00Z', '2026-01-01T00:00:00.Z', '2026-01-01T00:00:00.1234567890Z']) {
      assert.equal(typeof parseRfc3339(text), 'string', text);
    }
  });

  test('donated_at lies between 2000-01-01 and 24 hours from now', () => {
    // Proves the documented donated_at range at both ends.
    const now = new Date('2026-06-01T00:00:00Z');
    assert.equal(typeof parseDonatedAt('1999-12-31T23:59:59Z', now), 'string');
    assert.equal((parseDonatedAt('2000-01-01T00:00:00Z', now) as Date).getTime(), DONATED_AT_MIN.getTime());
    assert.ok(parseDonatedAt('2026-06-01T23:59:59Z', now) instanceof Date);
    assert.match(parseDonatedAt('2026-06-02T00:00:01Z', now) as string, /future/);
  });
});
