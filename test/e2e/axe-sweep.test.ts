// The axe sweep (issue 12): every HTML page a person can open, in Indonesian and English, in light and dark mode,
// run through axe-core in chromium against one real `amanah serve` child. Public pages: the dashboard, the zakat
// calculator, its result and a zakat paid, a campaign's give page (and an amount refused there) and its return
// page, a receipt's check page for a real code (an unknown code is problem+json, not a page), the donor's sign-in page (and link sent), the
// mailed link's page and the donor's own page signed in, a campaign's analytics, the errors reference, and the
// staff shells signed out. Staff pages signed in: the console's queue, campaigns, a donation, tokens, audit and
// reports, each report, the distribution room's pages, the hawl report, the observer and the dashboard's staff
// view; the staff token is put in the tab's sessionStorage, where the console's sign-in leaves it. Each page is
// opened once per language and checked in light, then in dark (the colour scheme switched in place). A failure
// names the page, the combination, the rule and its targets.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { adminApi, axeViolations, launchBrowser, startServerProcess, type LaunchedBrowser, type ServerProcess } from './browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startGateway, gatewayEnvironment, type Gateway } from '../payments/gateway-server.ts';
import { startMailbox, isMagicLink, linkIn, type Mailbox } from '../portal/smtp.ts';

const PUBLIC_URL = 'http://amanah.test';
const EMAIL = 'sweep.donor@example.net';
const LANGUAGES = ['id', 'en'] as const;
const SCHEMES = ['light', 'dark'] as const;
/** A page that has not shown what it waits for by then is broken; generous for a loaded shared machine. */
const READY_MS = 30_000;

let gateway: Gateway | undefined;
let mailbox: Mailbox | undefined;
let testDatabase: TestDatabase | undefined;
let server: ServerProcess | undefined;
let browser: LaunchedBrowser | undefined;
let visitor: Page;
let staff: Page;
const pageErrors: string[] = [];
/** Pages that keep one language whatever `lang` asks: not an axe violation, listed in the test's diagnostics. */
const unlocalised = new Set<string>();

before(async () => {
  gateway = await startGateway();
  mailbox = await startMailbox();
  testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  server = await startServerProcess({
    databaseUrl: testDatabase?.url,
    env: { ...gatewayEnvironment(gateway), SMTP_URL: mailbox.url, AMANAH_PUBLIC_URL: PUBLIC_URL, CHECKOUT_RATE_PER_IP_MAX: '0', CHECKOUT_RATE_PER_EMAIL_MAX: '0',
      PORTAL_RATE_PER_IP_MAX: '1000', PORTAL_RATE_PER_EMAIL_MAX: '1000',
      // The receipt's mail (which says its code is issued) goes out on the sender's next round: soon.
      RECEIPT_ISSUE_INTERVAL_MS: '200', EMAIL_SEND_INTERVAL_MS: '200' },
  });
  browser = await launchBrowser();
  visitor = await browser.context.newPage();
  staff = await browser.context.newPage();
  // The staff tab holds the token where the console's sign-in keeps it (the observer keeps its own).
  await staff.addInitScript((token) => {
    const storage = (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage;
    storage.setItem('amanah.staffToken', token);
    storage.setItem('amanah.observer.token', token);
  }, server.adminToken);
  for (const page of [visitor, staff]) page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await mailbox?.close();
  await gateway?.close();
  await testDatabase?.drop();
});

const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => adminApi(server!, method, path, body, headers);

interface Sweep {
  name: string;
  page: () => Page;
  /** Opens the page in the language (the query's `lang`) and waits until it shows what it is for. */
  open(page: Page, language: string): Promise<void>;
}

const withLanguage = (path: string, language: string) => `${path}${path.includes('?') ? '&' : '?'}lang=${language}`;

/** A page opened by its URL, ready once `ready` matches a visible element. */
function at(name: string, page: () => Page, path: () => string, ready: string): Sweep {
  return {
    name, page,
    async open(tab, language) {
      await tab.goto(`${server!.url}${withLanguage(path(), language)}`);
      await tab.waitForSelector(ready, { timeout: READY_MS });
    },
  };
}

/**
 * Sweeps each page in every language, light then dark (the colour scheme switched in place: the pages' styles
 * follow prefers-color-scheme live); every violation is collected, then reported at once.
 */
async function sweep(pages: Sweep[]): Promise<void> {
  const failures: string[] = [];
  for (const item of pages) {
    const tab = item.page();
    for (const language of LANGUAGES) {
      await tab.emulateMedia({ colorScheme: 'light' });
      try {
        await item.open(tab, language);
      } catch (error) {
        failures.push(`${item.name} [${language}] did not open: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      const lang = await tab.getAttribute('html', 'lang');
      if (lang !== language) unlocalised.add(`${item.name}: <html lang="${lang}">`);
      for (const colorScheme of SCHEMES) {
        await tab.emulateMedia({ colorScheme });
        for (const violation of await axeViolations(tab)) failures.push(`${item.name} [${language}, ${colorScheme}] ${violation}`);
      }
    }
  }
  assert.deepEqual(failures, []);
}

const ids = { campaign: '', give: '', pending: '', approved: '', payment: '', receipt: '', mustahik: '' };

test('the data the pages show', async () => {
  const campaign = await api('POST', '/api/campaigns', { slug: 'sweep-zakat', name: 'Zakat sweep', fund: 'zakat', currency: 'IDR', status: 'active', goal: '10000000' });
  ids.campaign = String(campaign.id);
  const give = await api('POST', '/api/campaigns', { slug: 'sweep-give', name: 'Village well', description: 'A well for the village school.', fund: 'sadaqah', currency: 'USD', status: 'active', goal: '1000.00' });
  ids.give = String(give.id);
  const donate = async (amount: string, key: string, email?: string) => String((await api('POST', '/api/donations',
    { campaign_id: ids.campaign, amount, currency: 'IDR', donor_name: 'Siti Sweep', ...(email ? { donor_email: email } : {}) }, { 'idempotency-key': `sweep-${process.pid}-${key}` })).id);
  ids.approved = await donate('1250000', 'approved', EMAIL);
  await api('POST', `/api/donations/${ids.approved}/approve`, {}, { 'idempotency-key': `sweep-${process.pid}-approve` });
  ids.pending = await donate('50000', 'pending');
  const checkout = await api('POST', '/api/checkout', { campaign_id: 'sweep-give', amount: '25.00', provider: 'stripe', donor_name: 'Ahmad' }, { 'idempotency-key': `sweep-${process.pid}-checkout` });
  ids.payment = String((checkout.payment as { id: string }).id);
  await api('POST', '/api/distribution/programs', { name: 'Bantuan pangan', fund: 'zakat', asnaf: ['fakir', 'miskin'] });
  ids.mustahik = String((await api('POST', '/api/distribution/mustahik', { kind: 'person', name: 'Nur Aisyah', nik: '3174055203900002', asnaf: ['fakir'], region: 'DKI Jakarta' })).id);
  await api('POST', '/api/tokens', { name: 'Relawan', role: 'staff' });
  // The issuer writes the receipt on its next round and the outbox mails it to the donor: once it is in the
  // mailbox, the receipt (and the code its check page needs) is there.
  await mailbox!.next((mail) => !isMagicLink(mail), READY_MS);
  const { receipts } = await api('GET', `/api/receipts?donation_id=${ids.approved}`) as { receipts: { code: string }[] };
  ids.receipt = receipts[0]!.code;
});

const year = new Date().getUTCFullYear();
const visitorPage = () => visitor;
const staffPage = () => staff;

/** The link page the mail leads to, then the donor's own page once it is followed. */
async function sweepDonorPages(): Promise<void> {
  const link = linkIn(await mailbox!.next(isMagicLink, READY_MS));
  const path = link.slice(PUBLIC_URL.length);
  await sweep([at('donor link page', visitorPage, () => path, 'form button[type=submit]')]);
  await visitor.goto(`${server!.url}${path}`);
  await Promise.all([visitor.waitForURL(/\/me$/), visitor.click('form button[type=submit]')]);
  await sweep([at('donor page, signed in', visitorPage, () => '/me', `a[href*="/me/receipts/"]`)]);
}

/** A staff shell's main, put in place by its script from the page fetched again with the token. */
const filled = (status: string) => `#main:not(:has(#${status}))`;

test('public pages, the donor pages (signed in by the mailed link) and the staff shells signed out: no axe violation in id/en x light/dark', async () => {
  await sweep([
    at('dashboard', visitorPage, () => '/', 'html[data-live="live"]'),
    at('zakat calculator', visitorPage, () => '/zakat', 'form[action="/zakat"] button[type=submit]'),
    {
      name: 'zakat result with the pay form', page: visitorPage,
      async open(tab, language) {
        await tab.goto(`${server!.url}/zakat?lang=${language}`);
        await tab.fill('#income', '20000000');
        await Promise.all([tab.waitForResponse((response) => response.request().method() === 'POST'), tab.click('form:has(#income) button[type=submit]')]);
        await tab.waitForSelector('form[action="/zakat/pay"]', { timeout: READY_MS });
      },
    },
    {
      name: 'zakat paid', page: visitorPage,
      async open(tab, language) {
        await tab.goto(`${server!.url}/zakat?lang=${language}`);
        await tab.fill('#income', '20000000');
        await Promise.all([tab.waitForResponse((response) => response.request().method() === 'POST'), tab.click('form:has(#income) button[type=submit]')]);
        await Promise.all([tab.waitForResponse((response) => response.url().endsWith('/zakat/pay')), tab.click('form[action="/zakat/pay"] button[type=submit]')]);
        await tab.waitForSelector('p.paid', { timeout: READY_MS });
      },
    },
    at('give', visitorPage, () => '/give/sweep-give', '[data-give="campaign"][data-live="live"]'),
    {
      name: 'give, an amount refused', page: visitorPage,
      async open(tab, language) {
        await tab.goto(`${server!.url}/give/sweep-give?lang=${language}`);
        await tab.fill('input[name="amount"]', '12.345');
        await Promise.all([tab.waitForResponse((response) => response.request().method() === 'POST'), tab.click('form[action^="/give/"] button[type=submit]')]);
        await tab.waitForSelector('p.error[role="alert"]', { timeout: READY_MS });
      },
    },
    at('give return', visitorPage, () => `/give/return/${ids.payment}`, '[data-give="return"]'),
    at('receipt check, a real code', visitorPage, () => `/receipts/verify/${ids.receipt}`, 'h1'),
    at('donor sign-in', visitorPage, () => '/me', '#email'),
    {
      name: 'donor sign-in, link sent', page: visitorPage,
      async open(tab, language) {
        await tab.goto(`${server!.url}/me?lang=${language}`);
        await tab.fill('#email', EMAIL);
        await tab.click('button[type=submit]');
        await tab.waitForSelector('p.note', { timeout: READY_MS });
      },
    },
    at('campaign analytics', visitorPage, () => '/campaigns/sweep-zakat/analytics', '#chart-daily canvas'),
    at('errors reference', visitorPage, () => '/docs/errors', 'h1'),
    at('hawl report, signed out', visitorPage, () => '/distribution/hawl', '#hawl-signed-out'),
    at('console, signed out', visitorPage, () => '/console', '#sign-in'),
    at('report, signed out', visitorPage, () => '/console/reports/trial-balance', '#report-signed-out'),
    at('distribution, signed out', visitorPage, () => '/distribution', '#room-signed-out'),
    at('observer, signed out', visitorPage, () => '/observer', '#signin'),
  ]);
  await sweepDonorPages();
});

test('staff pages signed in: no axe violation in id/en x light/dark', async () => {
  await sweep([
    at('console queue', staffPage, () => '/console', '#queue-rows tr'),
    at('console campaigns', staffPage, () => '/console/campaigns', '#campaign-rows tr'),
    at('console donation', staffPage, () => `/console/donations/${ids.approved}`, '#history tr'),
    at('console tokens', staffPage, () => '/console/tokens', '#token-rows tr'),
    at('console audit', staffPage, () => '/console/audit', '#audit-rows tr'),
    at('console reports', staffPage, () => '/console/reports', '#content form'),
    at('report changes in funds', staffPage, () => `/console/reports/changes-in-funds?from=${year}-01-01&to=${year + 1}-01-01`, `${filled('report-status')} a[href*="format=csv"]`),
    at('report trial balance', staffPage, () => '/console/reports/trial-balance', `${filled('report-status')} table`),
    at('report financial position', staffPage, () => '/console/reports/financial-position', `${filled('report-status')} table`),
    at('report BAZNAS', staffPage, () => `/console/reports/baznas?year=${year}`, `${filled('report-status')} a[href*="format=csv"]`),
    at('distribution', staffPage, () => '/distribution', `${filled('room-status')} h1`),
    at('distribution mustahik', staffPage, () => '/distribution/mustahik', '#mustahik-form'),
    at('one mustahik', staffPage, () => `/distribution/mustahik/${ids.mustahik}`, '#record-form'),
    at('distribution programs', staffPage, () => '/distribution/programs', `${filled('room-status')} table tbody tr`),
    at('distribution disbursements', staffPage, () => '/distribution/disbursements', '#disbursement-form'),
    at('hawl report', staffPage, () => '/distribution/hawl', '#hawl-rows tr, #hawl-error:not(:empty)'),
    at('observer', staffPage, () => '/observer', '#charts canvas'),
    at('dashboard, staff', staffPage, () => '/', 'html[data-live="live"] #staff:not([hidden])'),
  ]);
});

test('no page raised a script error', (t) => {
  if (unlocalised.size > 0) t.diagnostic(`one language whatever lang asks: ${[...unlocalised].join('; ')}`);
  assert.deepEqual(pageErrors, []);
});
