// The server-rendered dashboard: campaigns grouped by fund and formatted for their currency, untrusted text
// escaped, drafts kept off the public page, and the client files served with validators.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { displayAmount } from '../../src/live/view.ts';
import { formatDisplay } from '../../src/money/index.ts';

let app: TestApp;
before(async () => { app = await createTestApp(); });
after(async () => { await app.close(); });

test('the page shows published campaigns by fund, in their currency, with every campaign text escaped', async () => {
  // Proves: grouping, display formatting per currency, escaping of hostile names, and drafts left out.
  await createCampaign(app, { slug: 'iftar-page', name: 'Iftar <script>alert("x")</script> & "friends"', fund: 'sadaqah', currency: 'IDR', goal: '1000000.00' });
  await createCampaign(app, { slug: 'wells-page', name: 'Wells', fund: 'waqf', currency: 'KWD', goal: '100.000' });
  await createCampaign(app, { slug: 'secret-draft', name: 'Not yet public', fund: 'zakat', currency: 'USD', status: 'draft' });
  const response = await app.app.inject({ method: 'GET', url: '/' });
  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-security-policy'] as string, /script-src 'self'/);
  const body = response.body;
  assert.ok(body.includes('Iftar &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;friends&quot;'));
  assert.ok(!body.includes('<script>alert'));
  assert.ok(body.includes(formatDisplay(100_000_000n, 'IDR', 'id-ID')), 'the goal in Indonesian format (no Accept-Language: Indonesian)');
  assert.ok(body.includes('KWD'));
  assert.ok(!body.includes('Not yet public'), 'drafts are not on the public page');
  assert.ok(body.indexOf('data-fund="sadaqah"') < body.indexOf('data-fund="waqf"'), 'funds in their fixed order');
  assert.match(body, /<section class="fund" data-fund="zakat"[^>]*hidden>/, 'a fund with nothing public is hidden');
});

test('the page speaks the viewer\'s language, follows the system dark mode and isolates names of either direction', async () => {
  // Proves: Accept-Language picks Indonesian or English, ?lang= switches and is remembered in a cookie, money is
  // shown one way for the locale whatever the currency, and right-to-left names cannot reorder the text around them.
  await createCampaign(app, { slug: 'sadaqah-rtl', name: 'صدقة جارية', fund: 'sadaqah', currency: 'USD', goal: '500.00' });
  const indonesian = await app.app.inject({ method: 'GET', url: '/', headers: { 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' } });
  assert.match(indonesian.body, /<html lang="id">/);
  assert.match(indonesian.body, /<h2 id="campaigns-heading" tabindex="-1">Kampanye<\/h2>/);
  assert.match(indonesian.body, /<body data-locale="id-ID">/);
  assert.match(indonesian.body, /<a class="lang" href="\?lang=en" lang="en" hreflang="en">English<\/a>/);
  assert.ok(indonesian.body.includes(`terkumpul dari ${formatDisplay(50_000n, 'USD', 'id-ID')}`), 'USD in the Indonesian money format');
  assert.match(indonesian.body, /<meta name="color-scheme" content="light dark">/);
  assert.match(indonesian.body, /<h4 id="campaign-\d+-name" data-field="name" dir="auto">صدقة جارية<\/h4>/);
  assert.match(indonesian.body, /<bdi>صدقة جارية<\/bdi>/);
  assert.match(indonesian.body, /<script type="application\/json" id="messages">\{"page.title":"amanah: total kampanye"/);
  assert.match(indonesian.headers.vary as string, /accept-language/);

  const english = await app.app.inject({ method: 'GET', url: '/?lang=en', headers: { 'accept-language': 'id' } });
  assert.match(english.body, /<html lang="en">/);
  assert.match(english.body, /<h2 id="campaigns-heading" tabindex="-1">Campaigns<\/h2>/);
  assert.match(english.body, /<body data-locale="en-GB">/);
  assert.ok(english.body.includes(`raised of ${formatDisplay(50_000n, 'USD', 'en-GB')}`), 'USD in the English money format');
  assert.match(english.headers['set-cookie'] as string, /^amanah_lang=en; Path=\/;/);
  const remembered = await app.app.inject({ method: 'GET', url: '/', headers: { 'accept-language': 'id', cookie: 'amanah_lang=en' } });
  assert.match(remembered.body, /<html lang="en">/);

  const css = (await app.app.inject({ method: 'GET', url: '/dashboard.css' })).body;
  assert.match(css, /@media \(prefers-color-scheme: dark\)/);
});

test('amounts are shown in a locale that suits their currency', () => {
  // Proves: the display locale table (Latin digits throughout, the currency's own conventions where they read well).
  assert.equal(displayAmount(150_000_050n, 'IDR'), 'Rp\u00a01.500.000,50');
  assert.equal(displayAmount(1_234_500n, 'KWD'), 'KWD\u00a01,234.500');
  assert.equal(displayAmount(3_000n, 'JPY'), '¥3,000');
  assert.equal(displayAmount(125_050n, 'USD'), '$1,250.50');
});

test('the client script and styles are served with an ETag and answer 304 when unchanged', async () => {
  // Proves: no build step (the files are served as written) and cheap revalidation on every page load.
  for (const [url, type] of [['/dashboard.js', 'text/javascript'], ['/dashboard.css', 'text/css']] as const) {
    const first = await app.app.inject({ method: 'GET', url });
    assert.equal(first.statusCode, 200);
    assert.ok((first.headers['content-type'] as string).startsWith(type));
    const etag = first.headers.etag as string;
    const again = await app.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
  }
  const script = (await app.app.inject({ method: 'GET', url: '/dashboard.js' })).body;
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(script), 'the client never parses text as HTML');
});
