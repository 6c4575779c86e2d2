// Input an adversary sends is refused with a 4xx problem naming the field, and nothing is written: NUL and other
// control or bidi characters in any field or path, days that do not exist, cursors beyond bigint, bad
// percent-encoding, amounts and totals past their limits; while names in every script round-trip exactly,
// through the API and through an import, and donors whose email lower-cases differently in SQL can give.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { WORLD_NAMES } from '../helpers/names.ts';
import { AMOUNT_MINOR_MAX } from '../../src/money/index.ts';

const WRITTEN_TABLES = ['donations', 'donors', 'donation_status_changes', 'campaigns', 'imports'] as const;

describe('hostile input', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'open', currency: 'IDR' });
    await createCampaign(t, { slug: 'full', currency: 'IDR' });
    await createCampaign(t, { slug: 'names', currency: 'IDR' });
  });
  after(async () => { await t.close(); });

  /** Row counts and campaign totals: what a refused request must leave exactly as it was. */
  async function snapshot(): Promise<string> {
    const counts = [];
    for (const table of WRITTEN_TABLES) {
      const { rows } = await t.database.query<{ count: bigint }>(`select count(*) as count from ${table}`);
      counts.push(`${table}=${rows[0]!.count}`);
    }
    const { rows } = await t.database.query<{ raised: string }>("select string_agg(raised_minor::text || '/' || donation_count, ',' order by id) as raised from campaigns");
    return `${counts.join(' ')} ${rows[0]!.raised}`;
  }

  function assertProblem(response: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string, field?: string): void {
    assert.equal(response.statusCode, status, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    const problem = JSON.parse(response.body);
    assert.equal(problem.code, code, response.body);
    if (field !== undefined) assert.equal(problem.field, field, response.body);
  }

  const good = { campaign_id: 'open', amount: '10000', currency: 'IDR' };

  test('control, bidi override and isolate characters in any donation field are a 400 naming the field', async () => {
    // Proves each text field of POST /api/donations, NUL first, and that nothing is written for any of them.
    const start = await snapshot();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, external_ref: 'ref\u0000' }, 'external_ref'],
      [{ ...good, donor_email: 'a\u0000@x.org' }, 'donor_email'],
      [{ ...good, campaign_id: 'op\u0000en' }, 'campaign_id'],
      [{ ...good, donor_name: 'Sam\u202eevil' }, 'donor_name'],
      [{ ...good, donor_name: 'Sam\u2066x\u2069' }, 'donor_name'],
      [{ ...good, donor_name: 'line\nbreak' }, 'donor_name'],
      [{ ...good, donor_name: 'bell\u0007' }, 'donor_name'],
      [{ ...good, donor_name: 'c1\u0085' }, 'donor_name'],
      [{ ...good, donor_name: 'lone\ud800' }, 'donor_name'],
      [{ ...good, currency: 'ID\u0000' }, 'currency'],
    ];
    for (const [body, field] of cases) assertProblem(await donate(t, body), 400, 'validation_failed', field);
    assert.equal(await snapshot(), start);
  });

  test('a NUL in a path, a bad percent-encoding and a cursor above bigint are 400s from the registry', async () => {
    // Proves path parameters, Fastify's own URL errors and cursors never reach the database unchecked.
    const start = await snapshot();
    assertProblem(await t.app.inject('/api/campaigns/%00'), 400, 'validation_failed', 'id');
    assertProblem(await t.app.inject('/api/campaigns/open%00/summary'), 400, 'validation_failed', 'id');
    assertProblem(await t.app.inject('/api/donations/1%00'), 400, 'validation_failed', 'id');
    assertProblem(await t.app.inject({ method: 'POST', url: '/api/donations/%00/approve', headers: bearer(t.staffToken) }), 400, 'validation_failed', 'id');
    assertProblem(await t.app.inject('/api/campaigns/%E0%A4%A'), 400, 'validation_failed', 'path');
    assertProblem(await t.app.inject('/api/campaigns/%ff'), 400, 'validation_failed', 'path');
    assertProblem(await t.app.inject('/api/campaigns/open/donations?before=9223372036854775808'), 400, 'validation_failed', 'before');
    assertProblem(await t.app.inject('/api/campaigns/open/donations?before=9999999999999999999'), 400, 'validation_failed', 'before');
    assertProblem(await t.app.inject('/api/campaigns?after=9999999999999999999'), 400, 'validation_failed', 'after');
    assertProblem(await t.app.inject({ url: '/api/imports/9999999999999999999', headers: bearer(t.staffToken) }), 404, 'import_not_found');
    assertProblem(await t.app.inject({ url: '/api/donations/9999999999999999999', headers: bearer(t.staffToken) }), 404, 'donation_not_found');
    assertProblem(await t.app.inject('/api/campaigns?status=%00'), 400, 'validation_failed', 'status');
    assertProblem(await t.app.inject({ url: '/api/analytics', headers: bearer(`amanah_9999999999999999999_${'A'.repeat(43)}`) }), 401, 'unauthorized');
    assert.equal((await t.app.inject('/api/campaigns/open/donations?before=9223372036854775807')).statusCode, 200);
    assert.equal(await snapshot(), start);
  });

  test('what the HTTP parser itself refuses (a NUL in a header, a malformed request line, huge headers) is problem+json too', async () => {
    // Proves Fastify's clientError path answers in the registry's terms, over a real socket.
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = new URL(address);
    const raw = async (request: string) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.end(request);
      let answer = '';
      for await (const chunk of socket) answer += String(chunk);
      return answer;
    };
    for (const [request, status, code] of [
      ['GET /api/campaigns HTTP/1.1\r\nHost: x\r\nX-Note: a\u0000b\r\n\r\n', 400, 'validation_failed'],
      ['NOT-HTTP\r\n\r\n', 400, 'validation_failed'],
      [`GET /api/campaigns HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
    ] as const) {
      const answer = await raw(request);
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `), answer.slice(0, 200));
      assert.match(answer, /content-type: application\/problem\+json/i);
      assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).code, code);
    }
  });

  test('campaign text, staff reasons and the Idempotency-Key follow the same rules; descriptions and reasons may span lines', async () => {
    // Proves the rule on campaign create and patch, reject and refund reasons, and the key header.
    const start = await snapshot();
    const admin = bearer(t.adminToken);
    const create = (body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/campaigns', headers: admin, payload: { slug: 'x-new', fund: 'sadaqah', currency: 'IDR', name: 'n', ...body } });
    assertProblem(await create({ name: 'Ramadan\u0000' }), 400, 'validation_failed', 'name');
    assertProblem(await create({ description: 'ok\n\u202e' }), 400, 'validation_failed', 'description');
    assertProblem(await create({ slug: 'x\u0000' }), 400, 'validation_failed', 'slug');
    assertProblem(await t.app.inject({ method: 'PATCH', url: '/api/campaigns/open', headers: admin, payload: { name: 'a\u001b[2J' } }), 400, 'validation_failed', 'name');
    assertProblem(await t.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'k\u0000' }, payload: good }), 400, 'validation_failed');
    const donation = (await donate(t, good)).json();
    const mid = await snapshot();
    assertProblem(await t.app.inject({ method: 'POST', url: `/api/donations/${donation.id}/reject`, headers: bearer(t.staffToken), payload: { reason: 'dup\u0000' } }), 400, 'validation_failed', 'reason');
    assert.equal(await snapshot(), mid);
    const rejected = await t.app.inject({ method: 'POST', url: `/api/donations/${donation.id}/reject`, headers: bearer(t.staffToken), payload: { reason: 'duplicate of\n\tbank line 7' } });
    assert.equal(rejected.statusCode, 200, rejected.body);
    const described = await create({ slug: 'multi-line', description: 'Line one\nLine two\r\n\tindented' });
    assert.equal(described.statusCode, 201, described.body);
    assert.equal(described.json().description, 'Line one\nLine two\r\n\tindented');
    assert.notEqual(await snapshot(), start);
  });

  test('dates that do not exist, years 0000, 0001 and 9999, and loose forms are refused, not moved', async () => {
    // Proves donated_at, campaign windows and report ranges are strict RFC 3339 within the documented range.
    const start = await snapshot();
    for (const donated_at of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T10:00:00Z',
      '2026-01-01T24:00:00Z', '2026-01-01T10:00Z', '1999-12-31T23:59:59Z', '2099-01-01T00:00:00Z', '2026-01-01T00:00:00+25:00']) {
      assertProblem(await donate(t, { ...good, donated_at }), 400, 'validation_failed', 'donated_at');
    }
    const admin = bearer(t.adminToken);
    assertProblem(await t.app.inject({ method: 'PATCH', url: '/api/campaigns/open', headers: admin, payload: { ends_at: '2026-02-30T00:00:00Z' } }), 400, 'validation_failed', 'ends_at');
    for (const query of ['from=2026-02-30', 'to=2026-01-01T24:00:00Z', 'from=0000-01-01', 'to=9999-12-31']) {
      assertProblem(await t.app.inject({ url: `/api/exports/donations.csv?${query}`, headers: bearer(t.staffToken) }), 400, 'validation_failed');
    }
    for (const on_date of ['2026-02-30', '0000-01-01', '0001-01-01', '9999-12-31']) {
      assertProblem(await t.app.inject({ method: 'POST', url: '/api/zakat/income', payload: { period: 'month', income: '9000000', on_date } }), 400, 'validation_failed', 'on_date');
    }
    assert.equal(await snapshot(), start);
    const dated = await donate(t, { ...good, donated_at: '2024-02-29T23:59:59+07:00' });
    assert.equal(dated.statusCode, 201, dated.body);
    assert.equal(dated.json().donated_at, '2024-02-29T16:59:59.000Z');
  });

  test('an amount above the per-donation maximum is a 422 naming the amount', async () => {
    // Proves DONATION_AMOUNT_MAJOR_MAX: one trillion major units is taken, a cent more is not.
    const start = await snapshot();
    assertProblem(await donate(t, { ...good, amount: '1000000000000.01' }), 422, 'invalid_amount', 'amount');
    assertProblem(await donate(t, { ...good, amount: '92233720368547758.08' }), 422, 'invalid_amount', 'amount');
    assert.equal(await snapshot(), start);
    assert.equal((await donate(t, { ...good, amount: '1000000000000.00' })).statusCode, 201);
  });

  test('a numeric query parameter past the range of a double is a 400 naming it, on every documented list', async () => {
    // Proves src/http/coercing-validator.ts: Ajv coerces "1e309" to Infinity and lets it pass integer and maximum.
    const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: { type?: unknown } }[] }>>;
    };
    let checked = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      if (path.includes('{') || operations.get === undefined) continue;
      const numeric = (operations.get.parameters ?? []).filter((parameter) => parameter.in === 'query'
        && ['integer', 'number'].some((type) => [parameter.schema?.type].flat().includes(type)));
      for (const parameter of numeric) {
        for (const value of ['1e309', '-1e309']) {
          const response = await t.app.inject({ method: 'GET', url: `${path}?${parameter.name}=${value}`, headers: bearer(t.adminToken) });
          assertProblem(response, 400, 'validation_failed');
          assert.match(JSON.parse(response.body).detail, new RegExp(`${parameter.name} must be a finite number`));
          checked += 1;
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} numeric query parameters were found in the document`);
  });

  test('an approval that would overflow a campaign total is a 422 total_overflow, alone, with nothing written', async () => {
    // Proves SQLSTATE 22003 from the totals update is the request's own 422, also when batched with a good one.
    const staff = bearer(t.staffToken);
    await t.database.query("update campaigns set raised_minor = $1 where slug = 'full'", [AMOUNT_MINOR_MAX - 50n]);
    const poisoned = (await donate(t, { campaign_id: 'full', amount: '1.00', currency: 'IDR' })).json();
    const fine = (await donate(t, good)).json();
    const start = await snapshot();
    assertProblem(await t.app.inject({ method: 'POST', url: `/api/donations/${poisoned.id}/approve`, headers: staff }), 422, 'total_overflow');
    assert.equal(await snapshot(), start);
    const [overflowing, approved] = await Promise.all([
      t.app.inject({ method: 'POST', url: `/api/donations/${poisoned.id}/approve`, headers: staff }),
      t.app.inject({ method: 'POST', url: `/api/donations/${fine.id}/approve`, headers: staff }),
    ]);
    assertProblem(overflowing, 422, 'total_overflow');
    assert.equal(approved.statusCode, 200, approved.body);
    const pending = (await t.app.inject({ url: `/api/donations/${poisoned.id}`, headers: staff })).json();
    assert.equal(pending.status, 'pending');
    const history = (await t.app.inject({ url: `/api/donations/${poisoned.id}/history`, headers: staff })).json();
    assert.deepEqual(history.history, [], "no status change was recorded");
    await t.database.query("update campaigns set raised_minor = 0 where slug = 'full'");
  });

  test('donors whose email lower-cases differently in JavaScript and SQL can give, and are one donor each', async () => {
    // Proves the ASCII-only email key (migration 0007): İ, final sigma and friends, twice each, one donors row.
    for (const email of ['İ@example.org', 'ΑΣ@example.org', 'straße@Example.org', 'ǅ@x.org']) {
      for (let gift = 0; gift < 2; gift += 1) {
        const response = await donate(t, { ...good, donor_email: gift === 0 ? email : email.replace('example', 'EXAMPLE'), donor_name: 'Donor' });
        assert.equal(response.statusCode, 201, `${email}: ${response.body}`);
      }
      const { rows } = await t.database.query<{ count: bigint }>('select count(*) as count from donors where email_key(email) = email_key($1)', [email]);
      assert.equal(rows[0]!.count, 1n, email);
    }
  });

  test('names in every script round-trip exactly through the API and through an import', async () => {
    // Proves Arabic, Indonesian, Turkish, Greek, CJK and RTL-marked names come back byte for byte.
    for (const name of WORLD_NAMES) {
      const response = await donate(t, { campaign_id: 'names', amount: '1', currency: 'IDR', donor_name: name, external_ref: `ref ${name}` });
      assert.equal(response.statusCode, 201, response.body);
      const read = (await t.app.inject({ url: `/api/donations/${response.json().id}`, headers: bearer(t.staffToken) })).json();
      assert.equal(read.donor_name, name);
      assert.equal(read.external_ref, `ref ${name}`);
    }
    const lines = WORLD_NAMES.map((name, index) => JSON.stringify({ amount: '2', donor_name: name, external_ref: `imp-${index}` }));
    lines.push(JSON.stringify({ amount: '3', donor_name: 'bidi\u202e' }), JSON.stringify({ amount: '3', donated_at: '2026-02-30' }));
    const upload = await t.app.inject({
      method: 'POST', url: '/api/imports?campaign=names&currency=IDR&status=pending', payload: `${lines.join('\n')}\n`,
      headers: { 'content-type': 'application/x-ndjson', ...bearer(t.staffToken) },
    });
    assert.equal(upload.statusCode, 202, upload.body);
    const run = await finished(upload.json().id);
    assert.deepEqual([run.status, run.imported, run.rejected], ['succeeded', WORLD_NAMES.length, 2]);
    const rejects = (await t.app.inject({ url: `/api/imports/${run.id}/rejects`, headers: bearer(t.staffToken) })).body;
    assert.match(rejects, /donor_name: contains a bidirectional override/);
    assert.match(rejects, /donated_at: .*does not exist/);
    const { rows } = await t.database.query<{ donor_name: string; external_ref: string }>(
      "select d.donor_name, d.external_ref from donations d where d.external_ref like 'imp-%' order by d.external_ref");
    const imported = new Map(rows.map((row) => [row.external_ref, row.donor_name]));
    WORLD_NAMES.forEach((name, index) => assert.equal(imported.get(`imp-${index}`), name));
    // And as CSV, quoted the way a spreadsheet writes it.
    const csv = `amount,donor_name,external_ref\n${WORLD_NAMES.map((name, index) => `2,"${name}",csv-${index}`).join('\n')}\n`;
    const csvUpload = await t.app.inject({
      method: 'POST', url: '/api/imports?campaign=names&currency=IDR&status=pending', payload: csv,
      headers: { 'content-type': 'text/csv', ...bearer(t.staffToken) },
    });
    const csvRun = await finished(csvUpload.json().id);
    assert.deepEqual([csvRun.status, csvRun.imported, csvRun.rejected], ['succeeded', WORLD_NAMES.length, 0]);
    const fromCsv = await t.database.query<{ donor_name: string; external_ref: string }>(
      "select donor_name, external_ref from donations where external_ref like 'csv-%'");
    const byRef = new Map(fromCsv.rows.map((row) => [row.external_ref, row.donor_name]));
    WORLD_NAMES.forEach((name, index) => assert.equal(byRef.get(`csv-${index}`), name));
  });

  async function finished(id: string): Promise<Record<string, unknown>> {
    for (let poll = 0; poll < 600; poll += 1) {
      const run = (await t.app.inject({ url: `/api/imports/${id}`, headers: bearer(t.staffToken) })).json();
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      await sleep(50);
    }
    throw new Error(`import ${id} did not finish`);
  }
});
