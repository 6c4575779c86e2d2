// Embedded PostgreSQL (PGlite): one connection inside this process. PGlite serialises every query and holds
// an exclusive lock for a whole transaction, so one connection is never a correctness problem here, only a
// throughput ceiling. Past roughly 0.5 GB of data, or when more than one process must share the data, move to
// PostgreSQL (README: "When to move to PostgreSQL").
import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { lockDataDirectory } from './data-dir-lock.ts';
import type { Database, NotificationHandler, PoolStats, QueryResult, Transaction } from './database.ts';

const parsers = { [types.INT8]: (value: string) => BigInt(value) };
/** Extensions the migrations create: pg_trgm for the queue's name search (migration 0021). */
const extensions = { pg_trgm };

function wrap<Row>(result: { rows: unknown[]; affectedRows?: number }): QueryResult<Row> {
  return { rows: result.rows as Row[], rowCount: result.rows.length || result.affectedRows || 0 };
}

export class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;
  readonly client: PGlite;
  #waiting = 0;
  readonly #release: () => void;

  constructor(client: PGlite, release: () => void = () => {}) {
    this.client = client;
    this.#release = release;
  }

  async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    this.#waiting += 1;
    try {
      return wrap<Row>(await this.client.query(text, params as unknown[]));
    } finally {
      this.#waiting -= 1;
    }
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#waiting += 1;
    try {
      return await this.client.transaction(async (transaction) => {
        const tx: Transaction = {
          query: async <Row>(text: string, params?: readonly unknown[]) => wrap<Row>(await transaction.query(text, params as unknown[])),
          execute: async (script: string) => { await transaction.exec(script); },
        };
        return work(tx);
      });
    } finally {
      this.#waiting -= 1;
    }
  }

  async execute(script: string): Promise<void> {
    await this.client.exec(script);
  }

  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    return this.client.listen(channel, handler);
  }

  poolStats(): PoolStats {
    return { total: 1, idle: this.#waiting === 0 ? 1 : 0, waiting: Math.max(0, this.#waiting - 1), max: 1, acquireTimeouts: 0 };
  }

  async close(): Promise<void> {
    try {
      await this.client.close();
    } finally {
      this.#release();
    }
  }
}

/**
 * Opens PGlite in `dataDirectory`, or in memory when it is undefined. A folder is taken for this process first
 * (data-dir-lock.ts): a second process, or a second open in this one, gets DataDirectoryLockedError at once.
 */
export async function openPglite(dataDirectory: string | undefined, loadDataDir?: Blob): Promise<PgliteDatabase> {
  const release = dataDirectory === undefined ? () => {} : lockDataDirectory(dataDirectory);
  try {
    const client = await PGlite.create({ dataDir: dataDirectory, parsers, extensions, ...(loadDataDir ? { loadDataDir } : {}) });
    return new PgliteDatabase(client, release);
  } catch (error) {
    release();
    throw error;
  }
}
