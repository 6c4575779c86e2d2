// A PostgreSQL 15 cluster of the test's own, in a temporary folder on a free port, so that a test can restart,
// stop and start it under load without touching the shared server on 5432. fsync is off: the tests are about
// connections going away, not about the disk (a commit is still written to the OS at once, so an immediate
// stop, which kills processes and not the machine, loses nothing that was acknowledged). Run as root (as CI
// does), the server runs as the postgres user, since initdb refuses root.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where initdb, pg_ctl and postgres are: Debian's PostgreSQL 15 (as CI installs it), unless told otherwise. */
export const POSTGRES_BIN = process.env.AMANAH_TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
/** How long pg_ctl waits for a start or stop before the test fails (seconds). */
const PG_CTL_TIMEOUT_SECONDS = 60;

export type StopMode = 'immediate' | 'fast';

/** A port nobody listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The uid/gid to run the server as: the postgres user when this process is root (initdb refuses root). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(command: string, args: readonly string[], options: SpawnOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(POSTGRES_BIN, command), args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export class PrivatePostgres {
  readonly folder: string;
  readonly port: number;
  readonly #user: { uid: number; gid: number } | undefined;

  private constructor(folder: string, port: number, user: { uid: number; gid: number } | undefined) {
    this.folder = folder;
    this.port = port;
    this.#user = user;
  }

  /** initdb into a new temporary folder, then start on a free port. */
  static async start(): Promise<PrivatePostgres> {
    if (!existsSync(join(POSTGRES_BIN, 'initdb'))) throw new Error(`no initdb in ${POSTGRES_BIN}: install PostgreSQL 15 or set AMANAH_TEST_POSTGRES_BIN`);
    const folder = mkdtempSync(join(tmpdir(), 'amanah-pg-'));
    const user = serverUser();
    if (user) chownSync(folder, user.uid, user.gid);
    const cluster = new PrivatePostgres(folder, await freePort(), user);
    await run('initdb', ['-D', cluster.dataDirectory, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C'], cluster.#spawnOptions());
    await cluster.startServer();
    // A test process that dies without its finally still stops its server.
    process.once('exit', () => {
      try {
        execFileSync(join(POSTGRES_BIN, 'pg_ctl'), ['-D', cluster.dataDirectory, '-m', 'immediate', 'stop'], { ...cluster.#spawnOptions(), stdio: 'ignore' });
      } catch {
        // already stopped
      }
    });
    return cluster;
  }

  get dataDirectory(): string { return join(this.folder, 'data'); }
  get url(): string { return `postgres://postgres@127.0.0.1:${this.port}/postgres`; }

  #spawnOptions(): SpawnOptions {
    return this.#user ? { uid: this.#user.uid, gid: this.#user.gid, cwd: this.folder } : { cwd: this.folder };
  }

  /** Starts the server and resolves once it accepts connections (pg_ctl -w). */
  async startServer(): Promise<void> {
    const options = `-p ${this.port} -k ${this.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await run('pg_ctl', ['-D', this.dataDirectory, '-l', join(this.folder, 'server.log'), '-o', options, '-w', '-t', String(PG_CTL_TIMEOUT_SECONDS), 'start'], this.#spawnOptions());
  }

  async stopServer(mode: StopMode): Promise<void> {
    await run('pg_ctl', ['-D', this.dataDirectory, '-m', mode, '-w', '-t', String(PG_CTL_TIMEOUT_SECONDS), 'stop'], this.#spawnOptions());
  }

  /** `pg_ctl restart -m mode`; resolves once the server accepts connections again. */
  async restart(mode: StopMode): Promise<void> {
    await this.stopServer(mode);
    await this.startServer();
  }

  /** Resolves once a new connection succeeds (the moment PostgreSQL accepts again), polling every few ms. */
  async waitAccepting(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        await client.end().catch(() => {});
      }
    }
  }

  async query<Row = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Row[];
    } finally {
      await client.end();
    }
  }

  log(): string {
    try {
      return readFileSync(join(this.folder, 'server.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops the server (whatever state it is in) and removes the folder. */
  async destroy(): Promise<void> {
    await this.stopServer('immediate').catch(() => {});
    rmSync(this.folder, { recursive: true, force: true });
  }
}
