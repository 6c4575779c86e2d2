// The CSV writer and the COPY → CRLF rewrite on their own: quoting as COPY quotes, and CRLF record ends however
// the input is cut into chunks.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { CopyCsvToCrlf, csvField, csvRecord, UTF8_BOM } from '../../src/exports/csv.ts';

async function rewrite(chunks: readonly Buffer[], prefix?: Buffer): Promise<string> {
  return (await buffer(Readable.from(chunks).pipe(new CopyCsvToCrlf(prefix)))).toString('utf8');
}

describe('csv', () => {
  test('a field is quoted exactly when it holds a comma, a quote, CR or LF, or is empty', () => {
    // Proves the writer follows COPY's CSV quoting, so both engines write the same bytes.
    assert.equal(csvField(null), '');
    assert.equal(csvField(''), '""');
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvRecord(['1', null, 'x,y']), '1,,"x,y"\r\n');
  });

  test('LF record ends become CRLF and line breaks inside quotes stay, wherever the chunks are cut', async () => {
    // Proves the rewrite carries its quote state across chunk boundaries, including between doubled quotes.
    const input = Buffer.from('id,name\n1,"a ""quoted""\nname"\n2,plain\n3,"x\r\ny"\n', 'utf8');
    const expected = 'id,name\r\n1,"a ""quoted""\nname"\r\n2,plain\r\n3,"x\r\ny"\r\n';
    assert.equal(await rewrite([input]), expected);
    for (let cut = 0; cut <= input.length; cut += 1) {
      assert.equal(await rewrite([input.subarray(0, cut), input.subarray(cut)]), expected, `cut at ${cut}`);
    }
    assert.equal(await rewrite([...input].map((byte) => Buffer.from([byte]))), expected);
    assert.equal(await rewrite([input], UTF8_BOM), `\ufeff${expected}`);
  });

  test('records written by csvRecord with LF ends rewrite to exactly the csvRecord text', async () => {
    // Proves, for random text, that rewriting COPY-style output gives what the paged writer writes.
    fc.assert(fc.asyncProperty(fc.array(fc.array(fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), { minLength: 1, maxLength: 4 }), { maxLength: 6 }), fc.nat(), async (rows, seed) => {
      const crlf = rows.map((row) => csvRecord(row)).join('');
      const lf = rows.map((row) => `${row.map(csvField).join(',')}\n`).join('');
      const bytes = Buffer.from(lf, 'utf8');
      const cut = bytes.length === 0 ? 0 : seed % bytes.length;
      assert.equal(await rewrite([bytes.subarray(0, cut), bytes.subarray(cut)]), crlf);
    }), { numRuns: 200, seed: 4180 });
  });
});
