// The observer in a real browser (Debian chromium through playwright-core) against a real `amanah serve`
// process: a wrong token is refused, an admin signs in, the live charts draw their lines from the samples the
// server streams, and the tables fill in.
//
// With AMANAH_SCREENSHOTS=1 the test also writes docs/observer.png.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { axeViolations, startBrowserTest, type BrowserTestSetup, type LaunchedBrowser, type ServerProcess } from './browser.ts';

// Functions passed to page.evaluate run in the browser. The project compiles without the DOM library, so the
// little of it those functions touch is declared here.
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
declare const document: { querySelectorAll(selector: string): ArrayLike<Canvas> };

const DOCS_DIRECTORY = new URL('../../docs/', import.meta.url);
const writeScreenshots = process.env.AMANAH_SCREENSHOTS === '1';
/** The charts the page draws (src/observer/client.js CHARTS). */
const CHARTS_COUNT = 9;
/** Waits for the page are generous: samples arrive once a second, on a 2-core machine shared with chromium. */
const PAGE_WAIT_MS = 30_000;
/** The first colours of the page's palette (src/observer/client.js COLOURS), as RGB. */
const SERIES_COLOURS = [[0x00, 0x72, 0xb2], [0xd5, 0x5e, 0x00], [0x00, 0x9e, 0x73], [0xcc, 0x79, 0xa7]];
/** Background traffic for the HTTP charts: this many requests, a few every 100 ms. */
const TRAFFIC_REQUESTS_MAX = 300;

let setup: BrowserTestSetup | undefined;
let server: ServerProcess;
let browser: LaunchedBrowser;

before(async () => {
  setup = await startBrowserTest();
  ({ server, browser } = setup);
});

after(async () => { await setup?.close(); });

/** Sends a bounded trickle of requests (mostly 200s, some 404s) until `signal` aborts or the count runs out. */
async function traffic(signal: AbortSignal): Promise<void> {
  for (let sent = 0; sent < TRAFFIC_REQUESTS_MAX && !signal.aborted; sent += 3) {
    await Promise.all([
      fetch(`${server.url}/api/campaigns`).then((response) => response.arrayBuffer()),
      fetch(`${server.url}/healthz`).then((response) => response.arrayBuffer()),
      fetch(`${server.url}/api/campaigns/no-such-campaign`).then((response) => response.arrayBuffer()),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('an admin signs in and the observer charts draw live', async () => {
  // Proves the sign-in refuses a wrong token, then with the admin token every chart gets a canvas with its
  // first series' line drawn (its colour is on the canvas), and the pool and statements tables are filled.
  const page = await browser.context.newPage();
  const stop = new AbortController();
  const load = traffic(stop.signal);
  try {
    await page.goto(`${server.url}/observer`);
    await page.getByLabel('Admin token').fill('not-a-real-token-but-long-enough');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signin-error').filter({ hasText: 'Not signed in' }).waitFor({ timeout: PAGE_WAIT_MS });

    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#observer').waitFor({ state: 'visible', timeout: PAGE_WAIT_MS });
    await page.locator('#charts canvas').nth(CHARTS_COUNT - 1).waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await page.locator('#charts figure').count(), CHARTS_COUNT);

    // A line needs two samples. The axes and grid are drawn in black and grey; a series is drawn in a colour
    // of the page's palette, so every chart showing palette pixels has drawn its lines from the samples.
    await page.waitForFunction((palette) => {
      const canvases = Array.from(document.querySelectorAll('#charts canvas'));
      return canvases.length > 0 && canvases.every((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let pixels = 0;
        for (let index = 0; index < data.length; index += 4) {
          const near = (rgb: number[]) => Math.abs(data[index]! - rgb[0]!) + Math.abs(data[index + 1]! - rgb[1]!) + Math.abs(data[index + 2]! - rgb[2]!) < 60;
          if (data[index + 3]! > 100 && palette.some(near)) pixels += 1;
        }
        return pixels > 50;
      });
    }, SERIES_COLOURS, { timeout: PAGE_WAIT_MS, polling: 500 });

    assert.equal(await page.locator('#pressure-pill').textContent(), 'OK');
    await page.locator('#table-pool table').waitFor({ timeout: PAGE_WAIT_MS });
    assert.match(await page.locator('#table-statements').textContent() ?? '', /Not available|statement/);
    assert.match(await page.locator('#table-versions').textContent() ?? '', new RegExp(process.versions.node.replaceAll('.', '\\.')));
    assert.match(await page.locator('#stream-state').textContent() ?? '', /live/);

    // The workers table (a single process is a cluster of one, plus the total) and the database panel.
    await page.locator('#table-workers table').waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await page.locator('#table-workers tbody tr').count(), 2);
    assert.match(await page.locator('#table-workers tbody tr').last().textContent() ?? '', /^total/);
    assert.match(await page.locator('#table-sizes').textContent() ?? '', /donations/);
    const onPglite = !process.env.DATABASE_URL?.startsWith('postgres');
    assert.match(await page.locator('#table-running').textContent() ?? '', onPglite ? /Not available on pglite: PGlite is one backend/ : /No other query is running now|pid/);
    assert.match(await page.locator('#table-locks').textContent() ?? '', onPglite ? /Not available on pglite/ : /No backend is waiting for a lock|pid/);
    // axe-core through the debugger protocol: no accessibility violation on the whole page.
    assert.deepEqual(await axeViolations(page), []);
    // The same in the system's dark scheme (the charts are built again in its colours).
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('#charts canvas').nth(CHARTS_COUNT - 1).waitFor({ timeout: PAGE_WAIT_MS });
    assert.deepEqual(await axeViolations(page), [], 'dark scheme');
    await page.emulateMedia({ colorScheme: 'light' });

    if (writeScreenshots) {
      // A few more seconds of samples so the lines in the picture have some length.
      await page.waitForTimeout(8_000);
      mkdirSync(DOCS_DIRECTORY, { recursive: true });
      await page.screenshot({ path: new URL('observer.png', DOCS_DIRECTORY).pathname, fullPage: true });
    }
  } finally {
    stop.abort();
    await load;
    await page.close();
  }
});

test('the observer is in Indonesian for an Indonesian browser and switches to English', async () => {
  // Proves: Accept-Language id gives lang="id" and Indonesian words (the page's and the script's), the page
  // declares both colour schemes, and the switch link gives the English page.
  const page = await browser.context.newPage();
  try {
    await page.setExtraHTTPHeaders({ 'accept-language': 'id-ID,id;q=0.9' });
    await page.goto(`${server.url}/observer`);
    assert.equal(await page.getAttribute('html', 'lang'), 'id');
    assert.equal(await page.locator('h1').textContent(), 'Pemantau amanah');
    assert.equal(await page.getAttribute('meta[name="color-scheme"]', 'content'), 'light dark');
    await page.getByLabel('Token admin').fill(server.adminToken);
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.locator('#table-pool table').waitFor({ timeout: PAGE_WAIT_MS });
    assert.equal(await page.locator('#charts figcaption').first().textContent(), 'CPU (% dari satu inti)');
    assert.match(await page.locator('#table-pool thead').textContent() ?? '', /mesin/);
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForSelector('html[lang="en"]');
    assert.equal(await page.locator('h1').textContent(), 'amanah observer');
  } finally {
    await page.close();
  }
});
