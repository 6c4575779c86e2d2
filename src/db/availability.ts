// Telling "the database is away" (restarting, stopped, starting up, unreachable) from every other error, and
// waiting for it to come back. A database that is away is an operating error: requests answer 503
// `database_unavailable` with Retry-After, processes keep running and recover by themselves, batch jobs retry a
// bounded time. Anything else (a constraint, a bug) keeps its own meaning.
import { AppError, isAppError } from '../errors.ts';
import { sqlState } from './sqlstate.ts';

/**
 * The Retry-After a client is given while the database is away. A restart is noticed on the next request and
 * recovered from within about a second of PostgreSQL accepting again (the LISTEN connection's back-off is capped
 * at half a second), so a client that waits longer than this only waits longer.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** SQLSTATEs of a server that is going away or not yet back (PostgreSQL appendix A, class 57P and 53300). */
const UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown: `pg_ctl stop -m fast`, or a backend terminated by an administrator
  '57P02', // crash_shutdown: another backend crashed, or `pg_ctl stop -m immediate`
  '57P03', // cannot_connect_now: "the database system is starting up" / "is shutting down" / "in recovery mode"
  '53300', // too_many_connections: every process reconnecting at once after a restart
]);

/** Socket errors of a server that is not there (or dropped the connection). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** node-postgres's own words for a connection that died or never came (it gives these errors no code). */
const DRIVER_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|Connection terminated due to connection timeout)/;

/** The pool's acquire timeout; an outage only when the database is away (otherwise the pool is just busy). */
export const ACQUIRE_TIMEOUT_MESSAGE = /timeout exceeded when trying to connect/i;

/** True for an error that says the connection to the database failed or was lost, not that a statement did. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const state = sqlState(error);
  if (state !== undefined && (state.startsWith('08') || UNAVAILABLE_STATES.has(state) || SOCKET_CODES.has(state))) return true;
  // A unix socket that is not there (the server stopped removes it) is ENOENT on connect.
  if ((error as NodeJS.ErrnoException).syscall === 'connect') return true;
  // Causes are not followed: a failed fetch to a payment provider carries ECONNREFUSED as its cause, and that is
  // not the database (pg-pool's own wrapper, "Connection terminated due to connection timeout", is matched above).
  return DRIVER_MESSAGES.test(error.message);
}

/** The 503 a request gets while the database is away; the driver's error stays as the cause, for the log. */
export class DatabaseUnavailableError extends AppError {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('database_unavailable', `the database cannot be reached (${reason.slice(0, 200)}); retry, with the same Idempotency-Key for a write`, {}, DATABASE_RETRY_AFTER_SECONDS);
    this.cause = cause;
  }
}

/** True for the 503 above, or for a driver error that would become it. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (isAppError(error) && error.code === 'database_unavailable') || isConnectionFailure(error);
}

export interface RetryLimits {
  /** The first wait; each next one doubles, up to delayMsMax. */
  readonly delayMsMin: number;
  /** The longest wait between two attempts: bounds how long after the database is back the work resumes. */
  readonly delayMsMax: number;
  /** Give up (rethrow) once this long has passed since the first failure; Infinity waits as long as it takes. */
  readonly waitMsMax: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it does not fail for a database that is away, waiting with capped exponential back-off
 * between attempts and for at most `limits.waitMsMax` in all. Any other error is rethrown at once.
 */
export async function retryWhileUnavailable<T>(work: (attempt: number) => Promise<T>, limits: RetryLimits, onRetry?: (error: unknown, attempt: number, delayMs: number) => void): Promise<T> {
  let firstFailureMs: number | undefined;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      firstFailureMs ??= Date.now();
      const delayMs = Math.min(limits.delayMsMax, limits.delayMsMin * 2 ** (attempt - 1));
      if (Date.now() - firstFailureMs + delayMs > limits.waitMsMax) throw error;
      onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

/**
 * A process that starts while the database is away waits for it rather than exiting (a supervisor restarting
 * it would gain nothing, and `--workers` would spend its restart budget on it): the first retry after
 * START_RETRY_DELAY_MS_MIN, doubling to START_RETRY_DELAY_MS_MAX, for as long as it takes; each attempt is logged.
 */
export const START_RETRY_DELAY_MS_MIN = 100;
export const START_RETRY_DELAY_MS_MAX = 1_000;
export const START_RETRY_LIMITS: RetryLimits = { delayMsMin: START_RETRY_DELAY_MS_MIN, delayMsMax: START_RETRY_DELAY_MS_MAX, waitMsMax: Infinity };

/** One JSON log line before the app's logger exists (the same shape pino writes). */
export function logStartRetry(role: string, error: unknown, attempt: number, delayMs: number): void {
  const reason = error instanceof Error ? error.message : String(error);
  console.error(JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, role, attempt, delayMs, msg: `database unavailable at start (${reason}); retrying in ${delayMs} ms` }));
}
