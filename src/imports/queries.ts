// SQL for imports: the run records, their rejects, and the batched write of donations with their donors and
// the campaign totals. One exported function per query.
import type { Queryable } from '../db/database.ts';
import { emailKey } from '../text/text.ts';
import { isDatabaseId } from '../http/format.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import type { DonationStatus } from '../donations/queries.ts';
import type { ImportFormat } from './parse.ts';
import type { PreparedRow } from './validate.ts';
import { ENTRY_ID_SEQUENCE, postingCtes } from '../ledger/queries.ts';
import { amilShareSql } from '../ledger/logic.ts';

export type ImportStatus = 'receiving' | 'running' | 'succeeded' | 'failed';
export type ImportedStatus = Extract<DonationStatus, 'approved' | 'pending'>;

export interface ImportRow {
  id: bigint;
  campaign_id: bigint | null;
  status: ImportStatus;
  format: ImportFormat;
  source_name: string;
  options: Record<string, unknown>;
  actor: string;
  bytes_total: bigint | null;
  bytes_read: bigint;
  rows_read: bigint;
  imported: bigint;
  duplicates: bigint;
  rejected: bigint;
  error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const IMPORT_COLUMNS = `id, campaign_id, status, format, source_name, options, actor, bytes_total, bytes_read, rows_read,
  imported, duplicates, rejected, error, started_at, updated_at, finished_at`;

export interface NewImport {
  campaignId: bigint | null;
  status: ImportStatus;
  format: ImportFormat;
  sourceName: string;
  options: Record<string, unknown>;
  actor: string;
  bytesTotal: number | null;
}

export async function insertImport(db: Queryable, run: NewImport): Promise<ImportRow> {
  const { rows } = await db.query<ImportRow>(
    `insert into imports (campaign_id, status, format, source_name, options, actor, bytes_total)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${IMPORT_COLUMNS}`,
    [run.campaignId, run.status, run.format, run.sourceName.slice(0, 1000), JSON.stringify(run.options), run.actor.slice(0, 300), run.bytesTotal],
  );
  return rows[0]!;
}

export async function findImport(db: Queryable, id: string): Promise<ImportRow | undefined> {
  // Digits beyond bigint name no import; asked of the database they would fail its ::bigint cast.
  if (!isDatabaseId(id)) return undefined;
  const { rows } = await db.query<ImportRow>(`select ${IMPORT_COLUMNS} from imports where id = $1`, [id]);
  return rows[0];
}

/** Imports newest first, `limit` of them, before the id `beforeId` when paging on (the primary key's order). */
export async function listImports(db: Queryable, limit: number, beforeId?: bigint): Promise<ImportRow[]> {
  const { rows } = await db.query<ImportRow>(
    `select ${IMPORT_COLUMNS} from imports where ($2::bigint is null or id < $2) order by id desc limit $1`, [limit, beforeId ?? null]);
  return rows;
}

/** Moves a run to `status`; a finished run gets its finish time and, when it failed, the error. */
export async function setImportStatus(db: Queryable, id: bigint, status: ImportStatus, fields: { error?: string; bytesTotal?: number } = {}): Promise<void> {
  await db.query(
    `update imports set status = $2, error = coalesce($3, error), bytes_total = coalesce($4, bytes_total), updated_at = now(),
            finished_at = case when $2 in ('succeeded', 'failed') then now() else finished_at end
      where id = $1`,
    [id, status, fields.error?.slice(0, 2000) ?? null, fields.bytesTotal ?? null],
  );
}

export interface RejectRow {
  line_number: bigint;
  original_line: string;
  reason: string;
}

/** A page of a run's rejects in line order, after `afterLine` (keyset on the primary key). */
export async function listRejects(db: Queryable, importId: bigint, afterLine: bigint, limit: number): Promise<RejectRow[]> {
  const { rows } = await db.query<RejectRow>(
    `select line_number, original_line, reason from import_rejects
      where import_id = $1 and line_number > $2 order by line_number limit $3`,
    [importId, afterLine, limit],
  );
  return rows;
}

/** Campaigns named by id or slug, in one query, for files with a campaign column. */
export async function findCampaignsByReference(db: Queryable, references: readonly string[]): Promise<CampaignRow[]> {
  const ids = references.filter(isDatabaseId);
  const { rows } = await db.query<CampaignRow>(
    `select id, slug, name, description, fund, currency, goal_minor, status, starts_at, ends_at, raised_minor,
            donation_count, donor_count, created_at, updated_at
       from campaigns where id = any($1::bigint[]) or slug = any($2::text[])`,
    [ids, references],
  );
  return rows;
}

export interface Reject {
  line: number;
  raw: string;
  reason: string;
}

/** The counters of one batch; `offered` counts its valid rows, the ones deduplicated in memory included. */
export interface BatchCounters {
  importId: bigint;
  status: ImportedStatus;
  rowsRead: number;
  bytesRead: number;
  offered: number;
}

/** The columns of a batch, in the order of both the unnest list and the COPY staging table. */
export const BATCH_COLUMNS = `campaign_id, idempotency_key, amount_minor, donor_name, anonymous, email, donor_ref,
  external_ref, donated_at, request_sha256, ordinal`;

const UNNEST_SOURCE = `select * from unnest($9::bigint[], $10::text[], $11::bigint[], $12::text[], $13::boolean[],
  $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::text[], $19::int[]) as t(${BATCH_COLUMNS})`;

export const STAGING_TABLE = 'import_staging';

/** The staging table for the COPY path: session-local, emptied at each commit. */
export const CREATE_STAGING = `create temp table if not exists ${STAGING_TABLE} (
  campaign_id bigint, idempotency_key text, amount_minor bigint, donor_name text, anonymous boolean, email text,
  donor_ref text, external_ref text, donated_at timestamptz, request_sha256 text, ordinal int) on commit delete rows`;

// The totals part runs for approved imports only. It is changeStatus's bookkeeping (src/donations/queries.ts)
// for donations that are born approved: campaign_donors counts and the campaign totals, moved by the sums of
// the rows actually inserted, never by the rows offered, in the batch's transaction.
//
// No history row is written for them: nothing changed status (an API donation's creation is not in the history
// either), and donations.import_id names the run that made them, whose record says who ran it, when, and on
// which file. A history row per imported donation was measured at 30% of the import's throughput (300k rows,
// two writers: 27,000 rows/s with it, 36,900 without; one writer: 15,900 against 22,700).
const APPROVED_TOTALS = `
, per_donor as (
  select campaign_id, donor_id, count(*) as donations from inserted where donor_id is not null
   group by campaign_id, donor_id
), campaigns_locked as materialized (
  -- The batch's campaigns, in id order, before any of their campaign_donors rows or ledger accounts: the lock
  -- order every approval takes (LOCK ORDER in src/donations/queries.ts), so an import and approvals (or two
  -- imports) over the same campaigns queue instead of deadlocking. The two CTEs below read it, so it runs first.
  select c.id from campaigns c where c.id in (select campaign_id from inserted) order by c.id for no key update of c
), donor_counts as (
  -- In donor order, so two batches writing at once take these row locks in one order and cannot deadlock.
  insert into campaign_donors as cd (campaign_id, donor_id, approved_count)
  select campaign_id, donor_id, donations from per_donor where (select count(*) from campaigns_locked) > 0
   order by campaign_id, donor_id
  on conflict (campaign_id, donor_id) do update set approved_count = cd.approved_count + excluded.approved_count
  returning cd.campaign_id, cd.donor_id, cd.approved_count
), donor_moves as (
  -- A donor starts counting at their first approved donation in the campaign.
  select c.campaign_id, count(*) filter (where c.approved_count = p.donations) as donors
    from donor_counts c join per_donor p using (campaign_id, donor_id) group by c.campaign_id
), per_campaign as (
  -- A donation without a donor row (its donor is known by name only) is one donor of its own.
  select campaign_id, sum(amount_minor) as amount, count(*) as donations,
         count(*) filter (where donor_id is null) as unrecognised_donors
    from inserted group by campaign_id
), totals as (
  update campaigns c
     set raised_minor = c.raised_minor + p.amount,
         donation_count = c.donation_count + p.donations,
         donor_count = c.donor_count + coalesce(m.donors, 0) + p.unrecognised_donors,
         updated_at = now()
    from per_campaign p left join donor_moves m using (campaign_id)
   where c.id = p.campaign_id and (select count(*) from campaigns_locked) > 0
  returning c.id
), ledger_rows as (
  -- The batch's receipt entry per campaign (src/ledger), read through totals so the campaign row is locked
  -- before its ledger accounts, as in changeStatus; each donation's amil share at its fund's rate now.
  select i.ledger_entry_id as entry_id, i.campaign_id, 'import' as channel, i.amount_minor,
         ${amilShareSql('i.amount_minor', 'coalesce(r.rate_bp, 0)::bigint')} as share_minor, coalesce(r.rate_bp, 0) as rate_bp
    from inserted i join totals t on t.id = i.campaign_id join campaigns c on c.id = i.campaign_id
    left join amil_rates r on r.fund = ledger_fund(c.fund)
)${postingCtes({ kind: `'import'`, sign: '1', importId: '$2::bigint' })}`;

/**
 * The batch statement, one round trip: upserts the donors known by email or donor reference (as the API
 * does), inserts the donations (ON CONFLICT on the key: a row already imported is a skip; every row carries
 * its own donor name and anonymity, migration 0005, and a donors row only links a known donor's gifts), moves
 * the totals for approved imports, stores the batch's rejects and moves the run's counters.
 *
 * An earlier version first looked the keys up (an index probe per key, then the insert's own probe): 16 ms of
 * a 230 ms batch of 5,000 rows, for nothing the unique index does not do.
 */
function batchStatement(source: string, approved: boolean): string {
  return `with fresh as materialized (${source}
), ledger_ids as materialized (
  -- An approved batch's ledger entry per campaign, taken up front so each donation names it (src/ledger).
  select campaign_id, nextval(${ENTRY_ID_SEQUENCE}) as entry_id from (select distinct campaign_id from fresh) f where $1 = 'approved'
), email_donors as (
  insert into donors as r (display_name, email, anonymous)
  select distinct on (email_key(email)) donor_name, email, anonymous from fresh where email is not null
   order by email_key(email), ordinal desc
  on conflict ((email_key(email))) where email is not null
  do update set display_name = excluded.display_name, anonymous = excluded.anonymous
  returning r.id, email_key(r.email) as email_lower
), ref_donors as (
  insert into donors as r (display_name, external_ref, anonymous)
  select distinct on (donor_ref) donor_name, donor_ref, anonymous from fresh where email is null and donor_ref is not null
   order by donor_ref, ordinal desc
  on conflict (external_ref) where external_ref is not null
  do update set display_name = excluded.display_name, anonymous = excluded.anonymous
  returning r.id, r.external_ref
), inserted as (
  insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source,
                         idempotency_key, request_sha256, external_ref, donated_at, import_id, ledger_entry_id)
  select f.campaign_id, coalesce(e.id, r.id), f.donor_name, f.anonymous, f.amount_minor, c.currency, $1, 'import',
         f.idempotency_key, decode(f.request_sha256, 'hex'), f.external_ref, coalesce(f.donated_at, now()), $2, le.entry_id
    from fresh f join campaigns c on c.id = f.campaign_id
    left join ledger_ids le on le.campaign_id = f.campaign_id
    left join email_donors e on e.email_lower = email_key(f.email)
    left join ref_donors r on f.email is null and r.external_ref = f.donor_ref
  on conflict (idempotency_key) do nothing
  returning id, campaign_id, donor_id, amount_minor, ledger_entry_id
)${approved ? APPROVED_TOTALS : ''}
, rejects as (
  insert into import_rejects (import_id, line_number, original_line, reason)
  select $2, line, raw, reason from unnest($3::bigint[], $4::text[], $5::text[]) as r(line, raw, reason)
  on conflict (import_id, line_number) do nothing
), progress as (
  update imports
     set rows_read = rows_read + $6, bytes_read = greatest(bytes_read, $7),
         imported = imported + (select count(*) from inserted),
         duplicates = duplicates + $8 - (select count(*) from inserted),
         rejected = rejected + cardinality($3::bigint[]), updated_at = now()
   where id = $2
)
select count(*) as imported from inserted`;
}

const STATEMENTS = {
  unnest: { approved: batchStatement(UNNEST_SOURCE, true), pending: batchStatement(UNNEST_SOURCE, false) },
  staging: { approved: batchStatement(`select * from ${STAGING_TABLE}`, true), pending: batchStatement(`select * from ${STAGING_TABLE}`, false) },
} as const;

/** PostgreSQL text cannot hold U+0000; a rejected line keeps its place with U+FFFD instead. */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

function scalarParameters(status: ImportedStatus, rejects: readonly Reject[], counters: BatchCounters): unknown[] {
  return [
    status, counters.importId,
    rejects.map((reject) => reject.line), rejects.map((reject) => withoutNul(reject.raw)), rejects.map((reject) => withoutNul(reject.reason).slice(0, 1000)),
    counters.rowsRead, counters.bytesRead, counters.offered,
  ];
}

/** The batch's rows as one array per column, for unnest. */
function columnParameters(rows: readonly PreparedRow[]): unknown[] {
  const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
  const [campaign, key, amount, name, anonymous, email, donorRef, externalRef, donatedAt, sha256, ordinal] = columns;
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index]!;
    campaign!.push(String(row.campaignId)); key!.push(row.key); amount!.push(String(row.amountMinor));
    name!.push(row.donorName); anonymous!.push(row.anonymous); email!.push(row.email); donorRef!.push(row.donorRef);
    externalRef!.push(row.externalRef); donatedAt!.push(row.donatedAt); sha256!.push(row.requestSha256Hex); ordinal!.push(index);
  }
  return columns;
}

/** Writes a batch passed as arrays (unnest): PGlite's path, and PostgreSQL's when it measures faster. */
export async function writeBatchUnnest(db: Queryable, status: ImportedStatus, rows: readonly PreparedRow[], rejects: readonly Reject[], counters: BatchCounters): Promise<number> {
  const { rows: result } = await db.query<{ imported: bigint }>(
    STATEMENTS.unnest[status === 'approved' ? 'approved' : 'pending'],
    [...scalarParameters(status, rejects, counters), ...columnParameters(rows)],
  );
  return Number(result[0]!.imported);
}

/** Writes a batch already COPYed into the staging table. */
export async function writeBatchFromStaging(db: Queryable, status: ImportedStatus, rejects: readonly Reject[], counters: BatchCounters): Promise<number> {
  const { rows: result } = await db.query<{ imported: bigint }>(
    STATEMENTS.staging[status === 'approved' ? 'approved' : 'pending'],
    scalarParameters(status, rejects, counters),
  );
  return Number(result[0]!.imported);
}

// COPY text format: backslash, tab, newline and carriage return are escaped; \N is null.
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/** The batch's rows as COPY text lines for the staging table, in BATCH_COLUMNS order. */
export function copyLines(rows: readonly PreparedRow[]): string {
  let text = '';
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index]!;
    text += `${row.campaignId}\t${copyText(row.key)}\t${row.amountMinor}\t${copyText(row.donorName)}\t${row.anonymous ? 't' : 'f'}\t${copyText(row.email)}\t${copyText(row.donorRef)}\t${copyText(row.externalRef)}\t${row.donatedAt ?? '\\N'}\t${row.requestSha256Hex}\t${index}\n`;
  }
  return text;
}

// The direct COPY path (writer.ts, copyWriter): the batch's new donations are COPYed straight into their table,
// which PostgreSQL writes with multi-row inserts, and these statements do the rest (donors known by email or
// reference, campaign_donors for them, the totals, the run's counters).

/** The keys of the batch that are already taken (one index probe each). */
export async function findTakenKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ idempotency_key: string }>(
    'select idempotency_key from donations where idempotency_key = any($1::text[])', [keys]);
  return new Set(rows.map((row) => row.idempotency_key));
}

export interface KeyedDonor {
  name: string;
  email: string | null;
  donorRef: string | null;
  anonymous: boolean;
}

/** Upserts donors known by email (else by donor reference), as the API does; returns each one's id by key. */
export async function upsertKeyedDonors(db: Queryable, donors: readonly KeyedDonor[]): Promise<Map<string, bigint>> {
  const byEmail = new Map<string, KeyedDonor>();
  const byRef = new Map<string, KeyedDonor>();
  // The last row of a donor wins its name, as a later API donation would; sorted, so concurrent batches lock in one order.
  for (const donor of donors) {
    if (donor.email !== null) byEmail.set(emailKey(donor.email), donor);
    else byRef.set(donor.donorRef!, donor);
  }
  const emails = [...byEmail.keys()].sort();
  const refs = [...byRef.keys()].sort();
  const { rows } = await db.query<{ key: string; id: bigint }>(
    `with by_email as (
       insert into donors as r (display_name, email, anonymous)
       select * from unnest($1::text[], $2::text[], $3::boolean[])
       on conflict ((email_key(email))) where email is not null
       do update set display_name = excluded.display_name, anonymous = excluded.anonymous
       returning 'email:' || email_key(r.email) as key, r.id
     ), by_ref as (
       insert into donors as r (display_name, external_ref, anonymous)
       select * from unnest($4::text[], $5::text[], $6::boolean[])
       on conflict (external_ref) where external_ref is not null
       do update set display_name = excluded.display_name, anonymous = excluded.anonymous
       returning 'ref:' || r.external_ref as key, r.id
     )
     select key, id from by_email union all select key, id from by_ref`,
    [emails.map((key) => byEmail.get(key)!.name), emails.map((key) => byEmail.get(key)!.email), emails.map((key) => byEmail.get(key)!.anonymous),
      refs.map((key) => byRef.get(key)!.name), refs, refs.map((key) => byRef.get(key)!.anonymous)],
  );
  return new Map(rows.map((row) => [row.key, row.id]));
}

/** The key upsertKeyedDonors returns a donor's id under. */
export function keyedDonorKey(donor: { email: string | null; donorRef: string | null }): string {
  return donor.email !== null ? `email:${emailKey(donor.email)}` : `ref:${donor.donorRef}`;
}

/**
 * Adds approved donations of donors that may have given before to campaign_donors; returns, per campaign, how
 * many of them are new donors there (their count went from 0 to this batch's).
 */
export async function addCampaignDonors(db: Queryable, pairs: readonly { campaignId: bigint; donorId: bigint; donations: number }[]): Promise<Map<bigint, number>> {
  const sorted = [...pairs].sort((a, b) => (a.campaignId === b.campaignId ? Number(a.donorId - b.donorId) : Number(a.campaignId - b.campaignId)));
  const { rows } = await db.query<{ campaign_id: bigint; donors: bigint }>(
    `with input as (
       select * from unnest($1::bigint[], $2::bigint[], $3::bigint[]) as i(campaign_id, donor_id, donations)
     ), added as (
       insert into campaign_donors as cd (campaign_id, donor_id, approved_count)
       select campaign_id, donor_id, donations from input
       on conflict (campaign_id, donor_id) do update set approved_count = cd.approved_count + excluded.approved_count
       returning cd.campaign_id, cd.donor_id, cd.approved_count
     )
     select a.campaign_id, count(*) filter (where a.approved_count = i.donations) as donors
       from added a join input i using (campaign_id, donor_id) group by a.campaign_id`,
    [sorted.map((pair) => pair.campaignId), sorted.map((pair) => pair.donorId), sorted.map((pair) => pair.donations)],
  );
  return new Map(rows.map((row) => [row.campaign_id, Number(row.donors)]));
}

export interface CampaignTotalsDelta {
  campaignId: bigint;
  amountMinor: bigint;
  donations: number;
  donors: number;
}

/**
 * Locks these campaigns in id order (FOR NO KEY UPDATE, as every approval does first: LOCK ORDER in
 * src/donations/queries.ts); a batch takes it before it touches their campaign_donors rows or totals.
 */
export async function lockCampaigns(db: Queryable, campaignIds: readonly bigint[]): Promise<void> {
  await db.query('select id from campaigns where id = any($1::bigint[]) order by id for no key update', [campaignIds]);
}

/** Moves the campaigns' maintained totals by what the batch added, in campaign id order. */
export async function addToCampaignTotals(db: Queryable, deltas: readonly CampaignTotalsDelta[]): Promise<void> {
  const sorted = [...deltas].sort((a, b) => Number(a.campaignId - b.campaignId));
  await db.query(
    `update campaigns c
        set raised_minor = c.raised_minor + d.amount, donation_count = c.donation_count + d.donations,
            donor_count = c.donor_count + d.donors, updated_at = now()
       from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) as d(id, amount, donations, donors)
      where c.id = d.id`,
    [sorted.map((delta) => delta.campaignId), sorted.map((delta) => delta.amountMinor), sorted.map((delta) => delta.donations), sorted.map((delta) => delta.donors)],
  );
}

/** Stores the batch's rejects and moves the run's counters by what the batch did. */
export async function recordBatch(db: Queryable, rejects: readonly Reject[], counters: BatchCounters, imported: number): Promise<void> {
  await db.query(
    `with rejects as (
       insert into import_rejects (import_id, line_number, original_line, reason)
       select $1, line, raw, reason from unnest($2::bigint[], $3::text[], $4::text[]) as r(line, raw, reason)
       on conflict (import_id, line_number) do nothing
     )
     update imports
        set rows_read = rows_read + $5, bytes_read = greatest(bytes_read, $6), imported = imported + $7,
            duplicates = duplicates + $8 - $7, rejected = rejected + cardinality($2::bigint[]), updated_at = now()
      where id = $1`,
    [counters.importId, rejects.map((reject) => reject.line), rejects.map((reject) => withoutNul(reject.raw)),
      rejects.map((reject) => withoutNul(reject.reason).slice(0, 1000)), counters.rowsRead, counters.bytesRead, imported, counters.offered],
  );
}

export const DONATION_COPY_COLUMNS = `campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency,
  status, source, idempotency_key, request_sha256, external_ref, donated_at, import_id, ledger_entry_id`;

/**
 * COPY text for the donations, in DONATION_COPY_COLUMNS order: every row carries its donor's name and
 * anonymity (migration 0005) and, for a donor known by email or reference, the donors row's id; a row without
 * a date is dated `now`.
 */
export function donationCopyLines(rows: readonly PreparedRow[], donorIds: readonly (bigint | null)[], status: ImportedStatus, importId: bigint, now: string,
  entryIds: ReadonlyMap<bigint, bigint> = new Map()): string {
  let text = '';
  for (let index = 0; index < rows.length; index += 1) {
    const row = rows[index]!;
    const donorId = donorIds[index];
    const donor = `${donorId === null ? '\\N' : donorId}\t${copyText(row.donorName)}\t${row.anonymous ? 't' : 'f'}`;
    text += `${row.campaignId}\t${donor}\t${row.amountMinor}\t${row.currency}\t${status}\timport\t${copyText(row.key)}\t\\\\x${row.requestSha256Hex}\t${copyText(row.externalRef)}\t${row.donatedAt ?? now}\t${importId}\t${entryIds.get(row.campaignId) ?? '\\N'}\n`;
  }
  return text;
}
