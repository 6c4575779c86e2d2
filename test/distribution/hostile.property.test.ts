// Generated hostile requests at every distribution route, with a staff token: random code points (NUL, controls,
// lone surrogates) and wrong types in JSON fields, ids and query values, huge numbers. No answer is a 5xx and
// every refusal is problem+json with a registered code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { ErrorCodes } from '../../src/errors.ts';

/** Each run is one request: a few hundred stay within seconds on either engine. */
const RUNS = 300;

const ROUTES: readonly (readonly ['GET' | 'POST' | 'PATCH', string])[] = [
  ['POST', '/api/distribution/mustahik'], ['GET', '/api/distribution/mustahik'], ['GET', '/api/distribution/mustahik/:id'],
  ['PATCH', '/api/distribution/mustahik/:id'], ['POST', '/api/distribution/programs'], ['GET', '/api/distribution/programs'],
  ['PATCH', '/api/distribution/programs/:id'], ['POST', '/api/distribution/disbursements'], ['GET', '/api/distribution/disbursements'],
  ['GET', '/api/distribution/disbursements/:id'], ['POST', '/api/distribution/disbursements/:id/approve'],
  ['POST', '/api/distribution/disbursements/:id/pay'], ['POST', '/api/distribution/disbursements/:id/reject'],
  ['POST', '/api/distribution/disbursements/:id/cancel'], ['GET', '/api/distribution/hawl'], ['GET', '/distribution/hawl'],
  // The console's pages, read with the staff token as the page script asks for them.
  ['GET', '/distribution'], ['GET', '/distribution/mustahik'], ['GET', '/distribution/programs'], ['GET', '/distribution/disbursements'],
  ['GET', '/distribution/mustahik/:id'],
];

/** A lone surrogate has no UTF-8 form: it is sent as the bytes a broken client would send. */
function encodeId(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

let test_: TestApp;
before(async () => {
  test_ = await createTestApp();
  // Rows for the ids '1' and '2' to exist (a person, an institution), so a well-formed change reaches the SQL.
  for (const payload of [{ kind: 'person', name: 'Siti', nik: '3273011508850001', asnaf: ['fakir'], region: 'Bandung', verification: 'verified' },
    { kind: 'institution', name: 'Panti', asnaf: ['miskin'], region: 'Bogor' }]) {
    const made = await test_.app.inject({ method: 'POST', url: '/api/distribution/mustahik', headers: bearer(test_.staffToken), payload });
    assert.equal(made.statusCode, 201, made.body);
  }
});
after(() => test_.close());

const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '0', '1', '2', '-1', '9223372036854775808', '99999999999999999999', '1e309', 'NaN', '\u0000', '\ud800', '3174055203900002', '2026-02-30', 'zakat', 'fakir'),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileText, { maxLength: 3 }));
const fields = ['kind', 'name', 'nik', 'asnaf', 'region', 'verification', 'evidence_notes', 'fund', 'social', 'status', 'program_id',
  'mustahik_id', 'campaign_id', 'amount', 'purpose', 'reference', 'reason'];
const body = fc.dictionary(fc.constantFrom(...fields), hostileValue, { maxKeys: 8 });
const query = fc.dictionary(fc.constantFrom('asnaf', 'verification', 'status', 'campaign', 'program', 'mustahik', 'limit', 'before', 'fund', 'as_of', 'lang'), hostileText, { maxKeys: 3 });

test('no distribution route answers a 5xx or an unregistered code to hostile input', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...ROUTES), hostileText, query, body, async ([method, path], id, search, payload) => {
    const url = `${path.replace(':id', encodeId(id) || '1')}?${new URLSearchParams(search as Record<string, string>)}`;
    const response = await test_.app.inject({ method, url, headers: bearer(test_.staffToken), ...(method === 'GET' ? {} : { payload: payload as Record<string, unknown> }) });
    assert.ok(response.statusCode < 500, `${method} ${url} ${JSON.stringify(payload)}: ${response.statusCode} ${response.body}`);
    if (response.statusCode >= 400) {
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
      assert.ok(response.json().code in ErrorCodes, response.body);
    }
  }), { numRuns: RUNS });
});
