// The error registry speaks both languages: every code has an English and an Indonesian title, the Indonesian one
// really translated (not empty, not the English copied across), and errorTitle gives the one the reader asked for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, errorTitle, type ErrorCode } from '../src/errors.ts';

test('every code has a non-empty Indonesian title that is not its English title', () => {
  for (const [code, entry] of Object.entries(ErrorCodes)) {
    assert.ok(entry.title.trim().length > 0, `${code}: English title`);
    assert.ok(entry.titleId.trim().length > 0, `${code}: Indonesian title`);
    assert.notEqual(entry.titleId, entry.title, `${code}: the Indonesian title is the English one`);
  }
});

test('errorTitle answers in the locale asked for', () => {
  for (const code of Object.keys(ErrorCodes) as ErrorCode[]) {
    assert.equal(errorTitle(code, 'en'), ErrorCodes[code].title, code);
    assert.equal(errorTitle(code, 'id'), ErrorCodes[code].titleId, code);
  }
  assert.equal(errorTitle('receipt_not_found', 'id'), 'Bukti setor tidak ditemukan');
  assert.equal(errorTitle('receipt_not_found', 'en'), 'No such receipt');
});
