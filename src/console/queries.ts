// SQL for the console: the staff queue across campaigns (search, filters, sort, keyset pages, a bounded
// count) and everything staff may see about one donation.
import type { Queryable } from '../db/database.ts';
import type { DonationSource, DonationStatus } from '../donations/queries.ts';
import type { Fund } from '../campaigns/queries.ts';

export type SearchField = 'name' | 'email' | 'reference';
export const SEARCH_FIELDS: readonly SearchField[] = ['name', 'email', 'reference'];

export type QueueSort = 'newest' | 'oldest' | 'amount_desc' | 'amount_asc';
export const QUEUE_SORTS: readonly QueueSort[] = ['newest', 'oldest', 'amount_desc', 'amount_asc'];

/**
 * Past this many matches the count says "more than 10,000" instead of counting on: counting 1M pending rows
 * exactly costs a full index scan on every page load (measured below), and staff need "how much work", not
 * the last digit. The label says which it is.
 */
export const QUEUE_COUNT_EXACT_MAX = 10_000;

export interface QueueFilter {
  status: DonationStatus;
  campaignId?: bigint | undefined;
  fund?: Fund | undefined;
  source?: DonationSource | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** A donor name (substring, any case), an email (exact, any case) or a reference or idempotency key (exact). */
  search?: { in: SearchField; text: string } | undefined;
  /** An exact amount in `amountCurrency`'s minor units. */
  amountMinor?: bigint | undefined;
  amountCurrency?: string | undefined;
  sort: QueueSort;
  /** Keyset cursor: the last row of the previous page (its amount too when sorting by amount). */
  after?: { id: bigint; amountMinor: bigint } | undefined;
  limit: number;
}

export interface QueueRow {
  id: bigint;
  campaign_id: bigint;
  campaign_name: string;
  fund: Fund;
  amount_minor: bigint;
  currency: string;
  status: DonationStatus;
  source: DonationSource;
  donor_name: string;
  anonymous: boolean;
  email: string | null;
  external_ref: string | null;
  donated_at: Date;
}

const ORDER: Record<QueueSort, { order: string; after: string }> = {
  // $13 (the cursor's amount) is named here too, only so its type is known when the sort does not use it.
  newest: { order: 'd.id desc', after: 'd.id < $12 and ($13::bigint is null or true)' },
  oldest: { order: 'd.id asc', after: 'd.id > $12 and ($13::bigint is null or true)' },
  amount_desc: { order: 'd.amount_minor desc, d.id desc', after: '(d.amount_minor, d.id) < ($13, $12)' },
  amount_asc: { order: 'd.amount_minor asc, d.id asc', after: '(d.amount_minor, d.id) > ($13, $12)' },
};

/**
 * The shared where clause: $1 … $11 are the filters, each null when not given. A search names its field rather
 * than OR-ing all of them: one OR across name, email and reference made every search a walk of the whole queue
 * (992 ms for an email at 1M pending, below), while each alone has its own index or a bounded walk.
 */
const QUEUE_WHERE = `d.status = $1
  and ($2::bigint is null or d.campaign_id = $2)
  and ($3::text is null or c.fund = $3)
  and ($4::text is null or d.source = $4)
  and ($5::timestamptz is null or d.donated_at >= $5)
  and ($6::timestamptz is null or d.donated_at < $6)
  and ($7::text is null or d.donor_name ilike '%' || $7 || '%')
  and ($8::text is null or d.donor_id = any(array(select id from donors where email_key(email) = email_key($8) and email is not null)))
  and ($9::text is null or d.external_ref = $9 or d.idempotency_key = $9)
  and ($10::bigint is null or (d.amount_minor = $10 and d.currency = $11))`;

/** ILIKE's own wildcards in a search are literal text, not patterns. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function filterParameters(filter: QueueFilter): unknown[] {
  const search = filter.search;
  return [filter.status, filter.campaignId ?? null, filter.fund ?? null, filter.source ?? null, filter.from ?? null,
    filter.to ?? null, search?.in === 'name' ? likeEscaped(search.text) : null, search?.in === 'email' ? search.text : null,
    search?.in === 'reference' ? search.text : null, filter.amountMinor ?? null, filter.amountCurrency ?? null];
}

/*
 * QUEUE PLANS, measured with EXPLAIN ANALYZE on PostgreSQL 15, 1,000,000 pending donations over 20 campaigns
 * and 50,000 email donors (generate_series into a scratch database; load average 7.6–8.0 on 2 cores, shared):
 * - newest page, no filter: backward walk of donations_pkey, 51 rows, 0.18 ms. Page 2 by keyset (`id < $`)
 *   with a campaign: 0.95 ms. Reference: an exact count(*) of the pending rows took 181–209 ms.
 * - count capped at 10,001 (this file's queueCount): 3.0 ms, labelled "more than 10,000"; exact below that.
 * - email: one OR across name, email and reference walked the whole queue, 992 ms; the email alone as
 *   `donor_id in (select …)` still walked the pkey (448 ms); `= any(array(select … email_key …))` uses
 *   donors_email_key_unique then donations_donor: 0.19 ms.
 * - reference (external_ref or idempotency key): 810 ms inside the OR; alone with donations_external_ref
 *   (migration 0015): 0.09 ms.
 * - amount sort: a parallel seq scan and top-N sort of every pending row, 300 ms; with donations_status_amount
 *   (0015): 0.21 ms, page 2 by (amount, id) keyset 0.23 ms.
 * - name substring: a common match fills a page at once (1.3 ms); a name nobody has walks the whole queue,
 *   533 ms. Re-measured for migration 0021 (same shape, 1M pending, 15 first names × 12 surnames × 9,973
 *   numbers; load average 16–21 on 2 shared cores, so every figure is slower than the ones above), before and
 *   after the trigram GIN index donations_pending_name_trgm (35 MB beside a 147 MB table):
 *     a name nobody has ('zzqx'), page:            2,725 ms parallel pkey walk → 0.41 ms bitmap on the trigrams
 *     a rare name ('Siti Santoso 42', 63 rows), page: 3,975 ms               → 43.7 ms
 *     its capped count:                            2,053 ms parallel seq scan → 35.9 ms
 *     a common name ('siti', 70,000 rows), page:      1.2 ms pkey walk        → 4.3 ms (still the pkey walk)
 *     its capped count (10,001 of them):              786 ms seq scan         → 213 ms bitmap (stops at 10,001)
 *   Same run, no name: default page 0.17 ms, campaign filter 0.46 ms, email 0.28 ms, reference 0.18 ms,
 *   capped count 31.6 ms against 627 ms for the exact count(*) (the ratio the label pays for). PGlite loads
 *   pg_trgm from its contrib build (src/db/pglite.ts), so the same index and plan shape exist there.
 * - date range with a fund, capped count: 137 ms (a filter on the pkey walk; no donated_at index was added, the
 *   intake path pays for every index).
 */
export async function queuePage(db: Queryable, filter: QueueFilter): Promise<QueueRow[]> {
  const { order, after } = ORDER[filter.sort];
  const { rows } = await db.query<QueueRow>(
    `select d.id, d.campaign_id, c.name as campaign_name, c.fund, d.amount_minor, d.currency, d.status, d.source,
            d.donor_name, d.donor_anonymous as anonymous, dn.email, d.external_ref, d.donated_at
       from donations d join campaigns c on c.id = d.campaign_id left join donors dn on dn.id = d.donor_id
      where ${QUEUE_WHERE} and ($12::bigint is null or ${after})
      order by ${order} limit $14`,
    [...filterParameters(filter), filter.after?.id ?? null, filter.after?.amountMinor ?? null, filter.limit],
  );
  return rows;
}

/** The number of matches, counted up to QUEUE_COUNT_EXACT_MAX + 1: above the bound it is "more than". */
export async function queueCount(db: Queryable, filter: QueueFilter): Promise<{ count: number; exact: boolean }> {
  const { rows } = await db.query<{ count: bigint }>(
    `select count(*) as count from (
       select 1 from donations d join campaigns c on c.id = d.campaign_id where ${QUEUE_WHERE} limit $12) matches`,
    [...filterParameters(filter), QUEUE_COUNT_EXACT_MAX + 1],
  );
  const count = Number(rows[0]!.count);
  return count > QUEUE_COUNT_EXACT_MAX ? { count: QUEUE_COUNT_EXACT_MAX, exact: false } : { count, exact: true };
}

export interface DonationDetailRow extends QueueRow {
  idempotency_key: string;
  import_id: bigint | null;
  import_source_name: string | null;
  import_started_at: Date | null;
  created_at: Date;
}

/** One donation with what staff may see of it: the donor's email, the reference, and the import it came from. */
export async function donationDetail(db: Queryable, id: string): Promise<DonationDetailRow | undefined> {
  const { rows } = await db.query<DonationDetailRow>(
    `select d.id, d.campaign_id, c.name as campaign_name, c.fund, d.amount_minor, d.currency, d.status, d.source,
            d.donor_name, d.donor_anonymous as anonymous, dn.email, d.external_ref, d.donated_at, d.created_at,
            d.idempotency_key, d.import_id, i.source_name as import_source_name, i.started_at as import_started_at
       from donations d join campaigns c on c.id = d.campaign_id left join donors dn on dn.id = d.donor_id
       left join imports i on i.id = d.import_id
      where d.id = $1`, [id]);
  return rows[0];
}
