// The hawl page: a shell in Indonesian by default and English by Accept-Language or ?lang=, under the console's
// content security policy, carrying no figures (they come from the staff API through hawl.js), and its script.
// Not driven in chromium here: /usr/bin/chromium is absent on this machine (test/e2e/browser.ts needs it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let test_: TestApp;
before(async () => { test_ = await createTestApp(); });
after(() => test_.close());

test('the hawl page speaks Indonesian or English, says 354 days, and loads its script under the CSP', async () => {
  const indonesian = await test_.app.inject({ url: '/distribution/hawl' });
  assert.equal(indonesian.statusCode, 200);
  assert.match(indonesian.headers['content-type'] as string, /^text\/html/);
  assert.match(indonesian.headers['content-security-policy'] as string, /script-src 'self'/);
  assert.match(indonesian.body, /<html lang="id">/);
  assert.match(indonesian.body, /Haul: zakat belum tersalurkan/);
  assert.match(indonesian.body, /354 hari/);
  // The room's nav (this page current), the way back to the console, the language switch and dark mode.
  assert.match(indonesian.body, /<a href="\/distribution\/hawl" aria-current="page">/);
  for (const href of ['/distribution', '/distribution/mustahik', '/distribution/programs', '/distribution/disbursements', '/console']) assert.ok(indonesian.body.includes(`href="${href}"`), href);
  assert.match(indonesian.body, /<a class="lang" href="\?lang=en"/);
  assert.match(indonesian.body, /<meta name="color-scheme" content="light dark">/);
  const english = await test_.app.inject({ url: '/distribution/hawl', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
  assert.match(english.body, /<html lang="en">/);
  assert.match(english.body, /354 days \(one lunar year\)/);
  const switched = await test_.app.inject({ url: '/distribution/hawl?lang=en' });
  assert.match(switched.headers['set-cookie'] as string, /amanah_lang=en/);
  const script = await test_.app.inject({ url: '/distribution/hawl.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.headers['content-type'] as string, /^text\/javascript/);
  assert.match(script.body, /\/api\/distribution\/hawl/);
  assert.ok(!script.body.includes('innerHTML'), 'rows are written with textContent');
});
