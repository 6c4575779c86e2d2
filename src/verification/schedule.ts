// Running verification on a schedule inside the server.
//
// On PostgreSQL it is a graphile-worker job (the library creates and migrates its own `graphile_worker`
// schema). One job carries the key `amanah:verify-payments`; each run ends by re-adding it under that key to run
// again after the interval, so however many amanah processes share the database there is one scheduled run,
// picked up by whichever process is free. A process starting adds the job with `preserve_run_at`, which keeps
// a waiting job's time; if the job is running in another process at that moment, graphile-worker starts a new
// one, and for that overlap the claims (select … for update skip locked, plus a lease; verification/queries.ts)
// keep the two runs on disjoint donations. A cron item would do the same, but graphile-worker's cron has
// one-minute granularity and never runs at start; this keeps any interval and runs at once.
//
// On PGlite there is one process and graphile-worker cannot run (it needs a pg Pool of real connections), so an
// in-process timer runs it: one run at a time, the next one interval after the last ended.
import { Logger, run, type Runner, type Task } from 'graphile-worker';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { retryWhileUnavailable, type RetryLimits } from '../db/availability.ts';
import type { ChangeFeed } from '../events/changes.ts';
import { runVerification, verificationOptions, type VerificationCounts, type VerificationOptions } from './verifier.ts';

export const VERIFY_TASK = 'amanah_verify_payments';
export const VERIFY_JOB_KEY = 'amanah:verify-payments';
/**
 * graphile-worker's own connections: its LISTEN connection plus one to fetch and complete jobs. It runs one job
 * at a time here; the verification itself uses amanah's pool.
 */
const QUEUE_POOL_SIZE = 2;
/**
 * How often graphile-worker looks for jobs whose time has come (new jobs arrive by LISTEN/NOTIFY at once). It
 * also bounds how long after a database outage the queue resumes: graphile-worker's LISTEN reconnect backs off
 * up to a minute, but its polling goes on through the outage, so due jobs run within a second of the database
 * being back. One cheap query a second per process.
 */
const QUEUE_POLL_INTERVAL_MS_MAX = 1_000;

/** Re-adding the next run while the database is away: capped back-off, for at most five minutes. */
const QUEUE_READD_RETRY_LIMITS: RetryLimits = { delayMsMin: 100, delayMsMax: 1_000, waitMsMax: 5 * 60_000 };

export interface ScheduleLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface VerificationSchedule {
  readonly kind: 'graphile-worker' | 'timer';
  stop(): Promise<void>;
}

export interface ScheduleContext {
  config: Config;
  database: Database;
  changes: ChangeFeed;
  log: ScheduleLogger;
  /** Overrides for tests (retry delays); the provider, concurrency and timeouts come from the config. */
  options?: Partial<VerificationOptions>;
}

/** Starts scheduled verification. Throws when no PAYMENT_PROVIDER_URL is configured. */
export async function startVerificationSchedule(context: ScheduleContext): Promise<VerificationSchedule> {
  const base = verificationOptions(context.config.payments);
  if (!base) throw new Error('scheduled payment verification needs PAYMENT_PROVIDER_URL');
  const options = { ...base, ...context.options };
  return context.database.engine === 'postgres' && context.config.database.url !== undefined
    ? startOnQueue(context, options, context.config.database.url)
    : startOnTimer(context, options);
}

/** One run, logged; never throws, so that the schedule goes on after a failed run. */
async function runLogged(context: ScheduleContext, options: VerificationOptions, signal: AbortSignal): Promise<VerificationCounts | undefined> {
  try {
    const counts = await runVerification(context.database, context.changes, { ...options, signal });
    if (counts.claimed > 0) context.log.info({ verification: counts }, 'payment verification run');
    return counts;
  } catch (error) {
    context.log.error({ err: error }, 'payment verification run failed');
    return undefined;
  }
}

async function startOnQueue(context: ScheduleContext, options: VerificationOptions, url: string): Promise<VerificationSchedule> {
  const stopping = new AbortController();
  const intervalMs = context.config.payments.intervalMs;
  const task: Task = async (_payload, helpers) => {
    try {
      await runLogged(context, options, AbortSignal.any([helpers.abortSignal, stopping.signal]));
    } finally {
      // This job is locked (running), so graphile-worker detaches it from the key and adds the next run. If the
      // database is away just now, the next run is added once it is back: without it the schedule would stop
      // until graphile-worker's lock on this job expired, hours later.
      await retryWhileUnavailable(() => {
        stopping.signal.throwIfAborted();
        return helpers.addJob(VERIFY_TASK, {}, { jobKey: VERIFY_JOB_KEY, jobKeyMode: 'replace', runAt: new Date(Date.now() + intervalMs) });
      }, QUEUE_READD_RETRY_LIMITS);
    }
  };
  const runner: Runner = await run({
    connectionString: url,
    maxPoolSize: QUEUE_POOL_SIZE,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: Math.min(QUEUE_POLL_INTERVAL_MS_MAX, intervalMs),
    logger: queueLogger(context.log),
    taskList: { [VERIFY_TASK]: task },
  });
  await runner.addJob(VERIFY_TASK, {}, { jobKey: VERIFY_JOB_KEY, jobKeyMode: 'preserve_run_at' });
  return {
    kind: 'graphile-worker',
    async stop() {
      stopping.abort(new Error('the server is stopping'));
      await runner.stop();
    },
  };
}

function startOnTimer(context: ScheduleContext, options: VerificationOptions): VerificationSchedule {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running = runLogged(context, options, stopping.signal).finally(() => {
      running = undefined;
      if (!stopping.signal.aborted) timer = setTimeout(tick, context.config.payments.intervalMs);
    });
  };
  timer = setTimeout(tick, 0);
  return {
    kind: 'timer',
    async stop() {
      stopping.abort(new Error('the server is stopping'));
      clearTimeout(timer);
      await running;
    },
  };
}

/** graphile-worker's log lines go to amanah's logger; its routine chatter at debug. */
function queueLogger(log: ScheduleLogger): Logger {
  return new Logger(() => (level, message, meta) => {
    const object = { queue: 'graphile-worker', ...meta };
    if (level === 'error') log.error(object, message);
    else if (level === 'warning') log.warn(object, message);
    else log.debug(object, message);
  });
}
