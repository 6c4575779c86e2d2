// A partial refund (issue 14): the donation stays approved and exactly the part refunded is reversed, from the
// campaign's total and in the ledger, in one transaction. It reaches here through the transitions committer
// (writeTransitionBatch) as a change to 'refunded' that carries the provider's refunded total, so whatever
// watches status changes there sees it too.
//
// The request names the provider's TOTAL refunded so far, not the part of this event: applying it is then
// idempotent and forward-only. A total at or under what was reversed before (a redelivery, or an older event
// arriving late) changes nothing; a larger one moves only the difference; a total that reaches the amount is
// the full refund, the ordinary status change, which reverses what is left (amount_minor - refunded_minor).
// Rounding of the amil share: migration 0018 (the kept share is always the share of what stays).
import { AppError } from '../errors.ts';
import type { Database, Queryable } from '../db/database.ts';
import { CHANGES_CHANNEL, IDS_PER_NOTIFICATION_MAX, type ChangeFeed } from '../events/changes.ts';
import { assertFundsCover, ENTRY_ID_SEQUENCE, postingCtes } from '../ledger/queries.ts';
import { amilShareMinor } from '../ledger/logic.ts';
import { changeStatusReturning, DONATION_COLUMNS, lockCampaignsOfDonations, refundEntryIds, type DonationRow } from './queries.ts';

export interface PartialRefundRequest {
  id: string;
  actor: string;
  reason: string | null;
  /** The provider's total refunded of this donation so far, in the donation's minor units (> 0). */
  refundedTotalMinor: bigint;
  /** Reported as done by the payment provider: posted even when it takes the fund below zero (TransitionRequest). */
  reportedByProvider?: boolean | undefined;
}

interface LockedDonation extends DonationRow { refunded_minor: bigint; rate_bp: number | null }

/** What a reversal from `before` to `after` refunded takes back of the amil share (migration 0018, ROUNDING). */
export function shareReversed(amountMinor: bigint, rateBp: number, before: bigint, after: bigint): bigint {
  return amilShareMinor(amountMinor - before, rateBp) - amilShareMinor(amountMinor - after, rateBp);
}

/**
 * Applies one partial (or, at the amount, full) refund; answers the donation as it now is, 404, or 409 when it
 * is not approved, or (unless the provider reports it done) 409 fund_balance_insufficient when it would take the
 * fund below zero, nothing written. Its own transaction: refunds are rare, so the committer's batching is not
 * needed here, and the donation row is read under lock so two refunds of one donation are applied one after the other.
 */
export async function applyPartialRefund(db: Database, feed: ChangeFeed, request: PartialRefundRequest): Promise<DonationRow | AppError> {
  const id = BigInt(request.id);
  const notice = { channel: CHANGES_CHANNEL, origin: feed.origin, idsMax: IDS_PER_NOTIFICATION_MAX };
  const outcome = await db.transaction(async (tx): Promise<{ row: DonationRow; moved: boolean } | AppError> => {
    // Campaigns before donations, as every status change (LOCK ORDER in queries.ts).
    await lockCampaignsOfDonations(tx, [id]);
    const { rows } = await tx.query<LockedDonation>(
      `select ${DONATION_COLUMNS}, d.refunded_minor, e.amil_rate_bp as rate_bp
         from donations d left join ledger_entries e on e.id = d.ledger_entry_id where d.id = $1 for update of d`, [id]);
    const locked = rows[0];
    if (!locked) return new AppError('donation_not_found', `no donation with id "${request.id}"`);
    const { refunded_minor: refundedMinor, rate_bp: _rate, ...row } = locked;
    if (row.status !== 'approved') {
      return new AppError('donation_status_conflict', `donation ${request.id} is ${row.status}; only an approved donation can be refunded`, { current_status: row.status });
    }
    if (request.refundedTotalMinor >= row.amount_minor) {
      const [changed] = await changeStatusReturning(tx, { ids: [id], from: 'approved', to: 'refunded', actor: request.actor, reason: request.reason, notice });
      if (request.reportedByProvider !== true) await assertFundsCover(tx, await refundEntryIds(tx, [id]), 'refund');
      return { row: changed!, moved: true };
    }
    if (request.refundedTotalMinor <= refundedMinor) return { row, moved: false };
    const entryId = await reversePart(tx, locked, request, notice);
    // Thrown, not returned: the reversal is already posted in this transaction and must roll back (issue 13).
    if (request.reportedByProvider !== true) await assertFundsCover(tx, [entryId], 'refund');
    return { row: { ...row, updated_at: new Date() }, moved: true };
  }).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'fund_balance_insufficient') return error;
    throw error;
  });
  if (outcome instanceof AppError) return outcome;
  if (outcome.moved) feed.emitLocal({ campaignIds: [String(outcome.row.campaign_id)], donationIds: [String(outcome.row.id)], origin: feed.origin });
  return outcome.row;
}

/**
 * One statement, answering the entry's id: the refund entry for the difference (balanced: postingCtes with sign (-1): a bare -1 after postingCtes' own minus would read as a comment), the donation's
 * refunded_minor, the campaign's total, the history (approved → approved, the reason naming the amounts), the
 * donation_refunds row naming the entry, and the change notice for other processes.
 */
async function reversePart(tx: Queryable, row: LockedDonation, request: PartialRefundRequest, notice: { channel: string; origin: string }): Promise<bigint> {
  const part = request.refundedTotalMinor - row.refunded_minor;
  const rate = row.rate_bp ?? 0;
  const share = shareReversed(row.amount_minor, rate, row.refunded_minor, request.refundedTotalMinor);
  const reason = `${request.reason ?? 'partial refund'}: ${part} reversed, ${request.refundedTotalMinor} of ${row.amount_minor} refunded in all (minor units)`.slice(0, 1000);
  const { rows } = await tx.query<{ entry_id: bigint }>(
    `with ledger_rows as materialized (
       select nextval(${ENTRY_ID_SEQUENCE}) as entry_id, $2::bigint as campaign_id, $3::text as channel,
              $4::bigint as amount_minor, $5::bigint as share_minor, $6::int as rate_bp,
              -- A fitrah, fidyah or late-fitrah donation posted to its own fund (migration 0017): reverse it there.
              (select coalesce(d.ledger_fund, ledger_fund(c.fund)) from donations d join campaigns c on c.id = d.campaign_id where d.id = $1) as fund
     )${postingCtes({ kind: `'refund'`, sign: '(-1)', importId: 'null::bigint', fund: 'r.fund' })}
     , donation as (
       update donations set refunded_minor = $7, updated_at = now() where id = $1 and status = 'approved' returning id)
     , total as (
       update campaigns set raised_minor = raised_minor - $4, updated_at = now() where id = $2)
     , history as (
       insert into donation_status_changes (donation_id, from_status, to_status, actor, reason)
       values ($1, 'approved', 'approved', $8, $9))
     , refund as (
       insert into donation_refunds (donation_id, entry_id, amount_minor, share_minor, refunded_total_minor, actor)
       select $1, entry_id, $4, $5, $7, $8 from ledger_rows)
     , notice as materialized (
       select pg_notify($10, json_build_object('campaignIds', json_build_array($2::text), 'donationIds', json_build_array($1::text), 'origin', $11::text)::text))
     select (select count(*) from notice) as notices, (select count(*) from ledger_entry) as entries, (select entry_id from ledger_rows) as entry_id`,
    [row.id, row.campaign_id, row.source, part, share, rate, request.refundedTotalMinor, request.actor, reason, notice.channel, notice.origin],
  );
  return rows[0]!.entry_id;
}
