// The reports as a charity's staff opens them in chromium: signed out, a report's page says to sign in to the
// console; signed in there (the token kept in the tab's sessionStorage), the same page shows its figures,
// formatted per locale, in Indonesian; axe finds no violation; the CSV link downloads with the token.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  server = await startServerProcess({ databaseUrl: testDatabase?.url, env: { AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0' } });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await testDatabase?.drop();
});

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => adminApi<Record<string, string>>(server!, method, path, body, headers);

async function assertAccessible(where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
}

test('a report page asks to sign in, then shows the trial balance to the signed-in console in Indonesian', async () => {
  const campaign = await api('POST', '/api/campaigns', { slug: 'reports-e2e', name: 'Zakat appeal', fund: 'zakat', currency: 'IDR', status: 'active' });
  const donation = await api('POST', '/api/donations', { campaign_id: campaign.id, amount: '1250000', currency: 'IDR', donor_name: 'Siti' },
    { 'idempotency-key': `reports-e2e-${process.pid}` });
  await api('POST', `/api/donations/${donation.id}/approve`, {}, { 'idempotency-key': `reports-e2e-approve-${process.pid}` });

  await page.goto(`${server!.url}/console/reports/trial-balance?lang=id`);
  await page.waitForSelector('#report-signed-out:not([hidden])');
  assert.match(await page.textContent('#report-signed-out') ?? '', /Masuk ke konsol dahulu/);
  await assertAccessible('signed out');

  await page.goto(`${server!.url}/console?lang=id`);
  await page.waitForSelector('#sign-in:not([hidden])');
  await page.fill('#token', server!.adminToken);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#content:not([hidden])');

  await page.goto(`${server!.url}/console/reports/trial-balance?lang=id`);
  await page.waitForSelector('main table');
  assert.match(await page.textContent('main h1') ?? '', /Neraca saldo/i);
  // Rp1.250.000 received on the API channel: a debit on its clearing account, in id-ID's grouping.
  assert.match(await page.textContent('main') ?? '', /clearing:api[\s\S]*1\.250\.000/);
  await assertAccessible('trial balance');

  const download = page.waitForEvent('download');
  await page.click('main a[href*="format=csv"]');
  const file = await download;
  assert.equal(file.suggestedFilename(), 'trial-balance.csv');
  const csv = readFileSync((await file.path())!, 'utf8');
  assert.match(csv, /^account,currency,debit,credit,balance\r\n/);
  assert.match(csv, /clearing:api,IDR,1250000(\.00)?,/);
  assert.deepEqual(pageErrors, []);
});

test("a report's instant is shown in the viewer's zone and language, not the server's UTC", async () => {
  const session = await page.context().newCDPSession(page);
  await session.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Jayapura' });
  try {
    await page.goto(`${server!.url}/console/reports/financial-position?lang=en`);
    await page.waitForSelector('main table');
    const { text, inZone, inUtc } = await page.evaluate(() => {
      const node = (globalThis as unknown as { document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null } }).document.querySelector('main time[datetime]')!;
      const at = new Date(node.getAttribute('datetime')!);
      const format = (timeZone: string) => new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(at);
      return { text: node.textContent, inZone: format('Asia/Jayapura'), inUtc: format('UTC') };
    });
    assert.equal(text, inZone);
    assert.notEqual(text, inUtc);
    await assertAccessible('financial position');
  } finally {
    await session.send('Emulation.setTimezoneOverride', { timezoneId: '' });
    await session.detach();
  }
  assert.deepEqual(pageErrors, []);
});
