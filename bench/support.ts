// Pieces several benchmarks share: a bounded latency recorder with percentiles, and `amanah serve` in a child
// process, so that a load generator in the runner does not share the server's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Latencies in milliseconds, kept in a fixed-size buffer; samples beyond the capacity are counted, not kept. */
export class LatencyRecorder {
  readonly #samples: Float64Array;
  #count = 0;
  #dropped = 0;

  constructor(capacity: number) {
    this.#samples = new Float64Array(capacity);
  }

  record(milliseconds: number): void {
    if (this.#count < this.#samples.length) this.#samples[this.#count++] = milliseconds;
    else this.#dropped += 1;
  }

  get count(): number {
    return this.#count + this.#dropped;
  }

  /** Nearest-rank percentiles (each 0 < p <= 100) of the kept samples, in order; NaN when there are none. */
  percentiles(...ps: number[]): number[] {
    const sorted = this.#samples.subarray(0, this.#count).slice().sort();
    return ps.map((p) => this.#count === 0
      ? Number.NaN
      : sorted[Math.min(this.#count, Math.max(1, Math.ceil((p / 100) * this.#count))) - 1]!);
  }

  reset(): void {
    this.#count = 0;
    this.#dropped = 0;
  }
}

/** A free TCP port on the loopback interface, found by binding port 0 and letting it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** How long `amanah serve` may take to answer /readyz (migrations on an empty database take well under this). */
const SERVER_READY_TIMEOUT_MS = 30_000;
const SERVER_READY_POLL_MS = 100;
/** After SIGTERM the server finishes in-flight requests; past this it is killed. */
const SERVER_STOP_TIMEOUT_MS = 15_000;
/** The child's output is kept (for the error message if it fails to start) up to this many characters. */
const SERVER_OUTPUT_CHARACTERS_MAX = 8_000;

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `node src/cli/main.ts serve` (with `serveArguments`, e.g. `--workers 2`) on a free loopback port with
 * `environment` added to the runner's own, and resolves once /readyz answers 200. Rejects (and kills the child) if it exits or is not ready in time.
 */
export async function startServerProcess(repositoryDirectory: string, environment: Record<string, string>, serveArguments: readonly string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', ...serveArguments], {
    cwd: repositoryDirectory,
    env: { ...process.env, ...environment, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString('utf8')).slice(-SERVER_OUTPUT_CHARACTERS_MAX); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(child, url);
  } catch (error) {
    await stopChild(child);
    throw new Error(`amanah serve did not become ready: ${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

async function waitUntilReady(child: ChildProcess, url: string): Promise<void> {
  const deadline = performance.now() + SERVER_READY_TIMEOUT_MS;
  const attemptsMax = Math.ceil(SERVER_READY_TIMEOUT_MS / SERVER_READY_POLL_MS);
  for (let attempt = 0; attempt < attemptsMax && performance.now() < deadline; attempt += 1) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(SERVER_READY_POLL_MS * 10) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(SERVER_READY_POLL_MS);
  }
  throw new Error(`no 200 from /readyz within ${SERVER_READY_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
