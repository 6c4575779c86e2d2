// The database a child `amanah` process works on, for tests that run the CLI as a user does. On PostgreSQL it is
// this test file's own database, open in both processes at once. On PGlite it is a data folder, and a PGlite data
// folder belongs to one process at a time (src/db/data-dir-lock.ts): the test opens it only while no child runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { openPglite } from '../../src/db/pglite.ts';
import { migrate } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/database.ts';

export const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPOSITORY, 'src/cli/main.ts');

export interface CliResult { code: number | null; stdout: string; stderr: string }

export interface CliTarget {
  /** The environment a child needs to reach this database (DATABASE_URL, or AMANAH_DATA_DIR with DATABASE_URL unset). */
  readonly env: Record<string, string>;
  /** A scratch folder of this target's own, removed by close(). */
  readonly scratch: string;
  /** Runs `work` on the child's database, migrated; on PGlite the folder is opened here only for the call. */
  withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T>;
  /** The whole environment for a child: the caller's, quiet logs, this target, then `extra`. */
  childEnv(extra?: Record<string, string>): Record<string, string | undefined>;
  /** Runs `amanah …` to its end, asynchronously (a server in this process keeps answering meanwhile). */
  run(args: string[], options?: { stdin?: string; env?: Record<string, string> }): Promise<CliResult>;
  close(): Promise<void>;
}

export async function createCliTarget(prefix: string): Promise<CliTarget> {
  const scratch = mkdtempSync(join(tmpdir(), `amanah-${prefix}-`));
  let testDatabase: TestDatabase | undefined = await createTestDatabase();
  let env: Record<string, string>;
  if (testDatabase.url !== undefined) {
    env = { DATABASE_URL: testDatabase.url };
  } else {
    await testDatabase.drop();
    testDatabase = undefined;
    env = { AMANAH_DATA_DIR: join(scratch, 'data') };
  }
  const shared = testDatabase;

  const childEnv = (extra: Record<string, string> = {}): Record<string, string | undefined> => {
    const environment: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', ...env, ...extra };
    if (env.DATABASE_URL === undefined) delete environment.DATABASE_URL;
    return environment;
  };

  return {
    env,
    scratch,
    childEnv,
    async withDatabase(work) {
      if (shared) return work(shared.database);
      const database = await openPglite(env.AMANAH_DATA_DIR);
      try {
        await migrate(database);
        return await work(database);
      } finally {
        await database.close();
      }
    },
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd: REPOSITORY, env: childEnv(options.env) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
        child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(options.stdin);
      });
    },
    async close() {
      await shared?.drop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
