// Campaign rules: what a new campaign must be, which status changes are allowed, when it accepts donations,
// and how it reads on the wire.
import { AppError } from '../errors.ts';
import { formatAmount, isCurrencyCode, isMoneyError, parseAmount } from '../money/index.ts';
import type { Database } from '../db/database.ts';
import { isoOrNull, parseTimestamp } from '../http/format.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import type { ChangeFeed } from '../events/changes.ts';
import { appendAudit, type AuditActor } from '../audit/queries.ts';
import {
  campaignHasDonations, insertCampaign, lockCampaign, updateCampaign,
  type CampaignChanges, type CampaignRow, type CampaignStatus, type Fund,
} from './queries.ts';

/** The allowed status changes. A closed campaign can be reopened; nothing goes back to draft. */
const STATUS_TRANSITIONS: Record<CampaignStatus, readonly CampaignStatus[]> = {
  draft: ['active', 'closed'],
  active: ['closed'],
  closed: ['active'],
};

export interface CampaignJson {
  id: string; slug: string; name: string; description: string; fund: Fund; currency: string;
  goal: string | null; status: CampaignStatus; starts_at: string | null; ends_at: string | null;
  raised: string; donation_count: number; donor_count: number; created_at: string; updated_at: string;
}

export function campaignJson(row: CampaignRow): CampaignJson {
  return {
    id: String(row.id),
    slug: row.slug,
    name: row.name,
    description: row.description,
    fund: row.fund,
    currency: row.currency,
    goal: row.goal_minor === null ? null : formatAmount(row.goal_minor, row.currency),
    status: row.status,
    starts_at: isoOrNull(row.starts_at),
    ends_at: isoOrNull(row.ends_at),
    raised: formatAmount(row.raised_minor, row.currency),
    // Counts are bigint columns; a campaign would need 2^53 donations before these lose precision.
    donation_count: Number(row.donation_count),
    donor_count: Number(row.donor_count),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Why the campaign does not accept a donation at `now`, or undefined when it does. */
export function refusalReason(campaign: CampaignRow, now: Date): string | undefined {
  if (campaign.status !== 'active') return `campaign "${campaign.slug}" is ${campaign.status}, not active`;
  if (campaign.starts_at && now < campaign.starts_at) return `campaign "${campaign.slug}" starts at ${campaign.starts_at.toISOString()}`;
  if (campaign.ends_at && now >= campaign.ends_at) return `campaign "${campaign.slug}" ended at ${campaign.ends_at.toISOString()}`;
  return undefined;
}

function goalMinor(goal: string | null | undefined, currency: string): bigint | null {
  if (goal === undefined || goal === null) return null;
  try {
    const minor = parseAmount(goal, currency);
    if (minor === 0n) throw new AppError('invalid_amount', 'goal must be greater than zero', { field: 'goal' });
    return minor;
  } catch (error) {
    if (isMoneyError(error)) throw new AppError('invalid_amount', `goal: ${error.message}`, { field: 'goal', reason: error.reason });
    throw error;
  }
}

function timestamp(field: string, text: string | null | undefined): Date | null {
  if (text === undefined || text === null) return null;
  const date = parseTimestamp(text);
  if (!date) throw new AppError('validation_failed', `${field} must be an ISO 8601 timestamp with an offset, e.g. 2026-03-01T00:00:00Z`, { field });
  return date;
}

function currency(text: string): string {
  if (!isCurrencyCode(text)) throw new AppError('validation_failed', `currency "${text}" is not an ISO 4217 code`, { field: 'currency' });
  return text;
}

function checkWindow(startsAt: Date | null, endsAt: Date | null): void {
  if (startsAt && endsAt && endsAt <= startsAt) {
    throw new AppError('validation_failed', 'ends_at must be after starts_at', { field: 'ends_at' });
  }
}

export interface CampaignInput {
  slug: string; name: string; description?: string; fund: Fund; currency: string; goal?: string | null;
  status?: CampaignStatus; starts_at?: string | null; ends_at?: string | null;
}

export async function createCampaign(db: Database, feed: ChangeFeed, input: CampaignInput, actor?: AuditActor): Promise<CampaignRow> {
  const code = currency(input.currency);
  const startsAt = timestamp('starts_at', input.starts_at);
  const endsAt = timestamp('ends_at', input.ends_at);
  checkWindow(startsAt, endsAt);
  try {
    const goal = goalMinor(input.goal, code);
    return await feed.transaction(db, async (tx, changes) => {
      const campaign = await insertCampaign(tx, {
        slug: input.slug, name: input.name, description: input.description ?? '', fund: input.fund,
        currency: code, goalMinor: goal, status: input.status ?? 'draft', startsAt, endsAt,
      });
      changes.campaign(campaign.id);
      // The audit row commits with the campaign or not at all (issue 12).
      if (actor) await appendAudit(tx, { actor, action: 'campaign.create', target: `campaign:${campaign.id}`, detail: { slug: campaign.slug, input } });
      return campaign;
    });
  } catch (error) {
    if (sqlState(error) === SqlState.UNIQUE_VIOLATION) throw new AppError('slug_taken', `slug "${input.slug}" is already in use`, { field: 'slug' });
    throw error;
  }
}

export type CampaignPatch = Partial<Omit<CampaignInput, 'slug'>>;

/** Applies a patch under a row lock, so a concurrent patch or donation sees one state or the other. */
export async function patchCampaign(db: Database, feed: ChangeFeed, idOrSlug: string, patch: CampaignPatch, actor?: AuditActor): Promise<CampaignRow> {
  return feed.transaction(db, async (tx, changeSet) => {
    const campaign = await lockCampaign(tx, idOrSlug);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${idOrSlug}"`);
    const changes: CampaignChanges = {};
    if (patch.currency !== undefined && patch.currency !== campaign.currency) {
      if (await campaignHasDonations(tx, campaign.id)) {
        throw new AppError('campaign_currency_locked', `campaign "${campaign.slug}" has donations in ${campaign.currency}`);
      }
      changes.currency = currency(patch.currency);
    }
    const currencyCode = changes.currency ?? campaign.currency;
    if (patch.goal !== undefined) changes.goal_minor = goalMinor(patch.goal, currencyCode);
    else if (changes.currency && campaign.goal_minor !== null) {
      changes.goal_minor = goalMinor(formatAmount(campaign.goal_minor, campaign.currency), currencyCode);
    }
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.fund !== undefined) changes.fund = patch.fund;
    if (patch.starts_at !== undefined) changes.starts_at = timestamp('starts_at', patch.starts_at);
    if (patch.ends_at !== undefined) changes.ends_at = timestamp('ends_at', patch.ends_at);
    checkWindow(changes.starts_at !== undefined ? changes.starts_at : campaign.starts_at,
      changes.ends_at !== undefined ? changes.ends_at : campaign.ends_at);
    if (patch.status !== undefined && patch.status !== campaign.status) {
      if (!STATUS_TRANSITIONS[campaign.status].includes(patch.status)) {
        throw new AppError('invalid_status_transition', `campaign "${campaign.slug}" cannot go from ${campaign.status} to ${patch.status}`);
      }
      changes.status = patch.status;
    }
    if (Object.keys(changes).length === 0) return campaign;
    changeSet.campaign(campaign.id);
    if (actor) await appendAudit(tx, { actor, action: 'campaign.update', target: `campaign:${campaign.id}`, detail: { slug: campaign.slug, patch, from_status: campaign.status } });
    return updateCampaign(tx, campaign.id, changes);
  });
}
