// What `amanah verify` proves about the ledger, beside the campaign totals (campaigns/queries.ts): every entry
// balances per currency and has lines; every account's maintained balance is the sum of its lines; each
// campaign's total equals its receipt postings (the clearing accounts, which only receipts and refunds move);
// every approved donation names a receipt entry of its campaign, and each receipt entry's clearing lines equal
// the donations that name it. Each check is one query that reads what it needs once (full scans: verify is an
// audit, not a hot path) and answers the rows at fault, at most `problemsMax` of them.
import type { Queryable } from '../db/database.ts';

/** What `amanah verify` says when every ledger check passes. */
export const LEDGER_VERIFIED = 'every ledger entry balances per currency; every account balance equals the sum of its lines; every campaign total equals its receipt postings; every approved donation names the entry that posted it';

/** At most this many faults are reported per check: one is enough to fail, a few help find the cause. */
export const LEDGER_PROBLEMS_MAX = 20;

export interface LedgerProblem {
  check: 'entry_unbalanced' | 'entry_without_lines' | 'account_balance' | 'campaign_postings' | 'donation_entry' | 'entry_donations';
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
            left join (select refund_entry_id, sum(amount_minor) as total from donations
                        where refund_entry_id is not null group by refund_entry_id) d on d.refund_entry_id = e.id
           where e.kind = 'refund' and -coalesce(l.total, 0) <> coalesce(d.total, 0)
           order by e.id limit $1`,
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
