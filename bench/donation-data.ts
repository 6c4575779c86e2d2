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
//
// Nothing is updated after the load (issue 13). Each batch's INSERT returns its rows into an aggregate of the
// batch by (campaign, ledger entry), kept in an unlogged table of a few thousand rows; the campaign totals and,
// with `ledger`, the ledger entries and lines are written from that table, not from another pass over the
// donations. With `ledger`, each approved donation carries its entry's id when it is inserted: the entry of its
// campaign and UTC day is numbered `firstEntryId + day * campaigns + campaign index`, so the id is known per row
// without a lookup. The UPDATE … FROM that named the entries afterwards ran over 18 minutes at 10M rows (it
// rewrote every approved row and the indexes of each); computing the id in the INSERT adds one expression.
import { amilShareSql } from '../src/ledger/logic.ts';
import type { PostgresDatabase } from '../src/db/postgres.ts';

export interface DonationData {
  campaigns: number;
  donations: number;
  /** Donations of the first campaign (the "one campaign" of the analytics benchmark). */
  firstCampaignDonations: number;
  donors: number;
  /** Name each approved donation's import entry (one per campaign per UTC day) as it is inserted. */
  ledger?: LedgerNumbering;
}

export interface LedgerNumbering {
  /** The id of day 0's entry of the first campaign; the caller writes the entries (see `BATCH_TOTALS_TABLE`). */
  firstEntryId: bigint;
  /** The amil share rate in basis points, an SQL expression over `c.fund` (the campaign's fund). */
  amilRateBpSql: string;
}

export interface GeneratedData {
  firstCampaignId: bigint;
  firstCampaignSlug: string;
  loadMs: number;
  /** Where loadMs went: the batched INSERTs, the index builds, campaign totals and donors, VACUUM ANALYZE. */
  generateMs: number;
  indexMs: number;
  totalsMs: number;
  analyzeMs: number;
}

/**
 * Approved donations per (campaign, ledger entry), summed per batch (a day can straddle two batches, so an
 * entry may have two rows): campaign_id, entry_id (null without `ledger`), donations, amount_minor, share_minor.
 */
export const BATCH_TOTALS_TABLE = 'bench_batch_totals';

/** Seconds between two generated donations, as a fraction: donation g is dated g * 26 / 10 s after the start. */
const SPACING_TENTHS_OF_SECOND = 26;
const TENTHS_OF_SECOND_PER_DAY = 864_000;
/** Day of donation g from the first (UTC), the same day date_trunc('day', donated_at) gives in UTC. */
export const DAY_SQL = (g: string) => `((${g}) * ${SPACING_TENTHS_OF_SECOND} / ${TENTHS_OF_SECOND_PER_DAY})`;
export const FIRST_DAY = new Date(Date.UTC(2025, 2, 1));

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
  const ledger = data.ledger;
  let generateMs = 0;
  let indexMs = 0;
  await database.query(`create unlogged table ${BATCH_TOTALS_TABLE} (campaign_id bigint not null, entry_id bigint, donations bigint not null,
                          amount_minor bigint not null, share_minor bigint not null)`);
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query('set session_replication_role = replica');
    for (const index of indexes) await client.query(`drop index ${index.indexname}`);
    const generateStarted = performance.now();
    for (let offset = 0; offset < data.donations && !signal.aborted; offset += LOAD_BATCH_ROWS) {
      const rows = Math.min(LOAD_BATCH_ROWS, data.donations - offset);
      await client.query(insertBatchSql(ledger?.amilRateBpSql ?? '0'),
        [offset + 1, offset + rows, data.firstCampaignDonations, data.campaigns, data.donors, first!.id, firstDonor!.id, ledger?.firstEntryId ?? null]);
      log(`generated ${offset + rows} of ${data.donations} donations`);
    }
    generateMs = performance.now() - generateStarted;
    await client.query('set session_replication_role = origin');
    const indexStarted = performance.now();
    for (const index of indexes) await client.query(index.indexdef);
    indexMs = performance.now() - indexStarted;
    await client.query('reset statement_timeout');
  });
  if (signal.aborted) throw new Error('stopped while generating data');
  const totalsStarted = performance.now();
  await maintainTotals(database);
  const totalsMs = performance.now() - totalsStarted;
  const analyzeStarted = performance.now();
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query('vacuum analyze donations');
    await client.query('vacuum analyze campaigns');
    await client.query('vacuum analyze campaign_donors');
    await client.query('reset statement_timeout');
  });
  const analyzeMs = performance.now() - analyzeStarted;
  const loadMs = performance.now() - started;
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  log(`data ready in ${seconds(loadMs)} s: generation ${seconds(generateMs)} s, indexes ${seconds(indexMs)} s, totals ${seconds(totalsMs)} s, vacuum analyze ${seconds(analyzeMs)} s`);
  return { firstCampaignId: first!.id, firstCampaignSlug: first!.slug, loadMs, generateMs, indexMs, totalsMs, analyzeMs };
}

/**
 * Donation g goes to the first campaign ($6) while g <= $3, then round-robin to the others; its donor is a fixed
 * pseudo-random function of g among the $5 donors from $7, and it is dated one every 2.6 seconds from 1 March 2025 (a month per million).
 * With $8 (the first entry id), an approved donation names the entry of its campaign and day. The inserted rows
 * are summed into BATCH_TOTALS_TABLE in the same statement, the amil share floored per donation at `rateBpSql`.
 */
function insertBatchSql(rateBpSql: string): string {
  // Each donation carries its donor's name and anonymity, as every write path does since migration 0005.
  return `with inserted as (
    insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256, external_ref, donated_at, ledger_entry_id)
    select c.id, $7::bigint + ${DONOR_NUMBER_SQL} - 1, ${nameSql(DONOR_NUMBER_SQL)}, ${DONOR_NUMBER_SQL} % 10 = 0, ${AMOUNT_SQL}, c.currency,
           x.status, 'import', 'bench-' || g, '\\x00'::bytea, case when g % 7 = 0 then '-ref' || g else 'ref' || g end,
           timestamptz '${FIRST_DAY.toISOString()}' + g * interval '2.6 seconds',
           case when x.status = 'approved' then $8::bigint + ${DAY_SQL('g')} * $4 + (c.id - $6::bigint) end
      from generate_series($1::bigint, $2::bigint) g
      join campaigns c on c.id = $6::bigint + case when g <= $3 or $4 = 1 then 0 else 1 + (g % ($4 - 1)) end
      cross join lateral (select case c.currency when 'JPY' then 0 when 'KWD' then 3 else 2 end as exponent,
                                 case when g % 33 = 0 then 'pending' when g % 50 = 1 then 'rejected' else 'approved' end as status) x
    returning campaign_id, ledger_entry_id, amount_minor, status)
  insert into ${BATCH_TOTALS_TABLE} (campaign_id, entry_id, donations, amount_minor, share_minor)
  select i.campaign_id, i.ledger_entry_id, count(*), sum(i.amount_minor), sum(${amilShareSql('i.amount_minor', rateBpSql)})
    from inserted i join campaigns c on c.id = i.campaign_id where i.status = 'approved' group by 1, 2`;
}

/** Campaign totals and campaign_donors as changeStatus() would have left them for these approved donations. */
async function maintainTotals(database: PostgresDatabase): Promise<void> {
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    // Foreign-key triggers skipped as for the load: the pairs come from the donations just written. With them,
    // 200k donations' pairs took 4.3 s here (two referential checks a row), without 1.2-1.8 s. Inserted in key
    // order, so the primary key's btree fills page after page: 2M donations' pairs 10.0 s at load 5-6 against
    // 27.0 s unordered at load 2-7 and 14.3 s at load 3-4 (same machine, 2 cores shared, consecutive runs).
    await client.query('set session_replication_role = replica');
    await client.query(
      `insert into campaign_donors (campaign_id, donor_id, approved_count)
       select campaign_id, donor_id, count(*) from donations where status = 'approved' group by campaign_id, donor_id order by campaign_id, donor_id`);
    await client.query('set session_replication_role = origin');
    // From the batch totals (a few rows per campaign per batch), not another pass over the donations.
    await client.query(
      `update campaigns c set raised_minor = s.raised, donation_count = s.donations,
              donor_count = (select count(*) from campaign_donors cd where cd.campaign_id = c.id and cd.approved_count > 0)
         from (select campaign_id, sum(amount_minor)::bigint as raised, sum(donations)::bigint as donations
                 from ${BATCH_TOTALS_TABLE} group by campaign_id) s
        where s.campaign_id = c.id`);
    await client.query('reset statement_timeout');
  });
}
