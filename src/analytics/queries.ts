// SQL for analytics: aggregates run where the data lives and only small results travel. Every figure counts
// approved donations, the ones campaign totals count.
//
// Order statistics come from a frequency table (each distinct amount with its count, one hash aggregate) rather
// than from percentile_disc, which sorts every row. Measured on PostgreSQL 15 with 930,000 approved donations in
// one campaign (210,000 distinct amounts): the frequency table 330 ms; two percentile_disc (for an exact median
// of an even count) 460 ms and percentile_disc over seven fractions 250 ms more. From the table the median, min,
// max, total, count, every percentile and the histogram are exact, so one scan replaces three sorts.
import type { Queryable } from '../db/database.ts';

export interface CampaignWindow {
  campaignId: bigint;
  /** donated_at >= from */
  from?: Date | undefined;
  /** donated_at < to */
  to?: Date | undefined;
}

const CAMPAIGN_WINDOW = `d.campaign_id = $1 and d.status = 'approved'
  and ($2::timestamptz is null or d.donated_at >= $2) and ($3::timestamptz is null or d.donated_at < $3)`;

function windowParams(window: CampaignWindow): unknown[] {
  return [window.campaignId, window.from ?? null, window.to ?? null];
}

/** PostgreSQL builds the packed table (see distribution.ts): 16 big-endian bytes per distinct amount. */
const PACKED_FREQUENCIES = `coalesce(string_agg(int8send(f.amount_minor) || int8send(f.donations), ''::bytea order by f.amount_minor), ''::bytea)`;

/** The campaign's distinct approved amounts with their counts, packed. */
export async function campaignAmountFrequencies(db: Queryable, window: CampaignWindow): Promise<Uint8Array> {
  const { rows } = await db.query<{ packed: Uint8Array }>(
    `select ${PACKED_FREQUENCIES} as packed
       from (select d.amount_minor, count(*) as donations from donations d where ${CAMPAIGN_WINDOW} group by d.amount_minor) f`,
    windowParams(window));
  return rows[0]!.packed;
}

export interface DonorCounts {
  donors: bigint;
  repeat_donors: bigint;
}

/** Distinct donors with an approved donation in the window, and those with more than one. */
export async function campaignDonorCounts(db: Queryable, window: CampaignWindow): Promise<DonorCounts> {
  const { rows } = await db.query<DonorCounts>(
    `select count(*)::bigint as donors, (count(*) filter (where p.donations > 1))::bigint as repeat_donors
       from (select d.donor_id, count(*) as donations from donations d where ${CAMPAIGN_WINDOW} and d.donor_id is not null
              group by d.donor_id
             -- A donation without a donor row is a donor of its own, who gave once.
             union all select null, 1 from donations d where ${CAMPAIGN_WINDOW} and d.donor_id is null) p`,
    windowParams(window));
  return rows[0]!;
}

export interface LargestDonationRow {
  id: bigint;
  amount_minor: bigint;
  donated_at: Date;
  donor_name: string | null;
}

/** The largest approved donations, ties broken by the earlier id; anonymous donors are not named. */
export async function largestDonations(db: Queryable, window: CampaignWindow, limit: number): Promise<LargestDonationRow[]> {
  const { rows } = await db.query<LargestDonationRow>(
    `select d.id, d.amount_minor, d.donated_at,
            case when d.donor_anonymous then null else nullif(d.donor_name, '') end as donor_name
       from donations d
      where ${CAMPAIGN_WINDOW}
      order by d.amount_minor desc, d.id limit $4`,
    [...windowParams(window), limit]);
  return rows;
}

export interface HourRow {
  /** The local hour in the time zone asked for, as "YYYY-MM-DDTHH:00". */
  hour: string;
  donations: bigint;
  total_minor: bigint;
}

/**
 * Approved donations per local hour, most recent `limit` hours that have donations, newest first. Daily figures
 * are summed from these (a local hour lies in one local day whatever the zone's offset), which is one hash
 * aggregate instead of two: grouping sets over day and hour made PostgreSQL sort every row (1.4 s against 0.5 s).
 */
export async function hourlyTotals(db: Queryable, window: CampaignWindow, timeZone: string, limit: number): Promise<HourRow[]> {
  const { rows } = await db.query<HourRow>(
    `select to_char(h.hour, 'YYYY-MM-DD"T"HH24:00') as hour, h.donations, h.total_minor
       from (select date_trunc('hour', d.donated_at at time zone $4) as hour, count(*) as donations,
                    sum(d.amount_minor)::bigint as total_minor
               from donations d where ${CAMPAIGN_WINDOW} group by 1) h
      order by h.hour desc limit $5`,
    [...windowParams(window), timeZone, limit]);
  return rows;
}

export interface FundCurrencyRow {
  fund: string;
  currency: string;
  campaigns: bigint;
  total_minor: bigint;
  donations: bigint;
}

/** Totals by fund and currency, from the maintained campaign totals: O(campaigns), never a scan of donations. */
export async function totalsByFundAndCurrency(db: Queryable): Promise<FundCurrencyRow[]> {
  const { rows } = await db.query<FundCurrencyRow>(
    `select fund, currency::text as currency, count(*)::bigint as campaigns, sum(raised_minor)::bigint as total_minor,
            sum(donation_count)::bigint as donations
       from campaigns group by fund, currency order by fund, currency`);
  return rows;
}

/**
 * Distinct donors with an approved donation, per currency (a donor giving in two currencies counts in both).
 * Donors with a row are counted across campaigns from campaign_donors; a donation without a donor row is a
 * donor of its own, and their number per campaign is its maintained donor count less its donors with a row,
 * so this reads campaign_donors and campaigns, never the donations.
 */
export async function donorsByCurrency(db: Queryable): Promise<{ currency: string; donors: bigint }[]> {
  const { rows } = await db.query<{ currency: string; donors: bigint }>(
    `with with_row as (
       select c.currency, count(distinct cd.donor_id) as donors, count(*) as campaign_donors
         from campaign_donors cd join campaigns c on c.id = cd.campaign_id
        where cd.approved_count > 0 group by c.currency
     ), counted as (
       select currency, sum(donor_count) as donors from campaigns group by currency
     )
     select n.currency::text as currency, (coalesce(w.donors, 0) + n.donors - coalesce(w.campaign_donors, 0))::bigint as donors
       from counted n left join with_row w using (currency)
      where n.donors > 0 order by n.currency`);
  return rows;
}

/** Each currency's packed frequency table over every approved donation. */
export async function amountFrequenciesByCurrency(db: Queryable): Promise<{ currency: string; packed: Uint8Array }[]> {
  const { rows } = await db.query<{ currency: string; packed: Uint8Array }>(
    `select f.currency::text as currency, ${PACKED_FREQUENCIES} as packed
       from (select d.currency, d.amount_minor, count(*) as donations from donations d
              where d.status = 'approved' group by d.currency, d.amount_minor) f
      group by f.currency order by f.currency`);
  return rows;
}

export interface ThresholdCampaignRow {
  id: bigint;
  slug: string;
  name: string;
  fund: string;
  currency: string;
}

/**
 * Campaigns in `currency` with an approved donation of at least `minMinor`: the seed's
 * `select distinct c.* from campaigns c join donations d … where d.amount_minor >= $1`, made a semi-join (EXISTS
 * stops at the first donation found per campaign instead of joining every match and de-duplicating) and kept to
 * one currency, since amounts in different currencies do not compare.
 *
 * Measured (bench/analytics.ts, PostgreSQL 15, 10M donations in 200 campaigns, 50 of them IDR): a threshold most
 * campaigns reach, EXISTS 6 ms against the seed's join 394 ms; one that 7 campaigns reach, EXISTS 5,296 ms (each
 * campaign's approved donations are walked to the end) against 382 ms. With an index on
 * donations (campaign_id, status, amount_minor), which the schema does not have yet, EXISTS takes 4 ms and 1 ms and
 * the join 202 ms and 1 ms: EXISTS is the query for that index, and the index is what the rare case needs.
 */
export async function campaignsWithDonationAtLeast(db: Queryable, currency: string, minMinor: bigint, limit: number): Promise<ThresholdCampaignRow[]> {
  const { rows } = await db.query<ThresholdCampaignRow>(
    `select c.id, c.slug, c.name, c.fund, c.currency::text as currency from campaigns c
      where c.currency = $1
        and exists (select 1 from donations d where d.campaign_id = c.id and d.status = 'approved'
                                                 and d.currency = $1 and d.amount_minor >= $2)
      order by c.id limit $3`,
    [currency, minMinor, limit]);
  return rows;
}
