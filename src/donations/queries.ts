// SQL for donations and the campaign totals they move. Status changes and totals are one statement: the
// donation rows change, the history is written and the campaign totals move together, or not at all.
import type { Queryable } from '../db/database.ts';
import { emailKey } from '../text/text.ts';
import { isDatabaseId } from '../http/format.ts';
import { CAMPAIGN_COLUMNS, type CampaignRow } from '../campaigns/queries.ts';
import { ENTRY_ID_SEQUENCE, postingCtes } from '../ledger/queries.ts';
import { amilShareSql } from '../ledger/logic.ts';
import type { DonationKind } from './intake.ts';

/** expired: a checkout whose payment expired unpaid (migration 0018); a late payment still approves it. */
export type DonationStatus = 'pending' | 'approved' | 'rejected' | 'refunded' | 'expired';
export type DonationSource = 'api' | 'import' | 'manual';

export interface DonationRow {
  id: bigint;
  campaign_id: bigint;
  /** The donors row linking a recognised donor's gifts (counting, statements); null for a name-only donor. */
  donor_id: bigint | null;
  amount_minor: bigint;
  currency: string;
  status: DonationStatus;
  source: DonationSource;
  idempotency_key: string;
  request_sha256: Buffer | Uint8Array;
  external_ref: string | null;
  donated_at: Date;
  created_at: Date;
  updated_at: Date;
  /** The name and anonymity given with this donation, captured when it was made (migration 0005). */
  donor_name: string;
  anonymous: boolean;
}

/**
 * Every donation carries the name and anonymity its donor gave with it (migration 0005), so no read joins donors:
 * a later gift under the same email never renames or unmasks an earlier one.
 */
export const DONATION_COLUMNS = `d.id, d.campaign_id, d.donor_id, d.amount_minor, d.currency, d.status, d.source,
  d.idempotency_key, d.request_sha256, d.external_ref, d.donated_at, d.created_at, d.updated_at,
  d.donor_name, d.donor_anonymous as anonymous`;

const SELECT_DONATION = `select ${DONATION_COLUMNS} from donations d`;

export async function findDonation(db: Queryable, id: string): Promise<DonationRow | undefined> {
  const { rows } = await db.query<DonationRow>(`${SELECT_DONATION} where d.id = $1`, [id]);
  return rows[0];
}

export interface DonorInput {
  displayName: string;
  email: string | null;
  anonymous: boolean;
}

/**
 * Who gave a donation: the name and anonymity given with it, always (migration 0005), and for a donor
 * recognised again by email (or an import's donor reference) the donors row that links their gifts.
 */
export interface DonationDonor {
  readonly id?: bigint | undefined;
  readonly name: string;
  readonly anonymous: boolean;
}

/** A donor with an email is one row across donations (upserted); the name and flag are the donation's own. */
export async function donorOf(db: Queryable, donor: DonorInput): Promise<DonationDonor> {
  const self = { name: donor.displayName, anonymous: donor.anonymous };
  if (donor.email === null) return self;
  const ids = await upsertEmailDonors(db, [donor]);
  return { id: ids.get(emailKey(donor.email))!, ...self };
}

export interface NewDonation {
  campaignId: bigint;
  donor: DonationDonor;
  amountMinor: bigint;
  currency: string;
  status: DonationStatus;
  source: DonationSource;
  idempotencyKey: string;
  requestSha256: Buffer;
  externalRef: string | null;
  donatedAt: Date | null;
  /** A fitrah or fidyah donation's kind (migration 0017); absent for every other donation. */
  kind?: DonationKind | undefined;
}

/** The donor_id, donor_name and donor_anonymous columns of a donation by `donor`. */
function donorColumns(donor: DonationDonor): [bigint | null, string, boolean] {
  return [donor.id ?? null, donor.name, donor.anonymous];
}

/** Inserts the donation unless its key exists; returns its id, or undefined when the key was taken. */
export async function insertDonation(db: Queryable, donation: NewDonation): Promise<bigint | undefined> {
  const { rows } = await db.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                            idempotency_key, request_sha256, external_ref, donated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12, now()))
     on conflict (idempotency_key) do nothing returning id`,
    [donation.campaignId, ...donorColumns(donation.donor), donation.amountMinor, donation.currency, donation.status,
      donation.source, donation.idempotencyKey, donation.requestSha256, donation.externalRef, donation.donatedAt],
  );
  return rows[0]?.id;
}

export interface DonationPageQuery {
  campaignId: bigint;
  status: DonationStatus | undefined;
  beforeId: bigint | undefined;
  limit: number;
}

/** A campaign's donations, newest first, by keyset on id (index donations_campaign_recent). */
export async function listCampaignDonations(db: Queryable, page: DonationPageQuery): Promise<DonationRow[]> {
  const { rows } = await db.query<DonationRow>(
    `${SELECT_DONATION}
      where d.campaign_id = $1 and ($2::text is null or d.status = $2) and ($3::bigint is null or d.id < $3)
      order by d.id desc limit $4`,
    [page.campaignId, page.status ?? null, page.beforeId ?? null, page.limit],
  );
  return rows;
}

export interface StatusChange {
  ids: readonly bigint[];
  from: DonationStatus;
  to: DonationStatus;
  actor: string;
  reason: string | null;
  /** Idempotency-Keys to write on the history rows of the donations that change (migration 0006). */
  keys?: readonly StatusChangeKey[] | undefined;
  /** Sends the change notice (events/changes.ts) from the statement itself: no separate round trip for it. */
  notice?: ChangeNotice | undefined;
  /**
   * Writes one audit_log row for the whole statement (issue 12) when the actor is a staff token: the batch's
   * donations, count and reason in `detail`. One insert per statement, not per donation, so a group-committed
   * batch of 500 approvals costs one more row, written and committed with the change itself.
   */
  audit?: { action: string; tokenId: string; name: string } | undefined;
}

/** Where and as whom a statement publishes its change notice; past `idsMax` ids a list reads "all". */
export interface ChangeNotice {
  channel: string;
  origin: string;
  idsMax: number;
}

/** A status change's Idempotency-Key and the SHA-256 (hex) of the request it came with, for one donation. */
export interface StatusChangeKey {
  donationId: bigint;
  key: string;
  requestSha256Hex: string;
}

/**
 * Moves every listed donation that is in `from` to `to`, writes the history and moves the totals of their
 * campaigns, in one statement. Rows not in `from` are left alone (the caller reports them): under READ
 * COMMITTED a racing change waits for the row lock, then re-checks `status = from` and finds it gone.
 * Returns the ids that changed.
 *
 * LOCK ORDER (issue 10, section 8). The statement first locks the campaign rows of the listed donations, in id
 * order (`order by id for no key update`: LockRows sits above the Sort, so the locks are taken in that order);
 * only then does it touch the donations, campaign_donors and campaign totals, all of which belong to campaigns it
 * now holds. Two batches that share campaigns therefore queue on the lowest shared one and can never wait on
 * each other in a cycle. Before, `update campaigns … from per_campaign` locked campaigns in hash-join order,
 * which differs between batches: concurrent batches over 50 campaigns deadlocked (`deadlock detected … while
 * updating tuple … in relation "campaigns"`) and each victim waited out deadlock_timeout (1 s) before its retry.
 * FOR NO KEY UPDATE, not FOR UPDATE: it does not conflict with the FOR KEY SHARE that inserting a donation takes
 * on its campaign (the foreign key), so intake never waits on approvals. The statement also publishes its own
 * change notice (pg_notify in the last CTE), so a batch of one group runs in autocommit as one round trip: the
 * campaign locks are held for the statement and its commit only, not across NOTIFY and COMMIT round trips.
 *
 * Measured with bench/approvals.ts (64 clients, 5 s a case; figures and load in README, Figures), slowest of
 * the 50-campaign cases (1 or 2 processes × 1, 2 or 4 batches in flight) ÷ 1 campaign, 1 process, 1 in flight:
 * - as it was: 57 approvals/s, p99 4,048 ms at 2 processes and 4 in flight, 23 deadlocks in the run (load
 *   0.4–3.9); 0.013. Again at load 6–8: 284/s, p99 2,338 ms, 22 deadlocks; 0.13.
 * - campaigns locked in order (this CTE), BEGIN/NOTIFY/COMMIT still round trips of their own (load 4–7):
 *   1,444/s, p99 197 ms, 0 deadlocks; 1.03, but two processes only 0.50 of one (each holds the locks across
 *   the NOTIFY and COMMIT round trips, and two processes halve the batches).
 * - the notice in the statement, autocommit, rows returned (no read before or after: this), at load 8–10:
 *   914/s at worst, p99 87–320 ms, 0 deadlocks; 0.60, two processes ≥ 0.47 of one. Run after run the
 *   single cases moved ±50% on that load; the lock order removes the deadlocks, the round trips the waits.
 * A separate `select … for no key update` statement first would add a round trip inside the lock window for
 * no gain over the CTE; sorting only the totals update (no up-front lock) leaves the donation and
 * campaign_donors rows, locked earlier in the statement, in no fixed order across batches. *
 * PLAN (issue 14). The donations are reached by primary key only (the `targets` CTE, then `d.id = t.id`), and
 * the status test is written `(d.status = $2) is true`, which no index serves. Written as `d.id = any($1) and
 * d.status = $2 and d.campaign_id = l.id`, the planner, when the statistics were older than the campaign's
 * pending donations (a table analysed before the evening's giving), reached the batch through
 * donations_campaign_status or donations_status_amount instead: auto_explain showed a batch of 51 approvals
 * read 39,195 pending rows (23 ms of its 36 ms), so every batch grew with the pending queue. Measured with
 * bench/webhooks.ts (each webhook an approval, 40,000 pending; 64 senders, load 1.0–1.3): 917–1,177
 * webhooks/s (0.29 of POST /api/donations) before, 2,007/s (0.37) after.
 */
export async function changeStatus(db: Queryable, change: StatusChange): Promise<bigint[]> {
  return (await changeStatusReturning(db, change)).map((row) => row.id);
}

/** changeStatus, answering with the changed donations as they now are (no read-back needed). */
export async function changeStatusReturning(db: Queryable, change: StatusChange): Promise<DonationRow[]> {
  const sign = totalsDirection(change.from, change.to);
  const { rows } = await db.query<DonationRow>(
    `with targets as materialized (
       -- The listed donations found by primary key, once. Every later step joins on their ids: a condition on
       -- campaign_id next to \`id = any($1)\` let the planner reach them through donations_campaign_status,
       -- reading every donation of the campaign in the status, and the statement grew with the campaign (see
       -- PLAN above).
       select id, campaign_id, ledger_fund from donations where id = any($1::bigint[])
     ), locked as materialized (
       -- Campaigns first, in id order: see LOCK ORDER above.
       select c.id, c.fund from campaigns c
        where c.id in (select campaign_id from targets)
        order by c.id for no key update of c
     ), entries as materialized (
       -- One ledger entry per campaign and ledger fund, its id taken up front so the donations can name it
       -- (src/ledger/queries.ts). Nearly always one fund a campaign; a fitrah, fidyah or late-fitrah donation
       -- posts to its own (migration 0017), and its entry stays of that fund, recording that fund's amil rate.
       select f.campaign_id, f.fund, case when $6::bigint <> 0 then nextval(${ENTRY_ID_SEQUENCE}) end as entry_id
         from (select distinct t.campaign_id, coalesce(t.ledger_fund, ledger_fund(l.fund)) as fund
                 from targets t join locked l on l.id = t.campaign_id) f
        order by f.campaign_id, f.fund
     ), changed as (
       update donations d set status = $3, updated_at = now(),
              ledger_entry_id = case when $6::bigint > 0 then e.entry_id else d.ledger_entry_id end,
              refund_entry_id = case when $6::bigint < 0 then e.entry_id else d.refund_entry_id end
         from targets t join locked l on l.id = t.campaign_id join entries e on e.campaign_id = l.id
        where d.id = t.id and (d.status = $2) is true
          and e.fund = coalesce(d.ledger_fund, ledger_fund(l.fund))
        returning d.*
     ), history as (
       -- A keyed change stores its key here, in the change's own statement: a retry after a lost answer finds it.
       insert into donation_status_changes (donation_id, from_status, to_status, actor, reason, idempotency_key, request_sha256)
       select c.id, $2, $3, $4, $5, k.key, decode(k.sha256, 'hex')
         from changed c left join unnest($7::bigint[], $8::text[], $9::text[]) as k(donation_id, key, sha256) on k.donation_id = c.id
     ), per_donor as (
       -- Donors with a row count once per campaign however often they give; campaign_donors tracks how often.
       select campaign_id, donor_id, count(*) as donations from changed where donor_id is not null
        group by campaign_id, donor_id
     ), donor_up as (
       insert into campaign_donors as cd (campaign_id, donor_id, approved_count)
       select campaign_id, donor_id, donations from per_donor where $6::bigint > 0 order by campaign_id, donor_id
       on conflict (campaign_id, donor_id) do update set approved_count = cd.approved_count + excluded.approved_count
       returning cd.campaign_id, cd.donor_id, cd.approved_count
     ), donor_down as (
       -- An update, not an upsert: PostgreSQL checks the proposed insert row (a negative count) before it
       -- looks for the conflict.
       update campaign_donors cd set approved_count = cd.approved_count - p.donations
         from per_donor p
        where $6::bigint < 0 and cd.campaign_id = p.campaign_id and cd.donor_id = p.donor_id
       returning cd.campaign_id, cd.donor_id, cd.approved_count
     ), donor_counts as (
       select * from donor_up union all select * from donor_down
     ), donor_moves as (
       -- A donor starts counting at their first approved donation here and stops at their last refund.
       select c.campaign_id,
              sum(case when $6::bigint > 0 and c.approved_count = p.donations then 1
                       when $6::bigint < 0 and c.approved_count = 0 then -1 else 0 end) as donors
         from donor_counts c join per_donor p using (campaign_id, donor_id) group by c.campaign_id
     ), per_campaign as (
       -- A donation without a donor row is its own donor: it counts while it is approved.
       -- A refund reverses what earlier partial refunds left (refunded_minor is 0 for an approval; migration 0018).
       select campaign_id, sum(amount_minor - refunded_minor) as amount, count(*) as donations,
              count(*) filter (where donor_id is null) as unrecognised_donors
         from changed group by campaign_id
     ), totals as (
       update campaigns c
          set raised_minor = c.raised_minor + $6::bigint * p.amount,
              donation_count = c.donation_count + $6::bigint * p.donations,
              donor_count = c.donor_count + coalesce(m.donors, 0) + $6::bigint * p.unrecognised_donors,
              updated_at = now()
         from per_campaign p left join donor_moves m using (campaign_id)
        where c.id = p.campaign_id and $6::bigint <> 0
     ), ledger_rows as (
       -- The batch's entry per campaign: an approval posts each donation's amil share at its fund's rate now; a
       -- refund reverses the share its donation posted, at the rate its receipt entry recorded (ledger/logic.ts).
       select case when $6::bigint > 0 then d.ledger_entry_id else d.refund_entry_id end as entry_id, d.campaign_id,
              coalesce(d.ledger_fund, ledger_fund(c.fund)) as fund, d.source as channel, d.amount_minor - d.refunded_minor as amount_minor,
              ${amilShareSql('d.amount_minor - d.refunded_minor', 'coalesce(case when $6::bigint > 0 then r.rate_bp else e.amil_rate_bp end, 0)::bigint')} as share_minor,
              coalesce(case when $6::bigint > 0 then r.rate_bp else e.amil_rate_bp end, 0) as rate_bp
         from changed d join campaigns c on c.id = d.campaign_id
         left join amil_rates r on $6::bigint > 0 and r.fund = coalesce(d.ledger_fund, ledger_fund(c.fund))
         left join ledger_entries e on $6::bigint < 0 and e.id = d.ledger_entry_id
        where $6::bigint <> 0
     )${postingCtes({ kind: `case when $6::bigint > 0 then 'approval' else 'refund' end`, sign: '$6::bigint', importId: 'null::bigint', fund: 'r.fund' })}
     , audit as (
       -- A data-modifying CTE runs whether or not it is read; with no audit asked for, it selects nothing.
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $14, $15, $13, case when count(*) = 1 then 'donation:' || min(id) end,
              json_build_object('donation_ids', json_agg(id::text order by id), 'count', count(*), 'reason', $5::text)::jsonb
         from changed where $13::text is not null having count(*) > 0
     )
     , notice as materialized (
       -- The same payload as ChangeSet.toEvent; delivered, like any NOTIFY, only if this statement commits.
       select pg_notify($10, json_build_object(
                'campaignIds', case when count(distinct campaign_id) > $12 then to_json('all'::text) else json_agg(distinct campaign_id::text) end,
                'donationIds', case when count(*) > $12 then to_json('all'::text) else json_agg(id::text) end,
                'origin', $11::text)::text)
         from changed where $10::text is not null having count(*) > 0
     )
     -- A CTE that modifies nothing runs only if read: the scalar subquery makes the notice happen.
     select ${DONATION_COLUMNS}, (select count(*) from notice) as notices from changed d`,
    [change.ids, change.from, change.to, change.actor, change.reason, sign,
      (change.keys ?? []).map((k) => k.donationId), (change.keys ?? []).map((k) => k.key), (change.keys ?? []).map((k) => k.requestSha256Hex),
      change.notice?.channel ?? null, change.notice?.origin ?? null, change.notice?.idsMax ?? 0,
      change.audit?.action ?? null, change.audit?.tokenId ?? null, change.audit?.name ?? null],
  );
  return rows;
}

/**
 * Locks the campaigns of these donations in id order (FOR NO KEY UPDATE, as changeStatus does): a transaction
 * that runs several changeStatus statements takes this first, or the second statement's campaigns, each set
 * sorted on its own, would be locked after the first's and two such transactions could deadlock.
 */
export async function lockCampaignsOfDonations(db: Queryable, donationIds: readonly bigint[]): Promise<void> {
  await db.query(
    `select c.id from campaigns c
      where c.id in (select campaign_id from donations where id = any($1::bigint[]))
      order by c.id for no key update of c`, [donationIds]);
}

/** The refund entries these donations name (a full refund's; a partial one's is in donation_refunds). */
export async function refundEntryIds(db: Queryable, donationIds: readonly bigint[]): Promise<bigint[]> {
  if (donationIds.length === 0) return [];
  const { rows } = await db.query<{ refund_entry_id: bigint }>(
    'select refund_entry_id from donations where id = any($1::bigint[]) and refund_entry_id is not null', [donationIds]);
  return rows.map((row) => row.refund_entry_id);
}

/** +1 when a change adds to the approved totals, -1 when it takes away, 0 when they do not move. */
export function totalsDirection(from: DonationStatus, to: DonationStatus): -1n | 0n | 1n {
  if (to === 'approved' && from !== 'approved') return 1n;
  if (from === 'approved' && to !== 'approved') return -1n;
  return 0n;
}

export interface HistoryRow {
  from_status: DonationStatus | null;
  to_status: DonationStatus;
  actor: string;
  reason: string | null;
  changed_at: Date;
}

export interface KeyedStatusChangeRow {
  idempotency_key: string;
  request_sha256: Buffer | Uint8Array;
  donation_id: bigint;
  to_status: DonationStatus;
  changed_at: Date;
}

/** The status changes made with these Idempotency-Keys (index donation_status_changes_idempotency_key). */
export async function findStatusChangesByKeys(db: Queryable, keys: readonly string[]): Promise<Map<string, KeyedStatusChangeRow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<KeyedStatusChangeRow>(
    `select idempotency_key, request_sha256, donation_id, to_status, changed_at from donation_status_changes
      where idempotency_key = any($1::text[])`, [keys]);
  return new Map(rows.map((row) => [row.idempotency_key, row]));
}

export async function donationHistory(db: Queryable, donationId: string): Promise<HistoryRow[]> {
  const { rows } = await db.query<HistoryRow>(
    `select from_status, to_status, actor, reason, changed_at from donation_status_changes
      where donation_id = $1 order by id`, [donationId]);
  return rows;
}

/** Donations by id (one query for a whole batch), keyed by the id as a string. */
export async function findDonationsByIds(db: Queryable, ids: readonly string[]): Promise<Map<string, DonationRow>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<DonationRow>(`${SELECT_DONATION} where d.id = any($1::bigint[])`, [ids]);
  return new Map(rows.map((row) => [String(row.id), row]));
}

/** Donations by idempotency key (one query for a whole batch). */
export async function findDonationsByKeys(db: Queryable, keys: readonly string[]): Promise<Map<string, DonationRow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<DonationRow>(`${SELECT_DONATION} where d.idempotency_key = any($1::text[])`, [keys]);
  return new Map(rows.map((row) => [row.idempotency_key, row]));
}

/** Campaigns by reference (id digits or slug), keyed by the reference as given. */
export async function findCampaignsByRefs(db: Queryable, refs: readonly string[]): Promise<Map<string, CampaignRow>> {
  const ids = refs.filter(isDatabaseId);
  const slugs = refs.filter((ref) => !isDatabaseId(ref));
  const { rows } = await db.query<CampaignRow>(
    `select ${CAMPAIGN_COLUMNS} from campaigns where id = any($1::bigint[]) or slug = any($2::text[])`, [ids, slugs]);
  const found = new Map<string, CampaignRow>();
  for (const row of rows) {
    found.set(String(row.id), row);
    found.set(row.slug, row);
  }
  return new Map(refs.flatMap((ref) => (found.has(ref) ? [[ref, found.get(ref)!] as const] : [])));
}

/**
 * Upserts the donors of a batch that have an email (one row per email, any case), sorted so that concurrent
 * batches lock them in one order. Returns each donor's id by emailKey() (migration 0007). Donors without an email get no
 * row (DonationDonor). The row keeps the last name given, for statements; it decides no donation's name.
 */
export async function upsertEmailDonors(db: Queryable, donors: readonly DonorInput[]): Promise<Map<string, bigint>> {
  const byEmail = new Map<string, DonorInput>();
  for (const donor of donors) if (donor.email !== null) byEmail.set(emailKey(donor.email), donor);
  if (byEmail.size === 0) return new Map();
  const emailKeys = [...byEmail.keys()].sort();
  const { rows } = await db.query<{ email_key: string; id: bigint }>(
    `insert into donors as d (display_name, email, anonymous)
     select * from unnest($1::text[], $2::text[], $3::boolean[])
     on conflict ((email_key(email))) where email is not null
     do update set display_name = excluded.display_name, anonymous = excluded.anonymous
     returning d.id, email_key(d.email) as email_key`,
    [emailKeys.map((key) => byEmail.get(key)!.displayName), emailKeys.map((key) => byEmail.get(key)!.email), emailKeys.map((key) => byEmail.get(key)!.anonymous)],
  );
  return new Map(rows.map((row) => [row.email_key, row.id]));
}

export interface NewBatchDonation extends NewDonation {
  /** The donor's email, if given: the statement upserts its donors row (one per email key) and links it. */
  readonly donorEmail: string | null;
  /** The donor's NPWP (digits) and NIK for the receipt, when given with the gift. */
  readonly taxIds?: { readonly npwp: string | null; readonly nik: string | null } | undefined;
}

/**
 * Inserts many donations in one statement, in autocommit: upserts the donors known by email, inserts the
 * donations (a key that exists already is skipped) and publishes the change notice. Returns the rows created.
 *
 * One statement, so one round trip per batch (issue 10, section 8). Before, an intake batch was a serial chain
 * of six round trips (key look-up, campaign look-up, BEGIN, donors, donations, NOTIFY, COMMIT) with two backends
 * mostly waiting on Node; the figures are in README (API writes). Donors are upserted only for rows whose key is
 * new, so a replay or a reused key refused 409 changes no donors row; in email-key order, so two batches lock
 * donors rows in one order. The last name given in the batch for an email is the one its row keeps.
 */
export async function insertDonationBatch(db: Queryable, donations: readonly NewBatchDonation[], notice?: ChangeNotice): Promise<DonationRow[]> {
  const column = <T>(pick: (donation: NewBatchDonation) => T) => donations.map(pick);
  const donors = donations.map((donation) => donorColumns(donation.donor));
  const { rows } = await db.query<DonationRow>(
    `with input as materialized (
       select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::boolean[], $5::bigint[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[], $17::jsonb[],
                            $18::text[], $19::text[])
           with ordinality
           as input(campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                    idempotency_key, request_sha256, external_ref, donated_at, donor_email, kind, donor_npwp, donor_nik,
                    position)
     ), email_donors as (
       insert into donors as r (display_name, email, anonymous)
       select display_name, email, anonymous from (
         select distinct on (email_key(i.donor_email)) email_key(i.donor_email) as email_key,
                i.donor_name as display_name, i.donor_email as email, i.donor_anonymous as anonymous
           from input i
          where i.donor_email is not null
            and not exists (select from donations d where d.idempotency_key = i.idempotency_key)
          order by email_key(i.donor_email), i.position desc
       ) latest order by email_key
       on conflict ((email_key(email))) where email is not null
       do update set display_name = excluded.display_name, anonymous = excluded.anonymous
       returning r.id, email_key(r.email) as email_key
     ), created as (
       insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status,
                              source, idempotency_key, request_sha256, external_ref, donated_at,
                              asked_kind, kind, kind_quantity, kind_region, price_table_id, ledger_fund,
                              donor_npwp, donor_nik)
       select i.campaign_id, coalesce(i.donor_id, e.id), i.donor_name, i.donor_anonymous, i.amount_minor, i.currency,
              i.status, i.source, i.idempotency_key, decode(i.request_sha256, 'hex'), i.external_ref,
              coalesce(i.donated_at, now()),
              -- A fitrah or fidyah donation's kind (migration 0017); null for every other donation.
              i.kind ->> 'askedKind', i.kind ->> 'kind', (i.kind ->> 'quantity')::integer, i.kind ->> 'region',
              i.kind ->> 'priceTableId', i.kind ->> 'ledgerFund', i.donor_npwp, i.donor_nik
         from input i left join email_donors e on e.email_key = email_key(i.donor_email)
        order by i.position
       on conflict (idempotency_key) do nothing
       returning *
     ), kind_history as (
       -- A kind's donation keeps in its history what it was recorded as and why (a late fitrah became sadaqah).
       insert into donation_status_changes (donation_id, from_status, to_status, actor, reason)
       select c.id, null, c.status, 'intake', left(i.kind ->> 'note', 1000)
         from created c join input i on i.idempotency_key = c.idempotency_key
        where i.kind is not null
     ), notice as materialized (
       -- The payload ChangeSet.toEvent makes for new donations; delivered only if the statement commits.
       select pg_notify($14, json_build_object('campaignIds', '[]'::json,
                'donationIds', case when count(*) > $16 then to_json('all'::text) else json_agg(id::text) end,
                'origin', $15::text)::text)
         from created where $14::text is not null having count(*) > 0
     )
     -- A CTE that modifies nothing runs only if read: the scalar subquery makes the notice happen.
     select ${DONATION_COLUMNS}, (select count(*) from notice) as notices from created d`,
    [column((d) => d.campaignId), donors.map((donor) => donor[0]), donors.map((donor) => donor[1]),
      donors.map((donor) => donor[2]), column((d) => d.amountMinor), column((d) => d.currency),
      column((d) => d.status), column((d) => d.source), column((d) => d.idempotencyKey),
      column((d) => d.requestSha256.toString('hex')), column((d) => d.externalRef),
      column((d) => d.donatedAt?.toISOString() ?? null), column((d) => d.donorEmail),
      notice?.channel ?? null, notice?.origin ?? null, notice?.idsMax ?? 0,
      column((d) => (d.kind === undefined ? null : JSON.stringify(d.kind))),
      column((d) => d.taxIds?.npwp ?? null), column((d) => d.taxIds?.nik ?? null)],
  );
  return rows;
}
