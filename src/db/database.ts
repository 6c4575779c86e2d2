// One interface over the two engines amanah runs on: a real PostgreSQL server (a pool of connections) and
// embedded PGlite (one connection in WebAssembly). Queries are plain parameterised SQL; the same SQL runs on both.
import type { DatabaseConfig } from '../config.ts';

export interface QueryResult<Row> {
  readonly rows: Row[];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE without RETURNING. */
  readonly rowCount: number;
}

export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

/** A query runner inside one transaction; `execute` runs a multi-statement script (migrations). */
export interface Transaction extends Queryable {
  execute(script: string): Promise<void>;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
  readonly max: number;
  readonly acquireTimeouts: number;
  /** Connections handed out since start, and the time spent waiting for them (engines that pool only). */
  readonly acquires?: number;
  readonly acquireWaitMsTotal?: number;
}

export type Engine = 'postgres' | 'pglite';

export type NotificationHandler = (payload: string) => void;

/**
 * Handed to every handler after the LISTEN connection was lost and re-established: notifications sent in
 * between are gone, so a listener that keeps derived state (a cache) must treat everything as changed.
 */
export const LISTEN_GAP = '\u0000listen-gap';

export interface Database extends Queryable {
  readonly engine: Engine;
  /** Runs `work` in one transaction on one connection; commits if it resolves, rolls back if it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  execute(script: string): Promise<void>;
  /** Subscribes to a LISTEN/NOTIFY channel; resolves once listening, to a function that unsubscribes. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  poolStats(): PoolStats;
  /** False while the LISTEN connection is lost and being re-established (engines that have one). */
  listening?(): boolean;
  close(): Promise<void>;
}

/** Opens the database the configuration names: PostgreSQL for a postgres:// URL, PGlite otherwise. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.url !== undefined && config.url.startsWith('postgres')) {
    const { openPostgres } = await import('./postgres.ts');
    return openPostgres(config.url, config);
  }
  const { openPglite } = await import('./pglite.ts');
  return openPglite(config.url === 'memory://' ? undefined : config.dataDirectory);
}
