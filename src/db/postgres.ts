// PostgreSQL through node-postgres: one pool per process, sized and timed by configuration.
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { LISTEN_GAP, type Database, type NotificationHandler, type PoolStats, type QueryResult, type Transaction } from './database.ts';
import { SqlState, sqlState } from './sqlstate.ts';

const INT8_OID = 20;
/** Deadlocks and serialisation failures are retried a bounded number of times; anything else is not. */
const TRANSACTION_ATTEMPTS_MAX = 3;
const LISTEN_RECONNECT_DELAY_MS_MAX = 5_000;

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

export class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #url: string;
  readonly #config: DatabaseConfig;
  #acquireTimeouts = 0;
  #acquires = 0;
  #acquireWaitMsTotal = 0;
  #listener: pg.Client | undefined;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #closed = false;

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
    // An idle client that loses its connection emits here; without a listener the process would crash.
    this.pool.on('error', () => {});
  }

  // Timing each acquire costs two performance.now() calls (well under a microsecond) against a pool round trip
  // of tens of microseconds at best, so it is always on: the observer shows the mean wait per second.
  async #acquire(): Promise<pg.PoolClient> {
    const startedMs = performance.now();
    try {
      const client = await this.pool.connect();
      this.#acquires += 1;
      this.#acquireWaitMsTotal += performance.now() - startedMs;
      return client;
    } catch (error) {
      if (error instanceof Error && /timeout/i.test(error.message)) this.#acquireTimeouts += 1;
      throw error;
    }
  }

  async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const client = await this.#acquire();
    try {
      return wrap<Row>(await client.query(text, params as unknown[]));
    } finally {
      client.release();
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
      try {
        await client.query('begin');
        const result = await work(tx);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => { broken = true; });
        const state = sqlState(error);
        const retryable = state === SqlState.DEADLOCK_DETECTED || state === SqlState.SERIALIZATION_FAILURE;
        if (!retryable || attempt >= TRANSACTION_ATTEMPTS_MAX) throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  /** Hands a pooled client to `work` (COPY streams need the raw client). */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    try {
      return await work(client);
    } finally {
      client.release();
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
    const listener = await this.#listenerClient();
    if (first) await listener.query(`listen ${pg.escapeIdentifier(channel)}`);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#listener) await this.#listener.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => {});
    };
  }

  // One dedicated connection carries every LISTEN; it reconnects with a bounded delay if the server drops it.
  async #listenerClient(): Promise<pg.Client> {
    if (this.#listener) return this.#listener;
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: this.#config.connectTimeoutMs, application_name: 'amanah-listen' });
    client.on('notification', (message) => {
      for (const handler of this.#handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', () => {
      if (this.#listener === client) this.#listener = undefined;
      void this.#reconnectListener(1);
    });
    await client.connect();
    this.#listener = client;
    return client;
  }

  async #reconnectListener(attempt: number): Promise<void> {
    if (this.#closed || this.#handlers.size === 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(LISTEN_RECONNECT_DELAY_MS_MAX, 100 * 2 ** attempt)));
    try {
      const client = await this.#listenerClient();
      for (const [channel, handlers] of this.#handlers) {
        if (handlers.size > 0) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      for (const handlers of this.#handlers.values()) for (const handler of handlers) handler(LISTEN_GAP);
    } catch {
      await this.#reconnectListener(attempt + 1);
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
  await database.query('select 1');
  return database;
}
