// The distribution room's staff pages (/distribution, /mustahik, /programs, /disbursements) on a real database:
// without a token each is a 401 shell that holds no row; with a staff token each is 200 with its rows, in
// Indonesian by default or by Accept-Language and in English by Accept-Language or ?lang=; NIKs are masked and no
// page carries one in full; names are dir="auto"; amounts are formatted for the locale from minor units; and the
// registry pages by keyset as the API does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { maskNik } from '../../src/distribution/nik.ts';
import { formatDisplay } from '../../src/money/index.ts';
import { PAGE_ROWS } from '../../src/distribution/routes.ts';

/** A woman born 12 March 1990 in Jakarta Selatan (day 12 + 40). */
const NIK = '3174055203900002';
const PAGES = ['/distribution', '/distribution/mustahik', '/distribution/programs', '/distribution/disbursements'] as const;

let t: TestApp;

async function post(url: string, payload: Record<string, unknown>): Promise<Record<string, string>> {
  const response = await t.app.inject({ method: 'POST', url, headers: bearer(t.staffToken), payload });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

before(async () => {
  t = await createTestApp();
  const campaign = await createCampaign(t, { slug: 'pages-zakat', name: 'Zakat Ramadan', fund: 'zakat' });
  const mustahik = await post('/api/distribution/mustahik', { kind: 'person', name: 'Siti Rahmawati', nik: NIK, asnaf: ['fakir'], region: 'DKI Jakarta', verification: 'verified' });
  const program = await post('/api/distribution/programs', { name: 'Bantuan pangan', fund: 'zakat', asnaf: ['fakir', 'miskin'] });
  await post('/api/distribution/disbursements', { program_id: program.id, mustahik_id: mustahik.id, campaign_id: campaign.id, asnaf: 'fakir', amount: '125000' });
});
after(() => t.close());

test('without a token each page is a 401 shell with its script and no row; a bad token is a 401 problem', async () => {
  for (const url of PAGES) {
    const shell = await t.app.inject({ url });
    assert.equal(shell.statusCode, 401, url);
    assert.match(shell.headers['content-type'] as string, /^text\/html/, url);
    assert.match(shell.headers['www-authenticate'] as string, /^Bearer/, url);
    assert.match(shell.headers['content-security-policy'] as string, /script-src 'self'/, url);
    assert.match(shell.body, /<script src="\/distribution\/distribution.js" defer><\/script>/, url);
    assert.match(shell.body, /id="room-signed-out"/, url);
    for (const secret of ['Siti Rahmawati', 'Bantuan pangan', NIK, maskNik(NIK)]) assert.ok(!shell.body.includes(secret), `${url} shell carries ${secret}`);
    const wrong = await t.app.inject({ url, headers: bearer('amanah_1_not-a-real-token') });
    assert.equal(wrong.statusCode, 401, url);
    assert.equal(wrong.json().code, 'unauthorized', url);
  }
  const script = await t.app.inject({ url: '/distribution/distribution.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.headers['content-type'] as string, /^text\/javascript/);
  assert.ok(!script.body.includes('innerHTML'), 'texts are written with textContent');
});

test('a staff token gets each page 200, in Indonesian by default and by Accept-Language, English by Accept-Language or ?lang=', async () => {
  for (const url of PAGES) {
    const page = await t.app.inject({ url, headers: bearer(t.staffToken) });
    assert.equal(page.statusCode, 200, `${url}: ${page.body}`);
    assert.match(page.body, /<html lang="id">/, url);
    assert.match(page.body, /<meta name="color-scheme" content="light dark">/, url);
    assert.match(page.body, /Penyaluran/, url);
    assert.equal(page.headers['cache-control'], 'no-store', url);
    const indonesian = await t.app.inject({ url, headers: { ...bearer(t.staffToken), 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' } });
    assert.match(indonesian.body, /<html lang="id">/, url);
    const english = await t.app.inject({ url, headers: { ...bearer(t.staffToken), 'accept-language': 'en-GB,en;q=0.9' } });
    assert.match(english.body, /<html lang="en">/, url);
    assert.match(english.body, /Distribution/, url);
    assert.match(english.body, /hreflang="id">Bahasa Indonesia</, url);
  }
  const switched = await t.app.inject({ url: '/distribution/mustahik?lang=en', headers: bearer(t.staffToken) });
  assert.match(switched.body, /<html lang="en">/);
  assert.match(switched.headers['set-cookie'] as string, /amanah_lang=en/);
  const index = await t.app.inject({ url: '/distribution', headers: bearer(t.staffToken) });
  for (const href of ['/distribution/mustahik', '/distribution/programs', '/distribution/disbursements', '/distribution/hawl']) assert.match(index.body, new RegExp(`href="${href}"`));
});

test('the registry masks the NIK, and no page carries it in full; names are dir=auto', async () => {
  const registry = await t.app.inject({ url: '/distribution/mustahik', headers: bearer(t.staffToken) });
  assert.match(registry.body, /<span dir="auto">Siti Rahmawati<\/span>/);
  assert.ok(registry.body.includes(maskNik(NIK)), 'the masked NIK is listed');
  assert.match(registry.body, /id="mustahik-form"/);
  assert.match(registry.body, /id="f-nik-error"/);
  for (const url of PAGES) {
    const page = await t.app.inject({ url, headers: bearer(t.staffToken) });
    assert.ok(!page.body.includes(NIK), `${url} carries the full NIK`);
    assert.ok(!page.body.includes(NIK.slice(4, 12)), `${url} carries the NIK's hidden digits`);
  }
});

test('disbursements show their amount formatted for the locale from minor units, and the actions their status allows', async () => {
  const indonesian = await t.app.inject({ url: '/distribution/disbursements?status=requested', headers: bearer(t.staffToken) });
  assert.ok(indonesian.body.includes(formatDisplay(12_500_000n, 'IDR', 'id-ID')), 'Rp 125.000,00 in id-ID');
  assert.match(indonesian.body, /<span dir="auto">Siti Rahmawati<\/span>/);
  assert.match(indonesian.body, /<span dir="auto">Bantuan pangan<\/span>/);
  assert.match(indonesian.body, /data-api="\/api\/distribution\/disbursements\/\d+\/approve"/);
  assert.match(indonesian.body, />Setujui</);
  const english = await t.app.inject({ url: '/distribution/disbursements?lang=en', headers: bearer(t.staffToken) });
  assert.ok(english.body.includes(formatDisplay(12_500_000n, 'IDR', 'en-GB')), 'IDR 125,000.00 in en-GB');
  assert.match(indonesian.body, /data-api="\/api\/distribution\/disbursements\/\d+\/reject"[^>]*>Tolak</);
  const programs = await t.app.inject({ url: '/distribution/programs', headers: bearer(t.staffToken) });
  assert.match(programs.body, /data-method="PATCH" data-api="\/api\/distribution\/programs\/\d+"/);
  assert.match(programs.body, /name="status" value="closed"/);
  const paid = await t.app.inject({ url: '/distribution/disbursements?status=paid', headers: bearer(t.staffToken) });
  assert.ok(!paid.body.includes('/approve"'), 'no paid disbursement to act on');
  const bad = await t.app.inject({ url: '/distribution/disbursements?status=lost', headers: bearer(t.staffToken) });
  assert.equal(bad.statusCode, 400);
});

test('the registry pages by keyset, as the API: the next page is the rows before the last one shown', async () => {
  for (let index = 0; index < PAGE_ROWS; index += 1) {
    await post('/api/distribution/mustahik', { kind: 'institution', name: `Panti ${index}`, asnaf: ['miskin'], region: 'Bandung' });
  }
  const first = await t.app.inject({ url: '/distribution/mustahik?asnaf=miskin', headers: bearer(t.staffToken) });
  const next = /id="page-next" href="([^"]+)"/.exec(first.body);
  assert.ok(next, 'a next page link');
  assert.match(next[1]!, /^\/distribution\/mustahik\?asnaf=miskin&amp;before=\d+$/);
  assert.ok(!first.body.includes('Siti Rahmawati'), 'she is fakir, not miskin');
  const all = await t.app.inject({ url: '/distribution/mustahik', headers: bearer(t.staffToken) });
  const cursor = /before=(\d+)/.exec(/id="page-next" href="([^"]+)"/.exec(all.body)![1]!)![1]!;
  const second = await t.app.inject({ url: `/distribution/mustahik?before=${cursor}`, headers: bearer(t.staffToken) });
  assert.equal(second.statusCode, 200);
  assert.match(second.body, /Siti Rahmawati/, 'the oldest is on the second page');
  assert.match(second.body, />Halaman pertama</);
  assert.ok(!/id="page-next"/.test(second.body), 'and nothing after it');
});
