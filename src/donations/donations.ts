// Donation intake and status changes. Every donation enters with an idempotency key: the first request with a
// key makes the donation; the same key with the same request returns it again; with another request, 409.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Database, Queryable } from '../db/database.ts';
import { divideRounded, formatAmount, isMoneyError, parseAmount } from '../money/index.ts';
import { findCampaign, type CampaignRow } from '../campaigns/queries.ts';
import { refusalReason } from '../campaigns/campaigns.ts';
import { isDatabaseId, parseTimestamp } from '../http/format.ts';
import type { ChangeFeed } from '../events/changes.ts';
import {
  changeStatus, findDonation, findDonationByKey, insertDonation, upsertDonor,
  type DonationRow, type DonationSource, type DonationStatus,
} from './queries.ts';

export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface DonationInput {
  campaign_id: string;
  amount: string;
  currency: string;
  donor_name?: string | undefined;
  donor_email?: string | undefined;
  anonymous?: boolean | undefined;
  external_ref?: string | undefined;
  donated_at?: string | undefined;
}

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

export function checkIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new AppError('idempotency_key_required', 'send an Idempotency-Key header (1 to 255 visible ASCII characters), e.g. a UUID');
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError('validation_failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', { field: 'Idempotency-Key' });
  }
  return key;
}

/** A fingerprint of what the request asks for, normalised so that "10.0" and "10.00" are one request. */
export function requestFingerprint(input: DonationInput, amountMinor: bigint | string): Buffer {
  const canonical = JSON.stringify([
    input.campaign_id, String(amountMinor), input.currency, input.donor_name ?? null,
    input.donor_email?.toLowerCase() ?? null, input.anonymous ?? false, input.external_ref ?? null,
    input.donated_at ? parseTimestamp(input.donated_at)?.toISOString() ?? input.donated_at : null,
  ]);
  return createHash('sha256').update(canonical).digest();
}

export interface IntakeResult {
  created: boolean;
  donation: DonationRow;
}

function replayOf(existing: DonationRow, fingerprint: Buffer, key: string): IntakeResult {
  if (!fingerprint.equals(Buffer.from(existing.request_sha256))) {
    throw new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another request (donation ${existing.id})`);
  }
  return { created: false, donation: existing };
}

function amountOf(input: DonationInput, campaign: CampaignRow): bigint {
  if (input.currency !== campaign.currency) {
    throw new AppError('currency_mismatch', `campaign "${campaign.slug}" takes ${campaign.currency}, not ${input.currency}`);
  }
  try {
    const minor = parseAmount(input.amount, campaign.currency);
    if (minor === 0n) throw new AppError('invalid_amount', 'amount must be greater than zero', { field: 'amount' });
    return minor;
  } catch (error) {
    if (isMoneyError(error)) throw new AppError('invalid_amount', error.message, { field: 'amount', reason: error.reason });
    throw error;
  }
}

/** Thrown inside the intake transaction when the key turned out to be taken, to roll back the donor row. */
class KeyTaken extends Error {}

export interface IntakeOptions {
  source: DonationSource;
  now?: Date;
}

/** Makes a pending donation exactly once per idempotency key. */
export async function receiveDonation(db: Database, feed: ChangeFeed, key: string, input: DonationInput, options: IntakeOptions): Promise<IntakeResult> {
  const earlier = await findDonationByKey(db, key);
  if (earlier) return replayOf(earlier, requestFingerprint(input, normalisedAmount(input)), key);
  const campaign = await findCampaign(db, input.campaign_id);
  if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${input.campaign_id}"`, { field: 'campaign_id' });
  const refusal = refusalReason(campaign, options.now ?? new Date());
  if (refusal) throw new AppError('campaign_not_accepting', refusal, { field: 'campaign_id' });
  const amountMinor = amountOf(input, campaign);
  const donatedAt = input.donated_at === undefined ? null : parseTimestamp(input.donated_at);
  if (donatedAt === undefined) throw new AppError('validation_failed', 'donated_at must be an ISO 8601 timestamp with an offset', { field: 'donated_at' });
  const fingerprint = requestFingerprint(input, amountMinor);
  try {
    const id = await feed.transaction(db, async (tx, changes) => {
      const donorId = await upsertDonor(tx, {
        displayName: input.donor_name?.trim() ?? '',
        email: input.donor_email ?? null,
        anonymous: input.anonymous ?? false,
      });
      const inserted = await insertDonation(tx, {
        campaignId: campaign.id, donorId, amountMinor, currency: campaign.currency, status: 'pending',
        source: options.source, idempotencyKey: key, requestSha256: fingerprint,
        externalRef: input.external_ref ?? null, donatedAt,
      });
      if (inserted === undefined) throw new KeyTaken();
      changes.donation(inserted);
      return inserted;
    });
    return { created: true, donation: (await findDonation(db, String(id)))! };
  } catch (error) {
    if (!(error instanceof KeyTaken)) throw error;
    // A concurrent request with the same key committed first: this one is its replay.
    return replayOf((await findDonationByKey(db, key))!, fingerprint, key);
  }
}

/** The amount in minor units if it parses for the stated currency, else the text: only for fingerprints. */
function normalisedAmount(input: DonationInput): bigint | string {
  try {
    return parseAmount(input.amount, input.currency);
  } catch {
    return input.amount;
  }
}

export async function getDonation(db: Queryable, id: string): Promise<DonationRow> {
  const donation = isDatabaseId(id) ? await findDonation(db, id) : undefined;
  if (!donation) throw new AppError('donation_not_found', `no donation with id "${id}"`);
  return donation;
}

/** The statuses a donation may leave for each target status. */
const ALLOWED_FROM: Record<'approved' | 'rejected' | 'refunded', DonationStatus> = {
  approved: 'pending',
  rejected: 'pending',
  refunded: 'approved',
};

/** Moves one donation to `to` if it is in the status that allows it; the loser of a race gets 409. */
export async function transitionDonation(db: Database, feed: ChangeFeed, id: string, to: 'approved' | 'rejected' | 'refunded', actor: string, reason: string | null): Promise<DonationRow> {
  const current = await getDonation(db, id);
  const from = ALLOWED_FROM[to];
  const changed = await feed.transaction(db, async (tx, changes) => {
    const ids = await changeStatus(tx, { ids: [current.id], from, to, actor, reason });
    if (ids.length > 0) changes.donation(current.id).campaign(current.campaign_id);
    return ids;
  });
  const after = await getDonation(db, id);
  if (changed.length === 0) {
    throw new AppError('donation_status_conflict', `donation ${id} is ${after.status}; only a ${from} donation can become ${to}`, { current_status: after.status });
  }
  return after;
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
