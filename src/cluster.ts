// `amanah serve --workers N`: N server processes on one port, through node:cluster. The primary prepares the
// database once (migrations and, on a new database, the demo data), then forks the workers, which skip both and
// serve; the primary hands each incoming connection to a worker (round-robin on Linux). The workers share nothing
// in memory: each has its own caches, kept coherent by LISTEN/NOTIFY like separate machines on one PostgreSQL.
//
// The primary forwards SIGINT and SIGTERM to the workers and exits when they have. A worker that dies unasked is
// replaced, at most RESTARTS_MAX times in RESTART_WINDOW_MS: a worker that crashes on every start (a bad
// configuration, a bug) then stops the whole server with exit code 1 rather than spin. A database that is down
// or restarting is not a crash: workers answer 503 meanwhile and recover, and wait for it at start.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import { openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { seedDemoData } from './seed/demo.ts';
import { createFirstStartToken, firstStartMessage } from './auth/first-start.ts';
import { countCampaigns } from './campaigns/queries.ts';
import { ChangeFeed } from './events/changes.ts';
import { answerWorkersMetrics } from './observability/cluster-metrics.ts';
import { logStartRetry, retryWhileUnavailable, START_RETRY_LIMITS } from './db/availability.ts';

export const WORKERS_MAX = 64;
const RESTARTS_MAX = 5;
const RESTART_WINDOW_MS = 60_000;
/** Workers stop within SHUTDOWN_GRACE_MS (src/server.ts, 10 s); past this the primary kills them. */
const WORKER_STOP_TIMEOUT_MS = 15_000;

function log(message: string): void {
  console.error(JSON.stringify({ level: 'info', time: Date.now(), pid: process.pid, role: 'primary', msg: message }));
}

/** Migrates and seeds once, before any worker starts (the advisory lock would make it safe anyway). */
async function prepareDatabase(config: Config): Promise<void> {
  const database = await openDatabase(config.database);
  try {
    const applied = await migrate(database);
    if (applied.length > 0) log(`migrations applied: ${applied.join(', ')}`);
    if (config.seedDemoData && (await countCampaigns(database)) === 0n) {
      const summary = await seedDemoData(database, new ChangeFeed());
      log(`new database: ${summary.campaigns} demo campaigns, ${summary.donations} donations`);
    }
    // As a single process does (src/server.ts): a database that never had a token gets one, printed once.
    const firstToken = config.adminTokenSha256 === undefined ? await createFirstStartToken(database) : undefined;
    if (firstToken !== undefined) process.stdout.write(firstStartMessage(`http://${config.host}:${config.port}`, firstToken));
  } finally {
    await database.close();
  }
}

/** Runs the primary: resolves to the exit code once every worker has stopped. */
export async function runPrimary(config: Config, workers: number): Promise<number> {
  // A database that is away is waited for here, before any worker starts, and each worker waits for it on its
  // own (src/server.ts) rather than exiting, so the restart budget below counts crashes of amanah only.
  await retryWhileUnavailable(() => prepareDatabase(config), START_RETRY_LIMITS, (error, attempt, delayMs) => logStartRetry('primary', error, attempt, delayMs));
  const live = new Set<Worker>();
  const restarts: number[] = [];
  let stopping = false;
  let exitCode = 0;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => { finish = resolve; });
  const forkWorker = () => { live.add(cluster.fork()); };
  const stopAll = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (live.size === 0) finish(exitCode);
    for (const worker of live) worker.process.kill(signal);
    setTimeout(() => { for (const worker of live) worker.process.kill('SIGKILL'); }, WORKER_STOP_TIMEOUT_MS).unref();
  };
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) finish(exitCode);
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0]! > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= RESTARTS_MAX) {
      log(`worker ${worker.process.pid} exited (${code ?? signal}); ${RESTARTS_MAX} restarts within ${RESTART_WINDOW_MS} ms already: stopping`);
      exitCode = 1;
      stopAll('SIGTERM');
      return;
    }
    restarts.push(now);
    log(`worker ${worker.process.pid} exited (${code ?? signal}); starting another (${restarts.length} of ${RESTARTS_MAX} in ${RESTART_WINDOW_MS} ms)`);
    forkWorker();
  });
  // Ctrl-C reaches the workers too (one process group); a SIGTERM to the primary alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopAll('SIGTERM'));
  // /metrics on any worker reports them all: the primary gathers each worker's registry on request.
  answerWorkersMetrics();
  for (let index = 0; index < workers; index += 1) forkWorker();
  log(`${workers} workers starting on ${config.host}:${config.port}`);
  return done;
}
