// What `amanah verify` proves about the ledger, beside the campaign totals (campaigns/queries.ts): every entry
// balances per currency and has lines; every account's maintained balance is the sum of its lines; each
// campaign's total equals its receipt postings (the clearing accounts, which only receipts and refunds move);
// every approved donation names a receipt entry of its campaign, and each receipt entry's clearing lines equal
// the donations that name it; no fund or reserved account is below zero; every approved or paid disbursement names
// the entries that reserved and paid it, and each campaign's reservations equal its approved, unpaid disbursements. Each check is one query that reads what it needs once (full scans: verify is an
// audit, not a hot path) and answers the rows at fault, at most `problemsMax` of them.
import type { Queryable } from '../db/database.ts';

/** What `amanah verify` says when every ledger check passes. */
export const LEDGER_VERIFIED = 'every ledger entry balances per currency; every account balance equals the sum of its lines; every campaign total equals its receipt postings; every approved donation names the entry that posted it; no fund balance is below zero; every approved and paid disbursement names its entries and every reservation is accounted for';

/** At most this many faults are reported per check: one is enough to fail, a few help find the cause. */
export const LEDGER_PROBLEMS_MAX = 20;

export interface LedgerProblem {
  check: 'entry_unbalanced' | 'entry_without_lines' | 'account_balance' | 'campaign_postings' | 'donation_entry' | 'entry_donations'
    | 'fund_negative' | 'disbursement_entry' | 'reserved_balance';
  detail: string;
}

const CHECKS: readonly { check: LedgerProblem['check']; sql: string }[] = [
  {
    check: 'entry_unbalanced',
    sql: `select format('entry %s: its %s lines sum to %s', entry_id, currency, sum(amount_minor)) as detail
            from ledger_lines group by entry_id, currency having sum(amount_minor) <> 0 order by entry_id limit $1`,
  },
  {
    check: 'entry_without_lines',
    sql: `select format('entry %s has no lines', e.id) as detail from ledger_entries e
           where not exists (select from ledger_lines l where l.entry_id = e.id) order by e.id limit $1`,
  },
  {
    check: 'account_balance',
    sql: `select format('account %s (campaign %s, %s %s %s): balance %s, its lines sum to %s', a.id, a.campaign_id, a.kind, a.name,
                        a.currency, a.balance_minor, coalesce(s.total, 0)) as detail
            from ledger_accounts a left join (select account_id, sum(amount_minor) as total from ledger_lines group by account_id) s
              on s.account_id = a.id
           where a.balance_minor <> coalesce(s.total, 0) order by a.id limit $1`,
  },
  {
    // Clearing lines only ever record receipts (debits) and refunds (credits): their sum is what was raised.
    check: 'campaign_postings',
    sql: `select format('campaign %s (%s): raised %s, its receipt postings sum to %s', c.slug, c.id, c.raised_minor, coalesce(p.total, 0)) as detail
            from campaigns c left join (
              select a.campaign_id, sum(l.amount_minor) as total from ledger_lines l join ledger_accounts a on a.id = l.account_id
               where a.kind = 'clearing' group by a.campaign_id) p on p.campaign_id = c.id
           where c.raised_minor <> coalesce(p.total, 0) order by c.id limit $1`,
  },
  {
    check: 'donation_entry',
    sql: `select format('donation %s (%s) names receipt entry %s, which %s', d.id, d.status, coalesce(d.ledger_entry_id::text, 'none'),
                        case when e.id is null then 'does not exist' else 'is not a receipt of its campaign' end) as detail
            from donations d left join ledger_entries e on e.id = d.ledger_entry_id
           -- A donation refunded before the ledger netted to nothing and names no entry (migration 0011).
           where (d.status = 'approved' or (d.status = 'refunded' and d.ledger_entry_id is not null))
             and (e.id is null or e.campaign_id <> d.campaign_id or e.kind not in ('opening', 'approval', 'import')
                  or (d.status = 'refunded' and d.refund_entry_id is null))
           order by d.id limit $1`,
  },
  {
    check: 'entry_donations',
    sql: `select format('receipt entry %s: clearing debits %s, its donations sum to %s', e.id, coalesce(l.total, 0), coalesce(d.total, 0)) as detail
            from ledger_entries e
            left join (select entry_id, sum(amount_minor) as total from ledger_lines l join ledger_accounts a on a.id = l.account_id
                        where a.kind = 'clearing' group by entry_id) l on l.entry_id = e.id
            left join (select ledger_entry_id, sum(amount_minor) as total from donations
                        where ledger_entry_id is not null and status in ('approved', 'refunded') group by ledger_entry_id) d on d.ledger_entry_id = e.id
           where e.kind in ('opening', 'approval', 'import') and coalesce(l.total, 0) <> coalesce(d.total, 0)
           order by e.id limit $1`,
  },
  {
    check: 'entry_donations',
    sql: `select format('refund entry %s: clearing credits %s, its refunded donations sum to %s', e.id, -coalesce(l.total, 0), coalesce(d.total, 0)) as detail
            from ledger_entries e
            left join (select entry_id, sum(amount_minor) as total from ledger_lines l join ledger_accounts a on a.id = l.account_id
                        where a.kind = 'clearing' group by entry_id) l on l.entry_id = e.id
            -- A full refund reverses what partial refunds left; each partial one names its entry (migration 0018).
            left join (select entry_id, sum(amount) as total from (
                         select refund_entry_id as entry_id, amount_minor - refunded_minor as amount from donations where refund_entry_id is not null
                         union all select entry_id, amount_minor from donation_refunds) r group by entry_id) d on d.entry_id = e.id
           where e.kind = 'refund' and -coalesce(l.total, 0) <> coalesce(d.total, 0)
           order by e.id limit $1`,
  },
  {
    // Fund and reserved accounts are credit-normal: a positive balance is a fund spent below zero (migration 0016).
    check: 'fund_negative',
    sql: `select format('account %s (campaign %s, %s:%s %s) is below zero: balance %s', id, campaign_id, kind, name, currency, balance_minor) as detail
            from ledger_accounts where kind in ('fund', 'reserved') and balance_minor > 0 order by id limit $1`,
  },
  {
    // Each approved or paid disbursement names its reservation (fund debit of its amount), each paid one its payment
    // (reserved debit of its amount), each cancelled-after-approval one its release; every disbursement entry is named.
    check: 'disbursement_entry',
    sql: `with expected as (
            select id, campaign_id, amount_minor, reservation_entry_id as entry_id, 'disbursement_reserve' as kind, 'fund' as account_kind
              from disbursements where status in ('approved', 'paid') or release_entry_id is not null
            union all
            select id, campaign_id, amount_minor, ledger_entry_id, 'disbursement_payment', 'reserved' from disbursements where status = 'paid'
            union all
            select id, campaign_id, amount_minor, release_entry_id, 'disbursement_release', 'reserved' from disbursements where release_entry_id is not null
          ), found as (
            select x.id, x.kind, x.amount_minor, e.id as entry_id, e.kind as entry_kind, e.campaign_id as entry_campaign,
                   (select sum(l.amount_minor) from ledger_lines l join ledger_accounts a on a.id = l.account_id
                     where l.entry_id = e.id and a.kind = x.account_kind and l.amount_minor > 0) as debit_minor, x.campaign_id
              from expected x left join ledger_entries e on e.id = x.entry_id
          )
          select format('disbursement %s: its %s entry %s %s', id, kind, coalesce(entry_id::text, 'none'),
                        case when entry_id is null then 'does not exist' else format('is a %s of campaign %s debiting %s, not %s', entry_kind, entry_campaign, debit_minor, amount_minor) end) as detail
            from found
           where entry_id is null or entry_kind <> kind or entry_campaign <> campaign_id or debit_minor is distinct from amount_minor
          union all
          select format('%s entry %s is named by no disbursement', e.kind, e.id) from ledger_entries e
           where e.kind in ('disbursement_reserve', 'disbursement_payment', 'disbursement_release')
             and not exists (select from disbursements d where e.id in (d.reservation_entry_id, d.ledger_entry_id, d.release_entry_id))
          limit $1`,
  },
  {
    // What a campaign's reserved:<fund> account holds is what its approved, unpaid disbursements of that fund sum to.
    check: 'reserved_balance',
    sql: `select format('campaign %s: reserved:%s %s holds %s, its approved unpaid disbursements sum to %s',
                        coalesce(a.campaign_id, d.campaign_id), coalesce(a.name, d.fund), coalesce(a.currency, d.currency), coalesce(-a.balance_minor, 0), coalesce(d.total, 0)) as detail
            from (select * from ledger_accounts where kind = 'reserved') a
            full join (select campaign_id, fund, currency, sum(amount_minor) as total from disbursements where status = 'approved'
                        group by campaign_id, fund, currency) d
              on d.campaign_id = a.campaign_id and d.fund = a.name and d.currency = a.currency
           where coalesce(-a.balance_minor, 0) <> coalesce(d.total, 0) limit $1`,
  },
];

/** Every ledger fault found, check by check; empty when the ledger agrees with itself, the totals and the donations. */
export async function findLedgerProblems(db: Queryable, problemsMax = LEDGER_PROBLEMS_MAX): Promise<LedgerProblem[]> {
  const problems: LedgerProblem[] = [];
  for (const { check, sql } of CHECKS) {
    const { rows } = await db.query<{ detail: string }>(sql, [problemsMax]);
    for (const row of rows) problems.push({ check, detail: row.detail });
  }
  return problems;
}
