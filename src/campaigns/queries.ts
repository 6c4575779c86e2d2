// SQL for campaigns: one exported function per query, parameterised, owned by this module.
import type { Queryable } from '../db/database.ts';
import { isDatabaseId } from '../http/format.ts';

export type Fund = 'zakat' | 'infaq' | 'sadaqah' | 'waqf' | 'general';
export const FUNDS: readonly Fund[] = ['zakat', 'infaq', 'sadaqah', 'waqf', 'general'];
export type CampaignStatus = 'draft' | 'active' | 'closed';
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['draft', 'active', 'closed'];

export interface CampaignRow {
  id: bigint;
  slug: string;
  name: string;
  description: string;
  fund: Fund;
  currency: string;
  goal_minor: bigint | null;
  status: CampaignStatus;
  starts_at: Date | null;
  ends_at: Date | null;
  raised_minor: bigint;
  donation_count: bigint;
  donor_count: bigint;
  created_at: Date;
  updated_at: Date;
}

export const CAMPAIGN_COLUMNS = `id, slug, name, description, fund, currency, goal_minor, status, starts_at, ends_at,
  raised_minor, donation_count, donor_count, created_at, updated_at`;

/** Finds a campaign by id (digits) or slug (never all digits, by a check constraint). */
export async function findCampaign(db: Queryable, idOrSlug: string): Promise<CampaignRow | undefined> {
  const byId = isDatabaseId(idOrSlug);
  const { rows } = await db.query<CampaignRow>(
    `select ${CAMPAIGN_COLUMNS} from campaigns where ${byId ? 'id = $1' : 'slug = $1'}`,
    [idOrSlug],
  );
  return rows[0];
}

export interface CampaignListFilter {
  status?: CampaignStatus | undefined;
  fund?: Fund | undefined;
  afterId?: bigint | undefined;
  limit: number;
}

/** One query for a page of campaigns with their totals, however many there are (totals are columns). */
export async function listCampaigns(db: Queryable, filter: CampaignListFilter): Promise<CampaignRow[]> {
  const { rows } = await db.query<CampaignRow>(
    `select ${CAMPAIGN_COLUMNS} from campaigns
      where ($1::text is null or status = $1) and ($2::text is null or fund = $2) and id > $3
      order by id limit $4`,
    [filter.status ?? null, filter.fund ?? null, filter.afterId ?? 0n, filter.limit],
  );
  return rows;
}

export interface NewCampaign {
  slug: string;
  name: string;
  description: string;
  fund: Fund;
  currency: string;
  goalMinor: bigint | null;
  status: CampaignStatus;
  startsAt: Date | null;
  endsAt: Date | null;
}

export async function insertCampaign(db: Queryable, campaign: NewCampaign): Promise<CampaignRow> {
  const { rows } = await db.query<CampaignRow>(
    `insert into campaigns (slug, name, description, fund, currency, goal_minor, status, starts_at, ends_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${CAMPAIGN_COLUMNS}`,
    [campaign.slug, campaign.name, campaign.description, campaign.fund, campaign.currency,
      campaign.goalMinor, campaign.status, campaign.startsAt, campaign.endsAt],
  );
  return rows[0]!;
}

export type CampaignChanges = Partial<{
  name: string;
  description: string;
  fund: Fund;
  currency: string;
  goal_minor: bigint | null;
  status: CampaignStatus;
  starts_at: Date | null;
  ends_at: Date | null;
}>;

/** Applies the changes to the campaign row, locked for the transaction by the caller's `for update`. */
export async function updateCampaign(db: Queryable, id: bigint, changes: CampaignChanges): Promise<CampaignRow> {
  const columns = Object.keys(changes) as (keyof CampaignChanges)[];
  const assignments = columns.map((column, index) => `${column} = $${index + 2}`);
  const { rows } = await db.query<CampaignRow>(
    `update campaigns set ${[...assignments, 'updated_at = now()'].join(', ')} where id = $1 returning ${CAMPAIGN_COLUMNS}`,
    [id, ...columns.map((column) => changes[column])],
  );
  return rows[0]!;
}

export async function lockCampaign(db: Queryable, idOrSlug: string): Promise<CampaignRow | undefined> {
  const byId = isDatabaseId(idOrSlug);
  const { rows } = await db.query<CampaignRow>(
    `select ${CAMPAIGN_COLUMNS} from campaigns where ${byId ? 'id = $1' : 'slug = $1'} for update`,
    [idOrSlug],
  );
  return rows[0];
}

export async function campaignHasDonations(db: Queryable, id: bigint): Promise<boolean> {
  const { rows } = await db.query('select 1 from donations where campaign_id = $1 limit 1', [id]);
  return rows.length > 0;
}

export interface TotalsMismatch {
  id: bigint;
  slug: string;
  raised_minor: bigint;
  donation_count: bigint;
  donor_count: bigint;
  actual_raised_minor: bigint;
  actual_donation_count: bigint;
  actual_donor_count: bigint;
}

/** Every campaign whose maintained totals differ from a recount of its approved donations. */
export async function findTotalsMismatches(db: Queryable): Promise<TotalsMismatch[]> {
  const { rows } = await db.query<TotalsMismatch>(
    `select c.id, c.slug, c.raised_minor, c.donation_count, c.donor_count,
            coalesce(s.raised, 0)::bigint as actual_raised_minor,
            coalesce(s.donations, 0)::bigint as actual_donation_count,
            coalesce(s.donors, 0)::bigint as actual_donor_count
       from campaigns c
       -- A partial refund (migration 0018) leaves the donation approved and moves the total by what it reversed.
       left join (select campaign_id, sum(amount_minor - refunded_minor) as raised, count(*) as donations,
                         -- A donation without a donor row is a donor of its own (migration 0004).
                         count(distinct donor_id) + count(*) filter (where donor_id is null) as donors
                    from donations where status = 'approved' group by campaign_id) s on s.campaign_id = c.id
      where c.raised_minor <> coalesce(s.raised, 0) or c.donation_count <> coalesce(s.donations, 0)
         or c.donor_count <> coalesce(s.donors, 0)
      order by c.id`,
  );
  return rows;
}

export async function countCampaigns(db: Queryable): Promise<bigint> {
  const { rows } = await db.query<{ count: bigint }>('select count(*) as count from campaigns');
  return rows[0]!.count;
}
