// The app's shared surface: health, readiness, metrics, the OpenAPI document, docs, the dashboard page,
// and problem details for routes, bodies and limits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, createCampaign, type TestApp } from '../helpers/app.ts';
import { ErrorCodes } from '../../src/errors.ts';

describe('app surface', () => {
  let t: TestApp;
  before(async () => { t = await createTestApp(); });
  after(async () => { await t.close(); });

  test('healthz, readyz and metrics answer', async () => {
    // Proves liveness, readiness against the database, and Prometheus text with HTTP and pool series.
    assert.deepEqual((await t.app.inject('/healthz')).json(), { status: 'ok' });
    const ready = (await t.app.inject('/readyz')).json();
    assert.equal(ready.status, 'ready');
    assert.equal(ready.database, t.database.engine);
    await t.app.inject('/api/campaigns');
    const metrics = await t.app.inject('/metrics');
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /amanah_http_request_duration_seconds_count\{method="GET",route="\/api\/campaigns",status_code="200"\} 1/);
    assert.match(metrics.body, /amanah_db_pool_max \d+/);
    assert.match(metrics.body, /process_resident_memory_bytes/);
  });

  test('the OpenAPI document lists every API route and the errors page every error code', async () => {
    // Proves the served documentation is generated from the same schemas and registry the code uses.
    const document = (await t.app.inject('/api/openapi.json')).json();
    assert.equal(document.openapi.startsWith('3.'), true);
    for (const path of ['/api/campaigns', '/api/campaigns/{id}', '/api/campaigns/{id}/summary', '/api/campaigns/{id}/donations',
      '/api/donations', '/api/donations/{id}', '/api/donations/{id}/approve', '/api/donations/{id}/reject', '/api/donations/{id}/refund']) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
    const docs = (await t.app.inject('/docs/errors')).body;
    for (const code of Object.keys(ErrorCodes)) assert.ok(docs.includes(`id="error-${code}"`), code);
  });

  test('the errors page is in the viewer\'s language: Accept-Language, then the cookie, then the switch', async () => {
    // Proves /docs/errors negotiates as the console does, titles every code in that language, and keeps every anchor.
    const page = async (headers: Record<string, string>, query = '') => {
      const response = await t.app.inject({ url: `/docs/errors${query}`, headers });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers.vary), /accept-language/);
      return response;
    };
    const indonesian = (await page({ 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' })).body;
    assert.match(indonesian, /<html lang="id">/);
    assert.match(indonesian, /<a href="\/docs\/errors\?lang=en" lang="en" hreflang="en">English<\/a>/);
    // "sama sekali" reads as "at all": the repeated request is said in so many words.
    assert.ok(indonesian.includes('permintaan ulang dengan kunci dan isi yang sama mengembalikan donasi pertama dengan 200'), 'the idempotency sentence');
    assert.ok(!indonesian.includes('sama sekali'));
    const english = (await page({ 'accept-language': 'en-GB,en;q=0.9' })).body;
    assert.match(english, /<html lang="en">/);
    assert.match(english, /<a href="\/docs\/errors\?lang=id" lang="id" hreflang="id">Bahasa Indonesia<\/a>/);
    const row = (body: string, code: string) => new RegExp(`<tr id="error-${code}">[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
    for (const [code, entry] of Object.entries(ErrorCodes)) {
      const title = (text: string) => text.replaceAll('&', '&amp;').replaceAll("'", '&#39;');
      assert.ok(row(indonesian, code).includes(`<td>${title(entry.titleId)}</td>`), `id ${code}`);
      assert.ok(row(indonesian, code).includes(`<td lang="en">${title(entry.title)}</td>`), `id ${code}: the problem's English title beside it`);
      assert.ok(row(english, code).includes(`<td>${title(entry.title)}</td>`), `en ${code}`);
      assert.ok(!row(english, code).includes(entry.titleId), `en ${code}: no Indonesian`);
    }
    assert.match((await page({})).body, /<html lang="id">/, 'Indonesian when nothing is asked for');
    assert.match((await page({ 'accept-language': 'en', cookie: 'amanah_lang=id' })).body, /<html lang="id">/, 'the cookie beats the header');
    const switched = await page({ 'accept-language': 'id', cookie: 'amanah_lang=id' }, '?lang=en');
    assert.match(switched.body, /<html lang="en">/, 'the switch beats both');
    assert.match(String(switched.headers['set-cookie']), /^amanah_lang=en; Path=\//);
  });

  test('every error code is documented in the README and the README names no stale code', () => {
    // Proves the README's error table and the registry agree both ways.
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((match) => match[1]));
    assert.deepEqual([...documented].sort(), Object.keys(ErrorCodes).sort());
    for (const [code, entry] of Object.entries(ErrorCodes)) {
      assert.ok(readme.includes(`| \`${code}\` | ${entry.status} |`), `${code} documented with status ${entry.status}`);
    }
  });

  test('unknown routes, oversized bodies and non-JSON bodies are problem details', async () => {
    // Proves the error handler covers Fastify's own errors with registry codes.
    const missing = await t.app.inject('/api/nothing-here');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'not_found');
    const big = await t.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'big', 'content-type': 'application/json' }, payload: `{"x":"${'a'.repeat(2 * 1024 * 1024)}"}` });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'payload_too_large');
    const text = await t.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'txt', 'content-type': 'text/plain' }, payload: 'hello' });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().code, 'unsupported_media_type');
    const broken = await t.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'bad', 'content-type': 'application/json' }, payload: '{"campaign_id":' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().code, 'validation_failed');
  });

  test('the dashboard lists campaigns with formatted totals and escapes their text', async () => {
    // Proves the page renders campaign names as text, never as markup.
    await createCampaign(t, { slug: 'escape-me', name: '<script>alert(1)</script> & "friends"', currency: 'JPY', goal: '100000' });
    const page = await t.app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;'));
    assert.ok(!page.body.includes('<script>alert(1)'));
    assert.match(page.body, /¥0/);
  });
});
