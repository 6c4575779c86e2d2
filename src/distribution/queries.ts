// SQL for distribution (migration 0016): the mustahik registry, programs, disbursements with their history, the
// ledger postings a disbursement makes, and the hawl report. Every staff action writes its audit row in the same
// statement (a data-modifying CTE) or transaction as the change. Audit rows name the mustahik by id, never by
// name or NIK: personal data stays in the registry.
//
// LOCK ORDER. Approving, paying and cancelling lock the disbursement's campaign row first (for no key update),
// the lock every receipt posting of that campaign takes first (donations/queries.ts changeStatus, in campaign id
// order), then the disbursement row, then the campaign's ledger accounts. A disbursement touches one campaign, so
// it holds at most one campaign lock and cannot close a cycle with a batch that holds several in id order.
import type { Database, Queryable } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { AuditActor } from '../audit/queries.ts';
import type { LedgerFund } from '../ledger/logic.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import type { Asnaf, DisbursementStatus, MustahikKind, Verification } from './logic.ts';
import { checkTransition, HAWL_DAYS } from './logic.ts';

export interface MustahikRow {
  id: bigint; kind: MustahikKind; name: string; nik: string | null; asnaf: Asnaf[]; region: string;
  verification: Verification; evidence_notes: string | null; created_by: string; created_at: Date; updated_at: Date;
}

const MUSTAHIK_COLUMNS = 'id, kind, name, nik, asnaf, region, verification, evidence_notes, created_by, created_at, updated_at';
/** The same columns of a mustahik row named `m` (an UPDATE … FROM, where a bare name could be either side's). */
const MUSTAHIK_COLUMNS_OF_M = MUSTAHIK_COLUMNS.split(', ').map((column) => `m.${column}`).join(', ');

export interface MustahikInput {
  kind: MustahikKind; name: string; nik: string | null; asnaf: readonly Asnaf[]; region: string;
  verification: Verification; evidenceNotes: string | null;
}

function actorLabel(actor: AuditActor): string {
  return `token:${actor.tokenId}:${actor.name}`.slice(0, 300);
}

const nikTaken = () => new AppError('nik_taken', 'a mustahik with this NIK is already registered', { field: 'nik' });

/**
 * Registers a mustahik and its audit row in one statement; a NIK already registered is nik_taken. The NIK is
 * tested in the statement (ON CONFLICT … DO NOTHING), not left to the unique index to refuse: PostgreSQL logs a
 * unique violation with its key, `DETAIL: Key (nik)=(…) already exists`, and a NIK is never to reach a log. The
 * violation is still mapped, for the one race the test cannot see (two sessions inserting the same new NIK).
 */
export async function insertMustahik(db: Queryable, input: MustahikInput, actor: AuditActor): Promise<MustahikRow> {
  try {
    const { rows } = await db.query<MustahikRow>(
      `with made as (
         insert into mustahik (kind, name, nik, asnaf, region, verification, evidence_notes, created_by)
         values ($1, $2, $3, $4::text[], $5, $6, $7, $8)
         on conflict (nik) where nik is not null do nothing
         returning ${MUSTAHIK_COLUMNS}
       ), audit as (
         insert into audit_log (actor_token_id, actor_name, action, target, detail)
         select $9, $10, 'mustahik.create', 'mustahik:' || id, json_build_object('kind', kind, 'asnaf', asnaf, 'verification', verification)::jsonb from made
       )
       select * from made`,
      [input.kind, input.name, input.nik, input.asnaf, input.region, input.verification, input.evidenceNotes, actorLabel(actor), actor.tokenId, actor.name.slice(0, 200)]);
    if (rows[0] === undefined) throw nikTaken();
    return rows[0];
  } catch (error) {
    if (sqlState(error) === SqlState.UNIQUE_VIOLATION) throw nikTaken();
    throw error;
  }
}

export interface MustahikPatch {
  name?: string; nik?: string; asnaf?: readonly Asnaf[]; region?: string; verification?: Verification; evidenceNotes?: string | null;
  /** The row's updated_at as the change's author saw it: a change made since refuses this one (mustahik_changed). */
  expectedUpdatedAt?: Date | undefined;
}

/** updated_at leaves in JSON at millisecond precision (a JS Date); the column keeps microseconds. */
const SAME_VERSION_SQL = `($11::timestamptz is null or updated_at between $11::timestamptz - interval '1 millisecond' and $11::timestamptz + interval '1 millisecond')`;

/**
 * Changes a mustahik's fields, with its audit row, in one statement. A new name or NIK is another identity than
 * the one the evidence verified, so it sets verification back to unverified unless the same change sets it (a
 * verified mustahik can be paid; a corrected one is checked again first). The audit row says which personal
 * fields changed, never their values: the log is read by every staff token (issue 13: personal data staff-only,
 * never in logs). Kind never changes, so the caller checks a NIK against it before.
 */
export async function patchMustahik(db: Queryable, id: bigint, patch: MustahikPatch, actor: AuditActor): Promise<MustahikRow | undefined> {
  try {
    const { rows } = await db.query<MustahikRow & { name_changed: boolean; nik_changed: boolean }>(
      `with before as (
         -- Another mustahik's NIK is refused here, not by the unique index (which logs the NIK: insertMustahik).
         select id, coalesce($9::text <> name, false) as name_changed, coalesce($10::text <> nik, false) as nik_changed
           from mustahik where id = $1 and ${SAME_VERSION_SQL}
            and not exists (select 1 from mustahik other where $10::text is not null and other.nik = $10 and other.id <> $1)
            for update
       ), changed as (
         update mustahik m set name = coalesce($9, m.name), nik = coalesce($10, m.nik),
                asnaf = coalesce($2::text[], m.asnaf), region = coalesce($3, m.region),
                verification = coalesce($4, case when b.name_changed or b.nik_changed then 'unverified' else m.verification end),
                evidence_notes = case when $5::boolean then $6 else m.evidence_notes end, updated_at = now()
           from before b where m.id = b.id returning ${MUSTAHIK_COLUMNS_OF_M}, b.name_changed, b.nik_changed
       ), audit as (
         insert into audit_log (actor_token_id, actor_name, action, target, detail)
         select $7, $8, 'mustahik.update', 'mustahik:' || id,
                json_build_object('asnaf', asnaf, 'verification', verification, 'evidence_notes_changed', $5::boolean,
                                  'name_changed', name_changed, 'nik_changed', nik_changed)::jsonb from changed
       )
       select * from changed`,
      [id, patch.asnaf ?? null, patch.region ?? null, patch.verification ?? null, patch.evidenceNotes !== undefined, patch.evidenceNotes ?? null,
        actor.tokenId, actor.name.slice(0, 200), patch.name ?? null, patch.nik ?? null, patch.expectedUpdatedAt?.toISOString() ?? null]);
    if (rows[0] === undefined) {
      const current = await findMustahik(db, id);
      if (current === undefined) return undefined;
      const expected = patch.expectedUpdatedAt?.getTime();
      if (expected !== undefined && Math.abs(current.updated_at.getTime() - expected) > 1) {
        throw new AppError('mustahik_changed', `mustahik ${id} was changed at ${current.updated_at.toISOString()}, after the copy this change was made against`, { field: 'expected_updated_at' });
      }
      throw nikTaken();
    }
    const { name_changed: _name, nik_changed: _nik, ...row } = rows[0];
    return row;
  } catch (error) {
    if (sqlState(error) === SqlState.UNIQUE_VIOLATION) throw nikTaken();
    throw error;
  }
}

export async function findMustahik(db: Queryable, id: bigint): Promise<MustahikRow | undefined> {
  const { rows } = await db.query<MustahikRow>(`select ${MUSTAHIK_COLUMNS} from mustahik where id = $1`, [id]);
  return rows[0];
}

export interface MustahikFilter { asnaf?: Asnaf | undefined; verification?: Verification | undefined; beforeId?: bigint | undefined; limit: number }

/** A page of the registry, newest first, keyset by id. */
export async function listMustahik(db: Queryable, filter: MustahikFilter): Promise<MustahikRow[]> {
  const { rows } = await db.query<MustahikRow>(
    `select ${MUSTAHIK_COLUMNS} from mustahik
      where ($1::text is null or $1 = any (asnaf)) and ($2::text is null or verification = $2) and ($3::bigint is null or id < $3)
      order by id desc limit $4`,
    [filter.asnaf ?? null, filter.verification ?? null, filter.beforeId ?? null, filter.limit]);
  return rows;
}

/** The names of these mustahik (a page of disbursements names at most a page of them), for the staff page. */
export async function mustahikNames(db: Queryable, ids: readonly bigint[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: bigint; name: string }>('select id, name from mustahik where id = any ($1::bigint[])', [ids]);
  return new Map(rows.map((row) => [String(row.id), row.name]));
}

export interface ProgramRow {
  id: bigint; name: string; fund: LedgerFund; asnaf: Asnaf[]; social: boolean; status: 'active' | 'closed'; created_by: string; created_at: Date;
}

const PROGRAM_COLUMNS = 'id, name, fund, asnaf, social, status, created_by, created_at';

export async function insertProgram(db: Queryable, input: { name: string; fund: LedgerFund; asnaf: readonly Asnaf[]; social: boolean }, actor: AuditActor): Promise<ProgramRow> {
  const { rows } = await db.query<ProgramRow>(
    `with made as (
       insert into distribution_programs (name, fund, asnaf, social, created_by) values ($1, $2, $3::text[], $4, $5) returning ${PROGRAM_COLUMNS}
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $6, $7, 'program.create', 'program:' || id, json_build_object('name', name, 'fund', fund, 'asnaf', asnaf, 'social', social)::jsonb from made
     )
     select * from made`,
    [input.name, input.fund, input.asnaf, input.social, actorLabel(actor), actor.tokenId, actor.name.slice(0, 200)]);
  return rows[0]!;
}

export async function setProgramStatus(db: Queryable, id: bigint, status: 'active' | 'closed', actor: AuditActor): Promise<ProgramRow | undefined> {
  const { rows } = await db.query<ProgramRow>(
    `with changed as (update distribution_programs set status = $2 where id = $1 returning ${PROGRAM_COLUMNS}
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $3, $4, 'program.update', 'program:' || id, json_build_object('status', status)::jsonb from changed
     )
     select * from changed`, [id, status, actor.tokenId, actor.name.slice(0, 200)]);
  return rows[0];
}

export async function findProgram(db: Queryable, id: bigint): Promise<ProgramRow | undefined> {
  const { rows } = await db.query<ProgramRow>(`select ${PROGRAM_COLUMNS} from distribution_programs where id = $1`, [id]);
  return rows[0];
}

/** Programs are few (tens): the list is the whole table up to a bound. */
export async function listPrograms(db: Queryable, limit: number): Promise<ProgramRow[]> {
  const { rows } = await db.query<ProgramRow>(`select ${PROGRAM_COLUMNS} from distribution_programs order by id limit $1`, [limit]);
  return rows;
}

export interface DisbursementRow {
  id: bigint; program_id: bigint; mustahik_id: bigint; campaign_id: bigint; fund: LedgerFund; asnaf: Asnaf | null; currency: string;
  amount_minor: bigint; status: DisbursementStatus; purpose: string | null; requested_by_token: string; requested_by: string;
  approved_by_token: string | null; approved_by: string | null; approved_at: Date | null; paid_at: Date | null;
  payment_reference: string | null; reservation_entry_id: bigint | null; ledger_entry_id: bigint | null; release_entry_id: bigint | null;
  created_at: Date;
}

const DISBURSEMENT_COLUMNS = `id, program_id, mustahik_id, campaign_id, fund, asnaf, currency, amount_minor, status, purpose, requested_by_token,
  requested_by, approved_by_token, approved_by, approved_at, paid_at, payment_reference, reservation_entry_id, ledger_entry_id,
  release_entry_id, created_at`;

export interface DisbursementInput {
  programId: bigint; mustahikId: bigint; campaignId: bigint; fund: LedgerFund; asnaf: Asnaf | null; currency: string;
  amountMinor: bigint; purpose: string | null;
}

/** The maker's request, its first history row and its audit row, in one statement. */
export async function insertDisbursement(db: Queryable, input: DisbursementInput, actor: AuditActor): Promise<DisbursementRow> {
  // The mustahik is verified in the insert itself, under a share lock: a name or NIK changed meanwhile (which sets
  // verification back, patchMustahik) either waits for this request or is seen by it.
  const { rows } = await db.query<DisbursementRow>(
    `with made as (
       insert into disbursements (program_id, mustahik_id, campaign_id, fund, asnaf, currency, amount_minor, purpose, requested_by_token, requested_by)
       select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10
        where exists (select 1 from mustahik where id = $2 and verification = 'verified' for share)
       returning ${DISBURSEMENT_COLUMNS}
     ), history as (
       insert into disbursement_history (disbursement_id, from_status, to_status, actor_token_id, actor_name)
       select id, null, 'requested', $9, $10 from made
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $9, $11, 'disbursement.requested', 'disbursement:' || id,
              json_build_object('program_id', program_id::text, 'mustahik_id', mustahik_id::text, 'campaign_id', campaign_id::text,
                                'fund', fund, 'asnaf', asnaf, 'currency', currency, 'amount_minor', amount_minor::text)::jsonb from made
     )
     select * from made`,
    [input.programId, input.mustahikId, input.campaignId, input.fund, input.asnaf, input.currency, input.amountMinor, input.purpose,
      actor.tokenId, actorLabel(actor), actor.name.slice(0, 200)]);
  if (rows[0] === undefined) throw new AppError('mustahik_not_verified', 'a disbursement is requested for a verified mustahik only', { field: 'mustahik_id' });
  return rows[0];
}

export async function findDisbursement(db: Queryable, id: bigint): Promise<DisbursementRow | undefined> {
  const { rows } = await db.query<DisbursementRow>(`select ${DISBURSEMENT_COLUMNS} from disbursements where id = $1`, [id]);
  return rows[0];
}

export interface HistoryRow { from_status: DisbursementStatus | null; to_status: DisbursementStatus; actor_token_id: string; actor_name: string; reason: string | null; at: Date }

export async function disbursementHistory(db: Queryable, id: bigint): Promise<HistoryRow[]> {
  const { rows } = await db.query<HistoryRow>(
    'select from_status, to_status, actor_token_id, actor_name, reason, at from disbursement_history where disbursement_id = $1 order by id', [id]);
  return rows;
}

export interface DisbursementFilter {
  status?: DisbursementStatus | undefined; campaignId?: bigint | undefined; programId?: bigint | undefined; mustahikId?: bigint | undefined;
  beforeId?: bigint | undefined; limit: number;
}

/** A page of disbursements, newest first, keyset by id. */
export async function listDisbursements(db: Queryable, filter: DisbursementFilter): Promise<DisbursementRow[]> {
  const { rows } = await db.query<DisbursementRow>(
    `select ${DISBURSEMENT_COLUMNS} from disbursements
      where ($1::text is null or status = $1) and ($2::bigint is null or campaign_id = $2) and ($3::bigint is null or program_id = $3)
        and ($4::bigint is null or mustahik_id = $4) and ($5::bigint is null or id < $5)
      order by id desc limit $6`,
    [filter.status ?? null, filter.campaignId ?? null, filter.programId ?? null, filter.mustahikId ?? null, filter.beforeId ?? null, filter.limit]);
  return rows;
}

/**
 * Locks the disbursement's campaign, then the disbursement (LOCK ORDER above), in one round trip, and answers the
 * locked row. The campaign id is read unlocked first: a disbursement never changes campaign.
 */
async function lockDisbursement(tx: Queryable, id: bigint): Promise<DisbursementRow> {
  const { rows } = await tx.query<DisbursementRow>(
    `with campaign_locked as materialized (
       select c.id from campaigns c where c.id = (select campaign_id from disbursements where id = $1) for no key update of c
     )
     select ${DISBURSEMENT_COLUMNS} from disbursements where id = $1 and (select count(*) from campaign_locked) >= 0 for no key update`, [id]);
  if (rows[0] === undefined) throw new AppError('disbursement_not_found', `no disbursement with id "${id}"`);
  return rows[0];
}

/** The history row and the audit row of one step, in one statement of the step's transaction. */
async function recordStep(tx: Queryable, row: DisbursementRow, to: DisbursementStatus, actor: AuditActor, reason: string | null, detail: Record<string, unknown>): Promise<void> {
  await tx.query(
    `with history as (
       insert into disbursement_history (disbursement_id, from_status, to_status, actor_token_id, actor_name, reason) values ($1, $2, $3, $4, $5, $6)
     )
     insert into audit_log (actor_token_id, actor_name, action, target, detail) values ($4, $7, 'disbursement.' || $3, 'disbursement:' || $1, $8::jsonb)`,
    [row.id, row.status, to, actor.tokenId, actorLabel(actor), reason, actor.name.slice(0, 200),
      JSON.stringify({ from: row.status, amount_minor: String(row.amount_minor), currency: row.currency, fund: row.fund, campaign_id: String(row.campaign_id), ...detail })]);
}

/**
 * Moves `amount` between two accounts of one campaign in one entry, in one statement: the `from` account is
 * debited (its balance rises by amount), the `to` account credited (upserted). When `fromMustCover` the debit
 * happens only while the from account (credit-normal, negative) still holds at least the amount: that condition,
 * evaluated under the campaign lock, is what keeps a fund's balance from going negative. Answers the entry id,
 * or null when the condition refused.
 */
async function postMove(tx: Queryable, move: {
  kind: 'disbursement_reserve' | 'disbursement_payment' | 'disbursement_release'; campaignId: bigint; currency: string; amountMinor: bigint;
  from: { kind: string; name: string }; to: { kind: string; name: string }; fromMustCover: boolean; memo: string;
}): Promise<bigint | null> {
  const { rows } = await tx.query<{ entry_id: bigint | null }>(
    `with debited as (
       update ledger_accounts set balance_minor = balance_minor + $4
        where campaign_id = $1 and kind = $5 and name = $6 and currency = $3 and (not $9::boolean or -balance_minor >= $4)
       returning id
     ), entry as (
       insert into ledger_entries (kind, campaign_id, memo) select $2, $1, $10 from debited returning id
     ), credited as (
       insert into ledger_accounts as a (campaign_id, kind, name, currency, balance_minor)
       select $1, $7, $8, $3, -$4::bigint from debited
       on conflict (campaign_id, kind, name, currency) do update set balance_minor = a.balance_minor + excluded.balance_minor
       returning a.id
     ), lines as (
       insert into ledger_lines (entry_id, account_id, currency, amount_minor)
       select e.id, d.id, $3, $4::bigint from entry e, debited d
       union all
       select e.id, c.id, $3, -$4::bigint from entry e, credited c
     )
     select (select id from entry) as entry_id`,
    [move.campaignId, move.kind, move.currency, move.amountMinor, move.from.kind, move.from.name, move.to.kind, move.to.name,
      move.fromMustCover, move.memo.slice(0, 1000)]);
  return rows[0]?.entry_id ?? null;
}

/**
 * The checker's approval: never the maker (by token id); reserves the amount from the campaign's fund account, or
 * refuses with fund_balance_insufficient when the fund's available balance does not cover it.
 *
 * WHEN THE FUND MOVES. PSAK 109 recognises a distribution when it is handed over (paid), yet a fund checked only at
 * payment could be promised twice over between approval and payment. So the approval moves the amount from
 * fund:<fund> to reserved:<fund> (still the fund's money; migration 0016), and the payment moves it from reserved
 * to payout:bank, the entry a report counts as the distribution. The available balance, fund:<fund>, is the one
 * that never goes negative.
 */
export async function approveDisbursement(database: Database, id: bigint, actor: AuditActor): Promise<DisbursementRow> {
  // ONE STATEMENT, no BEGIN/COMMIT: the campaign lock is held for one round trip, not six (lock, post, history,
  // update between BEGIN and COMMIT measured 47 approvals/s at 64 clients, all waiting on that one campaign row).
  // The statement's snapshot predates the lock wait, so the balance is checked by the UPDATE's WHERE, which
  // PostgreSQL re-evaluates on the newest row version after waiting (read committed): never a stale balance.
  // When any rule refuses, nothing is written: every write hangs off `debited`.
  const { rows } = await database.query<DisbursementRow & { found_status: DisbursementStatus; maker: string; entry_id: bigint | null; payee_verified: boolean; available_minor: bigint | null }>(
    `with campaign_locked as materialized (
       select c.id from campaigns c where c.id = (select campaign_id from disbursements where id = $1) for no key update of c
     ), target as materialized (
       select * from disbursements where id = $1 and (select count(*) from campaign_locked) >= 0 for no key update
     ), payee as materialized (
       -- Still verified now, under a share lock: a name or NIK changed since the request set verification back
       -- (patchMustahik), and that identity is checked again before any money is reserved for it.
       select m.id from mustahik m where m.id = (select mustahik_id from target) and m.verification = 'verified' for share of m
     ), debited as (
       update ledger_accounts a set balance_minor = a.balance_minor + t.amount_minor
         from target t
        where t.status = 'requested' and t.requested_by_token <> $2 and exists (select 1 from payee)
          and a.campaign_id = t.campaign_id and a.kind = 'fund' and a.name = t.fund and a.currency = t.currency and -a.balance_minor >= t.amount_minor
       returning a.id, t.id as disbursement_id, t.campaign_id, t.fund, t.currency, t.amount_minor
     ), entry as (
       insert into ledger_entries (kind, campaign_id, memo)
       select 'disbursement_reserve', campaign_id, 'disbursement ' || disbursement_id || ' approved' from debited returning id
     ), credited as (
       insert into ledger_accounts as a (campaign_id, kind, name, currency, balance_minor)
       select campaign_id, 'reserved', fund, currency, -amount_minor from debited
       on conflict (campaign_id, kind, name, currency) do update set balance_minor = a.balance_minor + excluded.balance_minor
       returning a.id
     ), lines as (
       insert into ledger_lines (entry_id, account_id, currency, amount_minor)
       select e.id, d.id, d.currency, d.amount_minor from entry e, debited d
       union all
       select e.id, c.id, d.currency, -d.amount_minor from entry e, credited c, debited d
     ), moved as (
       update disbursements d set status = 'approved', approved_by_token = $2, approved_by = $3, approved_at = now(), reservation_entry_id = e.id
         from debited x, entry e where d.id = x.disbursement_id
       returning d.*
     ), history as (
       insert into disbursement_history (disbursement_id, from_status, to_status, actor_token_id, actor_name)
       select id, 'requested', 'approved', $2, $3 from moved
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $2, $4, 'disbursement.approved', 'disbursement:' || id,
              json_build_object('from', 'requested', 'amount_minor', amount_minor::text, 'currency', currency, 'fund', fund,
                                'campaign_id', campaign_id::text, 'reservation_entry_id', reservation_entry_id::text)::jsonb from moved
     )
     select m.*, t.status as found_status, t.requested_by_token as maker, (select id from entry) as entry_id, exists (select 1 from payee) as payee_verified,
            (select -a.balance_minor from ledger_accounts a where a.campaign_id = t.campaign_id and a.kind = 'fund' and a.name = t.fund and a.currency = t.currency) as available_minor
       from target t left join moved m on true`,
    [id, actor.tokenId, actorLabel(actor), actor.name.slice(0, 200)]);
  const row = rows[0];
  if (row === undefined) throw new AppError('disbursement_not_found', `no disbursement with id "${id}"`);
  if (row.entry_id !== null) return row;
  checkTransition(row.found_status, 'approved');
  if (row.maker === actor.tokenId) {
    throw new AppError('disbursement_maker_is_checker', 'a disbursement is approved by another staff member or an admin, never by the one who requested it');
  }
  if (!row.payee_verified) throw new AppError('mustahik_not_verified', 'the mustahik is no longer verified (a changed name or NIK is checked again before approval)');
  const target = await findDisbursement(database, id);
  throw new AppError('fund_balance_insufficient', `the campaign's ${target!.fund} fund cannot cover this disbursement`,
    { available_minor: String(row.available_minor ?? 0n), amount_minor: String(target!.amount_minor) });
}

/** Refuses a payment to a mustahik no longer verified (a name or NIK changed after approval), under a share lock. */
async function assertPayeeVerified(tx: Queryable, mustahikId: bigint): Promise<void> {
  const { rows } = await tx.query<{ verification: string }>('select verification from mustahik where id = $1 for share', [mustahikId]);
  if (rows[0]?.verification !== 'verified') {
    throw new AppError('mustahik_not_verified', 'the mustahik is no longer verified (a changed name or NIK is checked again before payment); verify it again, or cancel the disbursement');
  }
}

/** Marks an approved disbursement paid with its transfer reference, posting reserved → payout:bank. */
export async function payDisbursement(database: Database, id: bigint, reference: string, actor: AuditActor): Promise<DisbursementRow> {
  return database.transaction(async (tx) => {
    const row = await lockDisbursement(tx, id);
    checkTransition(row.status, 'paid');
    await assertPayeeVerified(tx, row.mustahik_id);
    const entryId = await postMove(tx, {
      kind: 'disbursement_payment', campaignId: row.campaign_id, currency: row.currency, amountMinor: row.amount_minor,
      from: { kind: 'reserved', name: row.fund }, to: { kind: 'payout', name: 'bank' }, fromMustCover: true, memo: `disbursement ${row.id} paid: ${reference}`,
    });
    // The reservation made at approval covers exactly this amount; its absence is a broken ledger, not bad input.
    if (entryId === null) throw new Error(`disbursement ${row.id}: its reservation does not cover its amount`);
    await recordStep(tx, row, 'paid', actor, null, { payment_reference: reference, ledger_entry_id: String(entryId) });
    const { rows } = await tx.query<DisbursementRow>(
      `update disbursements set status = 'paid', paid_at = now(), payment_reference = $2, ledger_entry_id = $3 where id = $1 returning ${DISBURSEMENT_COLUMNS}`,
      [id, reference, entryId]);
    return rows[0]!;
  });
}

/**
 * Rejects a request (a checker: never the maker) or cancels it (anyone on staff; an approved one releases its
 * reservation back to the fund).
 */
export async function closeDisbursement(database: Database, id: bigint, to: 'rejected' | 'cancelled', reason: string, actor: AuditActor): Promise<DisbursementRow> {
  return database.transaction(async (tx) => {
    const row = await lockDisbursement(tx, id);
    checkTransition(row.status, to);
    if (to === 'rejected' && row.requested_by_token === actor.tokenId) {
      throw new AppError('disbursement_maker_is_checker', 'a request is rejected by another staff member or an admin; its maker cancels it instead');
    }
    let releaseEntryId: bigint | null = null;
    if (row.status === 'approved') {
      releaseEntryId = await postMove(tx, {
        kind: 'disbursement_release', campaignId: row.campaign_id, currency: row.currency, amountMinor: row.amount_minor,
        from: { kind: 'reserved', name: row.fund }, to: { kind: 'fund', name: row.fund }, fromMustCover: true, memo: `disbursement ${row.id} cancelled`,
      });
      if (releaseEntryId === null) throw new Error(`disbursement ${row.id}: its reservation does not cover its amount`);
    }
    await recordStep(tx, row, to, actor, reason, releaseEntryId === null ? {} : { release_entry_id: String(releaseEntryId) });
    const { rows } = await tx.query<DisbursementRow>(
      `update disbursements set status = $2, release_entry_id = $3 where id = $1 returning ${DISBURSEMENT_COLUMNS}`, [id, to, releaseEntryId]);
    return rows[0]!;
  });
}

/** The available balance of a campaign's fund account (what approvals draw on), in minor units; 0 without one. */
export async function availableBalance(db: Queryable, campaignId: bigint, fund: LedgerFund, currency: string): Promise<bigint> {
  const { rows } = await db.query<{ available: bigint }>(
    `select -balance_minor as available from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = $2 and currency = $3`,
    [campaignId, fund, currency]);
  return rows[0]?.available ?? 0n;
}

export interface HawlRow {
  campaign_id: bigint; slug: string; name: string; currency: string; undistributed_minor: bigint; over_hawl_minor: bigint; oldest_undistributed_at: Date | null;
}

/**
 * The hawl report: per campaign and currency, what of a fund is undistributed and how much of it was received
 * more than HAWL_DAYS (one lunar year) before `asOf`. FIRST IN, FIRST OUT: the fund's receipts (the net credit of
 * each opening, approval or import entry: what was received less its amil share) are consumed in the order they
 * were posted by everything else that moved the account (disbursement reservations net of releases, refunds,
 * corrections); what a receipt keeps is min(its amount, receipts up to it − all consumed), never below zero.
 * A reservation counts as distributed: the money is committed to a mustahik. Reads every line of the fund's
 * accounts once (a report, not a hot path).
 */
export async function hawlReport(db: Queryable, fund: LedgerFund, asOf: Date, limit: number): Promise<HawlRow[]> {
  const { rows } = await db.query<HawlRow>(
    `with moves as (
       select a.id as account_id, a.campaign_id, a.currency, e.id as entry_id, e.kind, e.posted_at, sum(l.amount_minor)::bigint as net_minor
         from ledger_accounts a join ledger_lines l on l.account_id = a.id join ledger_entries e on e.id = l.entry_id
        where a.kind = 'fund' and a.name = $1 and e.posted_at <= $2
        group by a.id, a.campaign_id, a.currency, e.id, e.kind, e.posted_at
     ), receipts as (
       select account_id, campaign_id, currency, posted_at, -net_minor as amount_minor,
              sum(-net_minor) over (partition by account_id order by posted_at, entry_id) as received_through_minor
         from moves where kind in ('opening', 'approval', 'import') and net_minor < 0
     ), consumed as (
       select account_id, sum(net_minor) as consumed_minor from moves
        where not (kind in ('opening', 'approval', 'import') and net_minor < 0) group by account_id
     ), kept as (
       select r.campaign_id, r.currency, r.posted_at,
              greatest(0, least(r.amount_minor, r.received_through_minor - coalesce(c.consumed_minor, 0))) as kept_minor
         from receipts r left join consumed c using (account_id)
     )
     select k.campaign_id, c.slug, c.name, k.currency, sum(k.kept_minor)::bigint as undistributed_minor,
            coalesce(sum(k.kept_minor) filter (where k.posted_at < $2::timestamptz - make_interval(days => $3)), 0)::bigint as over_hawl_minor,
            min(k.posted_at) filter (where k.kept_minor > 0) as oldest_undistributed_at
       from kept k join campaigns c on c.id = k.campaign_id
      group by k.campaign_id, c.slug, c.name, k.currency
     having sum(k.kept_minor) > 0
      order by over_hawl_minor desc, k.campaign_id limit $4`,
    [fund, asOf, HAWL_DAYS, limit]);
  return rows;
}
