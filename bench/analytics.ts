// Analytics on PostgreSQL against the equivalent hand-written SQL, measured in the same run on the same data.
//
//  1. One campaign of ONE_CAMPAIGN_DONATIONS donations (inside a table of ALL_DONATIONS): campaignAnalytics()
//     (its four queries at once on the pool, the distribution inline or on a worker) against the textbook queries
//     run one after another on one connection: aggregates with percentile_disc for the median and percentiles,
//     count over a GROUP BY donor, ORDER BY … LIMIT, date_trunc per day and per hour, a GROUP BY for the 1-2-5
//     histogram. Headline: reference time over amanah's. amanah on a single connection is reported too.
//  2. All campaigns, ALL_DONATIONS donations: platformAnalytics() (by fund and currency from the maintained totals,
//     donors from campaign_donors, one frequency table per currency, the threshold search as EXISTS) against the
//     same figures by scanning donations: a join and GROUP BY for the totals, count(distinct) and percentile_disc
//     per currency, the seed's `select distinct c.* … join donations` for the threshold.
// Both sides' answers are compared before any time counts: a benchmark of a wrong answer is worthless.
import assert from 'node:assert/strict';
import type pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres.ts';
import { findCampaign, type CampaignRow } from '../src/campaigns/queries.ts';
import { divideRounded, formatAmount } from '../src/money/index.ts';
import { campaignAnalytics, platformAnalytics, type CampaignAnalytics, type PlatformAnalytics } from '../src/analytics/analytics.ts';
import { campaignsWithDonationAtLeast } from '../src/analytics/queries.ts';
import { AnalyticsWorkers } from '../src/analytics/workers.ts';
import { PERCENTILES } from '../src/analytics/distribution.ts';
import { generateDonations } from './donation-data.ts';
import type { BenchContext, BenchResult } from './run.ts';

export const name = 'analytics';

/** The full scale takes minutes to generate on 2 cores (10M rows, about 4 minutes); --quick is for smoke runs. */
const ALL_DONATIONS = 10_000_000;
const ONE_CAMPAIGN_DONATIONS = 1_000_000;
const QUICK_ALL_DONATIONS = 300_000;
const QUICK_ONE_CAMPAIGN_DONATIONS = 100_000;
const CAMPAIGNS = 200;
const DONORS = 1_000_000;
const QUICK_DONORS = 50_000;
const ROUNDS = 3;
const QUICK_ROUNDS = 1;
/** The platform figures take tens of seconds a side at 10M rows; one round keeps the run inside the runner's 15 minutes. */
const PLATFORM_ROUNDS = 1;
const OPTIONS = { timeZone: 'UTC', top: 10, days: 90, hours: 48 } as const;
/** IDR thresholds for the campaign search: one most campaigns reach early, one few reach at all. */
const COMMON_THRESHOLD_MINOR = 500_000_000n; // 5,000,000.00 IDR
const RARE_THRESHOLD_MINOR = 999_900_000n; // 9,999,000.00 IDR

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const WHERE = `campaign_id = $1 and status = 'approved'`;
const HISTOGRAM_KEYS = `length(amount_minor::text) as digits,
  case when left(amount_minor::text, 1) = '1' then 1 when left(amount_minor::text, 1) in ('2', '3', '4') then 2 else 5 end as lead`;
const PERCENTILE_FRACTIONS = `array[${PERCENTILES.map((percent) => percent / 100).join(', ')}]::float8[]`;

type Row = Record<string, unknown>;

/** The hand-written queries for one campaign, one after another on one connection, shaped like amanah's answer. */
async function referenceCampaign(client: pg.ClientBase, campaign: CampaignRow) {
  const currency = campaign.currency;
  const amount = (value: unknown) => formatAmount(BigInt(value as string), currency);
  const summary = (await client.query(`select count(*) as count, sum(amount_minor)::bigint as total, min(amount_minor) as min, max(amount_minor) as max,
      percentile_disc(0.5) within group (order by amount_minor) as low, percentile_disc(0.5) within group (order by amount_minor desc) as high,
      (percentile_disc(${PERCENTILE_FRACTIONS}) within group (order by amount_minor))::text[] as percentiles
      from donations where ${WHERE}`, [campaign.id])).rows[0] as Row;
  const donors = (await client.query(`select count(*) as donors, count(*) filter (where n > 1) as repeat
      from (select donor_id, count(*) as n from donations where ${WHERE} group by donor_id) p`, [campaign.id])).rows[0] as Row;
  const largest = (await client.query(`select d.id, d.donor_name, d.donor_anonymous from donations d
      where d.campaign_id = $1 and d.status = 'approved' order by d.amount_minor desc, d.id limit ${OPTIONS.top}`, [campaign.id])).rows as Row[];
  const series = async (unit: 'day' | 'hour', limit: number, format: string) => (await client.query(
    `select to_char(date_trunc('${unit}', donated_at at time zone 'UTC'), '${format}') as start, count(*) as count, sum(amount_minor)::bigint as total
       from donations where ${WHERE} group by date_trunc('${unit}', donated_at at time zone 'UTC') order by 1 desc limit ${limit}`, [campaign.id])).rows as Row[];
  const daily = await series('day', OPTIONS.days, 'YYYY-MM-DD');
  const hourly = await series('hour', OPTIONS.hours, 'YYYY-MM-DD"T"HH24:00');
  const histogram = (await client.query(`select ${HISTOGRAM_KEYS}, count(*) as count, sum(amount_minor)::bigint as total
      from donations where ${WHERE} group by 1, 2 order by 1, 2`, [campaign.id])).rows as Row[];
  const count = BigInt(summary.count as string);
  return {
    count: Number(count), total: amount(summary.total), min: amount(summary.min), max: amount(summary.max),
    average: formatAmount(divideRounded(BigInt(summary.total as string), count, 'half_even'), currency),
    median: formatAmount(divideRounded(BigInt(summary.low as string) + BigInt(summary.high as string), 2n, 'half_even'), currency),
    percentiles: (summary.percentiles as string[]).map(amount),
    donors: { unique: Number(donors.donors), repeat: Number(donors.repeat) },
    largest: largest.map((row) => String(row.id)),
    daily: daily.reverse().map((row) => ({ start: row.start, count: Number(row.count), total: amount(row.total) })),
    hourly: hourly.reverse().map((row) => ({ start: row.start, count: Number(row.count), total: amount(row.total) })),
    histogram: histogram.map((row) => ({ count: Number(row.count), total: amount(row.total) })),
  };
}

function checkCampaign(ours: CampaignAnalytics, reference: Awaited<ReturnType<typeof referenceCampaign>>): void {
  const shaped = {
    count: ours.count, total: ours.total, min: ours.min, max: ours.max, average: ours.average, median: ours.median,
    percentiles: Object.values(ours.percentiles), donors: ours.donors, largest: ours.largest.map((row) => row.id),
    daily: ours.daily, hourly: ours.hourly,
    // amanah also lists the empty buckets between filled ones; the GROUP BY has only the filled.
    histogram: ours.histogram.filter((bucket) => bucket.count > 0).map((bucket) => ({ count: bucket.count, total: bucket.total })),
  };
  assert.deepEqual(shaped, reference, 'amanah and the hand-written SQL disagree on the campaign');
}

/** The same platform figures by scanning donations, as one would write them by hand. */
async function referencePlatform(client: pg.ClientBase, thresholdMinor: bigint) {
  const byFund = (await client.query(`select c.fund, d.currency::text as currency, count(*) as count, sum(d.amount_minor)::bigint as total
      from donations d join campaigns c on c.id = d.campaign_id where d.status = 'approved' group by 1, 2 order by 1, 2`)).rows as Row[];
  const byCurrency = (await client.query(`select currency::text as currency, count(distinct donor_id) as donors, count(*) as count,
      sum(amount_minor)::bigint as total, percentile_disc(0.5) within group (order by amount_minor) as low,
      percentile_disc(0.5) within group (order by amount_minor desc) as high,
      (percentile_disc(${PERCENTILE_FRACTIONS}) within group (order by amount_minor))::text[] as percentiles
      from donations where status = 'approved' group by currency order by currency`)).rows as Row[];
  const histogram = (await client.query(`select currency::text as currency, ${HISTOGRAM_KEYS}, count(*) as count
      from donations where status = 'approved' group by 1, 2, 3 order by 1, 2, 3`)).rows as Row[];
  const threshold = await seedJoin(client, thresholdMinor);
  return { byFund, byCurrency, histogram, threshold };
}

/** The seed's query, kept to approved donations in the threshold's currency so that it answers the same question. */
async function seedJoin(client: pg.ClientBase, thresholdMinor: bigint): Promise<string[]> {
  const { rows } = await client.query(`select distinct c.* from campaigns c join donations d on d.campaign_id = c.id
      where d.amount_minor >= $1 and d.status = 'approved' and d.currency = 'IDR' and c.currency = 'IDR'`, [thresholdMinor]);
  return rows.map((row: Row) => String(row.slug)).sort();
}

function checkPlatform(ours: PlatformAnalytics, reference: Awaited<ReturnType<typeof referencePlatform>>): void {
  const oursByFund = ours.by_fund.flatMap((fund) => fund.totals.filter((entry) => entry.count > 0)
    .map((entry) => ({ fund: fund.fund, currency: entry.currency, count: entry.count, total: entry.total })));
  assert.deepEqual(oursByFund, reference.byFund.map((row) => ({ fund: row.fund, currency: row.currency, count: Number(row.count), total: formatAmount(BigInt(row.total as string), row.currency as string) })));
  for (const row of reference.byCurrency) {
    const currency = row.currency as string;
    const entry = ours.by_currency.find((item) => item.currency === currency)!;
    const amount = (value: unknown) => formatAmount(BigInt(value as string), currency);
    assert.deepEqual([entry.donors, entry.count, entry.total, entry.median, Object.values(entry.percentiles)],
      [Number(row.donors), Number(row.count), amount(row.total), formatAmount(divideRounded(BigInt(row.low as string) + BigInt(row.high as string), 2n, 'half_even'), currency),
        (row.percentiles as string[]).map(amount)], currency);
    assert.deepEqual(entry.histogram.filter((bucket) => bucket.count > 0).map((bucket) => bucket.count),
      reference.histogram.filter((bucket) => bucket.currency === currency).map((bucket) => Number(bucket.count)), `${currency} histogram`);
  }
  assert.deepEqual(ours.campaigns_with_donation_at_least!.campaigns.map((campaign) => campaign.slug).sort(), reference.threshold);
}

interface Sides { ours: number[]; oursOneConnection: number[]; reference: number[] }

export async function run(context: BenchContext): Promise<BenchResult> {
  const all = context.integerOption('donations', context.quick ? QUICK_ALL_DONATIONS : ALL_DONATIONS, 10_000, 100_000_000);
  const one = context.integerOption('campaign-donations', context.quick ? QUICK_ONE_CAMPAIGN_DONATIONS : ONE_CAMPAIGN_DONATIONS, 1_000, all);
  const rounds = context.integerOption('rounds', context.quick ? QUICK_ROUNDS : ROUNDS, 1, 20);
  const platformRounds = context.integerOption('platform-rounds', PLATFORM_ROUNDS, 1, 20);
  const data = await generateDonations(context.database, { campaigns: CAMPAIGNS, donations: all, firstCampaignDonations: one, donors: context.quick ? QUICK_DONORS : DONORS }, context.log, context.signal);
  // No statement timeout here: the figures say how long each takes, and whether that fits the default 15 s.
  const config = loadConfig({ DATABASE_URL: context.databaseUrl, DATABASE_STATEMENT_TIMEOUT_MS: '0' });
  const pool = await openPostgres(context.databaseUrl, config.database);
  // One connection: the queries that campaignAnalytics starts at once wait their turn, so the wait for the
  // connection is unbounded here instead of the pool's few seconds.
  const single = await openPostgres(context.databaseUrl, { ...config.database, poolSize: 1, acquireTimeoutMs: 30 * 60_000 });
  const workers = new AnalyticsWorkers();
  try {
    const campaign = (await findCampaign(pool, data.firstCampaignSlug))!;
    const threshold = { currency: 'IDR', minMinor: COMMON_THRESHOLD_MINOR, limit: CAMPAIGNS };
    const campaignTimes: Sides = { ours: [], oursOneConnection: [], reference: [] };
    const platformTimes: Sides = { ours: [], oursOneConnection: [], reference: [] };
    await pool.withClient(async (client) => {
      await client.query('set statement_timeout = 0');
      checkCampaign(await campaignAnalytics(pool, workers, campaign, OPTIONS), await referenceCampaign(client, campaign));
      checkPlatform(await platformAnalytics(pool, workers, threshold), await referencePlatform(client, threshold.minMinor));
      context.log('amanah and the reference agree on every figure');
      for (let round = 0; round < rounds && !context.signal.aborted; round += 1) {
        await measureRound(campaignTimes, () => campaignAnalytics(pool, workers, campaign, OPTIONS), () => campaignAnalytics(single, workers, campaign, OPTIONS), () => referenceCampaign(client, campaign));
        context.log(`campaign round ${round + 1}: ${Math.round(campaignTimes.ours.at(-1)!)} ms against ${Math.round(campaignTimes.reference.at(-1)!)} ms`);
      }
      for (let round = 0; round < platformRounds && !context.signal.aborted; round += 1) {
        await measureRound(platformTimes, () => platformAnalytics(pool, workers, threshold), () => platformAnalytics(single, workers, threshold), () => referencePlatform(client, threshold.minMinor));
        context.log(`platform round ${round + 1}: ${Math.round(platformTimes.ours.at(-1)!)} ms against ${Math.round(platformTimes.reference.at(-1)!)} ms`);
      }
    });
    const thresholds = await thresholdFigures(pool);
    const campaignRatio = median(campaignTimes.reference) / median(campaignTimes.ours);
    return {
      name,
      workload: `amanah analytics of one campaign of ${one.toLocaleString('en-US')} donations: ${Math.round(median(campaignTimes.ours))} ms`,
      reference: `hand-written SQL, same figures: ${Math.round(median(campaignTimes.reference))} ms`,
      ratio: campaignRatio,
      figures: {
        donations_all: all, donations_one_campaign: one, campaigns: CAMPAIGNS, rounds, platform_rounds: platformRounds, data_load_s: Math.round(data.loadMs / 100) / 10,
        campaign_amanah_ms: Math.round(median(campaignTimes.ours)),
        campaign_amanah_one_connection_ms: Math.round(median(campaignTimes.oursOneConnection)),
        campaign_reference_ms: Math.round(median(campaignTimes.reference)),
        campaign_ratio_one_connection: median(campaignTimes.reference) / median(campaignTimes.oursOneConnection),
        platform_amanah_ms: Math.round(median(platformTimes.ours)),
        platform_amanah_one_connection_ms: Math.round(median(platformTimes.oursOneConnection)),
        platform_reference_ms: Math.round(median(platformTimes.reference)),
        platform_ratio: median(platformTimes.reference) / median(platformTimes.ours),
        platform_ratio_one_connection: median(platformTimes.reference) / median(platformTimes.oursOneConnection),
        ...thresholds,
      },
      notes: 'ratio = reference time / amanah time (above 1: amanah is faster). amanah runs its queries at once on the pool; the reference runs them one after another on one connection, as does amanah_one_connection.',
    };
  } finally {
    await workers.close();
    await single.close();
    await pool.close();
  }
}

/** One measurement of each side, in a fixed order; the rounds are repeated and the medians compared. */
async function measureRound<T>(sides: Sides, ours: () => Promise<T>, oursOneConnection: () => Promise<T>, reference: () => Promise<unknown>): Promise<void> {
  sides.ours.push((await timed(ours)).ms);
  sides.oursOneConnection.push((await timed(oursOneConnection)).ms);
  sides.reference.push((await timed(reference)).ms);
}

/**
 * The seed's join against amanah's EXISTS for a threshold most campaigns reach early and one few reach; then the
 * same with an index on (campaign_id, status, amount_minor), which the schema does not have (this database is
 * the benchmark's own), to measure what adding it would buy.
 */
async function thresholdFigures(database: PostgresDatabase): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    for (const indexed of [false, true]) {
      if (indexed) await client.query('create index bench_donations_campaign_amount on donations (campaign_id, status, amount_minor)');
      for (const [label, minMinor] of [['common', COMMON_THRESHOLD_MINOR], ['rare', RARE_THRESHOLD_MINOR]] as const) {
        const join = await timed(() => seedJoin(client, minMinor));
        const exists = await timed(() => campaignsWithDonationAtLeast(database, 'IDR', minMinor, CAMPAIGNS));
        assert.deepEqual(exists.value.map((row) => row.slug).sort(), join.value);
        const prefix = `threshold_${label}${indexed ? '_with_amount_index' : ''}`;
        if (!indexed) figures[`threshold_${label}_campaigns_found`] = join.value.length;
        figures[`${prefix}_seed_join_ms`] = Math.round(join.ms);
        figures[`${prefix}_exists_ms`] = Math.round(exists.ms);
      }
    }
  });
  return figures;
}
