// SQL for the reports. Fund figures come from the ledger (migrations 0010, 0016): one entry per approval batch,
// import batch or refund batch per campaign, so its lines are far fewer than the donations (10M donations
// approved in 5,000-row batches over 50 campaigns are ~100k entries). Distributions by asnaf and program come
// from the paid disbursements (migration 0016), dated by the entry that posted their payment so the two agree.
// Counts of muzaki read the donations: the only figure that scans them (bench/reports.ts has its cost).
import type { Queryable } from '../db/database.ts';
import type { AccountTotalRow, BalanceRow, ChannelRow, DistributionRow, MovementRow, Period } from './logic.ts';

const RECEIPT_KINDS = `('opening', 'approval', 'import')`;

/**
 * Each fund's lines up to `to`, summed by movement, and beside them its closing balance. A fund's balance is
 * fund:<fund> + reserved:<fund> (migration 0016: reserved money is still the fund's until paid). Lines before
 * `from` are the opening balance. In a receipt entry a fund's credit is the receipt and its debit the amil share
 * out; in a refund entry its debit is the refund and its credit the share returned; the amil fund's lines are the
 * share in (or back out).
 *
 * The closing is the grouping set (fund, currency): the database's own sum of the same lines with no category, so
 * opening + movements = closing (changesInFunds) still checks that every line lands in exactly one figure shown
 * (a category the statement drops, an internal move that does not net to zero) and the assembly in logic.ts. It
 * was a second statement with the same WHERE in the same snapshot; the one thing that read caught besides is the
 * two WHERE texts drifting apart, which one statement cannot. Measured over a 55k-line ledger (the 10M bench's
 * size, 15k entries, a 150-day period; best of 7, load 2–3): movements 28.2 ms + closing read 19.3 ms, against
 * 29.9 ms for this one statement. Folding receiptsByChannel in as well (a window over each entry's lines for its
 * fund) took 65.5 ms, more than the two statements apart (29.9 + 21.6).
 */
export async function fundMovements(db: Queryable, period: Period): Promise<{ movements: MovementRow[]; closings: BalanceRow[] }> {
  const { rows } = await db.query<MovementRow | (BalanceRow & { category: null })>(
    `select a.name as fund, l.currency,
            case when e.posted_at < $1 then 'opening'
                 when e.kind in ${RECEIPT_KINDS} or e.kind = 'refund' then
                   case when a.name = 'amil' then 'amil_share_in'
                        when e.kind <> 'refund' and l.amount_minor < 0 then 'receipts'
                        when e.kind = 'refund' and l.amount_minor > 0 then 'refunds'
                        else 'amil_share_out' end
                 when e.kind = 'disbursement_payment' then 'distributions'
                 when e.kind in ('disbursement_reserve', 'disbursement_release') then 'internal'
                 when e.kind = 'reversal' then 'corrections'
                 else 'other' end as category,
            (-sum(l.amount_minor))::bigint as amount_minor
       from ledger_lines l join ledger_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
      where e.posted_at < $2 and a.kind in ('fund', 'reserved')
      group by grouping sets ((1, 2, 3), (1, 2))`, [period.from, period.to]);
  const movements: MovementRow[] = [];
  const closings: BalanceRow[] = [];
  for (const row of rows) {
    if (row.category === null) closings.push({ fund: row.fund, currency: row.currency, amount_minor: row.amount_minor });
    else movements.push(row);
  }
  return { movements, closings };
}

/**
 * Receipts by channel: the clearing debits of the receipt entries in the period, under the fund the entry
 * credited, not the campaign's fund today, which an edit could have changed. That fund is the entry's one credit
 * line to a fund other than amil: postingCtes (ledger/queries.ts) and the opening entries (migration 0011) write
 * one per entry, each entry of one fund. Were there two, the receipts here would double and changesInFunds would
 * refuse the statement (receipts by channel are not receipts), not show it. A join on that line, against a
 * lateral LIMIT 1 over the entry's lines per entry: 21.6 against 115.6 ms over the 55k-line ledger above (7,500
 * receipt entries in the period; the lateral probed the lines and the accounts once per entry).
 */
export async function receiptsByChannel(db: Queryable, period: Period): Promise<ChannelRow[]> {
  const { rows } = await db.query<ChannelRow>(
    `select fa.name as fund, l.currency, a.name as channel, sum(l.amount_minor)::bigint as amount_minor
       from ledger_entries e
       join ledger_lines l on l.entry_id = e.id join ledger_accounts a on a.id = l.account_id and a.kind = 'clearing'
       join ledger_lines fl on fl.entry_id = e.id and fl.amount_minor < 0
       join ledger_accounts fa on fa.id = fl.account_id and fa.kind = 'fund' and fa.name <> 'amil'
      where e.kind in ${RECEIPT_KINDS} and e.posted_at >= $1 and e.posted_at < $2
      group by 1, 2, 3`, [period.from, period.to]);
  return rows;
}

/** Paid disbursements whose payment entry was posted in the period, by fund, currency, asnaf and program. */
export async function distributions(db: Queryable, period: Period): Promise<DistributionRow[]> {
  const { rows } = await db.query<DistributionRow>(
    `select d.fund, d.currency, coalesce(d.asnaf, 'none') as asnaf, d.program_id, p.name as program,
            sum(d.amount_minor)::bigint as amount_minor, count(*) as disbursements
       from disbursements d join ledger_entries e on e.id = d.ledger_entry_id join distribution_programs p on p.id = d.program_id
      where d.status = 'paid' and e.posted_at >= $1 and e.posted_at < $2
      group by 1, 2, 3, 4, 5 order by 1, 2, 3, 4`, [period.from, period.to]);
  return rows;
}

/** Every account kind:name per currency, summed over campaigns, up to `at`: debits and credits (both positive). */
export async function accountTotals(db: Queryable, at: Date): Promise<AccountTotalRow[]> {
  const { rows } = await db.query<AccountTotalRow>(
    `select a.kind, a.name, l.currency,
            coalesce(sum(l.amount_minor) filter (where l.amount_minor > 0), 0)::bigint as debit_minor,
            coalesce(-sum(l.amount_minor) filter (where l.amount_minor < 0), 0)::bigint as credit_minor
       from ledger_lines l join ledger_entries e on e.id = l.entry_id join ledger_accounts a on a.id = l.account_id
      where e.posted_at < $1
      group by 1, 2, 3 order by 3, 1, 2`, [at]);
  return rows;
}

/**
 * Muzaki (payers of zakat) whose zakat was received in the period and not refunded: a donor the institution
 * recognises (a donors row: one per email key or donor reference) once, and each gift without a donors row (a
 * name only, or anonymous) as one muzaki, since nothing can tell two of them are one person. Anonymous donors
 * count like any other. The receipt entries of the period are found first (few), then their donations by index.
 */
export async function muzakiCount(db: Queryable, period: Period): Promise<bigint> {
  const { rows } = await db.query<{ muzaki: bigint }>(
    `select (count(distinct d.donor_id) + count(*) filter (where d.donor_id is null))::bigint as muzaki
       from ledger_entries e join campaigns c on c.id = e.campaign_id and c.fund = 'zakat'
       join donations d on d.ledger_entry_id = e.id
      where e.kind in ${RECEIPT_KINDS} and e.posted_at >= $1 and e.posted_at < $2 and d.status = 'approved'`, [period.from, period.to]);
  return rows[0]!.muzaki;
}

/** Mustahik (recipients) paid in the period, each once however many disbursements they received. */
export async function mustahikCount(db: Queryable, period: Period): Promise<bigint> {
  const { rows } = await db.query<{ mustahik: bigint }>(
    `select count(distinct d.mustahik_id)::bigint as mustahik
       from disbursements d join ledger_entries e on e.id = d.ledger_entry_id
      where d.status = 'paid' and e.posted_at >= $1 and e.posted_at < $2`, [period.from, period.to]);
  return rows[0]!.mustahik;
}
