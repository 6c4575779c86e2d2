// The API reference at /docs in a real browser (Debian chromium through playwright-core) against the app
// listening on a loopback port in this process (no child: the page, not the process start, is under test): with every request to another origin refused (the network "off"), the page still draws the
// reference from this server alone (operations, a schema, the try-it client), breaks no rule of its
// Content-Security-Policy, and a request sent from its try-it client reaches this server.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, type LaunchedBrowser } from './browser.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

/** Generous: the bundled script is ~4 MB and chromium shares 2 cores with the server. */
const PAGE_WAIT_MS = 60_000;

let app: TestApp | undefined;
let browser: LaunchedBrowser | undefined;
const server = { url: '' };

before(async () => {
  app = await createTestApp();
  server.url = await app.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchBrowser();
});

after(async () => { await browser?.close(); await app?.close(); });

test('/docs draws the reference offline, within its CSP, and its try-it client calls this server', async () => {
  const origin = new URL(server.url).origin;
  const foreign: string[] = [];
  const consoleErrors: string[] = [];
  // The network off: anything not to this server is aborted (and recorded, so the test names it).
  await browser!.context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreign.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await browser!.context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  const seen: string[] = [];
  page.on('request', (request) => { if (request.url().startsWith(origin)) seen.push(new URL(request.url()).pathname); });
  const response = await page.goto(`${server.url}/docs`);
  assert.equal(response?.status(), 200);
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self' 'sha256-/);
  // An operation's summary and the shared Problem schema are drawn from /api/openapi.json.
  await page.getByText('List campaigns with their totals').first().waitFor({ timeout: PAGE_WAIT_MS });
  await page.getByText('application/problem+json').first().waitFor({ state: 'attached', timeout: PAGE_WAIT_MS });
  assert.ok(seen.includes('/api/openapi.json'), `the page read the document: ${seen.join(' ')}`);
  // Try it: open the client on an operation and send; the request lands on this server.
  await page.getByText('List campaigns with their totals').first().click();
  const tryIt = page.getByRole('button', { name: /test request/i }).first();
  await tryIt.waitFor({ timeout: PAGE_WAIT_MS });
  await tryIt.click();
  const send = page.getByRole('button', { name: /^send/i }).first();
  await send.waitFor({ timeout: PAGE_WAIT_MS });
  const sent = page.waitForRequest((request) => request.url().startsWith(`${origin}/api/campaigns`), { timeout: PAGE_WAIT_MS });
  await send.click();
  await sent;
  assert.deepEqual(foreign, [], `requests to other origins: ${foreign.join(' ')}`);
  const violations = consoleErrors.filter((text) => /Content Security Policy/i.test(text));
  assert.deepEqual(violations, [], violations.join('\n'));
  await page.close();
});
