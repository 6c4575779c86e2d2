// What every route plugin is handed: configuration, the database and the metrics, passed in, never global.
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly metrics: Metrics;
}

export const problemResponse = { $ref: 'Problem#' } as const;
