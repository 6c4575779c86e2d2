// The `amanah` command line. Each command parses its own flags with node:util parseArgs and has --help.
// Output for people goes to stdout; errors go to stderr as one line, with a non-zero exit code.
//
// A command's modules are loaded when it runs, not before: loading every command's (the HTTP server, its
// routes, PGlite, the workers) held 139 MB of RSS before any work, where `amanah import` needs 101 MB of them;
// the import's 256 MB memory budget is measured on the whole process (bench/import.ts).
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Role } from '../auth/tokens.ts';
import { assertDataDirectoryFree, DataDirectoryError, DataDirectoryLockedError } from '../db/data-dir-lock.ts';

export interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(config: Config, values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const help = { help: { type: 'boolean', short: 'h' } } as const;
const json = { json: { type: 'boolean' } } as const;

async function withDatabase<T>(config: Config, work: (database: Database) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { migrate }] = await Promise.all([import('../db/database.ts'), import('../db/migrate.ts')]);
  const database = await openDatabase(config.database);
  try {
    await migrate(database);
    return await work(database);
  } finally {
    await database.close();
  }
}

const BUILT_IN: Record<string, Command> = {
  serve: {
    summary: 'Run the HTTP server (migrates first; seeds demo data into a new database)',
    usage: 'amanah serve [--port N] [--host H] [--workers N]',
    options: { ...help, port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' } },
    async run(config, values) {
      const overrides: Record<string, string> = {};
      if (typeof values.port === 'string') overrides.PORT = values.port;
      if (typeof values.host === 'string') overrides.HOST = values.host;
      const settings = Object.keys(overrides).length ? loadConfig(overrides) : config;
      const { runPrimary, WORKERS_MAX } = await import('../cluster.ts');
      const workers = workerCount(values.workers, settings, WORKERS_MAX);
      if (workers > 1 && cluster.isPrimary) return runPrimary(settings, workers);
      const { startServer } = await import('../server.ts');
      const server = await startServer(settings, { prepareDatabase: cluster.isPrimary });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          server.app.log.info({ signal }, 'stopping: finishing requests in flight');
          void server.stop().then(() => {
            server.app.log.info('stopped');
            process.exit(0);
          });
        });
      }
      return new Promise<number>(() => {});
    },
  },
  migrate: {
    summary: 'Apply pending database migrations',
    usage: 'amanah migrate [--json]',
    options: { ...help, ...json },
    async run(config, values) {
      const [{ openDatabase }, { migrate }] = await Promise.all([import('../db/database.ts'), import('../db/migrate.ts')]);
      const database = await openDatabase(config.database);
      try {
        const applied = await migrate(database);
        if (values.json === true) console.log(JSON.stringify({ applied }));
        else console.log(applied.length === 0 ? 'schema is current' : `applied: ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
      return 0;
    },
  },
  verify: {
    summary: "Recompute every campaign's totals from its donations and check the ledger (entries balance, account balances, receipt postings); exit 1 naming any that differ",
    usage: 'amanah verify [--json]',
    options: { ...help, ...json },
    async run(config, values) {
      const [{ findTotalsMismatches }, { findLedgerProblems, LEDGER_VERIFIED }] = await Promise.all([import('../campaigns/queries.ts'), import('../ledger/verify.ts')]);
      return withDatabase(config, async (database) => {
        const mismatches = await findTotalsMismatches(database);
        const ledgerProblems = await findLedgerProblems(database);
        const ok = mismatches.length === 0 && ledgerProblems.length === 0;
        if (values.json === true) {
          console.log(JSON.stringify({ ok, mismatches, ledger_problems: ledgerProblems }, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)));
          return ok ? 0 : 1;
        }
        if (ok) {
          console.log('every campaign total equals the sum of its approved donations');
          console.log(LEDGER_VERIFIED);
          return 0;
        }
        for (const problem of ledgerProblems) console.error(`ledger ${problem.check}: ${problem.detail}`);
        for (const row of mismatches) {
          console.error(`campaign ${row.slug} (${row.id}): raised ${row.raised_minor} vs ${row.actual_raised_minor} minor units, ` +
            `donations ${row.donation_count} vs ${row.actual_donation_count}, donors ${row.donor_count} vs ${row.actual_donor_count}`);
        }
        return 1;
      });
    },
  },
  seed: {
    summary: 'Create demo campaigns across funds and currencies, with donations (safe to run twice)',
    usage: 'amanah seed [--json]',
    options: { ...help, ...json },
    async run(config, values) {
      const [{ seedDemoData }, { ChangeFeed }] = await Promise.all([import('../seed/demo.ts'), import('../events/changes.ts')]);
      return withDatabase(config, async (database) => {
        const summary = await seedDemoData(database, new ChangeFeed());
        if (values.json === true) console.log(JSON.stringify(summary));
        else console.log(`demo data: ${summary.campaigns} campaigns, ${summary.donations} donations (${summary.approved} newly approved)`);
        return 0;
      });
    },
  },
  token: {
    summary: 'Create an API token (printed once; only its SHA-256 is stored), or revoke one by id',
    usage: 'amanah token create --role staff|admin [--name NAME] [--json]\n       amanah token revoke <id> [--json]',
    options: { ...help, ...json, role: { type: 'string' }, name: { type: 'string' } },
    async run(config, values, positionals) {
      const { createToken, revokeToken, ROLES } = await import('../auth/tokens.ts');
      if (positionals[0] === 'revoke') {
        const id = positionals[1];
        if (id === undefined || !/^[0-9]{1,19}$/.test(id)) throw new UsageError('token revoke: give the token id (the number after "amanah_")');
        return withDatabase(config, async (database) => {
          const revoked = await revokeToken(database, id);
          if (values.json === true) console.log(JSON.stringify({ id, revoked }));
          else if (revoked) console.log(`token ${id} revoked`);
          else console.error(`amanah token: no active token ${id}`);
          return revoked ? 0 : 1;
        });
      }
      if (positionals[0] !== 'create') throw new UsageError('token: the subcommands are "create" and "revoke"');
      const role = values.role;
      if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new UsageError('token create: --role must be staff or admin');
      const name = typeof values.name === 'string' ? values.name : `${role} token`;
      return withDatabase(config, async (database) => {
        const { id, token } = await createToken(database, name, role as Role);
        console.log(values.json === true ? JSON.stringify({ id, role, name, token }) : token);
        return 0;
      });
    },
  },
};

/** Every command, in help order; each is loaded only when it is run (or when the full help is printed). */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => BUILT_IN.serve!,
  migrate: async () => BUILT_IN.migrate!,
  verify: async () => BUILT_IN.verify!,
  seed: async () => BUILT_IN.seed!,
  token: async () => BUILT_IN.token!,
  zakat: async () => (await import('../zakat/cli.ts')).zakatCommand,
  import: async () => (await import('../imports/command.ts')).importCommand,
  'verify-payments': async () => (await import('../verification/cli.ts')).verifyPaymentsCommand,
  reconcile: async () => (await import('../payments/reconcile.ts')).reconcileCommand,
  export: async () => (await import('../exports/command.ts')).exportCommand,
  erase: async () => (await import('../portal/command.ts')).eraseCommand,
};

class UsageError extends Error {}

/**
 * What to do instead, for each command that opens the database, when a running server owns the PGlite folder.
 * A PGlite folder has one owner (src/db/data-dir-lock.ts), so these stop at once with that line rather than
 * open the folder behind the server's back; the work they do is there over HTTP while the server runs.
 */
const WHILE_SERVING: Record<string, string> = {
  serve: 'it is already serving this folder; stop it first, or give this one its own AMANAH_DATA_DIR',
  migrate: 'the server migrated this folder when it started',
  verify: 'stop it first, then run amanah verify',
  seed: 'stop it first, then run amanah seed',
  token: 'stop it first, or sign in with the admin token it printed at its first start (or AMANAH_ADMIN_TOKEN) while it runs',
  import: 'stop it first, or upload the file to it: POST /api/imports?campaign=… with a staff token (README: API)',
  'verify-payments': 'stop it first; with PAYMENT_PROVIDER_URL set the server verifies on its own schedule',
  reconcile: 'stop it first, or run it against PostgreSQL (DATABASE_URL), which any number of processes share',
  export: 'stop it first, or download from it: GET /api/exports/donations.csv with a staff token',
  erase: 'stop it first, or ask it: POST /api/donors/erase with an admin token',
};

/** Stops a command that would open a PGlite folder a live process owns, before it does any work. */
function assertFolderFree(name: string, config: Config): void {
  if (config.database.url !== undefined || !Object.hasOwn(WHILE_SERVING, name)) return;
  assertDataDirectoryFree(config.database.dataDirectory);
}

/** `--workers N`: 1 (the default) serves in this process; more need PostgreSQL (PGlite is one process's). */
function workerCount(raw: unknown, config: Config, workersMax: number): number {
  if (raw === undefined) return 1;
  if (typeof raw !== 'string' || !/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > workersMax) {
    throw new UsageError(`serve: --workers takes a whole number from 1 to ${workersMax}`);
  }
  const workers = Number(raw);
  if (workers > 1 && !config.database.url?.startsWith('postgres')) {
    throw new UsageError('serve: --workers above 1 needs DATABASE_URL=postgres://… (a PGlite database belongs to one process)');
  }
  return workers;
}

/** Exit codes, the same for every command (README: CLI). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Every command with its loaded definition, in help order (the help and README's CLI table are checked against it). */
export async function loadCommands(): Promise<[string, Command][]> {
  return Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as [string, Command]));
}

async function mainHelp(): Promise<string> {
  const lines = (await loadCommands()).map(([name, command]) => `  ${name.padEnd(16)} ${command.summary}`);
  return ['amanah: donation and zakat platform', '', 'Usage: amanah <command> [options]', '       amanah --version', '', 'Commands:', ...lines,
    '', 'Each command takes --help. Exit codes: 0 done, 1 failed, 2 wrong usage. Errors go to stderr.',
    'Configuration comes from environment variables and .env (see README).'].join('\n');
}

/** Edit distance with transpositions ("jsno" is one from "json"); names are short, so the table is nothing. */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest of `candidates` to `given`, if it is close enough to be a typo (at most a third of it differs). */
export function closest(given: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.startsWith(given) && given.length >= 2 ? 0.5 : distance(given, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(1, Math.floor(given.length / 3)) ? best : undefined;
}

function didYouMean(given: string, candidates: readonly string[], prefix = ''): string {
  const match = closest(given, candidates);
  return match === undefined ? '' : `; did you mean ${prefix}${match}?`;
}

/** One line naming DATABASE_URL (its password hidden), for a PostgreSQL that cannot be reached. */
function unreachable(url: string, error: unknown): string {
  let shown: string;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    shown = parsed.toString();
  } catch {
    shown = 'postgres://…';
  }
  const cause = (error as { cause?: unknown }).cause ?? error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return `cannot reach the database at DATABASE_URL=${shown} (${reason.slice(0, 200)}): start PostgreSQL there, correct DATABASE_URL, ` +
    'or unset it to use embedded PGlite in AMANAH_DATA_DIR';
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

function usageProblem(name: string, command: Command, error: Error): string {
  // parseArgs's own text ends with advice on positionals starting with "-", which is not what a typo needs.
  const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec(error.message);
  const message = unknown ? `unknown option ${unknown[1]}${unknown[2]}${didYouMean(unknown[2]!, Object.keys(command.options), '--')}` : error.message;
  return `amanah ${name}: ${message}\nusage: ${command.usage}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(`amanah ${version()}`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) console.error(await mainHelp());
    else console.log(await mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    console.error(`amanah: unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}\nRun amanah --help for the list.`);
    return EXIT.usage;
  }
  const command = await load();
  let config: Config | undefined;
  try {
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    if (values.help) {
      console.log(`${command.usage}\n\n${command.summary}`);
      return EXIT.ok;
    }
    config = loadConfig();
    assertFolderFree(name, config);
    return await command.run(config, values, positionals);
  } catch (error) {
    const { isDatabaseUnavailable } = await import('../db/availability.ts');
    if (error instanceof ConfigError) console.error(`amanah: configuration: ${error.message}`);
    else if (config?.database.url?.startsWith('postgres') && isDatabaseUnavailable(error)) console.error(`amanah ${name}: ${unreachable(config.database.url, error)}`);
    else if (error instanceof DataDirectoryLockedError) console.error(`amanah ${name}: ${error.message}; ${WHILE_SERVING[name] ?? 'stop it first'}`);
    else if (error instanceof DataDirectoryError) console.error(`amanah ${name}: ${error.message}`);
    else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(usageProblem(name, command, error as Error));
      return EXIT.usage;
    } else console.error(`amanah ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  if (code !== 0 || process.argv[2] !== 'serve') process.exit(code);
}
