// What every route plugin is handed: configuration, the database and the metrics, passed in, never global.
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { ChangeFeed } from '../events/changes.ts';
import type { GroupCommitter } from '../donations/group-commit.ts';
import type { IntakeRequest, IntakeResult } from '../donations/intake.ts';
import type { TransitionRequest } from '../donations/donations.ts';
import type { DonationRow } from '../donations/queries.ts';
import type { Caches } from '../cache/caches.ts';

export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly metrics: Metrics;
  /** Committed changes, from this process and (once started) every other on the same database. */
  readonly changes: ChangeFeed;
  /** Gathers concurrent API donations into one transaction each few milliseconds. */
  readonly intake: GroupCommitter<IntakeRequest, IntakeResult>;
  /** Gathers concurrent approvals, rejections and refunds the same way (one NOTIFY per batch). */
  readonly transitions: GroupCommitter<TransitionRequest, DonationRow>;
  /** Campaign and response caches, invalidated by `changes`; `caches.cacheStats()` for the observer. */
  readonly caches: Caches;
}

export const problemResponse = { $ref: 'Problem#' } as const;
