// Generated hostile requests at every route: random code points (NUL, controls, bidi overrides, lone surrogates)
// and bad percent-encodings in paths, query strings, headers and JSON fields, wrong types, huge numbers and dates
// that do not exist. No answer is a 5xx, every refusal is problem+json with a registered code, and a refused
// request leaves every row count and campaign total as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { ErrorCodes } from '../../src/errors.ts';

/** Runs per engine: each is one request and two snapshots, so a run stays within seconds. */
const RUNS = Number(process.env.AMANAH_HOSTILE_RUNS ?? 400);
/** A streaming answer (server-sent events) that was accepted is cut after this; it got its 200. */
const STREAM_CUT_MS = 300;

/** Every route of the app (app.printRoutes()); `:id` and `:name` are filled by the generator. */
const ROUTES: readonly (readonly [method: 'GET' | 'POST' | 'PATCH', path: string])[] = [
  ['GET', '/'], ['GET', '/api/campaigns'], ['POST', '/api/campaigns'], ['GET', '/api/campaigns/:id'],
  ['PATCH', '/api/campaigns/:id'], ['GET', '/api/campaigns/:id/summary'], ['GET', '/api/campaigns/:id/donations'],
  ['GET', '/api/campaigns/:id/analytics'], ['POST', '/api/donations'], ['GET', '/api/donations/:id'],
  ['GET', '/api/donations/:id/history'], ['POST', '/api/donations/:id/approve'], ['POST', '/api/donations/:id/reject'],
  ['POST', '/api/donations/:id/refund'], ['GET', '/api/openapi.json'], ['GET', '/api/observer/snapshot'],
  ['GET', '/api/observer/stream'], ['GET', '/api/observer/history'], ['POST', '/api/observer/heap-snapshot'],
  ['POST', '/api/observer/profile'], ['GET', '/api/live'], ['POST', '/api/live/ticket'], ['GET', '/api/live/stats'],
  ['POST', '/api/zakat/calculate'], ['POST', '/api/zakat/income'], ['GET', '/api/zakat/nisab-tables'],
  ['POST', '/api/zakat/pay'], ['POST', '/api/imports'], ['GET', '/api/imports/:id'], ['GET', '/api/imports/:id/rejects'],
  ['GET', '/api/exports/donations.csv'], ['GET', '/api/analytics'], ['GET', '/healthz'], ['GET', '/readyz'],
  ['GET', '/metrics'], ['GET', '/docs'], ['GET', '/dashboard.js'], ['GET', '/dashboard.css'], ['GET', '/observer'],
  ['GET', '/observer/assets/:name'], ['GET', '/zakat'], ['POST', '/zakat'], ['POST', '/zakat/pay'],
  ['GET', '/campaigns/:id/analytics'],
];
/** Routes that stream until the client leaves. */
const STREAMING = new Set(['/api/live', '/api/observer/stream']);
/** Browser form pages: a refusal the handler catches is shown on the page (HTML, same status), for a person. */
const HTML_FORMS = new Set(['/zakat', '/zakat/pay']);
/** Routes that take seconds of CPU on success (a profile, a heap snapshot): never sent an admin token. */
const HEAVY = new Set(['/api/observer/profile', '/api/observer/heap-snapshot']);

const FIELDS = ['campaign_id', 'amount', 'currency', 'donor_name', 'donor_email', 'anonymous', 'external_ref', 'donated_at',
  'slug', 'name', 'description', 'fund', 'goal', 'status', 'starts_at', 'ends_at', 'reason', 'nisab_basis', 'hawl_complete',
  'assets', 'liabilities', 'period', 'on_date', 'income', 'seconds', 'limit', 'before', 'after', 'from', 'to', 'tz',
  'min_amount', 'map', 'key_column', 'batch_rows', 'ticket', 'since', 'bom', 'campaign', 'cash', 'gold_grams'];

/** Text an adversary would try: any code point, the refused ones on purpose, lookalikes of valid values. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\u202e', '\u2066x\u2069', '\ud800', '\u0085', '\u001b[2J', '\n', '\t', '\u200f', 'İ@x.org', 'ΑΣ@x.org'),
  fc.constantFrom('open', 'names', '1', '2', '0', '-1', '9223372036854775807', '9223372036854775808', '99999999999999999999', '1e400', 'NaN'),
  fc.constantFrom('IDR', 'USD', 'KWD', 'idr', 'XXX', 'approved', 'pending', 'zakat', 'sadaqah', 'month', 'year', 'gold', 'Asia/Jakarta', 'Mars/Base'),
  fc.constantFrom('2026-02-30', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '0000-01-01T00:00:00Z', '0001-01-01', '9999-12-31T23:59:59Z',
    '2026-03-01T00:00:00+07:00', '2026-03-01', '2026-13-01', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z'),
  fc.constantFrom('100', '0.01', '1000000000000.00', '92233720368547758.07', '92233720368547758.08', '1.234', '-5', '', ' ', '00', '1e3'),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    hostileText, fc.integer(), fc.double(), fc.constantFrom(1e308, -0, 2 ** 63, Number.MAX_SAFE_INTEGER + 2), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), hostileText), tie('value'), { maxKeys: 3 })),
})).value;

const validDonation = { campaign_id: 'open', amount: '100', currency: 'IDR' };
const jsonBody = fc.oneof(
  // A valid donation with one or two members replaced: the closest an attacker gets to the write path.
  fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 2 }).map((changes) => ({ ...validDonation, ...changes })),
  fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), hostileText), hostileValue, { maxKeys: 6 }),
  hostileValue,
).map((value) => JSON.stringify(value));
const rawBody = fc.oneof(jsonBody, fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('{', '{"a":', '[]', 'null', '"\\u0000"', '{"__proto__":{"x":1}}', 'amount\n1\n'));

/** Percent-encodes every UTF-8 byte, or leaves a raw (possibly broken) escape in on purpose. */
const pathSegment = fc.oneof(
  hostileText.map((text) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('1', '2', '3', 'open', 'names', '%', '%zz', '%ff', '%00', '%E0%A4%A', '%C0%AF', '..', '9999999999999999999', 'a%2Fb', 'main.js'),
);
const encode = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
const queryString = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), hostileText), hostileText), { maxLength: 4 })
  .map((pairs) => pairs.map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&'));
const visibleAscii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 40 });

const hostileRequest = fc.record({
  route: fc.constantFrom(...ROUTES),
  segment: pathSegment,
  query: fc.option(queryString, { nil: undefined }),
  body: fc.option(rawBody, { nil: undefined }),
  contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/csv', 'application/x-ndjson', 'text/plain', 'application/x-www-form-urlencoded', 'x/\u00ff'),
  auth: fc.constantFrom('none', 'staff', 'admin', 'garbage', 'huge-id'),
  key: fc.option(fc.oneof(visibleAscii, fc.constantFrom('', ' ', 'k'.repeat(300))), { nil: undefined }),
});

/** A valid request for each write route; the near-valid generator replaces a member or two of it. */
const VALID: readonly { method: 'POST' | 'PATCH'; path: string; body: Record<string, unknown>; key?: true }[] = [
  { method: 'POST', path: '/api/donations', body: validDonation, key: true },
  { method: 'POST', path: '/api/donations', body: { ...validDonation, donor_name: 'Siti', donor_email: 's@example.org', external_ref: 'bank-1', donated_at: '2026-03-01T10:00:00+07:00' }, key: true },
  { method: 'POST', path: '/api/zakat/pay', body: { campaign_id: 'names', amount: '2500', currency: 'IDR', donor_name: 'Fulan' }, key: true },
  { method: 'POST', path: '/api/campaigns', body: { slug: 'gen', name: 'Generated', fund: 'sadaqah', currency: 'IDR', description: 'two\nlines', goal: '100.00', starts_at: '2026-01-01T00:00:00Z' } },
  { method: 'PATCH', path: '/api/campaigns/open', body: { name: 'Open', description: 'text' } },
  { method: 'POST', path: '/api/donations/1/reject', body: { reason: 'duplicate' } },
  { method: 'POST', path: '/api/donations/2/refund', body: { reason: 'chargeback' } },
  { method: 'POST', path: '/api/donations/1/approve', body: {} },
  { method: 'POST', path: '/api/zakat/calculate', body: { currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1500000', hawl_complete: true, assets: { cash: '120000000', gold_grams: '10' }, liabilities: { debts_due: '2000000' } } },
  { method: 'POST', path: '/api/zakat/income', body: { period: 'month', income: '9000000', on_date: '2024-08-17' } },
];

/** Staff sending a valid request with one or two members (or the Idempotency-Key) made hostile. */
let keySerial = 0;
const nearValidRequest = fc.constantFrom(...VALID).chain((valid) => fc.record({
  valid: fc.constant(valid),
  // Mostly the route's own members with hostile text, so the request passes the schema and reaches the handler.
  changes: fc.dictionary(fc.constantFrom(...(Object.keys(valid.body).length > 0 ? Object.keys(valid.body) : FIELDS)),
    fc.oneof({ weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: hostileValue }), { minKeys: 1, maxKeys: 2 }),
  key: fc.oneof(visibleAscii, hostileText),
}));

describe('hostile requests at every route', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'open', currency: 'IDR' });
    await createCampaign(t, { slug: 'names', currency: 'IDR', fund: 'zakat' });
    const staff = bearer(t.staffToken);
    for (let index = 0; index < 3; index += 1) {
      const created = (await donate(t, { ...validDonation, donor_email: `d${index}@example.org` })).json();
      if (index > 0) await t.app.inject({ method: 'POST', url: `/api/donations/${created.id}/approve`, headers: staff });
    }
  });
  after(async () => { await t.close(); });

  /** Row counts of every table a request can write, and the campaign totals. */
  async function snapshot(): Promise<string> {
    const { rows } = await t.database.query<{ state: string }>(`select concat_ws(' ',
      (select count(*) from donations), (select count(*) from donors), (select count(*) from donation_status_changes),
      (select count(*) from campaigns), (select count(*) from imports), (select count(*) from api_tokens),
      (select string_agg(raised_minor || '/' || donation_count || '/' || status || '/' || updated_at, ',' order by id) from campaigns)) as state`);
    return rows[0]!.state;
  }

  async function importsSettled(): Promise<void> {
    for (let poll = 0; poll < 200; poll += 1) {
      const { rows } = await t.database.query<{ count: bigint }>("select count(*) as count from imports where status in ('receiving', 'running')");
      if (rows[0]!.count === 0n) return;
      await sleep(25);
    }
  }

  /** The answer's invariants: below 500, a registered problem when refused, and a refusal wrote nothing. */
  async function checkAnswer(response: { statusCode: number; headers: Record<string, unknown>; body: string; json(): { code: string; status: number } }, what: string, template: string, before_: string): Promise<void> {
    assert.ok(response.statusCode < 500, `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`);
    if (response.statusCode === 202) await importsSettled();
    if (response.statusCode >= 400 && !(HTML_FORMS.has(template) && /^text\/html/.test(String(response.headers['content-type'])))) {
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, `${what} → ${response.body.slice(0, 200)}`);
      const problem = response.json();
      assert.ok(problem.code in ErrorCodes, problem.code);
      assert.equal(problem.status, response.statusCode);
    }
    if (response.statusCode >= 400) assert.equal(await snapshot(), before_, `${what} was refused (${response.statusCode}) but wrote`);
  }

  test('a valid write with hostile members is answered below 500, and a refusal writes nothing', async () => {
    // Proves the write routes' handlers (past their schemas) refuse hostile members before anything is written.
    await fc.assert(fc.asyncProperty(nearValidRequest, async ({ valid, changes, key }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...bearer(valid.path.includes('campaigns') ? t.adminToken : t.staffToken) };
      // A header value Node cannot send (a control character) is not a request anyone can make: the key then goes in the body.
      if (valid.key) headers['idempotency-key'] = /^[\t\x20-\x7e\x80-\xff]*$/.test(key) && key.trim() !== '' ? key : `k-${keySerial++}`;
      const payload = JSON.stringify({ ...valid.body, ...changes });
      const before_ = await snapshot();
      const response = await t.app.inject({ method: valid.method, url: valid.path, headers, payload });
      await checkAnswer(response, `${valid.method} ${valid.path} ${payload}`, valid.path, before_);
    }), { numRuns: RUNS, endOnFailure: true });
  });

  test('no 5xx, every refusal a registered problem, and nothing written by a refused request', async () => {
    // Proves every route, whatever arrives in its path, query, headers and body, answers below 500 in the registry's terms.
    await fc.assert(fc.asyncProperty(hostileRequest, async (request) => {
      const [method, template] = request.route;
      const url = template.replace(/:(id|name)/, request.segment) + (request.query === undefined ? '' : `?${request.query}`);
      const token = request.auth === 'staff' ? t.staffToken : request.auth === 'admin' && !HEAVY.has(template) ? t.adminToken : request.auth === 'garbage' ? 'amanah_1_garbage' : request.auth === 'huge-id' ? `amanah_9999999999999999999_${'A'.repeat(43)}` : undefined;
      const headers: Record<string, string> = { ...(token ? bearer(token) : {}), ...(request.key === undefined ? {} : { 'idempotency-key': request.key }) };
      if (request.body !== undefined) headers['content-type'] = request.contentType;
      const before_ = await snapshot();
      const response = await t.app.inject({
        method, url, headers, ...(request.body === undefined || method === 'GET' ? {} : { payload: request.body }),
        ...(STREAMING.has(template) ? { signal: AbortSignal.timeout(STREAM_CUT_MS) } : {}),
      }).catch((error: unknown) => {
        // Only a stream we cut ourselves may end without an answer.
        if (STREAMING.has(template) && error instanceof Error && /abort/i.test(`${error.name} ${error.message}`)) return undefined;
        throw error;
      });
      if (response === undefined) return;
      await checkAnswer(response, `${method} ${url} ${request.body ?? ''}`, template, before_);
    }), { numRuns: RUNS, endOnFailure: true });
  });
});
