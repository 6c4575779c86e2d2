// Donation intake in batches. One function writes any number of donation requests with a fixed number of
// round trips: look up their keys and campaigns, validate each alone, then one transaction upserts the donors
// known by email and inserts the donations (multi-row, by unnest) and publishes the change. Every donation carries
// the name and anonymity given with it (migration 0005); a donor without an email is not a donors row at all. A request that fails validation
// fails alone; the others are written. The group committer (group-commit.ts) feeds it concurrent API requests; a
// single request is a batch of one, so there is one intake path.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import { emailKey, textProblem } from '../text/text.ts';
import { parseDonatedAt } from '../text/timestamp.ts';
import type { Database } from '../db/database.ts';
import type { ChangeFeed } from '../events/changes.ts';
import { donationAmountMinorMax, formatAmount, isMoneyError, parseAmount } from '../money/index.ts';
import { refusalReason } from '../campaigns/campaigns.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { parseTimestamp } from '../http/format.ts';
import { findCampaignsByRefs, findDonationsByKeys, insertDonationBatch, upsertEmailDonors, type DonationRow, type DonationSource, type NewDonation } from './queries.ts';

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

export interface IntakeResult {
  created: boolean;
  donation: DonationRow;
}

/** A fingerprint of what the request asks for, normalised so that "10.0" and "10.00" are one request. */
export function requestFingerprint(input: DonationInput, amountMinor: bigint | string): Buffer {
  const canonical = JSON.stringify([
    input.campaign_id, String(amountMinor), input.currency, input.donor_name ?? null,
    (input.donor_email === undefined ? null : emailKey(input.donor_email)), input.anonymous ?? false, input.external_ref ?? null,
    input.donated_at ? parseTimestamp(input.donated_at)?.toISOString() ?? input.donated_at : null,
  ]);
  return createHash('sha256').update(canonical).digest();
}

export interface IntakeRequest {
  key: string;
  input: DonationInput;
  source: DonationSource;
}

export type IntakeOutcome = IntakeResult | AppError;

interface Prepared {
  index: number;
  request: IntakeRequest;
  campaign: CampaignRow;
  amountMinor: bigint;
  donatedAt: Date | null;
  fingerprint: Buffer;
}

function replayOf(existing: DonationRow, fingerprint: Buffer, key: string): IntakeOutcome {
  if (!fingerprint.equals(Buffer.from(existing.request_sha256))) {
    return new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another request (donation ${existing.id})`);
  }
  return { created: false, donation: existing };
}

/** The amount in minor units if it parses for the stated currency, else the text: fingerprints only. */
function fingerprintAmount(input: DonationInput): bigint | string {
  try {
    return parseAmount(input.amount, input.currency);
  } catch {
    return input.amount;
  }
}

/** Checks one request against its campaign; returns what to write, or the error to answer with. */
export function prepare(index: number, request: IntakeRequest, campaign: CampaignRow | undefined, now: Date): Prepared | AppError {
  const { input } = request;
  if (!campaign) return new AppError('campaign_not_found', `no campaign with id or slug "${input.campaign_id}"`, { field: 'campaign_id' });
  const refusal = refusalReason(campaign, now);
  if (refusal) return new AppError('campaign_not_accepting', refusal, { field: 'campaign_id' });
  if (input.currency !== campaign.currency) {
    return new AppError('currency_mismatch', `campaign "${campaign.slug}" takes ${campaign.currency}, not ${input.currency}`, { field: 'currency' });
  }
  let amountMinor: bigint;
  try {
    amountMinor = parseAmount(input.amount, campaign.currency);
  } catch (error) {
    if (isMoneyError(error)) return new AppError('invalid_amount', error.message, { field: 'amount', reason: error.reason });
    throw error;
  }
  if (amountMinor === 0n) return new AppError('invalid_amount', 'amount must be greater than zero', { field: 'amount' });
  if (amountMinor > donationAmountMinorMax(campaign.currency)) {
    return new AppError('invalid_amount', `amount is above the maximum of ${formatAmount(donationAmountMinorMax(campaign.currency), campaign.currency)} ${campaign.currency} per donation`, { field: 'amount', reason: 'out_of_range' });
  }
  const donatedAt = input.donated_at === undefined ? null : parseDonatedAt(input.donated_at, now);
  if (typeof donatedAt === 'string') return new AppError('validation_failed', `donated_at ${donatedAt}`, { field: 'donated_at' });
  return { index, request, campaign, amountMinor, donatedAt, fingerprint: requestFingerprint(input, amountMinor) };
}

/** Text fields are checked before anything is looked up: a NUL in one request must not fail the batch's reads. */
const TEXT_FIELDS = ['campaign_id', 'currency', 'donor_name', 'donor_email', 'external_ref'] as const;

/** The refusal for a request whose text the database could not store or no donor would write; else undefined. */
export function inputProblem(request: IntakeRequest): AppError | undefined {
  const keyProblem = textProblem(request.key);
  if (keyProblem) return new AppError('validation_failed', `Idempotency-Key ${keyProblem}`, { field: 'Idempotency-Key' });
  for (const field of TEXT_FIELDS) {
    const value: unknown = request.input[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return new AppError('validation_failed', `${field} must be a string`, { field });
    const problem = textProblem(value);
    if (problem) return new AppError('validation_failed', `${field} ${problem}`, { field });
  }
  return undefined;
}

/**
 * Writes a batch of intake requests; answers each in order. Round trips for any batch size: two reads (keys,
 * campaigns) and one transaction of at most three statements (email donors, donations, notify).
 */
export async function writeIntakeBatch(db: Database, feed: ChangeFeed, requests: readonly IntakeRequest[], now = new Date()): Promise<IntakeOutcome[]> {
  const outcomes: (IntakeOutcome | undefined)[] = new Array(requests.length);
  // A key seen before is a replay (or a conflict) whatever the campaign's state is now.
  const refused = requests.map(inputProblem);
  const readable = requests.filter((_, index) => refused[index] === undefined);
  const earlier = await findDonationsByKeys(db, [...new Set(readable.map((request) => request.key))]);
  const campaigns = await findCampaignsByRefs(db, [...new Set(readable.map((request) => request.input.campaign_id))]);
  const pending: Prepared[] = [];
  const firstByKey = new Map<string, number>();
  requests.forEach((request, index) => {
    if (refused[index] !== undefined) {
      outcomes[index] = refused[index];
      return;
    }
    const existing = earlier.get(request.key);
    if (existing) {
      outcomes[index] = replayOf(existing, requestFingerprint(request.input, fingerprintAmount(request.input)), request.key);
      return;
    }
    const prepared = prepare(index, request, campaigns.get(request.input.campaign_id), now);
    if (prepared instanceof AppError) outcomes[index] = prepared;
    // A key twice in one batch: the first is written, the second answered as its replay after the commit.
    else if (firstByKey.has(request.key)) outcomes[index] = undefined;
    else {
      firstByKey.set(request.key, index);
      pending.push(prepared);
    }
  });
  const written = pending.length === 0 ? new Map<string, DonationRow>() : await insertPrepared(db, feed, pending);
  const raced = requests.filter((request, index) => outcomes[index] === undefined && !written.has(request.key)).map((request) => request.key);
  const winners = raced.length === 0 ? new Map<string, DonationRow>() : await findDonationsByKeys(db, raced);
  requests.forEach((request, index) => {
    if (outcomes[index] !== undefined) return;
    const mine = written.get(request.key);
    const fingerprint = requestFingerprint(request.input, fingerprintAmount(request.input));
    if (mine && firstByKey.get(request.key) === index) outcomes[index] = { created: true, donation: mine };
    else outcomes[index] = replayOf((mine ?? winners.get(request.key))!, fingerprint, request.key);
  });
  return outcomes as IntakeOutcome[];
}

/** One transaction: donors, donations, and the change notice. Returns the rows this batch created, by key. */
async function insertPrepared(db: Database, feed: ChangeFeed, pending: readonly Prepared[]): Promise<Map<string, DonationRow>> {
  return feed.transaction(db, async (tx, changes) => {
    const donors = pending.map(({ request }) => ({
      displayName: request.input.donor_name?.trim() ?? '',
      email: request.input.donor_email ?? null,
      anonymous: request.input.anonymous ?? false,
    }));
    const emailIds = await upsertEmailDonors(tx, donors);
    const rows = await insertDonationBatch(tx, pending.map((prepared, position): NewDonation => {
      const donor = donors[position]!;
      return {
        campaignId: prepared.campaign.id,
        // The name and flag given now are this donation's for good; the donors row only links the donor's gifts.
        donor: { id: donor.email === null ? undefined : emailIds.get(emailKey(donor.email))!, name: donor.displayName, anonymous: donor.anonymous },
        amountMinor: prepared.amountMinor, currency: prepared.campaign.currency, status: 'pending', source: prepared.request.source,
        idempotencyKey: prepared.request.key, requestSha256: prepared.fingerprint,
        externalRef: prepared.request.input.external_ref ?? null, donatedAt: prepared.donatedAt,
      };
    }));
    for (const row of rows) changes.donation(row.id);
    return new Map(rows.map((row) => [row.idempotency_key, row]));
  });
}

export interface IntakeOptions {
  source: DonationSource;
}

/** Makes a pending donation exactly once per idempotency key: a batch of one through the batch path. */
export async function receiveDonation(db: Database, feed: ChangeFeed, key: string, input: DonationInput, options: IntakeOptions): Promise<IntakeResult> {
  const [outcome] = await writeIntakeBatch(db, feed, [{ key, input, source: options.source }]);
  if (outcome instanceof AppError) throw outcome;
  return outcome!;
}
