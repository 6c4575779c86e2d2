// /api/imports: staff upload a file, follow the run by id, and download its rejects; the same pipeline as the CLI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { ByteLimit } from '../../src/imports/routes.ts';
import { GDQ_DIRECTORY } from '../helpers/gdq.ts';

const JRDQ = readFileSync(`${GDQ_DIRECTORY}jrdq_donations.csv`);
const GDQ_QUERY = 'currency=USD&map=' + encodeURIComponent('donor_name=donator,donated_at=date');
/** A background import of a small file finishes in well under this. */
const FINISH_POLLS_MAX = 600;
const FINISH_POLL_MS = 50;

describe('imports API', () => {
  let app: TestApp;
  before(async () => {
    app = await createTestApp();
    for (const slug of ['jrdq-http', 'small-http']) await createCampaign(app, { slug, currency: 'USD' });
  });
  after(async () => { await app.close(); });

  const upload = (query: string, payload: string | Buffer, contentType = 'text/csv', token: string | null = app.staffToken) => app.app.inject({
    method: 'POST', url: `/api/imports?${query}`, payload,
    headers: { 'content-type': contentType, ...(token === null ? {} : bearer(token)) },
  });

  async function finished(id: string): Promise<Record<string, unknown>> {
    for (let poll = 0; poll < FINISH_POLLS_MAX; poll += 1) {
      const response = await app.app.inject({ url: `/api/imports/${id}`, headers: bearer(app.staffToken) });
      assert.equal(response.statusCode, 200);
      const run = response.json();
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      await sleep(FINISH_POLL_MS);
    }
    throw new Error(`import ${id} did not finish`);
  }

  test('an uploaded GDQ file is imported in the background, and the same upload again adds nothing', async () => {
    // Proves the upload flow: 202 with an id and Location, progress by id, totals to the cent, exactly once.
    const response = await upload(`campaign=jrdq-http&${GDQ_QUERY}&name=jrdq_donations.csv`, JRDQ);
    assert.equal(response.statusCode, 202, response.body);
    const accepted = response.json();
    assert.equal(response.headers.location, `/api/imports/${accepted.id}`);
    const run = await finished(accepted.id);
    assert.equal(run.status, 'succeeded', String(run.error));
    assert.equal(run.source_name, 'jrdq_donations.csv');
    assert.deepEqual([run.rows_read, run.imported, run.duplicates_skipped, run.rejected, run.bytes_read, run.bytes_total], [1192, 1192, 0, 0, JRDQ.length, JRDQ.length]);
    const campaign = (await app.app.inject('/api/campaigns/jrdq-http')).json();
    assert.deepEqual([campaign.raised, campaign.donation_count], ['25800.33', 1192]);
    const again = await finished((await upload(`campaign=jrdq-http&${GDQ_QUERY}`, JRDQ)).json().id);
    assert.deepEqual([again.status, again.imported, again.duplicates_skipped], ['succeeded', 0, 1192]);
    assert.equal((await app.app.inject('/api/campaigns/jrdq-http')).json().raised, '25800.33');
  });

  test('the rejects of a run download as CSV with line, original line and reason', async () => {
    // Proves that bad rows never stop an upload and that their rejects file is served from the database.
    const csv = 'amount,donor_name\n1.00,A\nabc,B\n"2.50","C, D"\n0,E\n';
    const run = await finished((await upload('campaign=small-http&currency=USD', csv)).json().id);
    assert.deepEqual([run.status, run.imported, run.rejected], ['succeeded', 2, 2]);
    const rejects = await app.app.inject({ url: `/api/imports/${run.id}/rejects`, headers: bearer(app.staffToken) });
    assert.equal(rejects.statusCode, 200);
    assert.equal(rejects.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(rejects.headers['content-disposition']), /attachment; filename="import-\d+-rejects.csv"/);
    const lines = rejects.body.split('\r\n');
    assert.equal(lines[0], 'line,original_line,reason');
    assert.match(lines[1]!, /^3,"abc,B","amount: /);
    assert.match(lines[2]!, /^5,"0,E","amount: must be greater than zero"$/);
    assert.equal(lines.length, 4);
  });

  test('NDJSON uploads import too', async () => {
    // Proves the second content type: application/x-ndjson.
    const body = '{"amount":"3.00","donor_name":"N"}\n{"amount":4,"anonymous":true}\n';
    const run = await finished((await upload('campaign=small-http&currency=USD&status=pending', body, 'application/x-ndjson')).json().id);
    assert.deepEqual([run.status, run.imported], ['succeeded', 2]);
  });

  test('uploads need a staff token, a known content type, a campaign that exists and a valid map', async () => {
    // Proves the up-front refusals, each with its problem code, before anything is recorded or imported.
    const cases: [Awaited<ReturnType<typeof upload>>, number, string][] = [
      [await upload('campaign=small-http&currency=USD', 'amount\n1\n', 'text/csv', null), 401, 'unauthorized'],
      [await upload('campaign=small-http&currency=USD', 'amount\n1\n', 'application/xml'), 415, 'unsupported_media_type'],
      [await upload('campaign=nope&currency=USD', 'amount\n1\n'), 404, 'campaign_not_found'],
      [await upload('campaign=small-http&currency=EUR', 'amount\n1\n'), 422, 'currency_mismatch'],
      [await upload('campaign=small-http&map=who%3Dwhat', 'amount\n1\n'), 400, 'validation_failed'],
      [await upload('campaign=small-http&batch_rows=0', 'amount\n1\n'), 400, 'validation_failed'],
    ];
    for (const [response, status, code] of cases) {
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.json().code, code);
    }
    const missing = await app.app.inject({ url: '/api/imports/999999', headers: bearer(app.staffToken) });
    assert.deepEqual([missing.statusCode, missing.json().code], [404, 'import_not_found']);
  });

  test('a run that cannot read its file fails with the reason, and keeps it', async () => {
    // Proves that a problem found only when reading (a mapped column missing from the header) fails the run visibly.
    const run = await finished((await upload('campaign=small-http&currency=USD&map=donor_name%3Dwho', 'amount\n1\n')).json().id);
    assert.equal(run.status, 'failed');
    assert.match(String(run.error), /no column "who"/);
  });

  test('the upload limit counts bytes as they stream', async () => {
    // Proves the byte limit used for uploads fails the stream past its limit, whatever Content-Length said.
    const limit = new ByteLimit(10);
    const chunks: Buffer[] = [];
    limit.on('data', (chunk: Buffer) => chunks.push(chunk));
    const failed = new Promise((resolve) => limit.on('error', resolve));
    limit.write(Buffer.alloc(6));
    limit.write(Buffer.alloc(6));
    assert.match(String(await failed), /larger than 10 bytes/);
    assert.equal(Buffer.concat(chunks).length, 6);
  });
});
