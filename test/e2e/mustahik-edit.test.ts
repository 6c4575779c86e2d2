// One mustahik's page in chromium: a staff member follows a row of the registry to it, changes region and asnaf
// (only those two are sent) and sees them saved after a reload; an empty region is refused at its field in the
// page's language (Indonesian, then English), a save with nothing changed is told so without a request, the
// verification goes back and forth and the notes are cleared; an unknown or malformed id says so in the page.
// axe finds no violation on the page in id and en, nor on the unknown-id page.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** A woman born 12 March 1990 in Jakarta Selatan (day 12 + 40). */
const NIK = '3174055203900002';
const NAME = 'Siti Rahmawati';
const NOTES = 'SKTM kelurahan nomor 12/2026';
/** A page that has not shown what it waits for by then is broken; generous for a loaded shared machine. */
const READY_MS = 30_000;

interface Mustahik { id: string; name: string; nik: string | null; asnaf: string[]; region: string; verification: string; evidence_notes: string | null }

let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let page: Page;
let staffToken = '';
let mustahikId = '';
const pageErrors: string[] = [];
const patches: Request[] = [];

before(async () => {
  testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  server = await startServerProcess({ databaseUrl: testDatabase?.url });
  staffToken = (await call<{ token: string }>('POST', '/api/tokens', { name: 'Rina', role: 'staff' }, server.adminToken)).token;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  // Where the console's sign-in leaves the token: the room's script reads it from the tab's sessionStorage.
  await page.addInitScript((token) => {
    (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage.setItem('amanah.staffToken', token);
  }, staffToken);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => { if (request.method() === 'PATCH') patches.push(request); });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await testDatabase?.drop();
});

/** A JSON call as the staff member (or the admin); anything but 2xx fails the test. */
async function call<Answer>(method: string, path: string, body?: unknown, token = staffToken): Promise<Answer> {
  return await adminApi(server!, method, path, body, { authorization: `Bearer ${token}` }) as unknown as Answer;
}

/** Submits the edit form and waits for its PATCH's answer; the fields the request's body changes are returned. */
async function save(): Promise<unknown> {
  // Read before the click: a save that succeeds puts the page in place again, with the new version.
  const rendered = await page.getAttribute('#record-form input[name="expected_updated_at"]', 'value');
  const [request] = await Promise.all([page.waitForRequest((sent) => sent.method() === 'PATCH'), page.click('#record-form button[type=submit]')]);
  await request.response();
  const { expected_updated_at: version, ...fields } = request.postDataJSON() as Record<string, unknown>;
  assert.equal(version, rendered, 'every save carries the version it was made against');
  return fields;
}

async function assertAccessible(where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
}

test('followed from the registry, the page saves a new region and asnaf, and shows them after a reload', async () => {
  const campaign = await call<{ id: string }>('POST', '/api/campaigns', { slug: 'mustahik-edit-e2e', name: 'Zakat Ramadan', fund: 'zakat', currency: 'IDR', status: 'active' }, server!.adminToken);
  const mustahik = await call<Mustahik>('POST', '/api/distribution/mustahik', {
    kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir'], region: 'DKI Jakarta', verification: 'verified', evidence_notes: NOTES,
  });
  mustahikId = mustahik.id;
  const program = await call<{ id: string }>('POST', '/api/distribution/programs', { name: 'Bantuan pangan', fund: 'zakat', asnaf: ['fakir', 'miskin'] });
  await call('POST', '/api/distribution/disbursements', { program_id: program.id, mustahik_id: mustahikId, campaign_id: campaign.id, asnaf: 'fakir', amount: '250000' });

  await page.goto(`${server!.url}/distribution/mustahik?lang=id`);
  await page.waitForSelector('#mustahik-form', { timeout: READY_MS });
  await Promise.all([page.waitForURL(new RegExp(`/distribution/mustahik/${mustahikId}$`)), page.click(`main table tbody a:has-text("${NAME}")`)]);
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.equal(await page.textContent('h1'), NAME);
  assert.equal(await page.textContent('#record-nik'), NIK, 'the NIK in full on this page');
  assert.match(await page.textContent('main table tbody') ?? '', /Bantuan pangan[\s\S]*Rp\s?250\.000,00[\s\S]*diajukan/);
  await assertAccessible('mustahik page, id');

  await page.fill('#f-region', 'Kota Bandung');
  await page.uncheck('#f-asnaf input[value="fakir"]');
  await page.check('#f-asnaf input[value="miskin"]');
  assert.deepEqual(await save(), { region: 'Kota Bandung', asnaf: ['miskin'] }, 'only the changed fields are sent');
  await page.locator('#announcer', { hasText: 'Data mustahik tersimpan.' }).waitFor({ state: 'attached', timeout: READY_MS });

  await page.reload();
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  assert.equal(await page.textContent('#record-region'), 'Kota Bandung');
  assert.equal(await page.textContent('#record-asnaf'), 'Miskin');
  assert.equal(await page.inputValue('#f-region'), 'Kota Bandung');
  assert.equal(await page.isChecked('#f-asnaf input[value="miskin"]'), true);
  assert.equal(await page.isChecked('#f-asnaf input[value="fakir"]'), false);
  const stored = await call<Mustahik>('GET', `/api/distribution/mustahik/${mustahikId}`);
  assert.deepEqual({ region: stored.region, asnaf: stored.asnaf, verification: stored.verification, notes: stored.evidence_notes },
    { region: 'Kota Bandung', asnaf: ['miskin'], verification: 'verified', notes: NOTES });
});

test('a refusal is shown at its field in the page\'s language; nothing changed sends nothing; verification goes back and forth', async () => {
  await page.goto(`${server!.url}/distribution/mustahik/${mustahikId}?lang=id`);
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  await page.fill('#f-region', '   ');
  assert.deepEqual(await save(), { region: '' });
  await page.waitForSelector('#f-region-error:not(:empty)', { timeout: READY_MS });
  assert.match(await page.textContent('#f-region-error') ?? '', /^Permintaan tidak valid \(validation_failed\)/);
  assert.equal(await page.getAttribute('#f-region', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id), 'f-region');

  await Promise.all([page.waitForURL(/lang=en$/), page.click('a.lang')]);
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await assertAccessible('mustahik page, en');
  const before = patches.length;
  await page.click('#record-form button[type=submit]');
  await page.waitForSelector('#record-form-error:not(:empty)', { timeout: READY_MS });
  assert.equal(await page.textContent('#record-form-error'), 'Nothing to save: no field was changed.');
  assert.equal(patches.length, before, 'no request for an unchanged form');
  await page.fill('#f-region', '');
  await save();
  await page.waitForSelector('#f-region-error:not(:empty)', { timeout: READY_MS });
  assert.match(await page.textContent('#f-region-error') ?? '', /^The request is not valid \(validation_failed\)/);
  await assertAccessible('mustahik page, en, region refused');

  // A NIK that cannot be one (day 32) is refused at its field, and the number is not repeated back.
  await page.fill('#f-region', 'Kota Bandung');
  await page.fill('#f-nik', '3171063206870003');
  assert.deepEqual(await save(), { nik: '3171063206870003' });
  await page.waitForSelector('#f-nik-error:not(:empty)', { timeout: READY_MS });
  assert.match(await page.textContent('#f-nik-error') ?? '', /^The NIK is not valid \(nik_invalid\)/);
  assert.ok(!(await page.textContent('#f-nik-error') ?? '').includes('3171063206870003'));
  assert.equal(await page.getAttribute('#f-nik', 'aria-invalid'), 'true');
  await page.fill('#f-nik', NIK);

  await page.fill('#f-region', 'Kota Bandung');
  await page.selectOption('#f-verification', 'rejected');
  await page.fill('#f-evidence_notes', '');
  assert.deepEqual(await save(), { verification: 'rejected', evidence_notes: null }, 'the region as stored is not sent; cleared notes are null');
  await page.waitForSelector('#record-verification:has-text("rejected")', { timeout: READY_MS });
  assert.equal(await page.textContent('#record-evidence_notes'), 'none');
  await page.selectOption('#f-verification', 'verified');
  assert.deepEqual(await save(), { verification: 'verified' });
  await page.waitForSelector('#record-verification:has-text("verified")', { timeout: READY_MS });
  const stored = await call<Mustahik>('GET', `/api/distribution/mustahik/${mustahikId}`);
  assert.deepEqual({ verification: stored.verification, notes: stored.evidence_notes, region: stored.region }, { verification: 'verified', notes: null, region: 'Kota Bandung' });
});

test('a save made against a copy someone changed since is refused, saying so, and changes nothing', async () => {
  await page.goto(`${server!.url}/distribution/mustahik/${mustahikId}?lang=id`);
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  // Meanwhile another staff member corrects the NIK, which sets verification back to unverified.
  await call('PATCH', `/api/distribution/mustahik/${mustahikId}`, { nik: '3174055203900003' });
  await page.fill('#f-evidence_notes', 'SKTM diperbarui');
  await save();
  await page.waitForSelector('#record-form-error:not(:empty)', { timeout: READY_MS });
  assert.match(await page.textContent('#record-form-error') ?? '', /^Data mustahik sudah diubah sejak halaman ini dimuat/);
  const stored = await call<Mustahik>('GET', `/api/distribution/mustahik/${mustahikId}`);
  assert.deepEqual({ nik: stored.nik, verification: stored.verification, notes: stored.evidence_notes }, { nik: '3174055203900003', verification: 'unverified', notes: null });
  await page.reload();
  await page.waitForSelector('#record-form', { timeout: READY_MS });
  assert.equal(await page.textContent('#record-nik'), '3174055203900003', 'reloaded, the page shows the change it missed');
});

test('an unknown or a malformed id says so in the page, in its language', async () => {
  for (const [id, language, title] of [['999999', 'id', 'Mustahik tidak ditemukan'], ['abc', 'en', 'No such mustahik']] as const) {
    await page.goto(`${server!.url}/distribution/mustahik/${id}?lang=${language}`);
    await page.waitForSelector(`h1:has-text("${title}")`, { timeout: READY_MS });
    assert.match(await page.textContent('#room-status') ?? '', /\(mustahik_not_found\)/);
    assert.equal(await page.title(), `amanah: ${title}`);
    await assertAccessible(`unknown id ${id}`);
  }
  assert.deepEqual(pageErrors, []);
});
