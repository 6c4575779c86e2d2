// Generated donations for the export and analytics benchmarks, made server-side with generate_series (nothing
// crosses the wire), with the campaign totals and campaign_donors maintained as amanah maintains them, so that
// `amanah verify` passes on the result.
//
// Shape: campaigns across the five funds and four currencies of different exponents (IDR 2, USD 2, JPY 0, KWD 3);
// the first campaign takes `firstCampaignDonations`, the rest share the remainder. Amounts are 70% round figures
// (the clusters real giving has) and 30% spread log-uniformly, so there are many distinct amounts. 95% approved,
// 3% pending, 2% rejected. Donors: a fixed pool, each giving several times; every tenth anonymous; some names
// begin with a formula character or hold a comma, a quote or a line break, so the export's quoting and
// neutralisation run on every page.
//
// Loading speed: the four secondary indexes of donations are dropped for the load and built again after it from
// their own definitions (pg_indexes), and foreign-key triggers are skipped (session_replication_role = replica)
// because the rows are valid by construction. Measured on 2 cores, everything included (totals, index builds,
// vacuum analyze): 1M rows 21.5 s, 10M rows 315 s. A plain INSERT … SELECT of 1M rows with the indexes and
// triggers in place took 22.6 s by itself on a busier machine; the two were not timed side by side.
import type { PostgresDatabase } from '../src/db/postgres.ts';

export interface DonationData {
  campaigns: number;
  donations: number;
  /** Donations of the first campaign (the "one campaign" of the analytics benchmark). */
  firstCampaignDonations: number;
  donors: number;
}

export interface GeneratedData {
  firstCampaignId: bigint;
  firstCampaignSlug: string;
  loadMs: number;
}

/** Rows per INSERT … SELECT, so that one statement never runs for minutes and progress can be reported. */
const LOAD_BATCH_ROWS = 1_000_000;

/** Donor n's name (some made to test CSV neutralisation and quoting); every tenth donor gives anonymously. */
const nameSql = (n: string) => `case when ${n} % 13 = 0 then '=SUM(A1)' when ${n} % 17 = 0 then 'Smith, "Jr"'
  when ${n} % 19 = 0 then E'two\\nlines' when ${n} % 23 = 0 then '@home' else 'Donor ' || ${n} end`;
const NAME_SQL = nameSql('g');
/** Donation g's donor, numbered from 1 as generate_series numbered the donors ($5 of them). */
const DONOR_NUMBER_SQL = '(1 + (g::bigint * 7919) % $5)';

/** Amounts by currency exponent: round figures of the currency, or a log-uniform spread up to 10^7 units. */
const AMOUNT_SQL = `case when random() < 0.7
    then (array[5, 10, 20, 25, 50, 100, 250, 1000])[1 + floor(random() * 8)::int]::bigint * (case c.currency when 'IDR' then 1000 else 1 end) * power(10, x.exponent)::bigint
    else (1 + floor(exp(random() * ln(10000000))))::bigint * power(10, x.exponent)::bigint + floor(random() * power(10, x.exponent))::bigint end`;

export async function generateDonations(database: PostgresDatabase, data: DonationData, log: (message: string) => void, signal: AbortSignal): Promise<GeneratedData> {
  const started = performance.now();
  await database.query(
    `insert into campaigns (slug, name, fund, currency, status)
     select 'bench-' || g, 'Bench campaign ' || g, (array['zakat', 'infaq', 'sadaqah', 'waqf', 'general'])[1 + g % 5],
            (array['IDR', 'USD', 'JPY', 'KWD'])[1 + g % 4], 'active'
       from generate_series(0, $1 - 1) g`, [data.campaigns]);
  await database.query(`insert into donors (display_name, anonymous) select ${NAME_SQL}, g % 10 = 0 from generate_series(1, $1) g`, [data.donors]);
  const { rows: [first] } = await database.query<{ id: bigint; slug: string }>('select id, slug from campaigns order by id limit 1');
  const { rows: [firstDonor] } = await database.query<{ id: bigint }>('select min(id) as id from donors');
  const { rows: indexes } = await database.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where tablename = 'donations'
        and indexname not in (select conname from pg_constraint where conrelid = 'donations'::regclass)`);
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query('set session_replication_role = replica');
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    for (let offset = 0; offset < data.donations && !signal.aborted; offset += LOAD_BATCH_ROWS) {
      const rows = Math.min(LOAD_BATCH_ROWS, data.donations - offset);
      await client.query(insertBatchSql(), [offset + 1, offset + rows, data.firstCampaignDonations, data.campaigns, data.donors, first!.id, firstDonor!.id]);
      log(`generated ${offset + rows} of ${data.donations} donations`);
    }
    await client.query('set session_replication_role = origin');
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('reset statement_timeout');
  });
  if (signal.aborted) throw new Error('stopped while generating data');
  await maintainTotals(database);
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query('vacuum analyze donations');
    await client.query('vacuum analyze campaigns');
    await client.query('vacuum analyze campaign_donors');
    await client.query('reset statement_timeout');
  });
  const loadMs = performance.now() - started;
  log(`data ready in ${(loadMs / 1000).toFixed(1)} s`);
  return { firstCampaignId: first!.id, firstCampaignSlug: first!.slug, loadMs };
}

/**
 * Donation g goes to the first campaign ($6) while g <= $3, then round-robin to the others; its donor is a fixed
 * pseudo-random function of g among the $5 donors from $7, and it is dated one every 2.6 seconds from 1 March 2025 (a month per million).
 */
function insertBatchSql(): string {
  // Each donation carries its donor's name and anonymity, as every write path does since migration 0005.
  return `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256, external_ref, donated_at)
    select c.id, $7::bigint + ${DONOR_NUMBER_SQL} - 1, ${nameSql(DONOR_NUMBER_SQL)}, ${DONOR_NUMBER_SQL} % 10 = 0, ${AMOUNT_SQL}, c.currency,
           case when g % 33 = 0 then 'pending' when g % 50 = 1 then 'rejected' else 'approved' end,
           'import', 'bench-' || g, '\\x00'::bytea, case when g % 7 = 0 then '-ref' || g else 'ref' || g end,
           timestamptz '2025-03-01 00:00:00+00' + g * interval '2.6 seconds'
      from generate_series($1::bigint, $2::bigint) g
      join campaigns c on c.id = $6::bigint + case when g <= $3 or $4 = 1 then 0 else 1 + (g % ($4 - 1)) end
      cross join lateral (select case c.currency when 'JPY' then 0 when 'KWD' then 3 else 2 end as exponent) x`;
}

/** Campaign totals and campaign_donors as changeStatus() would have left them for these approved donations. */
async function maintainTotals(database: PostgresDatabase): Promise<void> {
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query(
      `insert into campaign_donors (campaign_id, donor_id, approved_count)
       select campaign_id, donor_id, count(*) from donations where status = 'approved' group by campaign_id, donor_id`);
    await client.query(
      `update campaigns c set raised_minor = s.raised, donation_count = s.donations, donor_count = s.donors
         from (select d.campaign_id, sum(d.amount_minor)::bigint as raised, count(*) as donations,
                      (select count(*) from campaign_donors cd where cd.campaign_id = d.campaign_id and cd.approved_count > 0) as donors
                 from donations d where d.status = 'approved' group by d.campaign_id) s
        where s.campaign_id = c.id`);
    await client.query('reset statement_timeout');
  });
}
