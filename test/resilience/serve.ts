// Real `amanah serve` processes for the restart tests and the outage bench, and the write load they take: donors
// posting donations with an Idempotency-Key (retrying the same key on 503, as a client should) and staff
// approving what was acknowledged. Every answer is checked for what an outage may answer: 2xx, 4xx, or 503
// `database_unavailable` problem+json with Retry-After. Anything else (a 500, a reset socket, a hang) is noted.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './private-postgres.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE = `${ROOT}node_modules/.bin/node`;
export const CLI = `${ROOT}src/cli/main.ts`;
export const ADMIN_TOKEN = 'resilience-admin-token-0123456789';
/** A request that has not been answered in this long counts as hung (the acquire timeout is 5 s). */
const REQUEST_TIMEOUT_MS = 15_000;
/** What a test's client waits after a 503 before it retries (a real one waits Retry-After; this measures recovery). */
const RETRY_DELAY_MS = 50;

export function serveEnvironment(databaseUrl: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', AMANAH_SEED_DEMO: 'false',
    AMANAH_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0', AMANAH_CACHE: 'on',
  };
}

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** What the process wrote to stderr (its logs), for the failure message and the restart-budget check. */
  output(): string;
  /** The exit code or signal, once it exited; undefined while it runs. */
  exit(): string | undefined;
  stop(): Promise<void>;
}

/** Starts `amanah serve` (with --workers N when asked) and resolves once it answers /healthz. */
/** `whileStarting` runs once the child is spawned, before its health is polled (e.g. to start the database it waits for). */
export async function startServe(databaseUrl: string, workers = 1, env: NodeJS.ProcessEnv = {}, whileStarting?: (output: () => string) => Promise<void>): Promise<ServeProcess> {
  const port = await freePort();
  const args = ['src/cli/main.ts', 'serve', ...(workers > 1 ? ['--workers', String(workers)] : [])];
  const child = spawn(NODE, args, { cwd: ROOT, env: { ...serveEnvironment(databaseUrl, port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((resolve) => child.on('exit', (code, signal) => { exited = String(code ?? signal); resolve(); }));
  const url = `http://127.0.0.1:${port}`;
  const serve: ServeProcess = {
    child, url, output: () => output, exit: () => exited,
    async stop() {
      if (exited === undefined) child.kill('SIGTERM');
      await exitedPromise;
    },
  };
  await whileStarting?.(() => output);
  for (const deadline = Date.now() + 60_000; ;) {
    if (exited !== undefined) throw new Error(`amanah serve exited (${exited}) at start:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return serve;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`amanah serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function createCampaign(url: string, name: string): Promise<string> {
  const response = await fetch(`${url}/api/campaigns`, {
    method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fund: 'sadaqah', currency: 'IDR', status: 'active', name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-') }),
  });
  if (response.status !== 201) throw new Error(`campaign not created: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

type Answer = { status: number; body: Record<string, unknown> } | { failure: string };

export class WriteLoad {
  /** Idempotency key → donation id, for every donation acknowledged with 201 or 200. */
  readonly acknowledged = new Map<string, string>();
  /** Donation ids whose approval was acknowledged with 200. */
  readonly approved = new Set<string>();
  /** Answers an outage must never give, described. */
  readonly unexpected: string[] = [];
  readonly counts = { created: 0, replayed: 0, unavailable: 0, approvals: 0, conflicts: 0 };
  /** When each acknowledged write was answered (Date.now()), to find the first one after the database is back. */
  readonly successTimesMs: number[] = [];
  readonly #urls: readonly string[];
  readonly #campaignIds: readonly string[];
  readonly #toApprove: string[] = [];
  #running = false;
  #loops: Promise<void>[] = [];
  #serial = 0;

  constructor(urls: readonly string[], campaignIds: readonly string[]) {
    this.#urls = urls;
    this.#campaignIds = campaignIds;
  }

  start(donors: number, approvers: number): void {
    this.#running = true;
    for (let index = 0; index < donors; index += 1) this.#loops.push(this.#donor(index));
    for (let index = 0; index < approvers; index += 1) this.#loops.push(this.#approver(index));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  /** The first acknowledged write answered at or after `sinceMs`; polls until one comes, or the deadline. */
  async firstSuccessAfter(sinceMs: number, timeoutMs = 30_000): Promise<number> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      const found = this.successTimesMs.find((time) => time >= sinceMs);
      if (found !== undefined) return found;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`no write succeeded within ${timeoutMs} ms of the database accepting again`);
  }

  async #request(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const url = this.#urls[this.#serial % this.#urls.length]!;
    try {
      const response = await fetch(`${url}${path}`, {
        method, body: JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...headers },
      });
      const text = await response.text();
      const parsed = text === '' ? {} : JSON.parse(text) as Record<string, unknown>;
      if (response.status >= 500) {
        const ok = response.status === 503 && parsed.code === 'database_unavailable' && response.headers.get('retry-after') !== null &&
          response.headers.get('content-type')?.startsWith('application/problem+json');
        if (!ok) this.unexpected.push(`${method} ${path}: ${response.status} ${response.headers.get('retry-after')} ${text.slice(0, 300)}`);
        else this.counts.unavailable += 1;
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      const failure = `${method} ${path}: ${error instanceof Error ? `${error.message} ${String((error.cause as Error | undefined)?.message ?? '')}` : String(error)}`;
      this.unexpected.push(failure);
      return { failure };
    }
  }

  async #donor(index: number): Promise<void> {
    for (let serial = 0; this.#running; serial += 1) {
      const key = `load-${process.pid}-${index}-${serial}`;
      const body = { campaign_id: this.#campaignIds[serial % this.#campaignIds.length], amount: String(1000 + (serial % 97)), currency: 'IDR', donor_name: `Donor ${index}` };
      // One key until it is acknowledged: a 503 may hide a commit, and the same key makes it once either way.
      while (this.#running) {
        this.#serial += 1;
        const answer = await this.#request('POST', '/api/donations', body, { 'idempotency-key': key });
        if ('status' in answer && (answer.status === 201 || answer.status === 200)) {
          this.acknowledged.set(key, String(answer.body.id));
          this.#toApprove.push(String(answer.body.id));
          this.successTimesMs.push(Date.now());
          this.counts[answer.status === 201 ? 'created' : 'replayed'] += 1;
          break;
        }
        if ('status' in answer && answer.status !== 503) this.unexpected.push(`POST /api/donations: ${answer.status} ${JSON.stringify(answer.body)}`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  async #approver(index: number): Promise<void> {
    while (this.#running) {
      const id = this.#toApprove.shift();
      if (id === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10 + index));
        continue;
      }
      this.#serial += 1;
      const answer = await this.#request('POST', `/api/donations/${id}/approve`, {}, {});
      if (!('status' in answer)) continue;
      if (answer.status === 200) {
        this.approved.add(id);
        this.successTimesMs.push(Date.now());
        this.counts.approvals += 1;
      } else if (answer.status === 409) {
        // An approval that committed but whose answer was lost to the outage: not acknowledged, so not counted.
        this.counts.conflicts += 1;
      } else if (answer.status === 503) {
        this.#toApprove.push(id);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      } else this.unexpected.push(`approve ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }
}

/**
 * Scheduled payment verification on, every second, against a provider that is not there: graphile-worker's
 * runner runs in every process and re-adds its job after each run, which is how a test sees it resume. The load's
 * donations carry no external reference, so the verifier never touches them.
 */
export const VERIFICATION_ENV = { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9/status', PAYMENT_VERIFY_INTERVAL_MS: '1000' };

/** The id of graphile-worker's scheduled verification job (a new one after every run), or undefined. */
export const VERIFY_JOB_SQL = "select id::text from graphile_worker._private_jobs where key = 'amanah:verify-payments'";

/** Runs a CLI command against the database; resolves to its exit code and output. */
export function runCli(databaseUrl: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, [CLI, ...args], { cwd: ROOT, env: { ...serveEnvironment(databaseUrl, 0), LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}
