// A campaign's analytics page as a visitor in Jakarta whose browser asks for Indonesian opens it in chromium: the page
// comes in Indonesian, its script redraws the daily series as a uPlot chart with labelled axes in the viewer's zone and
// amounts in rupiah, the presets and the from/to control reload the data and change what is drawn, a bad range says so,
// the language switch keeps the range, and axe finds no violation in light or dark.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

declare const document: unknown;

const VIEWER_ZONE = 'Asia/Jakarta';
const DAY_MS = 24 * 3600 * 1000;

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
  // A refused script or style (the page's CSP) shows up as a console error.
  page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: VIEWER_ZONE });
  await page.setExtraHTTPHeaders({ 'accept-language': 'id-ID,id;q=0.9,en;q=0.5' });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await testDatabase?.drop();
});

let keySerial = 0;
/** Every call carries a fresh idempotency key, so the donations it posts are never taken for replays. */
const api = (method: string, path: string, body?: unknown) =>
  adminApi<Record<string, string>>(server!, method, path, body, { 'idempotency-key': `analytics-e2e-${process.pid}-${keySerial++}` });

async function assertAccessible(where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
}

/** The day `ms` falls on in the viewer's zone, as a date input holds it. */
function viewerDate(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: VIEWER_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
}

/** Waits until the daily chart is uPlot's with `count` points and the total reads `total` (both change per range). */
async function waitForDrawn(count: number, total: RegExp): Promise<void> {
  type Node = { dataset: Record<string, string>; textContent: string; querySelector(selector: string): unknown };
  await page.waitForFunction(([expected, pattern]) => {
    const find = (selector: string) => (document as { querySelector(selector: string): Node | null }).querySelector(selector);
    const chart = find('#chart-daily');
    return chart?.dataset.points === String(expected) && chart.querySelector('canvas') !== null
      && new RegExp(pattern as string).test(find('[data-figure="total"] dd')?.textContent ?? '');
  }, [count, total.source] as const);
}

async function text(selector: string): Promise<string> {
  return (await page.textContent(selector)) ?? '';
}

test('the analytics page charts the range asked for in the viewer\'s zone and language, and stays accessible', async () => {
  await api('POST', '/api/campaigns', { slug: 'analytics-e2e', name: 'Sumur untuk desa', fund: 'zakat', currency: 'IDR', status: 'active' });
  const now = Date.now();
  // Four gifts on four days: 2, 10, 20 and 50 days ago.
  const gifts: [number, string][] = [[2, '100000'], [10, '200000'], [20, '300000'], [50, '400000']];
  for (const [daysAgo, amount] of gifts) {
    const donation = await api('POST', '/api/donations', {
      campaign_id: 'analytics-e2e', amount, currency: 'IDR', donor_name: `Donatur ${daysAgo}`, donated_at: new Date(now - daysAgo * DAY_MS).toISOString(),
    });
    await api('POST', `/api/donations/${donation.id}/approve`, {});
  }

  await page.goto(`${server!.url}/campaigns/analytics-e2e/analytics`);
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.match(await text('#daily-title'), /Donasi per hari/);
  // The server drew the page in UTC; the script reloads it in the viewer's zone and draws uPlot's canvas there.
  await page.waitForFunction(() => /Asia\/Jakarta/.test((document as { getElementById(id: string): { textContent: string } }).getElementById('range-summary').textContent));
  await waitForDrawn(4, /1\.000\.000,00/);
  const chart = await page.$eval('#chart-daily', (node) => ({ ...(node as unknown as { dataset: Record<string, string> }).dataset }));
  assert.equal(chart.axisX, `Hari (${VIEWER_ZONE})`);
  assert.equal(chart.axisY, 'Jumlah (IDR)');
  assert.match(chart.yTicks ?? '', /Rp/, 'the amount axis is in rupiah');
  // uPlot's canvas, with an element per axis (x and y) beside it.
  assert.equal(await page.locator('#chart-daily canvas').count(), 1);
  assert.equal(await page.locator('#chart-daily .u-axis').count(), 2);
  assert.equal(await page.locator('#daily-table tbody tr').count(), 4);
  assert.match(await text('[data-figure="total"] dd'), /1\.000\.000,00/);
  assert.match(await text('#range-status'), /Hari dengan donasi yang ditampilkan: 4/);
  await assertAccessible('all time, Indonesian');

  await page.click('.presets a[data-days="30"]');
  await waitForDrawn(3, /600\.000,00/);
  assert.equal(await page.locator('#daily-table tbody tr').count(), 3);
  assert.match(await text('[data-figure="total"] dd'), /600\.000,00/);
  assert.match(page.url(), /from=/);

  await page.click('.presets a[data-days="7"]');
  await waitForDrawn(1, /100\.000,00/);

  // From/to in the viewer's days: only the gift of 50 days ago.
  await page.fill('#range-from', viewerDate(now - 55 * DAY_MS));
  await page.fill('#range-to', viewerDate(now - 45 * DAY_MS));
  await page.click('#range button[type="submit"]');
  await waitForDrawn(1, /400\.000,00/);
  assert.equal(await page.locator('#daily-table tbody tr').count(), 1);

  // A range that ends before it starts is refused by the API, and the page says so without drawing anything else.
  await page.fill('#range-from', viewerDate(now - 5 * DAY_MS));
  await page.fill('#range-to', viewerDate(now - 45 * DAY_MS));
  await page.click('#range button[type="submit"]');
  await page.waitForFunction(() => /tidak dapat dimuat/.test((document as { getElementById(id: string): { textContent: string } }).getElementById('range-status').textContent));
  assert.match(await text('[data-figure="total"] dd'), /400\.000,00/);

  // The switch keeps the range the page shows now (the 50-day window), in English.
  await page.fill('#range-from', viewerDate(now - 55 * DAY_MS));
  await page.fill('#range-to', viewerDate(now - 45 * DAY_MS));
  await page.click('#range button[type="submit"]');
  await page.waitForFunction(() => /: 1$/.test((document as { getElementById(id: string): { textContent: string } }).getElementById('range-status').textContent));
  await page.click('#lang-switch');
  await page.waitForFunction(() => (document as { documentElement: { lang: string } }).documentElement.lang === 'en');
  assert.match(await text('#daily-title'), /Donations per day/);
  await waitForDrawn(1, /IDR\s400,000\.00/);
  assert.equal(await page.$eval('#chart-daily', (node) => (node as unknown as { dataset: Record<string, string> }).dataset.axisX), `Day (${VIEWER_ZONE})`);
  assert.match(await text('[data-figure="total"] dd'), /IDR\s400,000\.00/);
  await assertAccessible('a window, English');

  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible('a window, English, dark');
  await page.emulateMedia({ colorScheme: 'light' });
  // The one refused request is the bad range's 400; no script, style or other request failed (the CSP included).
  assert.deepEqual(pageErrors.filter((message) => !/status of 400/.test(message)), []);
  assert.equal(pageErrors.length, 1, pageErrors.join('\n'));
});
