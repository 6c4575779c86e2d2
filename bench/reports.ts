// The reports (src/reports) on PostgreSQL against hand-written SQL of the same figures, same data, same run.
//
// Data: `--rows` donations (default 10M; --quick 200k) from bench/donation-data.ts (50 campaigns over the five
// funds and four currencies, a month of donations a million), then posted to the ledger as the import path
// would have: one import entry per campaign per day (clearing:import debit, fund credit, and for zakat and
// infak/sedekah the amil share at 12.5% and 10%, floored per donation), each approved donation naming its entry.
// The entry id is written with the donation as it is inserted and the entries from the load's per-batch totals,
// so no pass over the donations follows the load but the index builds and VACUUM ANALYZE (issue 13: the
// UPDATE … FROM that named the entries afterwards ran past the 15-minute budget at 10M). The postings are
// checked against the donations (checkPostings) before any report is timed.
// No disbursements: the distribution queries run and find none.
//
// Each report is the function its route calls (in its REPEATABLE READ snapshot), against the hand-written SQL a
// person would write for every figure it shows (the references below: FILTER aggregates and grouping sets over
// lines, entries and accounts in one pass; count(distinct) over the donations for the muzaki). Every figure of
// both answers is compared before time counts. Headline per report: reference ms / report ms (above 1: the
// report is faster), best of `--rounds`.
import assert from 'node:assert/strict';
import type { Queryable } from '../src/db/database.ts';
import type { PostgresDatabase } from '../src/db/postgres.ts';
import { findTotalsMismatches } from '../src/campaigns/queries.ts';
import { findLedgerProblems } from '../src/ledger/verify.ts';
import { accountTotals } from '../src/reports/queries.ts';
import { baznasReport, changesReport } from '../src/reports/routes.ts';
import { financialPosition, trialBalance, type FundStatement, type Period, type Position, type TrialBalance } from '../src/reports/logic.ts';
import { BATCH_TOTALS_TABLE, FIRST_DAY, generateDonations } from './donation-data.ts';
import type { BenchContext, BenchResult } from './run.ts';

export const name = 'reports';

const ROWS = 10_000_000;
const QUICK_ROWS = 200_000;
const CAMPAIGNS = 50;
const DONORS = 500_000;
const ROUNDS = 3;

/** The amil share rate of a campaign's fund (over `c.fund`): zakat 12.5%, infak/sedekah 10%, the rest none. */
const AMIL_RATE_BP_SQL = `case ledger_fund(c.fund) when 'zakat' then 1250 when 'infak_sedekah' then 1000 else 0 end`;

/**
 * The import entries the donations already name (bench/donation-data.ts numbers them per campaign per day), with
 * their lines and accounts, from the per-batch totals the load kept: a few thousand rows, not a pass over the
 * donations. The balance triggers of migration 0010 check every entry at commit. Then the sequence moves past the
 * ids taken, as a posting that drew them from it would have left it.
 */
async function post(database: PostgresDatabase, firstEntryId: bigint, log: (message: string) => void): Promise<{ postMs: number; analyzeMs: number }> {
  const started = performance.now();
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    await client.query('begin');
    await client.query(
      `create temp table bench_postings on commit drop as
       select t.entry_id, t.campaign_id, c.currency, ledger_fund(c.fund) as fund, ${AMIL_RATE_BP_SQL} as rate_bp,
              timestamptz '${FIRST_DAY.toISOString()}' + ((t.entry_id - $1::bigint) / $2::bigint) * interval '1 day' as day,
              sum(t.amount_minor)::bigint as amount_minor, sum(t.share_minor)::bigint as share_minor, sum(t.donations)::bigint as donations
         from ${BATCH_TOTALS_TABLE} t join campaigns c on c.id = t.campaign_id group by 1, 2, 3, 4, 5`, [firstEntryId, CAMPAIGNS]);
    await client.query(`insert into ledger_entries (id, kind, campaign_id, amil_rate_bp, posted_at)
                        select entry_id, 'import', campaign_id, rate_bp, day + interval '12 hours' from bench_postings order by entry_id`);
    await client.query(
      `insert into ledger_accounts (campaign_id, kind, name, currency, balance_minor)
       select campaign_id, 'clearing', 'import', currency, sum(amount_minor) from bench_postings group by 1, 4
       union all select campaign_id, 'fund', fund, currency, -sum(amount_minor - share_minor) from bench_postings group by 1, 3, 4
       union all select campaign_id, 'fund', 'amil', currency, -sum(share_minor) from bench_postings group by 1, 4 having sum(share_minor) > 0`);
    await client.query(
      `insert into ledger_lines (entry_id, account_id, currency, amount_minor)
       select p.entry_id, a.id, p.currency, l.amount_minor
         from bench_postings p
         cross join lateral (values ('clearing', 'import', p.amount_minor, 1), ('fund', p.fund, -p.amount_minor, 2),
                                    ('fund', p.fund, p.share_minor, 3), ('fund', 'amil', -p.share_minor, 4)) l(kind, name, amount_minor, position)
         join ledger_accounts a on a.campaign_id = p.campaign_id and a.kind = l.kind and a.name = l.name and a.currency = p.currency
        where l.amount_minor <> 0 order by p.entry_id, l.position`);
    await client.query(`select setval('ledger_entries_id_seq', (select max(id) from ledger_entries))`);
    await client.query('commit');
  });
  const postMs = performance.now() - started;
  log(`entries, lines and accounts posted in ${(postMs / 1000).toFixed(1)} s`);
  const analyzeStarted = performance.now();
  await database.withClient(async (client) => {
    await client.query('set statement_timeout = 0');
    for (const table of ['ledger_entries', 'ledger_lines', 'ledger_accounts']) await client.query(`vacuum analyze ${table}`);
  });
  return { postMs, analyzeMs: performance.now() - analyzeStarted };
}

/**
 * What `amanah verify` proves (campaign totals; entries balance; account balances; every approved donation names a
 * receipt entry of its campaign whose clearing lines equal the donations naming it), and beside it that each
 * donation's entry is posted on the donation's day and no donation that is not approved names one.
 */
async function checkPostings(database: PostgresDatabase): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query('set local statement_timeout = 0');
    assert.deepEqual(await findTotalsMismatches(tx), [], 'campaign totals');
    assert.deepEqual(await findLedgerProblems(tx), [], 'ledger');
    const { rows: [check] } = await tx.query<{ misdated: bigint; unapproved: bigint }>(
      `select (select count(*) from donations d join ledger_entries e on e.id = d.ledger_entry_id
                where date_trunc('day', d.donated_at at time zone 'UTC') <> date_trunc('day', e.posted_at at time zone 'UTC')) as misdated,
              (select count(*) from donations where status <> 'approved' and ledger_entry_id is not null) as unapproved`);
    assert.equal(check!.misdated, 0n, 'each donation\'s entry is posted on its day');
    assert.equal(check!.unapproved, 0n, 'no donation that is not approved names an entry');
  });
}

// The hand-written references (issue 13): each yields every figure its report shows, in as few statements as a
// person writing them would use, and run() compares every figure before time counts. The receipt entry kinds are
// RECEIPTS; a refund reverses one. Changes in funds: one pass of FILTER aggregates over the lines, entries and
// accounts, each figure its own predicate, with a channel's receipts (the clearing debits of a receipt entry) put
// under the fund that entry credited (its one credit line to a fund other than amil); the closing is the sum of
// the fund lines before `to`. Distributions by asnaf and by program: the paid disbursements, one grouping set
// each. Trial balance and position: one pass over the lines before `at`, a grouping set per figure the two
// reports show. BAZNAS: the changes reference over the year, and the muzaki over the donations with the mustahik
// over the paid disbursements in one statement. Over a 55k-line ledger (the 10M bench's size, 150 days, load 2–3)
// the changes reference's one statement took 74.3 ms, and written as two (the fund figures, then the channels by
// a join) 53.7 + 22.5 ms: one statement, as fewer is what a person writes and it is no slower.
const RECEIPTS = `('opening', 'approval', 'import')`;
const ENTRY_KINDS = `('opening', 'approval', 'import', 'refund', 'reversal', 'disbursement_reserve', 'disbursement_payment', 'disbursement_release')`;
const CHANGES_REFERENCE = `
  select coalesce(fa.name, a.name) as fund, l.currency,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at < $1), 0)::bigint as opening,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and e.kind in ${RECEIPTS} and a.name <> 'amil' and l.amount_minor < 0), 0)::bigint as receipts,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and (e.kind in ${RECEIPTS} or e.kind = 'refund') and a.name = 'amil'), 0)::bigint as amil_share_in,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and a.name <> 'amil'
                                                 and (e.kind in ${RECEIPTS} and l.amount_minor > 0 or e.kind = 'refund' and l.amount_minor < 0)), 0)::bigint as amil_share_out,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and e.kind = 'refund' and a.name <> 'amil' and l.amount_minor > 0), 0)::bigint as refunds,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and e.kind = 'disbursement_payment'), 0)::bigint as distributions,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and e.kind = 'reversal'), 0)::bigint as corrections,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing' and e.posted_at >= $1 and e.kind not in ${ENTRY_KINDS}), 0)::bigint as other,
         coalesce(sum(l.amount_minor) filter (where a.kind = 'clearing' and a.name = 'api'), 0)::bigint as api,
         coalesce(sum(l.amount_minor) filter (where a.kind = 'clearing' and a.name = 'import'), 0)::bigint as import,
         coalesce(sum(l.amount_minor) filter (where a.kind = 'clearing' and a.name = 'manual'), 0)::bigint as manual,
         coalesce(-sum(l.amount_minor) filter (where a.kind <> 'clearing'), 0)::bigint as closing
    from ledger_lines l join ledger_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
    left join (ledger_lines fl join ledger_accounts fa on fa.id = fl.account_id and fa.kind = 'fund' and fa.name <> 'amil')
           on a.kind = 'clearing' and fl.entry_id = l.entry_id and fl.amount_minor < 0
   where e.posted_at < $2 and (a.kind in ('fund', 'reserved') or a.kind = 'clearing' and e.kind in ${RECEIPTS} and e.posted_at >= $1)
   group by 1, 2`;
const DISTRIBUTIONS_REFERENCE = `
  select d.fund, d.currency, coalesce(d.asnaf, 'none') as asnaf, p.id as program_id, p.name as program, sum(d.amount_minor)::bigint as amount_minor
    from disbursements d join ledger_entries e on e.id = d.ledger_entry_id join distribution_programs p on p.id = d.program_id
   where d.status = 'paid' and e.posted_at >= $1 and e.posted_at < $2
   group by grouping sets ((d.fund, d.currency, coalesce(d.asnaf, 'none')), (d.fund, d.currency, p.id, p.name))`;
const TRIAL_REFERENCE = `
  select l.currency, a.kind, a.name, s.side, s.item, grouping(a.kind, a.name, s.side, s.item) as level,
         coalesce(sum(l.amount_minor) filter (where l.amount_minor > 0), 0)::bigint as debit_minor,
         coalesce(-sum(l.amount_minor) filter (where l.amount_minor < 0), 0)::bigint as credit_minor
    from ledger_lines l join ledger_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
    cross join lateral (select case when a.kind in ('clearing', 'payout') then 'asset' else 'fund' end as side,
                               case when a.kind in ('clearing', 'payout') then a.kind || ':' || a.name else a.name end as item) s
   where e.posted_at < $1
   group by grouping sets ((l.currency, a.kind, a.name), (l.currency, s.side, s.item), (l.currency, s.side), (l.currency))`;
/** TRIAL_REFERENCE's grouping() levels (bits kind, name, side, item; 1 = not grouped by). */
const TRIAL_LEVEL = { account: 0b0011, item: 0b1100, side: 0b1101, currency: 0b1111 } as const;
const COUNTS_REFERENCE = `
  select (select (count(distinct d.donor_id) + count(*) filter (where d.donor_id is null))::bigint from donations d join campaigns c on c.id = d.campaign_id
           where c.fund = 'zakat' and d.status = 'approved' and d.donated_at >= $1 and d.donated_at < $2) as muzaki,
         (select count(distinct d.mustahik_id)::bigint from disbursements d join ledger_entries e on e.id = d.ledger_entry_id
           where d.status = 'paid' and e.posted_at >= $1 and e.posted_at < $2) as mustahik`;

interface ChangesReferenceRow {
  fund: string; currency: string; opening: bigint; receipts: bigint; amil_share_in: bigint; amil_share_out: bigint; refunds: bigint;
  distributions: bigint; corrections: bigint; other: bigint; api: bigint; import: bigint; manual: bigint; closing: bigint;
}
interface DistributionReferenceRow { fund: string; currency: string; asnaf: string; program_id: bigint | null; program: string | null; amount_minor: bigint }
interface TrialReferenceRow { currency: string; kind: string | null; name: string | null; side: string | null; item: string | null; level: number; debit_minor: bigint; credit_minor: bigint }

/** Every figure of a statement of changes in funds, as plain values (the breakdowns sorted), for deepEqual. */
interface ChangesFigures {
  opening: bigint; receipts: bigint; amil_share_in: bigint; amil_share_out: bigint; refunds: bigint; distributions: bigint; corrections: bigint; other: bigint;
  api: bigint; import: bigint; manual: bigint; byAsnaf: [string, bigint][]; byProgram: [string, bigint][]; closing: bigint;
}

const sorted = (entries: Iterable<[string, bigint]>) => [...entries].sort((a, b) => a[0].localeCompare(b[0]));

function reportChangesFigures(statements: readonly FundStatement[]): Map<string, ChangesFigures> {
  return new Map(statements.map((s) => [`${s.fund}|${s.currency}`, {
    opening: s.openingMinor, ...s.movementsMinor, ...s.receiptsByChannelMinor,
    byAsnaf: sorted(s.distributionsByAsnafMinor), byProgram: sorted([...s.distributionsByProgram.values()].map((p) => [`${p.programId}:${p.name}`, p.amountMinor])),
    closing: s.closingMinor,
  }]));
}

function referenceChangesFigures(funds: readonly ChangesReferenceRow[], distributed: readonly DistributionReferenceRow[]): Map<string, ChangesFigures> {
  const figures = new Map(funds.map(({ fund, currency, ...rest }) => [`${fund}|${currency}`, { ...rest, byAsnaf: [] as [string, bigint][], byProgram: [] as [string, bigint][] }]));
  for (const row of distributed) {
    const of = figures.get(`${row.fund}|${row.currency}`);
    assert.ok(of, `distributions of ${row.fund} ${row.currency}, a fund with no lines`);
    if (row.program_id === null) of.byAsnaf.push([row.asnaf, row.amount_minor]);
    else of.byProgram.push([`${row.program_id}:${row.program}`, row.amount_minor]);
  }
  for (const of of figures.values()) { of.byAsnaf = sorted(of.byAsnaf); of.byProgram = sorted(of.byProgram); }
  return figures;
}

/** The changes reference's two statements (run in one snapshot, as the report reads: two statements need one). */
async function changesReference(db: Queryable, period: Period): Promise<{ funds: ChangesReferenceRow[]; distributed: DistributionReferenceRow[] }> {
  return {
    funds: (await db.query<ChangesReferenceRow>(CHANGES_REFERENCE, [period.from, period.to])).rows,
    distributed: (await db.query<DistributionReferenceRow>(DISTRIBUTIONS_REFERENCE, [period.from, period.to])).rows,
  };
}

function assertChangesEqual(statements: readonly FundStatement[], reference: { funds: ChangesReferenceRow[]; distributed: DistributionReferenceRow[] }, what: string): void {
  const byKey = (figures: Map<string, ChangesFigures>) => [...figures].sort((a, b) => a[0].localeCompare(b[0]));
  assert.deepEqual(byKey(reportChangesFigures(statements)), byKey(referenceChangesFigures(reference.funds, reference.distributed)), what);
}

/** The trial balance's accounts and totals and the position's items and totals, from the report and from TRIAL_REFERENCE, for deepEqual. */
function assertTrialEqual(report: { trial: TrialBalance; positions: Position[] }, rows: readonly TrialReferenceRow[], what: string): void {
  const at = (level: number) => rows.filter((row) => row.level === level);
  const reportFigures = {
    accounts: report.trial.accounts.map((a) => `${a.currency} ${a.kind}:${a.name} ${a.debit_minor} ${a.credit_minor} ${a.balance_minor}`).sort(),
    totals: report.trial.totals.map((t) => `${t.currency} ${t.debitMinor} ${t.creditMinor}`).sort(),
    items: report.positions.flatMap((p) => [...p.assets.map((a) => `${p.currency} asset ${a.account} ${a.amountMinor}`), ...p.funds.map((f) => `${p.currency} fund ${f.fund} ${f.amountMinor}`)]).sort(),
    sides: report.positions.flatMap((p) => [`${p.currency} asset ${p.assetsMinor}`, `${p.currency} fund ${p.fundsMinor}`]).sort(),
  };
  // An asset is its balance (debits less credits); a fund, and the funds' total, the credits less debits.
  const amount = (row: TrialReferenceRow) => row.side === 'asset' ? row.debit_minor - row.credit_minor : row.credit_minor - row.debit_minor;
  const referenceFigures = {
    accounts: at(TRIAL_LEVEL.account).map((r) => `${r.currency} ${r.kind}:${r.name} ${r.debit_minor} ${r.credit_minor} ${r.debit_minor - r.credit_minor}`).sort(),
    totals: at(TRIAL_LEVEL.currency).map((r) => `${r.currency} ${r.debit_minor} ${r.credit_minor}`).sort(),
    items: at(TRIAL_LEVEL.item).map((r) => `${r.currency} ${r.side} ${r.item} ${amount(r)}`).sort(),
    // A currency with no asset lines (or no fund lines) has a zero total on that side in the report.
    sides: [...new Set(rows.map((r) => r.currency))].flatMap((c) => ['asset', 'fund'].map((side) => {
      const row = at(TRIAL_LEVEL.side).find((r) => r.currency === c && r.side === side);
      return `${c} ${side} ${row === undefined ? 0n : amount(row)}`;
    })).sort(),
  };
  assert.deepEqual(reportFigures, referenceFigures, what);
}

/** What the bench times for the position and the trial balance: both, from one read of the account totals. */
async function positionAndTrial(db: Queryable, at: Date): Promise<{ trial: TrialBalance; positions: Position[] }> {
  const trial = trialBalance(await accountTotals(db, at));
  return { trial, positions: financialPosition(trial) };
}

/**
 * Every figure of each report against its reference, over `period` and at `at`, in the caller's snapshot: the
 * bench at the period's end (run() times the rest), and test/reports on data with refunds, a disbursement and
 * every channel, which the generated donations lack.
 */
export async function assertReferencesAgree(db: Queryable, period: Period, at: Date): Promise<void> {
  assertChangesEqual(await changesReport(db, period), await changesReference(db, period), 'changes in funds: report and reference');
  assertTrialEqual(await positionAndTrial(db, at), (await db.query<TrialReferenceRow>(TRIAL_REFERENCE, [at])).rows, 'position and trial balance: report and reference');
  const baznas = await baznasReport(db, period);
  const { rows: [counts] } = await db.query<{ muzaki: bigint; mustahik: bigint }>(COUNTS_REFERENCE, [period.from, period.to]);
  assert.deepEqual({ muzaki: baznas.muzaki, mustahik: baznas.mustahik }, counts, 'BAZNAS counts: report and reference');
}

async function best<T>(rounds: number, work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  let result: { value: T; ms: number } | undefined;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    const value = await work();
    const ms = performance.now() - started;
    if (result === undefined || ms < result.ms) result = { value, ms };
  }
  return result!;
}

const snapshot = <T>(database: PostgresDatabase, work: (db: Queryable) => Promise<T>) => database.transaction(async (tx) => {
  await tx.query('set transaction isolation level repeatable read, read only');
  return work(tx);
});

export async function run(context: BenchContext): Promise<BenchResult> {
  const rows = context.integerOption('rows', context.quick ? QUICK_ROWS : ROWS, 10_000, 100_000_000);
  const rounds = context.integerOption('rounds', context.quick ? 1 : ROUNDS, 1, 20);
  const { database } = context;
  const { rows: [sequence] } = await database.query<{ id: bigint }>(`select nextval('ledger_entries_id_seq') as id`);
  const firstEntryId = sequence!.id;
  const data = await generateDonations(database, {
    campaigns: CAMPAIGNS, donations: rows, firstCampaignDonations: Math.floor(rows / CAMPAIGNS), donors: DONORS,
    ledger: { firstEntryId, amilRateBpSql: AMIL_RATE_BP_SQL },
  }, context.log, context.signal);
  const { postMs, analyzeMs: ledgerAnalyzeMs } = await post(database, firstEntryId, context.log);
  const checkStarted = performance.now();
  await checkPostings(database);
  context.log(`postings checked in ${((performance.now() - checkStarted) / 1000).toFixed(1)} s`);
  // Periods inside the data (one month of donations a million, from 1 March 2025).
  const days = Math.max(2, Math.floor(rows / 1_000_000 * 30));
  const period: Period = { from: new Date(Date.UTC(2025, 2, 1 + Math.floor(days / 4))), to: new Date(Date.UTC(2025, 2, 1 + Math.floor(days * 3 / 4))) };
  const year: Period = { from: new Date(Date.UTC(2025, 0, 1)), to: new Date(Date.UTC(2026, 0, 1)) };
  const now = new Date();

  const changes = await best(rounds, () => snapshot(database, (db) => changesReport(db, period)));
  const changesRef = await best(rounds, () => snapshot(database, (db) => changesReference(db, period)));
  assertChangesEqual(changes.value, changesRef.value, 'changes in funds: report and reference');

  // Timed at now (the routes' default); compared at the period's end too (below), where the cut leaves lines out.
  const trial = await best(rounds, () => snapshot(database, (db) => positionAndTrial(db, now)));
  const trialRef = await best(rounds, () => database.query<TrialReferenceRow>(TRIAL_REFERENCE, [now]));
  assertTrialEqual(trial.value, trialRef.value.rows, 'position and trial balance at now: report and reference');
  await snapshot(database, (db) => assertReferencesAgree(db, period, period.to));

  const baznas = await best(rounds, () => snapshot(database, (db) => baznasReport(db, year)));
  const baznasRef = await best(rounds, () => snapshot(database, async (db) => ({
    changes: await changesReference(db, year), counts: (await db.query<{ muzaki: bigint; mustahik: bigint }>(COUNTS_REFERENCE, [year.from, year.to])).rows[0]!,
  })));
  assertChangesEqual(baznas.value.statements, baznasRef.value.changes, 'BAZNAS funds: report and reference');
  assert.deepEqual({ muzaki: baznas.value.muzaki, mustahik: baznas.value.mustahik }, baznasRef.value.counts, 'BAZNAS counts: report and reference');
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const ratio = (reference: number, report: number) => Math.round((reference / report) * 100) / 100;
  const figures = {
    rows, campaigns: CAMPAIGNS, entries: Number((await database.query<{ n: bigint }>('select count(*) as n from ledger_entries')).rows[0]!.n),
    load_s: seconds(data.loadMs), generate_s: seconds(data.generateMs), index_s: seconds(data.indexMs), totals_s: seconds(data.totalsMs),
    analyze_s: seconds(data.analyzeMs + ledgerAnalyzeMs), post_s: seconds(postMs), period_days: Math.round((period.to.getTime() - period.from.getTime()) / 86_400_000),
    changes_ms: Math.round(changes.ms), changes_reference_ms: Math.round(changesRef.ms), changes_ratio: ratio(changesRef.ms, changes.ms),
    position_trial_ms: Math.round(trial.ms), position_trial_reference_ms: Math.round(trialRef.ms), position_trial_ratio: ratio(trialRef.ms, trial.ms),
    baznas_ms: Math.round(baznas.ms), baznas_reference_ms: Math.round(baznasRef.ms), baznas_ratio: ratio(baznasRef.ms, baznas.ms),
    muzaki: String(baznas.value.muzaki), rounds,
  };
  context.log(JSON.stringify(figures));
  return {
    name, workload: `changes in funds ${figures.changes_ms} ms, position ${figures.position_trial_ms} ms, BAZNAS ${figures.baznas_ms} ms over ${rows.toLocaleString('en')} donations`,
    reference: `hand-written SQL ${figures.changes_reference_ms} / ${figures.position_trial_reference_ms} / ${figures.baznas_reference_ms} ms`,
    ratio: figures.baznas_ratio, figures,
    notes: 'ratio: reference ms / report ms, best of rounds; headline is BAZNAS (the one that reads the donations); each report\'s own ratio in figures',
  };
}
