// The staff console in a real browser (Debian chromium) against one real `amanah serve` child: an admin signs
// in and the console names the role; the queue searches, refuses a bulk rejection without a reason at its
// field, rejects and approves in bulk; a donation's page shows the email and history and refunds with a reason;
// a campaign with a bad goal is refused at the goal field, then created and published; a token is made and
// revoked; the audit log lists those actions; the language switch and dark mode work; axe finds no violations.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

// Functions passed to page.evaluate run in the browser; the project compiles without the DOM library.
declare const window: { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } };
declare const document: unknown;

const AXE_SOURCE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

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

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Record<string, string>> {
  const response = await fetch(`${server!.url}${path}`, {
    method, headers: { authorization: `Bearer ${server!.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

/** axe-core run in the page through the debugger protocol (not a script tag, which the CSP refuses). */
async function assertAccessible(where: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`), [], where);
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
