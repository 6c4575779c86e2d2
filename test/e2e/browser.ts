// Shared by the browser tests: a headless Debian chromium driven by playwright-core (no downloaded browser),
// and a real amanah server started as a child process on a free loopback port, the way `npm start` runs it.
// Each launch gets a fresh user-data directory, so no cookie, cache or storage leaks between tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, TEST_ADMIN_TOKEN } from '../helpers/database.ts';

/** Debian's chromium, installed by .ci/run (`apt-get install chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, hermetic headless run: no sandbox (CI runs as root in a container), no GPU, and nothing
 * that phones home (QUIC probes, component updates, sync, background networking) to keep runs repeatable.
 */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A server that has not printed its address by then failed to start; PGlite's cold start takes a few seconds. */
const SERVER_START_TIMEOUT_MS = 60_000;

export interface LaunchedBrowser {
  /** The persistent context; open pages with `context.newPage()`. */
  context: BrowserContext;
  browser: Browser | null;
  close(): Promise<void>;
}

/** Launches chromium with a fresh user-data directory that is deleted on close. */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium`);
  const userDataDirectory = mkdtempSync(join(tmpdir(), 'amanah-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDirectory, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close();
      rmSync(userDataDirectory, { recursive: true, force: true });
    },
  };
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The admin bearer token the server was started with. */
  adminToken: string;
  child: ChildProcess;
  /** Everything the server logged, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `amanah serve` in a child process on a free port (PORT=0, the address read from its log line). The
 * database is `databaseUrl` when given (a PostgreSQL test database), else in-memory PGlite; no demo data.
 */
export async function startServerProcess(options: { databaseUrl?: string | undefined; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', AMANAH_SEED_DEMO: 'false',
    AMANAH_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DATABASE_URL: options.databaseUrl ?? 'memory://',
    // No shedding on event-loop delay: on PGlite the server's own queries (the demo seed at start) hold the loop, and
    // under-pressure reads a loop blocked for a whole sample as Infinity, which answered the test's first requests 503.
    AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0',
    ...options.env,
  };
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve'], { cwd: join(import.meta.dirname, '../..'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${SERVER_START_TIMEOUT_MS} ms:\n${output}`)), SERVER_START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) { clearTimeout(timer); resolve(match[1]!); }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
  });
  return {
    url, adminToken: TEST_ADMIN_TOKEN, child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface BrowserTestSetup {
  server: ServerProcess;
  browser: LaunchedBrowser;
  close(): Promise<void>;
}

/**
 * What each browser test file needs: a server with demo data (on PostgreSQL, in a fresh test database; on PGlite,
 * in its own memory) and a browser. `close` stops both and drops the database.
 */
export async function startBrowserTest(): Promise<BrowserTestSetup> {
  const testDatabase = process.env.DATABASE_URL?.startsWith('postgres') ? await createTestDatabase() : undefined;
  const server = await startServerProcess({ databaseUrl: testDatabase?.url, env: { AMANAH_SEED_DEMO: 'true' } });
  let browser: LaunchedBrowser;
  try {
    browser = await launchBrowser();
  } catch (error) {
    // Without this the server child keeps the test process alive and a missing chromium hangs the run.
    await server.stop();
    await testDatabase?.drop();
    throw error;
  }
  return {
    server, browser,
    async close() {
      await browser.close();
      await server.stop();
      await testDatabase?.drop();
    },
  };
}

// Functions passed to page.evaluate run in the browser; the project compiles without the DOM library.
declare const window: { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } };
declare const document: unknown;

const AXE_SOURCE = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

/**
 * axe-core run in the page through the debugger protocol (not a script tag, which the CSP refuses): each
 * violation as `rule: target, target`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/**
 * A JSON call to the server as its admin; anything but 2xx fails the test with the answer. An `authorization` in
 * `headers` calls as that token instead. `Answer` is the shape the caller reads (not checked, as with any JSON).
 */
export async function adminApi<Answer = Record<string, unknown>>(server: ServerProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${server.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Answer;
}
