// Maker and checker in chromium: a staff member signed in on the console registers a mustahik in the room's page
// (a bad NIK refused at its field with the API's code) and marks her verified, requests a disbursement there, and is refused when she
// approves her own request (disbursement_maker_is_checker, at the row); a second staff member signs in, approves
// it and marks it paid with a reference, and a request larger than the fund is refused him (fund_balance_insufficient) and he rejects it. In Indonesian; axe finds no violation on the pages on the way.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

/** A woman born 12 March 1990 in Jakarta Selatan (day 12 + 40). */
const NIK = '3174055203900002';

let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  server = await startServerProcess({ databaseUrl: testDatabase?.url });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await testDatabase?.drop();
});

/** As the admin, or as `token` (a staff member's) when given. */
const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token?: string) =>
  adminApi<Record<string, string>>(server!, method, path, body, token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` });

async function assertAccessible(where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
}

async function signIn(token: string): Promise<void> {
  await page.goto(`${server!.url}/console?lang=id`);
  if (await page.isVisible('#sign-out')) await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])');
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#content:not([hidden])');
}

test('a disbursement requested in the page is refused to its requester, then approved and paid by a second staff member', async () => {
  const campaign = await api('POST', '/api/campaigns', { slug: 'distribution-e2e', name: 'Zakat Ramadan', fund: 'zakat', currency: 'IDR', status: 'active' });
  const donation = await api('POST', '/api/donations', { campaign_id: campaign.id, amount: '1000000', currency: 'IDR', donor_name: 'Muzaki' },
    { 'idempotency-key': `distribution-e2e-${process.pid}` });
  await api('POST', `/api/donations/${donation.id}/approve`, {}, { 'idempotency-key': `distribution-e2e-approve-${process.pid}` });
  const maker = await api('POST', '/api/tokens', { name: 'Rina (maker)', role: 'staff' });
  const checker = await api('POST', '/api/tokens', { name: 'Budi (checker)', role: 'staff' });
  await api('POST', '/api/distribution/programs', { name: 'Bantuan pangan', fund: 'zakat', asnaf: ['fakir', 'miskin'] }, {}, maker.token!);

  await page.goto(`${server!.url}/distribution/mustahik?lang=id`);
  await page.waitForSelector('#room-signed-out:not([hidden])');
  await assertAccessible('signed out');

  await signIn(maker.token!);
  await page.goto(`${server!.url}/distribution/mustahik`);
  await page.waitForSelector('#mustahik-form');
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  await page.fill('#f-name', 'Siti Rahmawati');
  await page.fill('#f-nik', '3174057203900002');
  await page.fill('#f-region', 'DKI Jakarta');
  await page.check('#f-asnaf input[value="fakir"]');
  await page.click('#mustahik-form button[type=submit]');
  await page.waitForFunction(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('f-nik-error').textContent !== '');
  assert.match(await page.textContent('#f-nik-error') ?? '', /NIK tidak valid \(nik_invalid\)/);
  assert.equal(await page.getAttribute('#f-nik', 'aria-invalid'), 'true');
  await page.fill('#f-nik', NIK);
  await page.click('#mustahik-form button[type=submit]');
  await page.waitForSelector('main table tbody tr');
  assert.match(await page.textContent('main table tbody') ?? '', /Siti Rahmawati/);
  assert.match(await page.textContent('#announcer') ?? '', /Mustahik terdaftar/);
  // Registered unverified; verified in the row, so the request form offers her.
  await page.click('main table tbody button[id$="-verify"]');
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('main table tbody button[id$="-verify"]') === null);
  assert.match(await page.textContent('main table tbody') ?? '', /terverifikasi/);
  assert.ok(!(await page.content()).includes(NIK), 'the full NIK is not in the page');
  await assertAccessible('registry');

  await page.goto(`${server!.url}/distribution/disbursements`);
  await page.waitForSelector('#disbursement-form');
  await page.selectOption('#f-asnaf', 'fakir');
  await page.fill('#f-amount', '250000');
  await page.fill('#f-purpose', 'Paket sembako');
  await page.click('#disbursement-form button[type=submit]');
  const row = page.locator('main table tbody tr[data-status="requested"]');
  await row.waitFor();
  const id = (await row.getAttribute('id'))!.slice('d-'.length);
  assert.match(await row.textContent() ?? '', /Rp\s?250\.000,00/);
  assert.match(await row.textContent() ?? '', /Rina \(maker\)/);

  await page.click(`#d-${id}-approve`);
  await page.waitForSelector(`#d-${id}-error:not(:empty)`);
  assert.match(await page.textContent(`#d-${id}-error`) ?? '', /\(disbursement_maker_is_checker\)/);
  assert.equal(await page.getAttribute(`#d-${id}`, 'data-status'), 'requested');
  await assertAccessible('disbursements, own approval refused');
  // A second request, more than the fund holds: its approval is refused with the API's 409.
  await page.selectOption('#f-asnaf', 'fakir');
  await page.fill('#f-amount', '50000000');
  await page.click('#disbursement-form button[type=submit]');
  await page.waitForFunction((count) => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } })
    .document.querySelectorAll('main table tbody tr[data-status="requested"]').length === count, 2);
  const large = (await api('GET', '/api/distribution/disbursements?status=requested&limit=1')).disbursements as unknown as { id: string }[];
  const largeId = large[0]!.id;
  assert.notEqual(largeId, id);

  await signIn(checker.token!);
  await page.goto(`${server!.url}/distribution/disbursements`);
  await page.click(`#d-${largeId}-approve`);
  await page.waitForSelector(`#d-${largeId}-error:not(:empty)`);
  assert.match(await page.textContent(`#d-${largeId}-error`) ?? '', /\(fund_balance_insufficient\)/);
  await page.fill(`#d-${largeId}-reason`, 'Melebihi saldo');
  await page.click(`#d-${largeId}-reject`);
  await page.waitForSelector(`#d-${largeId}[data-status="rejected"]`);
  await page.click(`#d-${id}-approve`);
  await page.waitForSelector(`#d-${id}[data-status="approved"]`);
  assert.match(await page.textContent('#announcer') ?? '', /Penyaluran disetujui/);
  assert.match(await page.textContent(`#d-${id}`) ?? '', /Budi \(checker\)/);
  await page.fill(`#d-${id}-reference`, 'TRF-2026-0001');
  await page.click(`#d-${id}-pay`);
  await page.waitForSelector(`#d-${id}[data-status="paid"]`);
  assert.match(await page.textContent(`#d-${id}`) ?? '', /TRF-2026-0001/);
  await assertAccessible('disbursement paid');
  await page.goto(`${server!.url}/distribution/programs`);
  await page.waitForSelector('main table tbody tr');
  assert.match(await page.textContent('main table tbody') ?? '', /Bantuan pangan[\s\S]*aktif/);
  await assertAccessible('programs');

  const paid = await api('GET', `/api/distribution/disbursements/${id}`);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.payment_reference, 'TRF-2026-0001');
  assert.deepEqual(pageErrors, []);
});
