// A donor's statement: every gift of the donor known by an email (email_key(), migration 0007) whose date falls
// in a range of days in the institution's time zone, a calendar year or any range such as a financial year from
// April to March, with totals per fund and currency. Currencies are never added together: each (fund, currency)
// is its own total. Refunded gifts are listed as refunded and counted in no total. Rendered as PDF and as CSV.
import { AppError } from '../errors.ts';
import type { Queryable } from '../db/database.ts';
import { formatAmount } from '../money/index.ts';
import { csvRecord, UTF8_BOM } from '../exports/csv.ts';
import { BODY_FONT, BOLD_FONT, FUND_LABELS, figures, inFont, newDocument, pdfBytes, type FontWeight } from './document.ts';

/** Gifts one statement lists; past it the request is refused (a narrower range answers). ~100 PDF pages. */
export const STATEMENT_GIFTS_MAX = 5_000;
/** The longest range one statement covers, in days (a little over five years). */
export const STATEMENT_DAYS_MAX = 1_830;

export interface StatementGift {
  donation_id: bigint;
  donated_on: string;
  amount_minor: bigint;
  currency: string;
  status: 'approved' | 'refunded';
  campaign_name: string;
  fund: string;
  receipt_number: string | null;
}

export interface StatementTotal { fund: string; currency: string; amount_minor: bigint; gifts: number }

export interface Statement {
  from: string;
  to: string;
  donor_id: bigint | null;
  donor_name: string;
  gifts: StatementGift[];
  totals: StatementTotal[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a range of dates (inclusive); answers the number of days in it. */
export function checkRange(from: string, to: string): number {
  for (const [field, value] of [['from', from], ['to', to]] as const) {
    if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
      throw new AppError('validation_failed', `${field} must be a date, YYYY-MM-DD`, { field });
    }
  }
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days < 1) throw new AppError('validation_failed', 'to must be on or after from', { field: 'to' });
  if (days > STATEMENT_DAYS_MAX) throw new AppError('statement_too_large', `a statement covers at most ${STATEMENT_DAYS_MAX} days; this range has ${days}`, { field: 'to' });
  return days;
}

/** Totals per (fund, currency) of the approved gifts, in a stable order. Pure. */
export function totalsOf(gifts: readonly StatementGift[]): StatementTotal[] {
  const totals = new Map<string, StatementTotal>();
  for (const gift of gifts) {
    if (gift.status !== 'approved') continue;
    const key = `${gift.fund}\u0000${gift.currency}`;
    const total = totals.get(key) ?? { fund: gift.fund, currency: gift.currency, amount_minor: 0n, gifts: 0 };
    total.amount_minor += gift.amount_minor;
    total.gifts += 1;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => (a.fund + a.currency < b.fund + b.currency ? -1 : 1));
}

/** The statement of the donor with this email key for the dates from … to (inclusive), in `timeZone`. */
export async function statementOf(db: Queryable, emailKey: string, from: string, to: string, timeZone: string): Promise<Statement> {
  checkRange(from, to);
  const donor = (await db.query<{ id: bigint; display_name: string }>(
    'select id, display_name from donors where email_key(email) = $1', [emailKey])).rows[0];
  if (!donor) return { from, to, donor_id: null, donor_name: '', gifts: [], totals: [] };
  // A corrected receipt (after a partial refund) is what the gift now counts for.
  const { rows } = await db.query<StatementGift>(
    `select d.id as donation_id, to_char(d.donated_at at time zone $4, 'YYYY-MM-DD') as donated_on,
            coalesce(r.amount_minor, d.amount_minor - d.refunded_minor) as amount_minor, d.currency, d.status, c.name as campaign_name, c.fund,
            r.content->>'number' as receipt_number
       from donations d join campaigns c on c.id = d.campaign_id
       left join receipts r on r.donation_id = d.id and r.status = 'valid'
      where d.donor_id = $1 and d.status in ('approved', 'refunded')
        and d.donated_at >= ($2::date)::timestamp at time zone $4 and d.donated_at < ($3::date + 1)::timestamp at time zone $4
      order by d.donated_at, d.id limit $5`, [donor.id, from, to, timeZone, STATEMENT_GIFTS_MAX + 1]);
  if (rows.length > STATEMENT_GIFTS_MAX) {
    throw new AppError('statement_too_large', `the range holds more than ${STATEMENT_GIFTS_MAX} gifts: ask for a shorter one`, { field: 'to' });
  }
  return { from, to, donor_id: donor.id, donor_name: donor.display_name, gifts: rows, totals: totalsOf(rows) };
}

export const STATEMENT_CSV_HEADER = ['date', 'donation_id', 'receipt_number', 'campaign', 'fund', 'currency', 'amount', 'status'];

/** One record per gift (with a BOM, as the exports write for spreadsheets). */
export function statementCsv(statement: Statement): Buffer {
  const lines = [csvRecord(STATEMENT_CSV_HEADER)];
  for (const gift of statement.gifts) {
    lines.push(csvRecord([gift.donated_on, String(gift.donation_id), gift.receipt_number, gift.campaign_name, gift.fund, gift.currency,
      formatAmount(gift.amount_minor, gift.currency), gift.status]));
  }
  return Buffer.concat([UTF8_BOM, Buffer.from(lines.join(''), 'utf8')]);
}

export function statementJson(statement: Statement) {
  return {
    from: statement.from, to: statement.to,
    gifts: statement.gifts.map((gift) => ({
      donation_id: String(gift.donation_id), date: gift.donated_on, amount: formatAmount(gift.amount_minor, gift.currency), currency: gift.currency,
      status: gift.status, campaign: gift.campaign_name, fund: gift.fund, receipt_number: gift.receipt_number,
    })),
    totals: statement.totals.map((total) => ({ fund: total.fund, currency: total.currency, amount: formatAmount(total.amount_minor, total.currency), gifts: total.gifts })),
  };
}

/** The statement as PDF, Indonesian and English; deterministic for the same statement and institution. */
export async function statementPdf(statement: Statement, institution: { name: string; address: string; permit: string }): Promise<Buffer> {
  const doc = newDocument(`Laporan donasi / Giving statement ${statement.from} - ${statement.to}`, new Date(`${statement.to}T00:00:00Z`));
  doc.fontSize(14).text(inFont(doc, institution.name, 'bold'));
  doc.fontSize(9);
  if (institution.address !== '') doc.text(inFont(doc, institution.address));
  if (institution.permit !== '') doc.text(inFont(doc, `Izin / Permit: ${institution.permit}`));
  doc.moveDown(1).font(BOLD_FONT).fontSize(13).text('LAPORAN DONASI / GIVING STATEMENT');
  doc.fontSize(10).text(inFont(doc, `Donatur / Donor: ${statement.donor_name || '-'}`));
  doc.font(BODY_FONT);
  doc.text(`Periode / Period: ${statement.from} - ${statement.to}`).moveDown(0.8);
  doc.fontSize(9);
  const columns = [50, 115, 215, 385, 455];
  const row = (values: string[], weight: FontWeight = 'body') => {
    const y = doc.y;
    values.forEach((value, index) => doc.text(inFont(doc, value, weight), columns[index]!, y, { width: (columns[index + 1] ?? 545) - columns[index]! - 5, lineBreak: false, ellipsis: true }));
    doc.moveDown(0.4);
  };
  row(['Tanggal / Date', 'No. bukti / Receipt', 'Program / Campaign', 'Dana / Fund', 'Jumlah / Amount'], 'bold');
  for (const gift of statement.gifts) {
    const amount = figures(gift.amount_minor, gift.currency).id;
    row([gift.donated_on, gift.receipt_number ?? '-', gift.campaign_name, FUND_LABELS[gift.fund]?.id ?? gift.fund, gift.status === 'approved' ? amount : `${amount} (dikembalikan / refunded)`]);
  }
  doc.moveDown(1).font(BOLD_FONT).text('Jumlah per dana dan mata uang / Totals per fund and currency', 50);
  doc.font(BODY_FONT);
  for (const total of statement.totals) {
    const label = FUND_LABELS[total.fund] ?? { id: total.fund, en: total.fund };
    doc.text(inFont(doc, `${label.id} / ${label.en}, ${total.currency}: ${figures(total.amount_minor, total.currency).id} (${total.gifts})`), 50);
  }
  if (statement.totals.length === 0) doc.text('Tidak ada donasi / No gifts', 50);
  return pdfBytes(doc);
}
