// PostgreSQL through node-postgres: one pool per process, sized and timed by configuration.
//
// A restart of PostgreSQL (immediate or fast) or an outage must never end the process, and must cost only the
// requests that met it. Three things make that so. (1) node-postgres takes the pool's error listener off a client
// while it is checked out, so an error on a checked-out client (the server went away between two statements)
// would be an unhandled 'error' event, which ends the process; every checkout here carries its own listener and
// a client that failed is destroyed, not returned to the pool (an on/off pair and a Map entry per checkout: well
// under a microsecond, against tens of microseconds for the round trip itself). (2) A failure of the connection, not of a
// statement, becomes DatabaseUnavailableError (503 `database_unavailable` with Retry-After; availability.ts), so
// every request in flight or arriving during the outage is answered at once rather than hanging or reset. (3) The
// LISTEN connection reconnects with a back-off capped at LISTEN_RECONNECT_DELAY_MS_MAX and tells its handlers
// LISTEN_GAP, so caches start over. The pool needs nothing more: the next acquire after the server is back opens a
// new connection.
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { LISTEN_GAP, type Database, type NotificationHandler, type PoolStats, type QueryResult, type Transaction } from './database.ts';
import { SqlState, sqlState } from './sqlstate.ts';
import { ACQUIRE_TIMEOUT_MESSAGE, DatabaseUnavailableError, isConnectionFailure, sleep } from './availability.ts';

const INT8_OID = 20;
/** Deadlocks and serialisation failures are retried a bounded number of times; anything else is not. */
const TRANSACTION_ATTEMPTS_MAX = 3;
/**
 * The LISTEN connection's first reconnect wait; it doubles up to the cap. The cap bounds how long after
 * PostgreSQL accepts again this process goes on missing notifications: half a second, at the cost of two
 * connection attempts a second per process while the server is down.
 */
const LISTEN_RECONNECT_DELAY_MS_MIN = 50;
const LISTEN_RECONNECT_DELAY_MS_MAX = 500;

// bigint columns (money, counts) arrive as JS bigint, never as a lossy number; numeric stays a string.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap<Row>(result: pg.QueryResult): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
}

/** A client while it is checked out: the listener that keeps its errors from ending the process. */
interface Checkout {
  readonly onError: (error: Error) => void;
  broken: boolean;
}

export class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #url: string;
  readonly #config: DatabaseConfig;
  #acquireTimeouts = 0;
  #acquires = 0;
  #acquireWaitMsTotal = 0;
  readonly #checkouts = new Map<pg.PoolClient, Checkout>();
  /** Set by a connection failure, cleared by the next successful acquire: tells an outage from a busy pool. */
  #unavailable = false;
  #listener: pg.Client | undefined;
  #listenerConnecting: Promise<pg.Client> | undefined;
  #listenerReconnecting = false;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #closed = false;
  /** Times the LISTEN connection was lost and re-established (the observer and tests read them). */
  readonly listenStats = { lost: 0, reconnected: 0 };

  constructor(url: string, config: DatabaseConfig) {
    this.#url = url;
    this.#config = config;
    this.pool = new pg.Pool({
      connectionString: url,
      max: config.poolSize,
      // node-postgres counts the wait for a free connection and the connect itself against one timeout.
      connectionTimeoutMillis: config.acquireTimeoutMs,
      idleTimeoutMillis: config.idleTimeoutMs,
      statement_timeout: config.statementTimeoutMs || undefined,
      types: typeParsers,
      application_name: 'amanah',
    });
    // An idle client that loses its connection emits here (the pool has already dropped it); without a
    // listener the process would crash.
    this.pool.on('error', () => { this.#unavailable = true; });
  }

  // Timing each acquire costs two performance.now() calls (well under a microsecond) against a pool round trip
  // of tens of microseconds at best, so it is always on: the observer shows the mean wait per second.
  async #acquire(): Promise<pg.PoolClient> {
    const startedMs = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const timedOut = error instanceof Error && ACQUIRE_TIMEOUT_MESSAGE.test(error.message);
      if (timedOut) this.#acquireTimeouts += 1;
      // A pool that is only busy times out too; that is `overloaded` (app.ts), unless the database is away.
      if (isConnectionFailure(error) || (timedOut && this.#unavailable)) throw this.#failed(error);
      throw error;
    }
    this.#unavailable = false;
    this.#acquires += 1;
    this.#acquireWaitMsTotal += performance.now() - startedMs;
    const checkout: Checkout = {
      broken: false,
      onError: () => {
        checkout.broken = true;
        this.#unavailable = true;
      },
    };
    client.on('error', checkout.onError);
    this.#checkouts.set(client, checkout);
    return client;
  }

  /** Gives a client back; one whose connection failed (or that a failed statement may have left dirty) is destroyed. */
  #release(client: pg.PoolClient, error?: unknown, destroy = false): void {
    const checkout = this.#checkouts.get(client);
    this.#checkouts.delete(client);
    if (checkout) client.removeListener('error', checkout.onError);
    const broken = destroy || checkout?.broken === true || (error !== undefined && isConnectionFailure(error));
    client.release(broken ? true : undefined);
  }

  /** The error to throw for `error`: a connection failure becomes the 503; anything else stays itself. */
  #failed(error: unknown): unknown {
    if (!isConnectionFailure(error)) return error;
    this.#unavailable = true;
    return error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(error);
  }

  async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const client = await this.#acquire();
    let failure: unknown;
    try {
      return wrap<Row>(await client.query(text, params as unknown[]));
    } catch (error) {
      failure = error;
      throw this.#failed(error);
    } finally {
      this.#release(client, failure);
    }
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.#acquire();
      const tx: Transaction = {
        query: async <Row>(text: string, params?: readonly unknown[]) => wrap<Row>(await client.query(text, params as unknown[])),
        execute: async (script: string) => { await client.query(script); },
      };
      let broken = false;
      let failure: unknown;
      try {
        await client.query('begin');
        const result = await work(tx);
        await client.query('commit');
        return result;
      } catch (error) {
        failure = error;
        await client.query('rollback').catch(() => { broken = true; });
        const state = sqlState(error);
        const retryable = state === SqlState.DEADLOCK_DETECTED || state === SqlState.SERIALIZATION_FAILURE;
        if (!retryable || attempt >= TRANSACTION_ATTEMPTS_MAX) throw this.#failed(error);
      } finally {
        this.#release(client, failure, broken);
      }
    }
  }

  /** Hands a pooled client to `work` (COPY streams need the raw client). */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    let failure: unknown;
    try {
      return await work(client);
    } catch (error) {
      failure = error;
      throw this.#failed(error);
    } finally {
      this.#release(client, failure);
    }
  }

  async execute(script: string): Promise<void> {
    // A multi-statement script answers with one result per statement, so it is not wrapped like a query.
    await this.withClient((client) => client.query(script));
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    const handlers = this.#handlers.get(channel) ?? new Set();
    const first = handlers.size === 0;
    handlers.add(handler);
    this.#handlers.set(channel, handlers);
    try {
      const listener = await this.#listenerClient();
      if (first) await listener.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      handlers.delete(handler);
      throw this.#failed(error);
    }
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#listener) await this.#listener.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => {});
    };
  }

  /** True while the LISTEN connection is up, or nothing listens: readiness (health.ts) asks. */
  listening(): boolean {
    return this.#listener !== undefined || this.#handlers.size === 0;
  }

  /** The one connection that carries every LISTEN; concurrent callers share one connect. */
  #listenerClient(): Promise<pg.Client> {
    if (this.#listener) return Promise.resolve(this.#listener);
    this.#listenerConnecting ??= this.#connectListener().finally(() => { this.#listenerConnecting = undefined; });
    return this.#listenerConnecting;
  }

  async #connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: this.#config.connectTimeoutMs, application_name: 'amanah-listen' });
    client.on('notification', (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    // An error is followed by 'end', and a server that closes the socket may give only 'end': both lead here.
    client.on('error', () => this.#listenerLost(client));
    client.on('end', () => this.#listenerLost(client));
    await client.connect();
    if (this.#closed) {
      await client.end().catch(() => {});
      throw new Error('the database is closed');
    }
    this.#listener = client;
    return client;
  }

  #listenerLost(client: pg.Client): void {
    if (this.#listener !== client) return;
    this.#listener = undefined;
    this.#unavailable = true;
    this.listenStats.lost += 1;
    void client.end().catch(() => {});
    void this.#reconnectListener();
  }

  /** One reconnect loop at a time: back-off capped at LISTEN_RECONNECT_DELAY_MS_MAX, until connected or closed. */
  async #reconnectListener(): Promise<void> {
    if (this.#listenerReconnecting) return;
    this.#listenerReconnecting = true;
    try {
      for (let attempt = 1; !this.#closed && this.#handlers.size > 0; attempt += 1) {
        await sleep(Math.min(LISTEN_RECONNECT_DELAY_MS_MAX, LISTEN_RECONNECT_DELAY_MS_MIN * 2 ** (attempt - 1)));
        if (this.#closed) return;
        try {
          const client = await this.#listenerClient();
          for (const [channel, handlers] of this.#handlers) {
            if (handlers.size > 0) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
          }
          this.listenStats.reconnected += 1;
          for (const handlers of this.#handlers.values()) for (const handler of handlers) handler(LISTEN_GAP);
          return;
        } catch {
          // Still away (or lost again at once, which #listenerLost noted): the next attempt waits longer.
        }
      }
    } finally {
      this.#listenerReconnecting = false;
    }
  }

  poolStats(): PoolStats {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.#config.poolSize,
      acquireTimeouts: this.#acquireTimeouts,
      acquires: this.#acquires,
      acquireWaitMsTotal: this.#acquireWaitMsTotal,
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.pool.end();
  }
}

export async function openPostgres(url: string, config: DatabaseConfig): Promise<PostgresDatabase> {
  const database = new PostgresDatabase(url, config);
  try {
    await database.query('select 1');
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  return database;
}
