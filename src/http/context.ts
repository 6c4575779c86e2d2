// What every route plugin is handed: configuration, the database and the metrics, passed in, never global.
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ChangeFeed } from '../events/changes.ts';

export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly metrics: Metrics;
  /** Committed changes, from this process and (once started) every other on the same database. */
  readonly changes: ChangeFeed;
}

export const problemResponse = { $ref: 'Problem#' } as const;
