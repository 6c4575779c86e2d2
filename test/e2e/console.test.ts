// The staff console in a real browser (Debian chromium) against one real `amanah serve` child: an admin signs
// in and the console names the role; the queue searches, refuses a bulk rejection without a reason at its
// field, rejects and approves in bulk; a donation's page shows the email and history and refunds with a reason;
// a campaign with a bad goal is refused at the goal field, then created and published; a token is made and
// revoked; the audit log lists those actions; the language switch and dark mode work; axe finds no violations.
// The queue is live over the staff stream: a donation posted meanwhile is announced in a polite banner (not
// inserted into the page), one approved by another token is marked decided with the reader's selection kept;
// times are <time> elements in the viewer's own zone; the nav reaches the reports, the hawl report and distribution.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let page: Page;
const pageErrors: string[] = [];

/**
 * No demo data (the test makes what it reads), and no load shedding: on PGlite every query runs on the event
 * loop, and on a loaded shared machine the shedder's 200 ms threshold answered pages 503 mid-test.
 */
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

async function open(path: string): Promise<void> {
  await page.goto(`${server!.url}${path}`);
  await page.waitForSelector('#content:not([hidden]), #sign-in:not([hidden])');
}

let serial = 0;
async function donate(campaignId: string, amount: string, donorName: string, email?: string): Promise<string> {
  const donation = await api('POST', '/api/donations', { campaign_id: campaignId, amount, currency: 'IDR', donor_name: donorName, ...(email ? { donor_email: email } : {}) },
    { 'idempotency-key': `console-e2e-${process.pid}-${serial++}` });
  return donation.id!;
}

test('sign in names the role; the queue searches, bulk-rejects with a reason and approves; axe is clean', async () => {
  const campaign = await api('POST', '/api/campaigns', { slug: 'console-e2e', name: 'Console appeal', fund: 'infaq', currency: 'IDR', status: 'active' });
  const ids = [await donate(campaign.id!, '10000', 'Qonita Spam'), await donate(campaign.id!, '20000', 'Qonita Spam'),
    await donate(campaign.id!, '30000', 'محمد الصالح', 'salih@example.org')];
  await open('/console?lang=en');
  await page.fill('#token', server!.adminToken);
  await page.press('#token', 'Enter');
  await page.waitForSelector('#content:not([hidden])');
  assert.match(await page.textContent('#signed-in-as') ?? '', /AMANAH_ADMIN_TOKEN \(admin\)/);
  await assertAccessible('queue');

  await page.fill('#f-q', 'Qonita');
  await page.click('#queue-filters button[type=submit]');
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#queue-rows tr').length === 2);
  assert.match(await page.textContent('#queue-count') ?? '', /^2 matching/);
  await page.check('#select-all');
  await page.click('#bulk-reject');
  await page.waitForSelector('#bulk-error:not(:empty)');
  assert.match(await page.textContent('#bulk-error') ?? '', /reason/);
  await page.fill('#bulk-reason', 'Spam');
  await page.click('#bulk-reject');
  await page.waitForSelector('#queue-empty:not([hidden])');

  await open('/console?q=salih%40example.org');
  await page.waitForSelector('#queue-rows tr');
  assert.equal(await page.locator('#queue-rows tr').count(), 1);
  assert.equal(await page.textContent('#queue-rows tr td:nth-child(3)'), 'salih@example.org');
  await page.check('#queue-rows input[type=checkbox]');
  await page.click('#bulk-approve');
  await page.waitForSelector('#queue-empty:not([hidden])');
  const rejected = await api('GET', `/api/console/donations/${ids[0]}`);
  assert.equal(rejected.status, 'rejected');
  assert.deepEqual(pageErrors, []);
});

test('a donation page shows email and history, and refunds with a reason', async () => {
  const { donations } = await api('GET', '/api/console/donations?status=approved&q=salih%40example.org') as unknown as { donations: { id: string }[] };
  await open(`/console/donations/${donations[0]!.id}`);
  await page.waitForSelector('#refund:not([hidden])');
  assert.match(await page.textContent('#donation') ?? '', /salih@example\.org/);
  // Intake writes no history row; the approval is the first.
  assert.equal(await page.locator('#history tr').count(), 1);
  await assertAccessible('donation');
  await page.fill('#refund-reason', 'Donor asked');
  await page.click('#refund button');
  await page.waitForSelector('#refund[hidden]', { state: 'attached' });
  assert.equal(await page.locator('#history tr').count(), 2);
  assert.match(await page.textContent('#history') ?? '', /Donor asked/);
});

test('campaigns: a bad goal is refused at its field; created, then published', async () => {
  await open('/console/campaigns');
  await page.waitForSelector('#campaign-rows tr');
  await page.fill('#f-slug', 'from-console');
  await page.fill('#f-name', 'وقف المسجد Mosque waqf');
  await page.selectOption('#f-fund', 'waqf');
  await page.fill('#f-goal', '12.345');
  await page.click('#campaign-form button[type=submit]');
  await page.waitForSelector('#f-goal-error:not(:empty)');
  assert.equal(await page.getAttribute('#f-goal', 'aria-invalid'), 'true');
  await page.fill('#f-goal', '5000000');
  await page.click('#campaign-form button[type=submit]');
  const row = page.locator('#campaign-rows tr', { hasText: 'from-console' });
  await row.waitFor();
  assert.match(await row.textContent() ?? '', /draft/);
  await assertAccessible('campaigns');
  await row.getByRole('button', { name: /Publish/ }).click();
  await page.locator('#campaign-rows tr', { hasText: 'from-console' }).filter({ hasText: 'active' }).waitFor();
});

test('tokens are made and revoked; the audit log lists the actions; Indonesian and dark mode stay accessible', async () => {
  await open('/console/tokens');
  await page.waitForSelector('#content:not([hidden])');
  await page.fill('#f-name', 'Relawan');
  await page.click('#token-form button[type=submit]');
  await page.waitForSelector('#token-created:not([hidden])');
  assert.match(await page.textContent('#token-secret') ?? '', /^amanah_\d+_/);
  const row = page.locator('#token-rows tr', { hasText: 'Relawan' });
  await row.getByRole('button', { name: /Revoke/ }).click();
  await page.locator('#token-rows tr', { hasText: 'Relawan' }).filter({ hasText: 'revoked' }).waitFor();
  await assertAccessible('tokens');

  await open('/console/audit?lang=id');
  await page.waitForSelector('#audit-rows tr');
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.match(await page.textContent('h1') ?? '', /Log audit/);
  const actions = await page.locator('#audit-rows tr td:nth-child(3)').allTextContents();
  for (const action of ['session.sign_in', 'donation.rejected', 'donation.approved', 'donation.refunded', 'campaign.create', 'campaign.update', 'token.create', 'token.revoke']) {
    assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  }
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible('audit, Indonesian, dark');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(pageErrors, []);
});

type BrowserDocument = { querySelector(s: string): { textContent: string | null; getAttribute(name: string): string | null } | null };

test('the queue is live: a new donation is announced, one decided elsewhere is marked, the selection stays', async () => {
  const campaign = await api('POST', '/api/campaigns', { slug: 'console-live', name: 'Live appeal', fund: 'sadaqah', currency: 'IDR', status: 'active' });
  const first = await donate(campaign.id!, '11000', 'Live Satu');
  const second = await donate(campaign.id!, '12000', 'Live Dua');
  await open(`/console?lang=en&campaign=${campaign.id}`);
  await page.waitForSelector('body[data-live="open"]');
  await page.waitForSelector(`#queue-rows tr[data-id="${second}"]`);
  // A mark in the page's own globals: it is still there at the end only if the page was never reloaded.
  await page.evaluate(() => { (globalThis as unknown as { liveMark: number }).liveMark = 1; });
  await page.check(`#queue-rows tr[data-id="${second}"] input[type=checkbox]`);

  const third = await donate(campaign.id!, '13000', 'Live Tiga');
  await page.waitForSelector('#queue-new:not([hidden])');
  assert.equal(await page.textContent('#queue-new-text'), '1 new pending donation');
  assert.equal(await page.getAttribute('#queue-live', 'aria-live'), 'polite');
  assert.equal(await page.locator('#queue-rows tr').count(), 2, 'no row is inserted into the page being read');

  const other = await api('POST', '/api/tokens', { name: 'Other staff', role: 'staff' });
  const approved = await fetch(`${server!.url}/api/donations/${first}/approve`, { method: 'POST', headers: { authorization: `Bearer ${other.token}` } });
  assert.equal(approved.status, 200, await approved.text());
  await page.waitForSelector(`#queue-rows tr.decided[data-id="${first}"]`);
  assert.equal(await page.textContent(`#queue-rows tr[data-id="${first}"] td.status`), 'approved (decided elsewhere)');
  assert.equal(await page.isDisabled(`#queue-rows tr[data-id="${first}"] input[type=checkbox]`), true);
  assert.equal(await page.isChecked(`#queue-rows tr[data-id="${second}"] input[type=checkbox]`), true, 'the selection is kept');
  await assertAccessible('live queue with the banner and a decided row');

  await page.click('#queue-new-show');
  await page.waitForSelector(`#queue-rows tr[data-id="${third}"]`);
  assert.equal(await page.isHidden('#queue-new'), true);
  assert.equal(await page.locator(`#queue-rows tr[data-id="${first}"]`).count(), 0, 'the approved one left the pending page');
  assert.equal(await page.isChecked(`#queue-rows tr[data-id="${second}"] input[type=checkbox]`), true, 'the selection survives "show"');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { liveMark?: number }).liveMark), 1, 'no reload');
  assert.deepEqual(pageErrors, []);
});

test("times are <time datetime> in the viewer's zone and language", async () => {
  const session = await page.context().newCDPSession(page);
  await session.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Jayapura' });
  try {
    await open('/console?lang=en&q=Live');
    await page.waitForSelector('#queue-rows tr time');
    const { iso, text, inZone, inUtc } = await page.evaluate(() => {
      const node = (globalThis as unknown as { document: BrowserDocument }).document.querySelector('#queue-rows tr time')!;
      const at = new Date(node.getAttribute('datetime')!);
      const format = (timeZone: string) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(at);
      return { iso: node.getAttribute('datetime')!, text: node.textContent, inZone: format('Asia/Jayapura'), inUtc: format('UTC') };
    });
    assert.match(iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(text, inZone);
    assert.notEqual(text, inUtc);
    assert.match(await page.getAttribute('#queue-rows tr time', 'title') ?? '', /GMT\+9|Eastern Indonesia/);
    // The date filters are whole days in the viewer's zone, the "to" day included: today to today lists today's.
    const today = await page.evaluate(() => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jayapura' }).format(new Date()));
    const rows = await page.locator('#queue-rows tr').count();
    await open(`/console?lang=en&q=Live&from=${today}&to=${today}`);
    await page.waitForSelector('#queue-rows tr');
    assert.equal(await page.locator('#queue-rows tr').count(), rows);
    assert.equal(await page.inputValue('#f-from'), today);
  } finally {
    await session.send('Emulation.setTimezoneOverride', { timezoneId: '' });
    await session.detach();
  }
});

test('the nav reaches the reports, the zakat hawl report and distribution; the reports page is accessible', async () => {
  await open('/console/reports?lang=en');
  await page.waitForSelector('#content:not([hidden])');
  const hrefs = await page.locator('header nav a').evaluateAll((links) => links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')));
  for (const href of ['/console', '/console/campaigns', '/console/reports', '/distribution', '/distribution/hawl', '/console/audit', '/console/tokens']) {
    assert.ok(hrefs.includes(href), `${href} in ${hrefs.join(', ')}`);
  }
  assert.equal(await page.getAttribute('header nav a[href="/console/reports"]', 'aria-current'), 'page');
  assert.equal((await fetch(`${server!.url}/distribution/hawl`)).status, 200);
  await assertAccessible('reports');
  await page.click('#content form[action="/console/reports/changes-in-funds"] button[type=submit]');
  await page.waitForURL(/\/console\/reports\/changes-in-funds\?from=\d{4}-01-01&to=\d{4}-01-01/);
  await page.waitForSelector('main h1');
  await open('/console/campaigns?lang=en');
  const analytics = page.locator('#campaign-rows a', { hasText: 'Analytics' }).first();
  await analytics.waitFor();
  assert.match(await analytics.getAttribute('href') ?? '', /^\/campaigns\/[^/]+\/analytics$/);
  assert.deepEqual(pageErrors, []);
});
