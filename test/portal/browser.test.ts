// The donor's page in a real browser (Debian chromium, a phone-sized window) against one real `amanah serve`
// child with a real SMTP server on loopback: the donor asks for a link, reads it from the mail, opens the page,
// sees their gifts (their own name on the anonymous one), switches to Indonesian and erases their data with the
// confirmation. axe finds no violations on any of the pages, nothing is wider than the phone, and afterwards
// neither the server's API answers nor anything it logged (pino's output, captured from the child) holds the
// name or the email.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from '../e2e/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startMailbox, isMagicLink, linkIn, type Mailbox } from './smtp.ts';

declare const window: { innerWidth: number };
declare const document: { documentElement: { scrollWidth: number } };

const NAME = 'Wulan Kencana Pangestu';
const EMAIL = 'wulan.pangestu@example.net';
const PUBLIC_URL = 'http://amanah.test';

let mailbox: Mailbox;
let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let page: Page;

before(async () => {
  mailbox = await startMailbox();
  testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  server = await startServerProcess({ databaseUrl: testDatabase?.url, env: { AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0', SMTP_URL: mailbox.url, AMANAH_PUBLIC_URL: PUBLIC_URL } });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await mailbox?.close();
  await testDatabase?.drop();
});

/**
 * Not the shared adminApi: this test reads each answer's status and raw text, refusals and the CSV export included,
 * to prove no answer holds the erased donor; adminApi throws on anything but 2xx and parses JSON.
 */
async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server!.url}${path}`, {
    method, headers: { authorization: `Bearer ${server!.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function assertAccessible(where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], where);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${where}: ${overflow} px wider than the phone`);
}

test('a donor signs in by mail, reads their gifts on a phone in two languages, erases their data; nothing shows it after', async () => {
  const campaign = JSON.parse((await api('POST', '/api/campaigns', { slug: 'air-bersih', name: 'Air bersih', fund: 'sadaqah', currency: 'IDR', status: 'active' })).text) as { id: string };
  const ids: string[] = [];
  for (const [index, anonymous] of [false, true].entries()) {
    const made = await api('POST', '/api/donations', { campaign_id: campaign.id, amount: `${(index + 1) * 100000}`, currency: 'IDR', donor_name: NAME, donor_email: EMAIL, anonymous }, { 'idempotency-key': `portal-e2e-${process.pid}-${index}` });
    assert.equal(made.status, 201, made.text);
    ids.push((JSON.parse(made.text) as { id: string }).id);
  }
  assert.equal((await api('POST', `/api/donations/${ids[0]}/approve`, {})).status, 200);

  await page.goto(`${server!.url}/me?lang=en`);
  assert.equal(await page.textContent('h1'), 'Open your donor page');
  await assertAccessible('sign-in page');
  await page.fill('#email', EMAIL);
  await page.click('button[type=submit]');
  await page.waitForSelector('p.note');
  await assertAccessible('link sent');
  const link = linkIn(await mailbox.next(isMagicLink));
  await page.goto(`${server!.url}${link.slice(PUBLIC_URL.length)}`);
  await assertAccessible('link page');
  await page.click('button[type=submit]');
  await page.waitForSelector('#gifts-heading');
  const body = await page.textContent('main');
  assert.ok(body?.includes(NAME), 'the donor sees their own name');
  assert.match(body ?? '', /anonymous to the public/);
  assert.match(body ?? '', /IDR\s100,000\.00/);
  await assertAccessible('donor page');

  await page.click('a[hreflang=id]');
  await page.waitForSelector('html[lang=id]');
  assert.match(await page.textContent('main') ?? '', /Donasi rutin akan tampil/);
  await assertAccessible('donor page (Indonesian)');

  await page.check('#confirm');
  await page.click('button.danger');
  await page.waitForSelector('p.note');
  assert.match(await page.textContent('main') ?? '', /Data pribadi Anda telah dihapus/);
  await assertAccessible('erased');
  await page.goto(`${server!.url}/me`);
  assert.ok(await page.isVisible('#email'), 'the session ended with the erasure');

  const holds = (text: string) => [NAME, 'Kencana', 'Pangestu', EMAIL, 'wulan.pangestu'].filter((needle) => text.toLowerCase().includes(needle.toLowerCase()));
  for (const path of [...ids.map((id) => `/api/donations/${id}`), ...ids.map((id) => `/api/console/donations/${id}`), '/api/console/donations', `/api/campaigns/${campaign.id}/donations`, '/api/exports/donations.csv', '/api/audit', '/api/analytics']) {
    const answer = await api('GET', path);
    assert.ok(answer.status < 500, `${path}: ${answer.status}`);
    assert.deepEqual(holds(answer.text), [], `${path}: ${answer.text.slice(0, 300)}`);
  }
  assert.match(server!.output(), /"msg":"request completed"/, 'the request log is captured');
  assert.deepEqual(holds(server!.output()), [], 'the server logged personal data');
});
