// Donation intake and status changes. Every donation enters with an idempotency key: the first request with a
// key makes the donation; the same key with the same request returns it again; with another request, 409.
import { AppError } from '../errors.ts';
import type { Database, Queryable } from '../db/database.ts';
import { AMOUNT_MINOR_MAX, divideRounded, formatAmount } from '../money/index.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { isDatabaseId } from '../http/format.ts';
import { CHANGES_CHANNEL, ChangeSet, IDS_PER_NOTIFICATION_MAX, type ChangeFeed } from '../events/changes.ts';
import { assertFundsCover } from '../ledger/queries.ts';
import { changeStatusReturning, lockCampaignsOfDonations, findDonation, findDonationsByIds, refundEntryIds, type DonationRow, type DonationSource, type DonationStatus } from './queries.ts';
import { receiveDonation, type DonationInput, type IntakeResult } from './intake.ts';
import { applyPartialRefund } from './partial-refund.ts';
import { isKeyTaken, keysOfGroup, planKeys, refuseTakenKey, replayOf, storedChanges } from './transition-keys.ts';

export { receiveDonation, type DonationInput, type IntakeResult };

export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;


export interface DonationJson {
  id: string; campaign_id: string; amount: string; currency: string; status: DonationStatus;
  source: DonationSource; donor_name: string | null; anonymous: boolean; external_ref: string | null;
  donated_at: string; created_at: string; updated_at: string;
}

export function donationJson(row: DonationRow): DonationJson {
  return {
    id: String(row.id),
    campaign_id: String(row.campaign_id),
    amount: formatAmount(row.amount_minor, row.currency),
    currency: row.currency,
    status: row.status,
    source: row.source,
    // An anonymous donor's name is kept for the charity's records but never shown; no name reads as null.
    donor_name: row.anonymous || row.donor_name === '' ? null : row.donor_name,
    anonymous: row.anonymous,
    external_ref: row.external_ref,
    donated_at: row.donated_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * What anyone may see of a donation (issue 10, section 3): its public facts, never external_ref (a bank or
 * provider reference), an email or the status history. Staff answers are donationJson.
 */
export type PublicDonationJson = Omit<DonationJson, 'external_ref'>;

export function publicDonationJson(row: DonationRow): PublicDonationJson {
  const json: Partial<DonationJson> = donationJson(row);
  delete json.external_ref;
  return json as PublicDonationJson;
}

export function checkIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new AppError('idempotency_key_required', 'send an Idempotency-Key header (1 to 255 visible ASCII characters), e.g. a UUID');
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', { field: 'Idempotency-Key' });
  }
  return key;
}

/** A status change's Idempotency-Key: optional (without one, behaviour is as before keys); checked when sent. */
export function optionalIdempotencyKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', { field: 'Idempotency-Key' });
  }
  return key;
}

export async function getDonation(db: Queryable, id: string): Promise<DonationRow> {
  const donation = isDatabaseId(id) ? await findDonation(db, id) : undefined;
  if (!donation) throw new AppError('donation_not_found', `no donation with id "${id}"`);
  return donation;
}

/**
 * A donation as `staff` may see it: any, for staff; only an approved one for anyone else. Ids are sequential,
 * so a pending, rejected or refunded donation answers the same 404 as a missing one: the queue cannot be read.
 */
export async function getVisibleDonation(db: Queryable, id: string, staff: boolean): Promise<DonationRow> {
  const donation = await getDonation(db, id);
  if (!staff && donation.status !== 'approved') throw new AppError('donation_not_found', `no donation with id "${id}"`);
  return donation;
}

/** The statuses a donation may leave for each target status. */
const ALLOWED_FROM: Record<TargetStatus, DonationStatus> = {
  approved: 'pending',
  rejected: 'pending',
  refunded: 'approved',
  expired: 'pending',
};

export type TargetStatus = 'approved' | 'rejected' | 'refunded' | 'expired';

export interface TransitionRequest {
  id: string;
  to: TargetStatus;
  actor: string;
  reason: string | null;
  /** The Idempotency-Key the request came with, if any (transition-keys.ts). */
  key?: string | undefined;
  /**
   * A refund from a payment provider that may be partial: the provider's total refunded so far, in minor units.
   * Under the amount the donation stays approved and only what was not reversed before is (partial-refund.ts).
   */
  refundedTotalMinor?: bigint | undefined;
  /** 'expired' for a late payment: an approval of a donation whose checkout expired (payments/webhooks.ts). */
  from?: 'expired' | undefined;
  /**
   * A refund the payment provider reports as done (payments/webhooks.ts): the money has already left, so it is
   * posted even when it takes the fund below zero. Any other refund is refused fund_balance_insufficient then.
   */
  reportedByProvider?: boolean | undefined;
}

/** A refund amanah decides (not one a provider reports as done) must not take a fund below zero (issue 13). */
function checksFunds(request: TransitionRequest): boolean {
  return request.to === 'refunded' && request.reportedByProvider !== true;
}

/** The status a change may leave: ALLOWED_FROM, or 'expired' for a late payment's approval (the only other). */
function fromOf(request: TransitionRequest): DonationStatus {
  return request.from === 'expired' && request.to === 'approved' ? 'expired' : ALLOWED_FROM[request.to];
}

/** Partial refunds are applied one by one (partial-refund.ts); the rest of the batch as before. */
async function writeWithPartialRefunds(db: Database, feed: ChangeFeed, requests: readonly TransitionRequest[]): Promise<(DonationRow | AppError)[]> {
  const isPartial = (request: TransitionRequest) => request.to === 'refunded' && request.refundedTotalMinor !== undefined;
  const others = requests.filter((request) => !isPartial(request));
  const answers = others.length === 0 ? [] : await writeTransitionBatch(db, feed, others);
  let next = 0;
  const results: (DonationRow | AppError)[] = [];
  for (const request of requests) {
    if (!isPartial(request)) { results.push(answers[next++]!); continue; }
    results.push(isDatabaseId(request.id)
      ? await applyPartialRefund(db, feed, { id: request.id, actor: request.actor, reason: request.reason, refundedTotalMinor: request.refundedTotalMinor!, reportedByProvider: request.reportedByProvider })
      : new AppError('donation_not_found', `no donation with id "${request.id}"`));
  }
  return results;
}

/**
 * Applies many status changes in one transaction: one changeStatus statement per distinct (target, actor,
 * reason), each publishing its own change notice, one commit (one statement alone needs no BEGIN/COMMIT).
 * Each request is answered alone: the changed donation, 404, or 409 when the donation was not in the status
 * the change needs (including when an earlier request in the same batch, or another process, changed it
 * first). A request with an Idempotency-Key that retries a stored
 * change is answered 200 with the donation as that change left it (transition-keys.ts); the key lookups cost a
 * round trip only for batches that carry keys. Batching matters because NOTIFY serialises commits in
 * PostgreSQL: one approval per transaction topped out near 460/s on this machine.
 */
export async function writeTransitionBatch(db: Database, feed: ChangeFeed, requests: readonly TransitionRequest[]): Promise<(DonationRow | AppError)[]> {
  if (requests.some((request) => request.refundedTotalMinor !== undefined && request.to === 'refunded')) return writeWithPartialRefunds(db, feed, requests);
  const ids = [...new Set(requests.map((request) => request.id).filter(isDatabaseId))];
  const plan = await planKeys(db, requests);
  const groups = new Map<string, number[]>();
  requests.forEach((request, index) => {
    // A missing donation simply does not change; it is told apart from a 409 by the read of the rest below.
    if (!isDatabaseId(request.id) || plan.early.has(index) || plan.followers.has(index)) return;
    const group = `${request.to}\u0000${request.actor}\u0000${request.reason ?? ''}\u0000${fromOf(request)}\u0000${checksFunds(request)}`;
    groups.set(group, [...(groups.get(group) ?? []), index]);
  });
  const winners = new Set<number>();
  const changedRows = new Map<string, DonationRow>();
  const changes = new ChangeSet();
  const notice = { channel: CHANGES_CHANNEL, origin: feed.origin, idsMax: IDS_PER_NOTIFICATION_MAX };
  const refundedChecked: bigint[] = [];
  const applyGroups = async (tx: Queryable) => {
    for (const indices of groups.values()) {
      const { to, actor, reason } = requests[indices[0]!]!;
      const changed = await changeStatusReturning(tx, { ids: [...new Set(indices.map((index) => BigInt(requests[index]!.id)))], from: fromOf(requests[indices[0]!]!), to, actor, reason, keys: keysOfGroup(requests, indices, plan), notice, audit: auditOf(actor, to) });
      if (checksFunds(requests[indices[0]!]!)) refundedChecked.push(...changed.map((row) => row.id));
      for (const row of changed) {
        const id = String(row.id);
        changedRows.set(id, row);
        winners.add(indices.find((index) => requests[index]!.id === id)!);
        changes.donation(id).campaign(row.campaign_id);
      }
    }
  };
  // One group (the usual batch: one staff member approving) is one statement in autocommit, notice included:
  // one round trip holding the campaign locks instead of BEGIN, change, NOTIFY, COMMIT (LOCK ORDER in queries.ts).
  // A refund that must not overdraw its fund (issue 13) runs in a transaction even alone: its refund entries'
  // fund accounts are read after the posting, still under the campaign locks that disbursement approvals take
  // first too, and a shortfall throws, so the transaction rolls back with nothing of the batch written. Refunds are
  // rare: the BEGIN, lock, two reads and COMMIT this adds to them cost nothing that matters.
  const checking = [...groups.values()].some((indices) => checksFunds(requests[indices[0]!]!));
  const lockingFirst = async (tx: Queryable) => {
    await lockCampaignsOfDonations(tx, [...groups.values()].flat().map((index) => BigInt(requests[index]!.id)));
    await applyGroups(tx);
    if (refundedChecked.length > 0) await assertFundsCover(tx, await refundEntryIds(tx, refundedChecked), 'refund');
  };
  const applied = groups.size === 1 && !checking ? applyGroups(db) : groups.size >= 1 ? db.transaction(lockingFirst) : Promise.resolve();
  const overflow = await applied.then(() => undefined, (error: unknown) => (
    isKeyTaken(error) ? refuseTakenKey(error, requests) : isShortfall(error) ? refuseShortfall(error, requests) : refuseOverflow(error, requests)));
  if (overflow) return overflow;
  if (!changes.empty) feed.emitLocal(changes.toEvent(feed.origin));
  // The statement answered with what it changed; only the rest (404, 409, replays) are read, usually none.
  const rest = ids.filter((id) => !changedRows.has(id));
  const after = rest.length === 0 ? changedRows : new Map([...changedRows, ...await findDonationsByIds(db, rest)]);
  const stored = await storedChanges(db, requests, plan, winners);
  return requests.map((request, index) => {
    const retried = stored.get(index);
    if (retried instanceof AppError) return retried;
    const current = after.get(request.id);
    if (!current) return new AppError('donation_not_found', `no donation with id "${request.id}"`);
    if (winners.has(index)) return current;
    if (retried !== undefined) return replayOf(current, retried);
    const from = fromOf(request);
    return new AppError('donation_status_conflict', `donation ${request.id} is ${current.status}; only a ${from} donation can become ${request.to}`, { current_status: current.status });
  });
}

/** A staff token's change (actor `token:<id>:<name>`, http/auth.ts) is audited in its own statement; others are not. */
function auditOf(actor: string, to: TargetStatus): { action: string; tokenId: string; name: string } | undefined {
  const match = /^token:([^:]{1,40}):(.*)$/s.exec(actor);
  return match ? { action: `donation.${to}`, tokenId: match[1]!, name: match[2]!.slice(0, 200) } : undefined;
}

/**
 * A campaign total that would pass bigint (SQLSTATE 22003 from changeStatus's totals update) rolls the whole
 * transaction back, so nothing is written. A batch of one is answered 422 total_overflow; a larger batch is
 * thrown again, so the group committer retries each request alone and only the one at fault is refused.
 */
function refuseOverflow(error: unknown, requests: readonly TransitionRequest[]): AppError[] {
  if (sqlState(error) !== SqlState.NUMERIC_VALUE_OUT_OF_RANGE || requests.length !== 1) throw error;
  const { id, to } = requests[0]!;
  return [new AppError('total_overflow', `donation ${id} cannot become ${to}: its campaign's totals would pass the largest amount a total holds (${AMOUNT_MINOR_MAX} minor units)`, { field: 'id' })];
}

function isShortfall(error: unknown): error is AppError {
  return error instanceof AppError && error.code === 'fund_balance_insufficient';
}

/**
 * A refund that would take its fund below zero rolled the whole transaction back. As with refuseOverflow, a batch
 * of one is answered with the refusal (409 fund_balance_insufficient); a larger batch is thrown again, so the
 * group committer writes each request alone and only the refund that does not fit is refused.
 */
function refuseShortfall(error: AppError, requests: readonly TransitionRequest[]): AppError[] {
  if (requests.length !== 1) throw error;
  return [error];
}

/** Moves one donation to `to` if it is in the status that allows it; the loser of a race gets 409. */
export async function transitionDonation(db: Database, feed: ChangeFeed, id: string, to: TargetStatus, actor: string, reason: string | null): Promise<DonationRow> {
  const [outcome] = await writeTransitionBatch(db, feed, [{ id, to, actor, reason }]);
  if (outcome instanceof AppError) throw outcome;
  return outcome!;
}

export interface CampaignSummary {
  campaign_id: string; currency: string; total: string; count: number; average: string; donor_count: number;
}

/** The seed's donation_summary, read from the maintained totals in O(1). The average rounds half to even. */
export function campaignSummary(campaign: CampaignRow): CampaignSummary {
  const average = campaign.donation_count === 0n ? 0n : divideRounded(campaign.raised_minor, campaign.donation_count, 'half_even');
  return {
    campaign_id: String(campaign.id),
    currency: campaign.currency,
    total: formatAmount(campaign.raised_minor, campaign.currency),
    count: Number(campaign.donation_count),
    average: formatAmount(average, campaign.currency),
    donor_count: Number(campaign.donor_count),
  };
}
