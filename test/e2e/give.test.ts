// The donor's whole flow in chromium, against the loopback Stripe (test/payments/gateway-server.ts): /give/:slug
// in English on a phone viewport driven by the keyboard, and in Indonesian with the mouse; the form is filled,
// the provider's button sends the browser to the provider's pay page, the donor pays there, the browser comes
// back to amanah's return page while the signed webhook is still held back, and once it lands the page turns to
// "received" without a reload (give.js polls the payment; the no-script refresh stays off). A second page left
// open on the campaign sees its total, progress and donor count move live (the public stream) when the
// Indonesian donation is approved. axe finds no violations on either page (both engines).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { axeViolations, launchBrowser, type LaunchedBrowser } from './browser.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { createCampaign, type TestApp } from '../helpers/app.ts';
import { startGateway, gatewayEnvironment, type Gateway } from '../payments/gateway-server.ts';
import { formatDisplay } from '../../src/money/index.ts';

declare const document: { querySelector(selector: string): { textContent: string; getAttribute(name: string): string | null } | null };
/** How long a page may take to show the webhook's outcome: give.js polls every 2 s. */
const SETTLED_WITHIN_MS = 20_000;
/** The webhook is held back longer than the no-script refresh (3 s), so a reload would have happened by then. */
const WEBHOOK_HELD_MS = 3_500;

let gateway: Gateway;
let testDatabase: TestDatabase;
let app: FastifyInstance;
let browser: LaunchedBrowser;
let base: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  gateway = await startGateway();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  testDatabase = await createTestDatabase({ ...gatewayEnvironment(gateway), AMANAH_PUBLIC_URL: base, CHECKOUT_RATE_PER_IP_MAX: '0', CHECKOUT_RATE_PER_EMAIL_MAX: '0', AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0' });
  app = await buildApp({ config: testDatabase.config, database: testDatabase.database });
  await app.listen({ port, host: '127.0.0.1' });
  gateway.target = base;
  await createCampaign({ app, adminToken: TEST_ADMIN_TOKEN } as TestApp, { slug: 'sumur-desa', currency: 'USD', name: 'Village well', description: 'A well for the village school.', goal: '1000.00' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.close();
  await gateway?.close();
  await testDatabase?.drop();
});

async function axe(page: Page): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `axe on ${page.url()}`);
}

async function totals(): Promise<{ raised_minor: bigint; donor_count: bigint }> {
  return (await testDatabase.database.query<{ raised_minor: bigint; donor_count: bigint }>(`select raised_minor, donor_count from campaigns where slug = 'sumur-desa'`)).rows[0]!;
}

async function raised(): Promise<bigint> {
  return (await totals()).raised_minor;
}

/** The next Stripe webhook the gateway sends waits until the returned function is called. */
function holdNextWebhook(): () => void {
  const send = gateway.sendStripe;
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  gateway.sendStripe = async (...args) => {
    gateway.sendStripe = send;
    await released;
    return send(...args);
  };
  return release;
}

/** Counts the page's main-frame navigations from now on: a reload would be one. */
function navigations(page: Page): () => number {
  let count = 0;
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) count += 1; });
  return () => count;
}

/**
 * On the provider's pay page: pay and come back to amanah while the webhook is held; the page waits (and does not
 * reload) past the no-script refresh; then the webhook lands and the status turns to received in place.
 */
async function payAndReturn(page: Page, thanks: RegExp): Promise<void> {
  await page.waitForURL(`${gateway.url}/pay/stripe/**`);
  const release = holdNextWebhook();
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(`${base}/give/return/**`);
  await page.locator('[data-give="return"]').waitFor();
  const reloads = navigations(page);
  await new Promise((resolve) => setTimeout(resolve, WEBHOOK_HELD_MS));
  assert.ok(['creating', 'open'].includes(await page.locator('[data-give="return"]').getAttribute('data-status') ?? ''), 'still waiting while the webhook is held');
  release();
  await page.locator('[data-status="paid"]').waitFor({ timeout: SETTLED_WITHIN_MS });
  assert.equal(reloads(), 0, 'the return page changed without a reload');
  assert.match(await page.getByRole('status').innerText(), thanks);
  await axe(page);
}

test('English, a phone, the keyboard only: fill, pay at the provider, the return page turns to received', async () => {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.setExtraHTTPHeaders({ 'accept-language': 'en-GB,en;q=0.9' });
  await page.goto(`${base}/give/sumur-desa`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByRole('heading', { level: 1, name: 'Village well' }).waitFor();
  await axe(page);
  const before = await raised();
  // Keyboard only: Tab to the other-amount field (past the language switch and the presets), type, on to the rest.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'Bahasa Indonesia');
  await page.getByLabel('Other amount', { exact: false }).focus();
  await page.keyboard.type('12.50');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Aisha');
  await page.keyboard.press('Tab');
  await page.keyboard.type('aisha@example.org');
  await page.keyboard.press('Enter');
  await payAndReturn(page, /Thank you/);
  assert.equal(await raised(), before + 1250n);
  await page.close();
});

test('Indonesian with the mouse: the switch, a preset, the provider button, the return page in Indonesian; an open campaign page moves live', async () => {
  // A second donor's page, open on the campaign in Indonesian before the gift, connected to the live stream.
  const watcher = await browser.context.newPage();
  await watcher.goto(`${base}/give/sumur-desa?lang=id`);
  await watcher.locator('[data-give="campaign"][data-live="live"]').waitFor();
  const watcherReloads = navigations(watcher);
  const shownBefore = await watcher.locator('[data-field="raised"]').innerText();
  assert.equal(shownBefore, formatDisplay(await raised(), 'USD', 'id-ID'));
  const page = await browser.context.newPage();
  await page.setExtraHTTPHeaders({ 'accept-language': 'en' });
  await page.goto(`${base}/give/sumur-desa`);
  await page.getByRole('link', { name: 'Bahasa Indonesia' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');
  await axe(page);
  const before = await raised();
  await page.locator('input[name="preset"]').nth(2).check();
  await page.locator('input[name="donor_name"]').fill('Budi');
  await page.locator('input[name="anonymous"]').check();
  await page.locator('button[type="submit"]').click();
  await payAndReturn(page, /Terima kasih/);
  assert.equal(await page.locator('html').getAttribute('lang'), 'id');
  assert.equal(await raised(), before + 5000n);
  await page.close();
  // The watcher shows the new total, in its locale, exactly as the server renders it, with the bar and the count.
  const now = await totals();
  const expected = formatDisplay(now.raised_minor, 'USD', 'id-ID');
  assert.notEqual(expected, shownBefore);
  await watcher.waitForFunction((text) => document.querySelector('[data-field="raised"]')?.textContent === text, expected, { timeout: SETTLED_WITHIN_MS });
  assert.equal(await watcher.locator('[data-field="bar"]').getAttribute('value'), String(now.raised_minor));
  assert.equal(await watcher.locator('[data-field="donors"]').innerText(), `${now.donor_count} donatur`);
  assert.equal(await watcher.locator('[data-field="announcer"]').textContent(), `Sudah terkumpul ${expected}.`);
  assert.equal(watcherReloads(), 0, 'the campaign page changed without a reload');
  const server = await (await fetch(`${base}/give/sumur-desa?lang=id`)).text();
  assert.ok(server.includes(`<strong data-field="raised">${expected}</strong>`), 'a fresh page says the same');
  await axe(watcher);
  await watcher.close();
});
