// An import outlives a lost database connection: a batch whose transaction met a restart, a stop or a dropped
// socket is written again once the database is back, waiting with capped back-off for at most
// IMPORT_RETRY_WAIT_MS (DATABASE_RETRY_WAIT_MS), and after that the import stops with one line saying that running
// it again resumes (every committed batch stays; keys skip them).
//
// Exactly once. A transaction that failed before its COMMIT was sent did not commit, and is simply written again.
// One that lost its connection during COMMIT may or may not have committed: the batch records its transaction id
// (txid_current(), in the same round trip as BEGIN) and, once the database answers again, asks
// txid_status(): 'committed' means the batch is done (its count is the one computed before the commit), 'aborted'
// means write it again. Writing it again would be safe anyway (taken keys are skipped), but the run's counters
// would then count the batch's rows twice, as read and as duplicates. The cost: BEGIN alone took 0.09-0.21 ms a
// round trip and BEGIN with txid_current() 0.12-0.20 ms (500 each, four interleaved rounds, shared server at
// load 8.9), next to tens of milliseconds for a 5,000-row batch.
import type { Queryable } from '../db/database.ts';
import { isDatabaseUnavailable, retryWhileUnavailable, sleep, type RetryLimits } from '../db/availability.ts';

/** The first wait after a lost connection; it doubles up to the cap. */
export const IMPORT_RETRY_DELAY_MS_MIN = 100;
/** The longest wait between attempts: the import goes on within a second of the database accepting again. */
export const IMPORT_RETRY_DELAY_MS_MAX = 1_000;
/** How long an import waits for the database in all, by default (a restart takes seconds; an outage, a minute). */
export const IMPORT_RETRY_WAIT_MS_DEFAULT = 60_000;

export function importRetryLimits(waitMsMax = IMPORT_RETRY_WAIT_MS_DEFAULT): RetryLimits {
  return { delayMsMin: IMPORT_RETRY_DELAY_MS_MIN, delayMsMax: IMPORT_RETRY_DELAY_MS_MAX, waitMsMax };
}

/** What one batch transaction got to: filled in as it goes, read when its connection is lost. */
export class CommitProbe {
  /** The transaction's id (PostgreSQL only), known from its first round trip. */
  txid: string | undefined;
  /** COMMIT was sent: from here on, a lost connection leaves the outcome unknown. */
  committing = false;
  /** What the batch wrote, computed before the COMMIT. */
  imported = 0;
  /** What to do once the batch is known to have committed (tell this process's subscribers). */
  afterCommit: (() => void) | undefined;

  sendingCommit(imported: number, afterCommit?: () => void): void {
    this.imported = imported;
    this.afterCommit = afterCommit;
    this.committing = true;
  }
}

/** The first statement of a batch transaction on PostgreSQL: BEGIN and the id to ask about later, in one round trip. */
export const BEGIN_WITH_TXID = 'begin; select txid_current()::text as txid';

/** Reads the txid out of BEGIN_WITH_TXID's two results. */
export function txidOf(results: unknown): string | undefined {
  const second = Array.isArray(results) ? results[1] as { rows?: { txid?: string }[] } : undefined;
  return second?.rows?.[0]?.txid;
}

/** Whether the transaction committed, asked once the database answers: it cannot still be running after a restart. */
async function committed(database: Queryable, txid: string, limits: RetryLimits): Promise<boolean> {
  return retryWhileUnavailable(async () => {
    for (;;) {
      const { rows } = await database.query<{ status: string | null }>('select txid_status($1::bigint) as status', [txid]);
      // A backend cut off by a network fault rather than a restart may still be finishing its commit.
      if (rows[0]?.status !== 'in progress') return rows[0]?.status === 'committed';
      await sleep(IMPORT_RETRY_DELAY_MS_MIN);
    }
  }, limits);
}

/**
 * Runs one batch transaction (`attempt`, handed a fresh probe each time) until it commits, retrying while the
 * database is away within `limits`. A commit found by txid_status runs the probe's afterCommit, which the
 * attempt itself would have run had its COMMIT been answered.
 */
export async function writeRetrying(database: Queryable, limits: RetryLimits, attempt: (probe: CommitProbe) => Promise<number>): Promise<number> {
  return retryWhileUnavailable(async () => {
    const probe = new CommitProbe();
    try {
      return await attempt(probe);
    } catch (error) {
      if (!isDatabaseUnavailable(error) || !probe.committing || probe.txid === undefined) throw error;
      if (await committed(database, probe.txid, limits)) {
        probe.afterCommit?.();
        return probe.imported;
      }
      throw error;
    }
  }, limits);
}
