// What the dashboard shows of a campaign and of a pending donation: the same view model feeds the server-
// rendered page and the live stream, so a card drawn by the server and one patched by the client agree. Amounts
// travel twice: as the exact decimal string (for programs) and formatted for display (for people).
import { formatAmount, formatDisplay } from '../money/index.ts';
import type { CampaignRow, CampaignStatus, Fund } from '../campaigns/queries.ts';
import type { ImportProgressRow } from './queries.ts';

/**
 * The locale each currency's `*_display` text is in, for API clients that show it as given (the dashboard
 * formats `raised`/`amount` itself in the viewer's language). In English text, a currency is shown in its own country's
 * locale when that keeps Latin digits and reads naturally ("Rp 1.500.000,00", "RM 1,500.00", "₺1.500,00"), and
 * in English for that country otherwise: Gulf amounts keep Latin digits ("KWD 1,234.500") inside English
 * text, and yen gets the ordinary ¥ ("¥3,000"), not ja-JP's full-width ￥, which many fonts lack. Currencies
 * not listed use plain English ("CHF 10.00").
 */
const DISPLAY_LOCALE_BY_CURRENCY: Readonly<Record<string, string>> = {
  IDR: 'id-ID', MYR: 'ms-MY', BND: 'ms-BN', SGD: 'en-SG', JPY: 'en-JP', TRY: 'tr-TR',
  USD: 'en-US', CAD: 'en-CA', AUD: 'en-AU', NZD: 'en-NZ', GBP: 'en-GB', EUR: 'en-IE',
  INR: 'en-IN', PKR: 'en-PK', BDT: 'en-BD', NGN: 'en-NG', ZAR: 'en-ZA',
  SAR: 'en-SA', AED: 'en-AE', QAR: 'en-QA', KWD: 'en-KW', BHD: 'en-BH', OMR: 'en-OM', EGP: 'en-EG', JOD: 'en-JO',
};
const FALLBACK_DISPLAY_LOCALE = 'en';

export function displayLocale(currency: string): string {
  return DISPLAY_LOCALE_BY_CURRENCY[currency] ?? FALLBACK_DISPLAY_LOCALE;
}

export function displayAmount(minor: bigint, currency: string): string {
  return formatDisplay(minor, currency, displayLocale(currency));
}

export interface CampaignView {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly fund: Fund;
  readonly status: CampaignStatus;
  readonly currency: string;
  /** Exact decimal string in major units. */
  readonly raised: string;
  readonly raised_display: string;
  readonly goal: string | null;
  readonly goal_display: string | null;
  /** Whole percent of the goal reached, not capped (a campaign can pass its goal); null without a goal. */
  readonly percent: number | null;
  readonly donations: number;
  readonly donors: number;
}

export function campaignView(row: CampaignRow): CampaignView {
  return {
    id: String(row.id),
    slug: row.slug,
    name: row.name,
    fund: row.fund,
    status: row.status,
    currency: row.currency,
    raised: formatAmount(row.raised_minor, row.currency),
    raised_display: displayAmount(row.raised_minor, row.currency),
    goal: row.goal_minor === null ? null : formatAmount(row.goal_minor, row.currency),
    goal_display: row.goal_minor === null ? null : displayAmount(row.goal_minor, row.currency),
    // Integer percent from bigints: for display only, never fed back into money.
    percent: row.goal_minor === null || row.goal_minor === 0n ? null : Number((row.raised_minor * 100n) / row.goal_minor),
    // Counts, not money: a campaign will not see 2^53 donations.
    donations: Number(row.donation_count),
    donors: Number(row.donor_count),
  };
}

export interface QueueItemRow {
  id: bigint;
  campaign_id: bigint;
  campaign_name: string;
  amount_minor: bigint;
  currency: string;
  status: string;
  source: string;
  donor_name: string;
  anonymous: boolean;
  created_at: Date;
}

/** A donation as the staff queue shows it. The donor name is untrusted text; clients set it as text only. */
export interface QueueItemView {
  readonly id: string;
  readonly campaign_id: string;
  readonly campaign_name: string;
  readonly amount: string;
  readonly amount_display: string;
  readonly currency: string;
  readonly source: string;
  /** null for an anonymous donor or one who gave no name. */
  readonly donor_name: string | null;
  readonly created_at: string;
}

export function queueItemView(row: QueueItemRow): QueueItemView {
  return {
    id: String(row.id),
    campaign_id: String(row.campaign_id),
    campaign_name: row.campaign_name,
    amount: formatAmount(row.amount_minor, row.currency),
    amount_display: displayAmount(row.amount_minor, row.currency),
    currency: row.currency,
    source: row.source,
    donor_name: row.anonymous || row.donor_name === '' ? null : row.donor_name,
    created_at: row.created_at.toISOString(),
  };
}

/** An import run as the staff view shows its progress. */
export interface ImportView {
  readonly id: string;
  readonly status: string;
  readonly source_name: string;
  readonly rows_read: number;
  readonly imported: number;
  readonly duplicates_skipped: number;
  readonly rejected: number;
  readonly rows_per_second: number;
  /** Whole percent of the file read, when its size is known. */
  readonly percent: number | null;
  readonly error: string | null;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly rejects_url: string;
}

export function importView(row: ImportProgressRow): ImportView {
  const end = row.finished_at ?? row.updated_at;
  const seconds = Math.max(0, (end.getTime() - row.started_at.getTime()) / 1000);
  // Counts and byte sizes, not money: Number is exact far beyond any file amanah accepts.
  const rowsRead = Number(row.rows_read);
  return {
    id: String(row.id),
    status: row.status,
    source_name: row.source_name,
    rows_read: rowsRead,
    imported: Number(row.imported),
    duplicates_skipped: Number(row.duplicates),
    rejected: Number(row.rejected),
    rows_per_second: seconds > 0 ? Math.round(rowsRead / seconds) : 0,
    percent: row.bytes_total === null || row.bytes_total === 0n ? null : Math.min(100, Number((row.bytes_read * 100n) / row.bytes_total)),
    error: row.error,
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at?.toISOString() ?? null,
    rejects_url: `/api/imports/${row.id}/rejects`,
  };
}
