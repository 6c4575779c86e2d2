// Donation intake in batches. One function writes any number of donation requests with a fixed number of
// round trips: take their campaigns from the campaign cache, validate each alone, then one statement upserts the
// donors known by email, inserts the donations (multi-row, by unnest) and publishes the change; keys are looked
// up only for the requests that statement did not write (replays, races) or that failed validation. Every donation carries
// the name and anonymity given with it (migration 0005); a donor without an email is not a donors row at all. A request that fails validation
// fails alone; the others are written. The group committer (group-commit.ts) feeds it concurrent API requests; a
// single request is a batch of one, so there is one intake path.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import { emailKey, textProblem } from '../text/text.ts';
import { parseDonatedAt } from '../text/timestamp.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { CampaignCache } from '../cache/campaign-cache.ts';
import { ChangeSet, CHANGES_CHANNEL, IDS_PER_NOTIFICATION_MAX, type ChangeFeed } from '../events/changes.ts';
import { donationAmountMinorMax, formatAmount, isMoneyError, parseAmount } from '../money/index.ts';
import { refusalReason } from '../campaigns/campaigns.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { parseTimestamp } from '../http/format.ts';
import { npwpDigits } from '../text/npwp.ts';
import { nikProblem } from '../distribution/nik.ts';
import { findCampaignsByRefs, findDonationsByKeys, insertDonationBatch, type DonationRow, type DonationSource, type NewBatchDonation } from './queries.ts';

export interface DonationInput {
  campaign_id: string;
  amount: string;
  currency: string;
  donor_name?: string | undefined;
  donor_email?: string | undefined;
  anonymous?: boolean | undefined;
  external_ref?: string | undefined;
  donated_at?: string | undefined;
  /** For the receipt (a Bukti Setor Zakat names the payer's NPWP or NIK): staff-only, never in an answer. */
  donor_npwp?: string | undefined;
  donor_nik?: string | undefined;
}

/** The donor's tax ids as stored: the NPWP's digits and the NIK, each null when not given. */
export interface TaxIds { npwp: string | null; nik: string | null }

export interface IntakeResult {
  created: boolean;
  donation: DonationRow;
}

/**
 * A fitrah or fidyah donation's kind (src/zakat/fitrah.ts, migration 0017): what it was asked as, what it is
 * recorded as, the people or days, region and price table row its amount came from, the ledger fund it posts
 * to, and the note its history keeps (why a fitrah was recorded as sadaqah).
 */
export interface DonationKind {
  askedKind: 'fitrah' | 'fidyah';
  kind: 'fitrah' | 'fidyah' | 'sadaqah';
  quantity: number;
  region: string;
  priceTableId: string;
  ledgerFund: 'zakat' | 'infak_sedekah' | 'dskl';
  note: string;
}

/** A fingerprint of what the request asks for, normalised so that "10.0" and "10.00" are one request. */
export function requestFingerprint(input: DonationInput, amountMinor: bigint | string, kind?: DonationKind): Buffer {
  const canonical = JSON.stringify([
    input.campaign_id, String(amountMinor), input.currency, input.donor_name ?? null,
    (input.donor_email === undefined ? null : emailKey(input.donor_email)), input.anonymous ?? false, input.external_ref ?? null,
    input.donated_at ? parseTimestamp(input.donated_at)?.toISOString() ?? input.donated_at : null,
    // Only a kind's request carries it, so every other request keeps the fingerprint it always had.
    ...(kind ? [kind.askedKind, kind.quantity, kind.region] : []),
    // Likewise only a request with tax ids carries them (as given: "01.2" and "012" are not told apart here).
    ...(input.donor_npwp !== undefined || input.donor_nik !== undefined ? ['tax_ids', input.donor_npwp ?? null, input.donor_nik ?? null] : []),
  ]);
  return createHash('sha256').update(canonical).digest();
}

export interface IntakeRequest {
  key: string;
  input: DonationInput;
  source: DonationSource;
  /** Set for a fitrah or fidyah donation only. */
  kind?: DonationKind | undefined;
}

export type IntakeOutcome = IntakeResult | AppError;

interface Prepared {
  index: number;
  request: IntakeRequest;
  campaign: CampaignRow;
  amountMinor: bigint;
  donatedAt: Date | null;
  taxIds: TaxIds;
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
  const taxIds = taxIdsOf(input);
  if (taxIds instanceof AppError) return taxIds;
  return { index, request, campaign, amountMinor, donatedAt, taxIds, fingerprint: requestFingerprint(input, amountMinor, request.kind) };
}

/** The request's NPWP (as digits) and NIK, or the refusal of the first that is malformed (never repeating it). */
export function taxIdsOf(input: Pick<DonationInput, 'donor_npwp' | 'donor_nik'>): TaxIds | AppError {
  let npwp: string | null = null;
  if (input.donor_npwp !== undefined) {
    const digits = npwpDigits(input.donor_npwp);
    if (digits === undefined) return new AppError('validation_failed', 'donor_npwp must be 15 or 16 digits (dots and dashes allowed)', { field: 'donor_npwp' });
    npwp = digits;
  }
  const problem = input.donor_nik === undefined ? undefined : nikProblem(input.donor_nik);
  if (problem !== undefined) return new AppError('nik_invalid', `donor_nik is not a valid NIK: ${problem}`, { field: 'donor_nik' });
  return { npwp, nik: input.donor_nik ?? null };
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

/** Campaigns by reference (id digits or slug), keyed by the reference as given: the cache's, or a query. */
export type CampaignLookup = (refs: readonly string[]) => Promise<Map<string, CampaignRow>>;

/**
 * Campaigns from the in-process campaign cache (invalidated after every committed change, here at once and in
 * other processes by NOTIFY): no query when all are cached. A campaign closed in another process an instant ago
 * may take a donation in that instant, as it could when the read raced the close; the status and dates are
 * checked against `now` either way. With the cache off, one query for the batch.
 */
export function cachedCampaigns(cache: CampaignCache, db: Queryable): CampaignLookup {
  return async (refs) => {
    if (!cache.enabled) return findCampaignsByRefs(db, refs);
    const found = new Map<string, CampaignRow>();
    const missing: string[] = [];
    for (const ref of refs) {
      const row = cache.cached(ref);
      if (row === undefined) missing.push(ref);
      else found.set(ref, row);
    }
    for (const [ref, row] of await Promise.all(missing.map(async (ref) => [ref, await cache.get(ref)] as const))) {
      if (row !== undefined) found.set(ref, row);
    }
    return found;
  };
}

/**
 * Writes a batch of intake requests; answers each in order. Round trips for any batch size: none for campaigns
 * the cache holds (one query for the rest), one statement (donors, donations, notice), and one key look-up only
 * if some request was not written by it (a replay, a reused key, a race) or failed validation (it may be a
 * replay: a key seen before answers what it answered first, whatever the campaign's state is now).
 */
export async function writeIntakeBatch(db: Database, feed: ChangeFeed, requests: readonly IntakeRequest[], now = new Date(),
  campaignsOf: CampaignLookup = (refs) => findCampaignsByRefs(db, refs)): Promise<IntakeOutcome[]> {
  const outcomes: (IntakeOutcome | undefined)[] = new Array(requests.length);
  const refused = requests.map(inputProblem);
  const readable = requests.filter((_, index) => refused[index] === undefined);
  const campaigns = await campaignsOf([...new Set(readable.map((request) => request.input.campaign_id))]);
  const pending: Prepared[] = [];
  const firstByKey = new Map<string, number>();
  const invalid = new Set<number>();
  requests.forEach((request, index) => {
    if (refused[index] !== undefined) {
      outcomes[index] = refused[index];
      return;
    }
    const prepared = prepare(index, request, campaigns.get(request.input.campaign_id), now);
    if (prepared instanceof AppError) {
      outcomes[index] = prepared;
      invalid.add(index);
    } else if (!firstByKey.has(request.key)) {
      firstByKey.set(request.key, index);
      pending.push(prepared);
    } // else: a key twice in one batch; the first is written, the second answered as its replay after the commit.
  });
  const written = pending.length === 0 ? new Map<string, DonationRow>() : await insertPrepared(db, feed, pending);
  const unsettled = requests.filter((request, index) => invalid.has(index) || (outcomes[index] === undefined && !written.has(request.key)));
  const existing = unsettled.length === 0 ? new Map<string, DonationRow>() : await findDonationsByKeys(db, [...new Set(unsettled.map((request) => request.key))]);
  requests.forEach((request, index) => {
    const earlier = existing.get(request.key);
    if (invalid.has(index) && earlier) outcomes[index] = replayOf(earlier, requestFingerprint(request.input, fingerprintAmount(request.input), request.kind), request.key);
    if (outcomes[index] !== undefined) return;
    const mine = written.get(request.key);
    const fingerprint = requestFingerprint(request.input, fingerprintAmount(request.input), request.kind);
    if (mine && firstByKey.get(request.key) === index) outcomes[index] = { created: true, donation: mine };
    else outcomes[index] = replayOf((mine ?? earlier)!, fingerprint, request.key);
  });
  return outcomes as IntakeOutcome[];
}

/** One statement in autocommit: donors, donations and the change notice. Returns the rows it created, by key. */
async function insertPrepared(db: Database, feed: ChangeFeed, pending: readonly Prepared[]): Promise<Map<string, DonationRow>> {
  const rows = await insertDonationBatch(db, pending.map((prepared): NewBatchDonation => {
    const { input } = prepared.request;
    return {
      campaignId: prepared.campaign.id,
      // The name and flag given now are this donation's for good; the donors row only links the donor's gifts.
      donor: { name: input.donor_name?.trim() ?? '', anonymous: input.anonymous ?? false },
      donorEmail: input.donor_email ?? null,
      amountMinor: prepared.amountMinor, currency: prepared.campaign.currency, status: 'pending', source: prepared.request.source,
      idempotencyKey: prepared.request.key, requestSha256: prepared.fingerprint,
      externalRef: input.external_ref ?? null, donatedAt: prepared.donatedAt, kind: prepared.request.kind,
      taxIds: prepared.taxIds,
    };
  }), { channel: CHANGES_CHANNEL, origin: feed.origin, idsMax: IDS_PER_NOTIFICATION_MAX });
  const changes = new ChangeSet();
  for (const row of rows) changes.donation(row.id);
  if (!changes.empty) feed.emitLocal(changes.toEvent(feed.origin));
  return new Map(rows.map((row) => [row.idempotency_key, row]));
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
