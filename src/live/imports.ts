// Import progress for the staff view. Imports write their counters in the same transaction as each batch, so
// the imports table is the truth; one process-wide poll reads it once a second while anyone watches the
// dashboard (one small query a second per process, not per browser), and the hub sends what changed.
//
// The poll also tells the hub which campaigns a running import is moving. Import batches do not publish on the
// change feed (yet), so without this the totals and the queue would stand still through an import; with it they
// move once a second. If imports publish their changes one day, this costs one redundant reload a second.
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.ts';
import { sqlState, SqlState } from '../db/sqlstate.ts';
import { recentImports } from './queries.ts';
import { importView, type ImportView } from './view.ts';

/** What moved since the last poll: the campaign of each import whose counters changed (null: several campaigns). */
export type ImportsChanged = (campaignIds: readonly (string | null)[]) => void;

/** How often running imports are read while a staff view is open. */
export const LIVE_IMPORTS_POLL_MS = 1_000;
/** A finished import stays on the staff view this long. */
export const LIVE_IMPORTS_RECENT_SECONDS = 600;
/** Imports shown at most, newest first. */
export const LIVE_IMPORTS_SHOWN_MAX = 5;

export class ImportsWatcher {
  readonly #database: Database;
  readonly #log: FastifyBaseLogger;
  readonly #changed: ImportsChanged;
  #current: readonly ImportView[] = [];
  #json = '[]';
  #runJson = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #unavailable = false;

  constructor(database: Database, log: FastifyBaseLogger, changed: ImportsChanged) {
    this.#database = database;
    this.#log = log;
    this.#changed = changed;
  }

  get current(): readonly ImportView[] {
    return this.#current;
  }

  /** Polls while `active` (someone watches the dashboard), not otherwise. */
  setActive(active: boolean): void {
    if (active && this.#timer === undefined && !this.#unavailable) {
      this.#timer = setInterval(() => { void this.#poll(); }, LIVE_IMPORTS_POLL_MS);
      this.#timer.unref();
      void this.#poll();
    } else if (!active && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  stop(): void {
    this.setActive(false);
  }

  /** Drops the view held (an erasure may have rewritten its names); the next read fills it again. */
  forget(): void {
    this.#current = [];
    this.#json = '[]';
    this.#runJson = new Map();
  }

  /**
   * Reads the imports now, after any read in flight: an erasure rewrote import names, and the view held here
   * (up to a poll old) must not go out in a snapshot after it.
   */
  async refresh(): Promise<void> {
    await this.#polling;
    if (!this.#unavailable) await this.#poll();
  }

  #poll(): Promise<void> {
    this.#polling ??= this.#read().finally(() => { this.#polling = undefined; });
    return this.#polling;
  }

  async #read(): Promise<void> {
    try {
      const rows = await recentImports(this.#database, { recentSeconds: LIVE_IMPORTS_RECENT_SECONDS, limit: LIVE_IMPORTS_SHOWN_MAX });
      const views = rows.map(importView);
      const json = JSON.stringify(views);
      if (json === this.#json) return;
      const moved: (string | null)[] = [];
      const runJson = new Map<string, string>();
      for (const [index, view] of views.entries()) {
        const text = JSON.stringify(view);
        runJson.set(view.id, text);
        if (this.#runJson.get(view.id) !== text) moved.push(rows[index]!.campaign_id === null ? null : String(rows[index]!.campaign_id));
      }
      this.#runJson = runJson;
      this.#json = json;
      this.#current = views;
      this.#changed(moved);
    } catch (error) {
      if (sqlState(error) === SqlState.UNDEFINED_TABLE) {
        // A database without the imports migration: there is nothing to show, so stop asking.
        this.#unavailable = true;
        this.stop();
      } else {
        this.#log.warn({ err: error }, 'live: reading import progress failed');
      }
    }
  }
}
