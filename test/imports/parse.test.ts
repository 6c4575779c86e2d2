// The import parsers: CSV per RFC 4180 and NDJSON, read from byte streams cut at any point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IMPORT_RECORD_CHARS_MAX, readRecords, type ImportFormat, type SourceRecord } from '../../src/imports/parse.ts';

async function records(input: string | Uint8Array, format: ImportFormat = 'csv', chunkBytes = 0): Promise<SourceRecord[]> {
  const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
  const chunks = chunkBytes === 0 ? [bytes] : Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, index) => bytes.subarray(index * chunkBytes, (index + 1) * chunkBytes));
  const out: SourceRecord[] = [];
  const progress = { bytesRead: 0 };
  for await (const batch of readRecords(chunks, format, progress)) out.push(...batch);
  assert.equal(progress.bytesRead, bytes.length);
  return out;
}

const view = (list: SourceRecord[]) => list.map((record) => ({ line: record.line, raw: record.raw, cells: record.cells, malformed: record.malformed }));

test('quoted fields keep commas, doubled quotes and line breaks, and line numbers count the breaks inside quotes', async () => {
  // Proves the RFC 4180 cases: quotes, "" escapes, CRLF and LF inside quotes, empty fields, and where each record starts.
  const text = 'name,amount\r\n"Van Camp, Alex",5\r\n"say ""hi""",6\r\n"two\r\nlines",7\r\n"three\nlines\nhere",8\r\n,\r\n""," "\r\n';
  assert.deepEqual(view(await records(text)), [
    { line: 1, raw: 'name,amount', cells: ['name', 'amount'], malformed: undefined },
    { line: 2, raw: '"Van Camp, Alex",5', cells: ['Van Camp, Alex', '5'], malformed: undefined },
    { line: 3, raw: '"say ""hi""",6', cells: ['say "hi"', '6'], malformed: undefined },
    { line: 4, raw: '"two\r\nlines",7', cells: ['two\r\nlines', '7'], malformed: undefined },
    { line: 6, raw: '"three\nlines\nhere",8', cells: ['three\nlines\nhere', '8'], malformed: undefined },
    { line: 9, raw: ',', cells: ['', ''], malformed: undefined },
    { line: 10, raw: '""," "', cells: ['', ' '], malformed: undefined },
  ]);
});

test('a byte order mark is dropped, LF and CRLF files read alike, and blank lines are skipped but counted', async () => {
  // Proves BOM handling, both line endings, a missing final line break, and that blank lines keep line numbers true.
  const lf = '\uFEFFa,b\n1,2\n\n3,4';
  const crlf = '\uFEFFa,b\r\n1,2\r\n\r\n3,4\r\n';
  for (const text of [lf, crlf]) {
    assert.deepEqual((await records(text)).map((record) => [record.line, record.cells]), [[1, ['a', 'b']], [2, ['1', '2']], [4, ['3', '4']]]);
  }
});

test('a malformed record is reported alone and the rows after it are still read', async () => {
  // Proves resynchronisation: a stray character after a closing quote, and an unclosed quote at the end, each cost one record.
  const text = 'a,b\n1,"bad"q,x\n2,ok\n3,"never closed\n4,fine\n';
  const result = view(await records(text));
  assert.deepEqual(result.map((record) => [record.line, record.cells ?? null, record.malformed !== undefined]), [
    [1, ['a', 'b'], false], [2, null, true], [3, ['2', 'ok'], false], [4, null, true], [5, ['4', 'fine'], false],
  ]);
  assert.equal(result[1]!.raw, '1,"bad"q,x');
  assert.match(result[1]!.malformed!, /after a closing quote/);
  assert.match(result[3]!.malformed!, /never closed/);
});

test('a quote inside an unquoted field is kept as a character', async () => {
  // Proves the lenient reading of `5" screen` that real exports produce.
  assert.deepEqual((await records('a,b\n5" screen,x\n'))[1]!.cells, ['5" screen', 'x']);
});

test('a record longer than the limit is rejected without holding the rest of the file', async () => {
  // Proves the record size bound: an unclosed quote cannot make the parser buffer the whole file.
  const long = `a\n"${'x'.repeat(IMPORT_RECORD_CHARS_MAX + 10)}\nnext\n`;
  const result = await records(long, 'csv', 4096);
  assert.match(result[1]!.malformed!, /longer than/);
  assert.deepEqual(result.at(-1)!.cells, ['next']);
});

test('invalid UTF-8 becomes U+FFFD instead of stopping the import', async () => {
  // Proves decoding is lenient, as the GDQ files (which contain U+FFFD) need.
  const bytes = Buffer.concat([Buffer.from('a\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
  assert.deepEqual((await records(bytes))[1]!.cells, ['\uFFFD\uFFFD']);
});

test('records are the same however the stream is cut, multi-byte characters included', async () => {
  // Proves chunk-boundary safety: every cut of the input (into 1..64-byte pieces) parses to the same records.
  const text = '\uFEFFdonator,amount\r\n"Ahmad, \u00e9\u00e8 \ud83d\ude00",5.00\r\n"q""\r\nq",6\r\nplain,7\r\n"bad"x\r\n8,9';
  const whole = view(await records(text));
  for (let size = 1; size <= 64; size += 1) assert.deepEqual(view(await records(text, 'csv', size)), whole, `chunk size ${size}`);
});

test('any CSV written by the RFC 4180 rules reads back to the same fields', async () => {
  // Proves the writer/reader round trip on generated fields with quotes, commas and line breaks.
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', '\u00e9'), maxLength: 8 });
  await fc.assert(fc.asyncProperty(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 17 }), async (rows, cut) => {
    const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const text = `h1,h2\r\n${rows.map((row) => row.map(quote).join(',')).join('\r\n')}\r\n`;
    const read = await records(text, 'csv', cut);
    assert.deepEqual(read.slice(1).map((record) => record.cells), rows);
  }), { numRuns: 200 });
});

test('NDJSON lines become objects whose numbers keep their exact text', async () => {
  // Proves NDJSON: exact number text (money never passes through a float), CRLF, blank lines, bad lines reported.
  const text = '{"amount": 10.10, "donor_name": "A", "big": 12345678901234567890}\r\n\r\n[1]\n{oops\n{"anonymous": true, "x": null, "o": {"k": 1}}';
  const result = await records(text, 'ndjson', 7);
  assert.deepEqual(result.map((record) => [record.line, record.object ?? null, record.malformed === undefined]), [
    [1, { amount: '10.10', donor_name: 'A', big: '12345678901234567890' }, true],
    [3, null, false],
    [4, null, false],
    [5, { anonymous: 'true', o: '{"k":"1"}' }, true],
  ]);
});
