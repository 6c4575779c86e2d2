// SQL for the fund ledger (migration 0010). Postings are CTEs folded into the statements that move the money
// (donations/queries.ts changeStatus, imports/queries.ts batchStatement), so an approval or an import batch
// posts its entry in the same round trip and transaction; the direct COPY import path, which has no such
// statement, posts with postReceipts below. The database refuses an entry that does not balance (a deferred
// trigger at commit) and any change to a written entry or line.
import { AppError } from '../errors.ts';
import type { Queryable } from '../db/database.ts';
import { assertBalanced, type LedgerFund, type LineInput } from './logic.ts';

/** The identity sequence of ledger_entries: postings take their entry ids from it up front. */
export const ENTRY_ID_SEQUENCE = `'ledger_entries_id_seq'`;

export interface PostingSql {
  /** SQL text of the entry kind ('approval', 'import', 'refund'). */
  kind: string;
  /** SQL text of the direction: 1 posts a receipt, -1 reverses one (a refund); 0 posts nothing. */
  sign: string;
  /** SQL text of the import run, or null. */
  importId: string;
  /**
   * SQL text of each row's ledger fund, over ledger_rows `r`: a caller whose donations may post to another fund
   * than their campaign's (fitrah, fidyah; migration 0017) passes a `fund` column of ledger_rows. Every entry_id
   * must then be of one fund. Absent: the campaign's ledger_fund(), as for imports.
   */
  fund?: string | undefined;
}

/**
 * The CTEs that post one entry per ledger_rows entry_id, given a CTE `ledger_rows(entry_id, campaign_id,
 * channel, amount_minor, share_minor, rate_bp)` of the donations moved (all of one entry are of one campaign).
 * Each entry: clearing:<channel> debit and the campaign's ledger fund credit for the amount; the fund debit and
 * the amil fund credit for the share; a refund (sign -1) the same lines negated. Account balances move by an
 * upsert in (campaign, kind, name) order; every caller has locked the campaigns these accounts belong to
 * first (changeStatus's LOCK ORDER; the import's totals update runs before, since these CTEs read it through
 * ledger_rows), so the accounts add no lock cycle.
 */
export function postingCtes(sql: PostingSql): string {
  return `
, ledger_per_entry as (
  select r.entry_id, r.campaign_id, c.currency, ${sql.fund ?? 'ledger_fund(c.fund)'} as fund, max(r.rate_bp) as rate_bp,
         sum(r.amount_minor)::bigint as amount_minor, sum(r.share_minor)::bigint as share_minor
    from ledger_rows r join campaigns c on c.id = r.campaign_id
   group by r.entry_id, r.campaign_id, c.currency, ${sql.fund ?? 'c.fund'}
), ledger_entry as (
  insert into ledger_entries (id, kind, campaign_id, import_id, amil_rate_bp)
  select entry_id, ${sql.kind}, campaign_id, ${sql.importId}, rate_bp from ledger_per_entry order by entry_id
  returning id
), ledger_per_channel as (
  select entry_id, campaign_id, channel, sum(amount_minor)::bigint as amount_minor from ledger_rows group by entry_id, campaign_id, channel
), ledger_line_input as (
  -- The currency by an index probe per entry and channel: a join of ledger_rows to ledger_per_entry was planned as
  -- a nested loop over two CTE scans (estimated at one row each), 5 ms of a 250-donation, 50-campaign batch.
  select p.entry_id, p.campaign_id, c.currency, 'clearing' as kind, p.channel as name, ${sql.sign} * p.amount_minor as amount_minor, 1 as position
    from ledger_per_channel p join campaigns c on c.id = p.campaign_id
  union all
  select entry_id, campaign_id, currency, 'fund', fund, -${sql.sign} * amount_minor, 2 from ledger_per_entry
  union all
  select entry_id, campaign_id, currency, 'fund', fund, ${sql.sign} * share_minor, 3 from ledger_per_entry where share_minor > 0
  union all
  select entry_id, campaign_id, currency, 'fund', 'amil', -${sql.sign} * share_minor, 4 from ledger_per_entry where share_minor > 0
), ledger_balances as (
  insert into ledger_accounts as a (campaign_id, kind, name, currency, balance_minor)
  select campaign_id, kind, name, currency, sum(amount_minor)::bigint from ledger_line_input
   group by campaign_id, kind, name, currency order by campaign_id, kind, name, currency
  on conflict (campaign_id, kind, name, currency) do update set balance_minor = a.balance_minor + excluded.balance_minor
  returning a.id, a.campaign_id, a.kind, a.name, a.currency
), ledger_lines_written as (
  insert into ledger_lines (entry_id, account_id, currency, amount_minor)
  select i.entry_id, b.id, i.currency, i.amount_minor
    from ledger_line_input i join ledger_balances b using (campaign_id, kind, name, currency)
   where i.amount_minor <> 0
   order by i.entry_id, i.position, i.name
)`;
}

/** A fund account an entry took money from and left below zero (issue 13). */
export interface FundShortfall {
  account_id: bigint;
  campaign_id: bigint;
  fund: string;
  currency: string;
  /** The account's available balance before these entries, in minor units. */
  available_minor: bigint;
  /** What these entries took from it, in minor units (> 0). */
  amount_minor: bigint;
}

/**
 * The fund accounts these entries debited that are now below zero. The available balance is the one
 * approveDisbursement checks (src/distribution/queries.ts): -balance_minor of the campaign's fund:<fund> account in
 * the entry's currency, reservations already moved out to reserved:<fund> (migration 0016). That check sits in
 * the WHERE of its one-statement approval, so it cannot call this; a refund posts through the shared postingCtes
 * instead and reads its accounts after, in the same transaction and under the same campaign lock (LOCK ORDER in
 * donations/queries.ts), so no disbursement can move them between the posting and this read. Reading the entry's
 * own lines covers every fund it takes from: the donation's fund and, for the amil share, fund:amil.
 */
export async function fundShortfalls(db: Queryable, entryIds: readonly bigint[]): Promise<FundShortfall[]> {
  if (entryIds.length === 0) return [];
  const { rows } = await db.query<FundShortfall>(
    `select a.id as account_id, a.campaign_id, a.name as fund, a.currency,
            (-(a.balance_minor - sum(l.amount_minor)))::bigint as available_minor, sum(l.amount_minor)::bigint as amount_minor
       from ledger_lines l join ledger_accounts a on a.id = l.account_id
      where l.entry_id = any($1::bigint[]) and a.kind = 'fund' and a.balance_minor > 0
      group by a.id, a.campaign_id, a.name, a.currency, a.balance_minor
     having sum(l.amount_minor) > 0
      order by a.id`, [entryIds]);
  return rows;
}

/**
 * Throws fund_balance_insufficient when these entries (just posted, in the caller's transaction) left a fund
 * account below zero, so that the transaction rolls back and nothing of the movement is written.
 */
export async function assertFundsCover(db: Queryable, entryIds: readonly bigint[], movement: string): Promise<void> {
  const [shortfall] = await fundShortfalls(db, entryIds);
  if (shortfall === undefined) return;
  throw new AppError('fund_balance_insufficient',
    `the campaign's ${shortfall.fund} fund cannot cover this ${movement}: ${shortfall.available_minor} available, it takes ${shortfall.amount_minor} (${shortfall.currency} minor units)`,
    { available_minor: String(shortfall.available_minor), amount_minor: String(shortfall.amount_minor), fund: shortfall.fund, campaign_id: String(shortfall.campaign_id) });
}

/** `count` fresh entry ids, for a posting whose donations must name their entry before it is written. */
export async function allocateEntryIds(db: Queryable, count: number): Promise<bigint[]> {
  const { rows } = await db.query<{ id: bigint }>(`select nextval(${ENTRY_ID_SEQUENCE}) as id from generate_series(1, $1)`, [count]);
  return rows.map((row) => row.id);
}

export interface ReceiptPosting {
  entryId: bigint;
  campaignId: bigint;
  channel: 'api' | 'import' | 'manual';
  amountMinor: bigint;
  shareMinor: bigint;
  rateBp: number;
}

/**
 * Posts receipt entries already summed per entry (the direct COPY import path: its donations were COPYed
 * naming these entry ids). One statement; the caller has moved the campaign totals first in this transaction.
 */
export async function postReceipts(db: Queryable, kind: 'import' | 'approval', importId: bigint | null, postings: readonly ReceiptPosting[]): Promise<void> {
  if (postings.length === 0) return;
  await db.query(
    `with ledger_rows as (
       select * from unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::int[])
           as r(entry_id, campaign_id, channel, amount_minor, share_minor, rate_bp)
     )${postingCtes({ kind: `'${kind}'`, sign: '1', importId: '$1::bigint' })}
     select count(*) from ledger_entry`,
    [importId, postings.map((p) => p.entryId), postings.map((p) => p.campaignId), postings.map((p) => p.channel),
      postings.map((p) => p.amountMinor), postings.map((p) => p.shareMinor), postings.map((p) => p.rateBp)],
  );
}

/** The amil share rates (basis points) now in force, by ledger fund; a fund without one takes none. */
export async function amilRates(db: Queryable): Promise<Map<LedgerFund, { rateBp: number; updatedBy: string; updatedAt: Date }>> {
  const { rows } = await db.query<{ fund: LedgerFund; rate_bp: number; updated_by: string; updated_at: Date }>(
    'select fund, rate_bp, updated_by, updated_at from amil_rates order by fund');
  return new Map(rows.map((row) => [row.fund, { rateBp: row.rate_bp, updatedBy: row.updated_by, updatedAt: row.updated_at }]));
}

/** Sets a fund's amil share rate; the caller has checked it against the cap (logic.ts parseAmilRate). */
export async function setAmilRate(db: Queryable, fund: LedgerFund, rateBp: number, actor: string): Promise<void> {
  await db.query(
    `insert into amil_rates (fund, rate_bp, updated_by) values ($1, $2, $3)
     on conflict (fund) do update set rate_bp = excluded.rate_bp, updated_by = excluded.updated_by, updated_at = now()`,
    [fund, rateBp, actor.slice(0, 300)]);
}

export interface EntryRow {
  id: bigint;
  kind: string;
  campaign_id: bigint | null;
  import_id: bigint | null;
  reverses_entry_id: bigint | null;
  amil_rate_bp: number;
  memo: string | null;
  posted_at: Date;
}

export interface LineRow {
  account_id: bigint;
  kind: 'fund' | 'clearing';
  name: string;
  currency: string;
  amount_minor: bigint;
}

const ENTRY_COLUMNS = 'id, kind, campaign_id, import_id, reverses_entry_id, amil_rate_bp, memo, posted_at';

export async function findEntry(db: Queryable, id: bigint): Promise<{ entry: EntryRow; lines: LineRow[] } | undefined> {
  const { rows } = await db.query<EntryRow>(`select ${ENTRY_COLUMNS} from ledger_entries where id = $1`, [id]);
  if (rows.length === 0) return undefined;
  const { rows: lines } = await db.query<LineRow>(
    `select l.account_id, a.kind, a.name, l.currency, l.amount_minor
       from ledger_lines l join ledger_accounts a on a.id = l.account_id where l.entry_id = $1 order by l.id`, [id]);
  return { entry: rows[0]!, lines };
}

/** Up to `limit` ids of the donations an entry posted (receipt) or reversed (refund), by index. */
export async function donationsOfEntry(db: Queryable, id: bigint, limit: number): Promise<bigint[]> {
  const { rows } = await db.query<{ id: bigint }>(
    `(select id from donations where ledger_entry_id = $1 order by id limit $2)
     union all (select id from donations where refund_entry_id = $1 order by id limit $2) limit $2`, [id, limit]);
  return rows.map((row) => row.id);
}

/** The receipt and refund entries a donation names; undefined when there is no such donation. */
export async function entriesOfDonation(db: Queryable, donationId: bigint): Promise<{ receipt: bigint | null; refund: bigint | null } | undefined> {
  const { rows } = await db.query<{ ledger_entry_id: bigint | null; refund_entry_id: bigint | null }>(
    'select ledger_entry_id, refund_entry_id from donations where id = $1', [donationId]);
  return rows[0] === undefined ? undefined : { receipt: rows[0].ledger_entry_id, refund: rows[0].refund_entry_id };
}

export interface AccountRow {
  id: bigint;
  campaign_id: bigint;
  kind: 'fund' | 'clearing';
  name: string;
  currency: string;
  balance_minor: bigint;
}

/** A campaign's accounts, or every account, with their maintained balances. */
export async function listAccounts(db: Queryable, campaignId: bigint | null): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    `select id, campaign_id, kind, name, currency, balance_minor from ledger_accounts
      where $1::bigint is null or campaign_id = $1 order by campaign_id, kind, name, currency limit 1000`, [campaignId]);
  return rows;
}

/** The balance of each ledger fund per currency: the sum over its campaigns' accounts (credit-normal, so negated). */
export async function fundBalances(db: Queryable): Promise<{ fund: string; currency: string; balance_minor: bigint }[]> {
  const { rows } = await db.query<{ fund: string; currency: string; balance_minor: bigint }>(
    `select name as fund, currency, (-sum(balance_minor))::bigint as balance_minor from ledger_accounts
      where kind = 'fund' group by name, currency order by name, currency`);
  return rows;
}

/**
 * Posts an entry of explicit lines (a correction, an opening balance), asserting in code that it balances
 * before the database checks it again at commit. One statement: locks the accounts' campaigns in id order (as
 * every posting does, so a correction cannot deadlock with an approval), then the accounts in id order, then
 * moves their balances and writes the lines.
 */
export async function postEntry(db: Queryable, entry: { kind: 'reversal' | 'opening'; campaignId: bigint | null; reversesEntryId: bigint | null; memo: string }, lines: readonly LineInput[]): Promise<bigint> {
  assertBalanced(lines);
  const sorted = [...lines].sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
  const { rows } = await db.query<{ id: bigint }>(
    `with campaigns_locked as materialized (
       -- The accounts' campaigns first, in id order, as every posting takes them (changeStatus's LOCK ORDER).
       select c.id from campaigns c where c.id in (select campaign_id from ledger_accounts where id = any($5::bigint[]))
        order by c.id for no key update of c
     ), locked as materialized (
       select id from ledger_accounts where id = any($5::bigint[]) and (select count(*) from campaigns_locked) >= 0
        order by id for no key update
     ), entry as (
       insert into ledger_entries (kind, campaign_id, reverses_entry_id, memo) values ($1, $2, $3, $4) returning id
     ), input as (
       select * from unnest($5::bigint[], $6::text[], $7::bigint[]) with ordinality as i(account_id, currency, amount_minor, position)
     ), balances as (
       update ledger_accounts a set balance_minor = a.balance_minor + s.amount_minor
         from (select account_id, sum(amount_minor)::bigint as amount_minor from input group by account_id) s, locked l
        where a.id = s.account_id and l.id = a.id
     ), lines as (
       insert into ledger_lines (entry_id, account_id, currency, amount_minor)
       select e.id, i.account_id, i.currency, i.amount_minor from entry e, input i order by i.position
     )
     select id from entry`,
    [entry.kind, entry.campaignId, entry.reversesEntryId, entry.memo.slice(0, 1000),
      sorted.map((line) => line.accountId), sorted.map((line) => line.currency), sorted.map((line) => line.amountMinor)],
  );
  return rows[0]!.id;
}

/** A correction: a new entry whose lines negate the original's, naming it. An entry is reversed at most once. */
export async function reverseEntry(db: Queryable, entryId: bigint, memo: string): Promise<bigint | undefined> {
  const found = await findEntry(db, entryId);
  if (found === undefined) return undefined;
  const lines = found.lines.map((line) => ({ accountId: line.account_id, currency: line.currency, amountMinor: -line.amount_minor }));
  return postEntry(db, { kind: 'reversal', campaignId: found.entry.campaign_id, reversesEntryId: entryId, memo }, lines);
}
