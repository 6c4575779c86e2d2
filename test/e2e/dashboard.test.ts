// The dashboard in a real browser (Debian chromium through playwright-core) against a real `amanah serve`
// process: staff sign in, a donation posted through the API appears in the queue, approving it moves the total
// on another page without a reload, rejecting needs a reason, and a decision made elsewhere empties every queue.
//
// With AMANAH_SCREENSHOTS=1 the test also writes docs/dashboard.png and docs/dashboard-staff.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, startBrowserTest, type BrowserTestSetup, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { formatDisplay } from '../../src/money/index.ts';

// Functions passed to page.evaluate run in the browser. The project compiles without the DOM library, so the
// little of it those functions touch is declared here.
interface PageElement { textContent: string | null }
declare const window: Record<string, unknown>;
declare const document: {
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};

/** The browser asks for English (chromium's own Accept-Language), so amounts are in the English money format. */
const english = (minor: bigint) => formatDisplay(minor, 'IDR', 'en-GB');

const DOCS_DIRECTORY = new URL('../../docs/', import.meta.url);
const writeScreenshots = process.env.AMANAH_SCREENSHOTS === '1';

let setup: BrowserTestSetup | undefined;
let server: ServerProcess;
let browser: LaunchedBrowser;

before(async () => {
  setup = await startBrowserTest();
  ({ server, browser } = setup);
});

after(async () => { await setup?.close(); });

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => adminApi<Record<string, string>>(server, method, path, body, headers);

let keySerial = 0;
async function donate(campaignId: string, amount: string, donorName: string): Promise<string> {
  const donation = await api('POST', '/api/donations', { campaign_id: campaignId, amount, currency: 'IDR', donor_name: donorName },
    { 'idempotency-key': `e2e-${process.pid}-${keySerial++}` });
  return donation.id!;
}

/** Opens the dashboard and fails the test on any script error the page raises. */
async function openDashboard(headers: Record<string, string> = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  await page.setExtraHTTPHeaders(headers);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
  await page.goto(server.url);
  await page.waitForSelector('html[data-live="live"]');
  return { page, errors };
}

function raisedOn(page: Page, campaignId: string) {
  return page.locator(`[data-campaign="${campaignId}"] [data-field="raised"]`);
}

test('staff approve a new donation and another page sees the total move without a reload', async () => {
  // Proves the whole loop: API intake → live queue → approval in the browser → live totals everywhere.
  const campaign = await api('POST', '/api/campaigns', { slug: 'e2e-live', name: 'Live appeal', fund: 'zakat', currency: 'IDR', status: 'active', goal: '1000000.00' });
  const campaignId = campaign.id!;
  const viewer = await openDashboard();
  await viewer.page.evaluate(() => { window.stayedLoaded = true; });
  assert.equal(await raisedOn(viewer.page, campaignId).textContent(), english(0n));

  const staff = await openDashboard();
  await staff.page.setViewportSize({ width: 1100, height: 900 });
  // Signing in with the keyboard only: focus the field, type, press Enter.
  await staff.page.focus('#token');
  await staff.page.keyboard.type(server.adminToken);
  await staff.page.keyboard.press('Enter');
  await staff.page.waitForSelector('#staff:not([hidden])');
  await staff.page.waitForSelector('html[data-live="live"]');

  const hostileName = '<img src=x onerror="window.pwned=1"> "Q", & co';
  const donationId = await donate(campaignId, '250000', hostileName);
  const row = staff.page.locator(`[data-donation="${donationId}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.donor').textContent(), hostileName, 'the name is shown as text, exactly');
  assert.equal(await staff.page.evaluate(() => window.pwned), undefined);
  assert.equal(await row.locator('.amount').textContent(), english(25_000_000n));

  if (writeScreenshots) {
    mkdirSync(DOCS_DIRECTORY, { recursive: true });
    await staff.page.locator('#queue-heading').blur();
    await staff.page.screenshot({ path: new URL('dashboard-staff.png', DOCS_DIRECTORY).pathname, fullPage: true });
  }
  await row.getByRole('button', { name: 'Approve' }).click();
  await row.waitFor({ state: 'detached' });

  await viewer.page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-campaign="${id}"] [data-field="raised"]`)?.textContent === expected,
    [campaignId, english(25_000_000n)] as const);
  assert.equal(await viewer.page.locator(`[data-campaign="${campaignId}"] [data-field="donations"]`).textContent(), '1 donation');
  assert.equal(await viewer.page.evaluate(() => window.stayedLoaded), true, 'no reload happened');
  if (writeScreenshots) await viewer.page.screenshot({ path: new URL('dashboard.png', DOCS_DIRECTORY).pathname, fullPage: true });

  // Rejecting asks for a reason first; with one it takes a single click.
  const rejectedId = await donate(campaignId, '1000', 'Second donor');
  const rejectRow = staff.page.locator(`[data-donation="${rejectedId}"]`);
  await rejectRow.getByRole('button', { name: 'Reject' }).click();
  assert.match(await rejectRow.locator('.row-error').textContent() ?? '', /Give a reason/);
  await rejectRow.getByLabel('Reason for rejecting').fill('Payment not received');
  await rejectRow.getByRole('button', { name: 'Reject' }).click();
  await rejectRow.waitFor({ state: 'detached' });
  // A rejected donation is staff-only: the public sees 404, staff see its status.
  assert.equal((await fetch(`${server.url}/api/donations/${rejectedId}`)).status, 404);
  assert.equal((await api('GET', `/api/donations/${rejectedId}`)).status, 'rejected');

  // A donation approved elsewhere (here, straight through the API) leaves the queue on every staff screen.
  const elsewhereId = await donate(campaignId, '5000', 'Third donor');
  const elsewhereRow = staff.page.locator(`[data-donation="${elsewhereId}"]`);
  await elsewhereRow.waitFor();
  await api('POST', `/api/donations/${elsewhereId}/approve`);
  await elsewhereRow.waitFor({ state: 'detached' });
  await viewer.page.waitForFunction(
    ([id, expected]) => document.querySelector(`[data-campaign="${id}"] [data-field="raised"]`)?.textContent === expected,
    [campaignId, english(25_500_000n)] as const);

  assert.deepEqual(viewer.errors, []);
  assert.deepEqual(staff.errors, []);
  await viewer.page.close();
  await staff.page.close();
});

test('the page works on a phone-sized screen and a wrong token is refused with a message', async () => {
  // Proves: the layout fits 390 px without horizontal scrolling, and sign-in errors are announced.
  const { page, errors } = await openDashboard();
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
  await page.fill('#token', 'amanah_1_not-a-real-token-not-a-real-token-not-a-real');
  await page.click('#sign-in button[type="submit"]');
  await page.waitForFunction(() => (document.getElementById('sign-in-error')?.textContent ?? '') !== '');
  assert.match(await page.locator('#sign-in-error').textContent() ?? '', /not accepted/);
  assert.equal(await page.locator('#staff').isHidden(), true);
  assert.deepEqual(errors.filter((error) => !error.includes('401')), []);
  await page.close();
});

test('the page is in Indonesian for an Indonesian browser, switches to English, and is accessible in light and dark', async () => {
  // Proves: Accept-Language id gives lang="id" and Indonesian words and money, the switch link gives English
  // (remembered by the cookie), the page declares both colour schemes, and axe finds nothing in either scheme.
  const campaign = await api('POST', '/api/campaigns', { slug: 'e2e-bahasa', name: 'زكاة الفطر', fund: 'zakat', currency: 'IDR', status: 'active', goal: '500000.00' });
  const { page, errors } = await openDashboard({ 'accept-language': 'id-ID,id;q=0.9' });
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.equal(await page.locator('#campaigns-heading').textContent(), 'Kampanye');
  assert.equal(await page.locator('#live-status').textContent(), 'Langsung');
  assert.equal(await page.getAttribute('meta[name="color-scheme"]', 'content'), 'light dark');
  assert.equal(await raisedOn(page, campaign.id!).textContent(), formatDisplay(0n, 'IDR', 'id-ID'));
  assert.equal(await page.locator(`[data-campaign="${campaign.id}"] [data-field="name"]`).getAttribute('dir'), 'auto');
  assert.deepEqual(await axeViolations(page), []);
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.deepEqual(await axeViolations(page), [], 'dark scheme');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForSelector('html[lang="en"][data-live="live"]');
  assert.equal(await page.locator('#campaigns-heading').textContent(), 'Campaigns');
  assert.equal(await raisedOn(page, campaign.id!).textContent(), english(0n));
  assert.deepEqual(errors, []);
  await page.close();
});
