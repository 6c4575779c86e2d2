// SQL for payment verification: claiming verifiable donations so that no two runners ask about the same one,
// and recording what the provider said.
import type { Database, Queryable } from '../db/database.ts';

/**
 * Only API donations are verified with the payment provider. The provider's reference reaches amanah through
 * the checkout that posts the donation (`external_ref` on POST /api/donations). An imported donation's
 * external_ref is the bank statement's or the source file's own row id, and a manual one's is a receipt
 * number: asking the provider about either would fail every time, or worse, reject a good donation.
 * The partial index donations_verifiable (migrations/0003_verification.sql) has the same predicate.
 */
export const VERIFIABLE_SOURCE = 'api';

export interface VerificationClaim {
  id: bigint;
  campaign_id: bigint;
  external_ref: string;
  amount_minor: bigint;
  currency: string;
  attempts: number;
}

export interface ClaimRequest {
  /** Only donations with a greater id: one run is one pass in id order, so it never asks twice. */
  afterId: bigint;
  limit: number;
  attemptsMax: number;
  runnerId: string;
  leaseMs: number;
}

export interface ClaimBatch {
  claims: VerificationClaim[];
  /** The greatest id looked at, claimed or not; the next batch starts after it. Undefined: nothing left. */
  scannedToId: bigint | undefined;
}

/**
 * Claims up to `limit` verifiable donations for one runner, in one short transaction.
 *
 * Two guards make racing runners take disjoint sets. `for update of d skip locked` passes over donations
 * another runner is claiming at this moment. A runner whose snapshot predates another's committed claim can
 * still lock the same donation row afterwards (a claim does not change the donation), so the upsert re-checks
 * the claim on the latest committed row (`on conflict … do update … where`): a lease taken in the meantime
 * makes the update, and so the claim, not happen.
 */
export async function claimVerifiable(database: Database, request: ClaimRequest): Promise<ClaimBatch> {
  return database.transaction(async (tx) => {
    const { rows: candidates } = await tx.query<Omit<VerificationClaim, 'attempts'>>(
      `select d.id, d.campaign_id, d.external_ref, d.amount_minor, d.currency
         from donations d
        where d.status = 'pending' and d.external_ref is not null and d.source = $4 and d.id > $1
          and not exists (select 1 from payment_verifications v where v.donation_id = d.id
                           and (v.next_attempt_at > now() or v.attempts >= $3))
        order by d.id limit $2
        for update of d skip locked`,
      [request.afterId, request.limit, request.attemptsMax, VERIFIABLE_SOURCE],
    );
    if (candidates.length === 0) return { claims: [], scannedToId: undefined };
    const { rows: claimed } = await tx.query<{ donation_id: bigint; attempts: number }>(
      `insert into payment_verifications as v (donation_id, attempts, claimed_by, next_attempt_at, updated_at)
       select id, 1, $2, now() + $3::integer * interval '1 millisecond', now() from unnest($1::bigint[]) as id
       on conflict (donation_id) do update
          set attempts = v.attempts + 1, claimed_by = excluded.claimed_by,
              next_attempt_at = excluded.next_attempt_at, updated_at = now()
        where v.next_attempt_at <= now() and v.attempts < $4
       returning v.donation_id, v.attempts`,
      [candidates.map((row) => row.id), request.runnerId, request.leaseMs, request.attemptsMax],
    );
    const attemptsById = new Map(claimed.map((row) => [String(row.donation_id), row.attempts]));
    const claims = candidates
      .filter((row) => attemptsById.has(String(row.id)))
      .map((row) => ({ ...row, attempts: attemptsById.get(String(row.id))! }));
    return { claims, scannedToId: candidates[candidates.length - 1]!.id };
  });
}

export type VerificationOutcome = 'verified' | 'failed' | 'pending' | 'timed_out' | 'errored' | 'superseded';

/** Records a definite answer (the donation's status changed, or someone else's change came first). */
export async function recordSettled(tx: Queryable, donationId: bigint, runnerId: string, outcome: 'verified' | 'failed' | 'superseded', note: string | null): Promise<void> {
  await tx.query(
    `update payment_verifications set claimed_by = null, last_outcome = $3, last_error = $4, updated_at = now()
      where donation_id = $1 and claimed_by = $2`,
    [donationId, runnerId, outcome, note?.slice(0, 1000) ?? null],
  );
}

/**
 * Records "ask again later". A "pending" answer is an answer, so it clears the attempts and is asked about
 * again after `retryDelayMs`; a timeout or an error keeps the attempt it cost, and backs off
 * `retryDelayMs · 2^(attempts − 1)`, at most `retryDelayMsMax`.
 * Only the runner that holds the claim records: one whose lease ran out and was taken over writes nothing.
 */
export async function recordRetry(db: Queryable, donationId: bigint, runnerId: string, outcome: 'pending' | 'timed_out' | 'errored', note: string | null, delay: { retryDelayMs: number; retryDelayMsMax: number }): Promise<void> {
  await db.query(
    `update payment_verifications
        set claimed_by = null, last_outcome = $3, last_error = $4, updated_at = now(),
            attempts = case when $3 = 'pending' then 0 else attempts end,
            next_attempt_at = now() + interval '1 millisecond' * case when $3 = 'pending' then $5::float8
                                      else least($6::float8, $5::float8 * power(2, greatest(attempts - 1, 0))) end
      where donation_id = $1 and claimed_by = $2`,
    [donationId, runnerId, outcome, note?.slice(0, 1000) ?? null, delay.retryDelayMs, delay.retryDelayMsMax],
  );
}

/** Gives back claims that were never asked about (the run stopped): no attempt is charged. */
export async function releaseClaims(db: Queryable, donationIds: readonly bigint[], runnerId: string): Promise<void> {
  if (donationIds.length === 0) return;
  await db.query(
    `update payment_verifications set claimed_by = null, attempts = greatest(attempts - 1, 0),
            next_attempt_at = now(), updated_at = now()
      where donation_id = any($1::bigint[]) and claimed_by = $2`,
    [donationIds, runnerId],
  );
}
