// Starting and stopping the server: open the database, migrate, seed demo data on a new database, listen,
// and on SIGINT/SIGTERM stop taking requests, finish those in flight, then close the database. A database that
// is away at start is waited for (startServer).
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { seedDemoData } from './seed/demo.ts';
import { countCampaigns } from './campaigns/queries.ts';
import { ChangeFeed } from './events/changes.ts';
import { startVerificationSchedule, type VerificationSchedule } from './verification/schedule.ts';
import { isConnectionFailure, logStartRetry, retryWhileUnavailable, START_RETRY_LIMITS } from './db/availability.ts';
import { createFirstStartToken, firstStartMessage } from './auth/first-start.ts';

/** In-flight requests get this long to finish on shutdown before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  app: FastifyInstance;
  database: Database;
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Migrate, and seed a new database; false in a cluster worker, whose primary did both once (src/cluster.ts). */
  readonly prepareDatabase?: boolean;
}

/**
 * graphile-worker 0.18 completes and fails jobs without awaiting the promise (worker.js: `completeJob(job)`,
 * `failJob({…})`) and retries only some connection errors (not ECONNREFUSED or a terminated connection), so a job
 * that ends while PostgreSQL restarts leaves a rejected promise nobody handles, which ends the process. Such a
 * rejection, and only one that is a lost database connection, is logged and let go: the job stays locked and its
 * successor is already scheduled (verification/schedule.ts). Any other unhandled rejection still ends the process,
 * as Node does by default, so programmer errors are not hidden.
 */
function tolerateLostConnections(): void {
  process.on('unhandledRejection', (reason) => {
    if (!isConnectionFailure(reason)) throw reason;
    console.error(JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, msg: `a database call failed while the database was away and nobody awaited it: ${(reason as Error).message}` }));
  });
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  if (process.listenerCount('unhandledRejection') === 0) tolerateLostConnections();
  return retryWhileUnavailable(() => startOnce(config, options), START_RETRY_LIMITS, (error, attempt, delayMs) => logStartRetry('server', error, attempt, delayMs));
}

/** Opens, prepares and listens; on a failure closes what it opened, so that startServer can try again. */
async function startOnce(config: Config, options: StartOptions): Promise<RunningServer> {
  const prepare = options.prepareDatabase ?? true;
  const database = await openDatabase(config.database);
  let app: FastifyInstance | undefined;
  let verification: VerificationSchedule | undefined;
  try {
    if (prepare) await migrate(database);
    app = await buildApp({ config, database, logger: true });
    if (prepare && config.seedDemoData && (await countCampaigns(database)) === 0n) {
      const summary = await seedDemoData(database, new ChangeFeed());
      app.log.info(summary, 'new database: demo campaigns and donations created');
    }
    verification = config.payments.providerUrl === undefined ? undefined
      : await startVerificationSchedule({ config, database, changes: new ChangeFeed(), log: app.log });
    const url = await app.listen({ port: config.port, host: config.host });
    // A database that never had a token gets one admin token, made once listening (a start that fails to listen
    // keeps none it never showed), printed once (src/auth/first-start.ts).
    const firstToken = prepare && config.adminTokenSha256 === undefined ? await createFirstStartToken(database) : undefined;
    if (firstToken !== undefined) process.stdout.write(firstStartMessage(url, firstToken));
    return running(app, database, verification, url);
  } catch (error) {
    await verification?.stop().catch(() => {});
    await app?.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}

function running(app: FastifyInstance, database: Database, verification: VerificationSchedule | undefined, url: string): RunningServer {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const timer = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
      timer.unref();
      await app.close();
      await verification?.stop();
      await database.close();
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { app, database, url, stop };
}
