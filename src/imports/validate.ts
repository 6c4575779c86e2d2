// Validation of one imported row with the money module and the campaign's rules. A row either becomes a
// PreparedRow, ready for the batched write, or a reason, which goes to the rejects file; nothing here throws
// for bad data. The rules are the API's (src/donations/donations.ts): the campaign must accept the donation
// (refusalReason, at the row's own date, so a historical file imports into a campaign whose window held it),
// the currency must be the campaign's, the amount must parse exactly for that currency and be above zero, and
// the text fields keep the API's length limits and its text rules (src/text/text.ts: no control or bidi override
// characters), and donated_at is an RFC 3339 timestamp (or a date) in the API's range (src/text/timestamp.ts).
import { donationAmountMinorMax, formatAmount, isMoneyError, isCurrencyCode, parseAmount, parseMinorUnits } from '../money/index.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { refusalReason } from '../campaigns/campaigns.ts';
import { textProblem } from '../text/text.ts';
import { DONATED_AT_FUTURE_SKEW_MS_MAX, donatedAtProblem, parseRfc3339 } from '../text/timestamp.ts';
import type { SourceRecord } from './parse.ts';
import type { RowFields } from './mapping.ts';
import { columnKey, contentKey, recordSha256Hex, type OccurrenceCounter } from './keys.ts';

export const DONOR_NAME_CHARS_MAX = 200;
export const DONOR_EMAIL_CHARS_MAX = 320;
export const REFERENCE_CHARS_MAX = 200;
/** A donation dated further ahead than this is a wrong date, not clock skew; 24 hours (the API's limit). */
export const FUTURE_SKEW_MS_MAX = DONATED_AT_FUTURE_SKEW_MS_MAX;

const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;
const DATE_ONLY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** Names that mean "no name": GDQ writes "(Anonymous)"; an empty name is anonymous too. */
const ANONYMOUS_NAMES = new Set(['', '(anonymous)', 'anonymous']);
const BOOLEANS = new Map([['true', true], ['1', true], ['yes', true], ['y', true], ['false', false], ['0', false], ['no', false], ['n', false]]);

/** A row ready to write: every value checked, the amount in minor units of the campaign's currency. */
export interface PreparedRow {
  readonly line: number;
  readonly raw: string;
  readonly campaignId: bigint;
  /** The campaign's currency, which the row's currency (if it states one) was checked against. */
  readonly currency: string;
  readonly key: string;
  readonly amountMinor: bigint;
  readonly donorName: string;
  readonly anonymous: boolean;
  readonly email: string | null;
  readonly donorRef: string | null;
  readonly externalRef: string | null;
  /** ISO 8601, or null for "now". */
  readonly donatedAt: string | null;
  /** SHA-256 of the record, 64 hex digits (keys.ts). */
  readonly requestSha256Hex: string;
}

export interface ValidationContext {
  /** The campaign named by --campaign; undefined when a campaign column names each row's campaign. */
  readonly campaign: CampaignRow | undefined;
  /** Campaigns named by a campaign column, looked up before the rows that name them (null: no such campaign). */
  readonly campaigns: ReadonlyMap<string, CampaignRow | null>;
  /** --currency, for files without a currency column. */
  readonly currency: string | undefined;
  readonly now: Date;
  /** Occurrences of each row content so far in this file, for keys without a key column (keys.ts). */
  readonly occurrences: OccurrenceCounter;
}

function campaignOf(fields: RowFields, context: ValidationContext): CampaignRow | string {
  if (context.campaign !== undefined) return context.campaign;
  const reference = fields.campaign?.trim() ?? '';
  if (reference === '') return 'campaign: the row names no campaign';
  return context.campaigns.get(reference) ?? `campaign: no campaign with id or slug "${reference}"`;
}

function amountOf(fields: RowFields, currency: string): bigint | string {
  const minorUnits = fields.amount_minor !== undefined;
  const text = (minorUnits ? fields.amount_minor : fields.amount)?.trim() ?? '';
  if (text === '') return 'amount: the row has no amount';
  try {
    const minor = minorUnits ? parseMinorUnits(text) : parseAmount(text, currency);
    if (minor === 0n) return 'amount: must be greater than zero';
    const maximum = donationAmountMinorMax(currency);
    return minor > maximum ? `amount: above the maximum of ${formatAmount(maximum, currency)} ${currency} per donation` : minor;
  } catch (error) {
    if (isMoneyError(error)) return `amount: ${error.message}`;
    throw error;
  }
}

function currencyOf(fields: RowFields, context: ValidationContext, campaign: CampaignRow): string | undefined {
  const stated = fields.currency?.trim().toUpperCase() || context.currency;
  if (stated === undefined) return 'currency: the row has none; pass --currency or map a currency column';
  if (!isCurrencyCode(stated)) return `currency: "${stated}" is not an ISO 4217 code`;
  if (stated !== campaign.currency) return `currency: campaign "${campaign.slug}" takes ${campaign.currency}, not ${stated}`;
  return undefined;
}

/** Parses RFC 3339 (as the API does) or a bare date, taken as midnight UTC; a day that does not exist is refused. */
function donatedAtOf(text: string | undefined): Date | null | string {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return null;
  const date = parseRfc3339(DATE_ONLY_PATTERN.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (typeof date === 'string') return `donated_at: "${trimmed.slice(0, 40)}" ${DATE_ONLY_PATTERN.test(trimmed) ? date.replace(/^is not an RFC 3339.*/, 'is not a YYYY-MM-DD date') : date}`;
  return date;
}

/** The first mapped field whose text the API would refuse (control or bidi override characters). */
function textFault(fields: RowFields): string | undefined {
  for (const [field, value] of Object.entries(fields)) {
    const problem = value === undefined ? undefined : textProblem(value);
    if (problem !== undefined) return `${field}: ${problem}`;
  }
  return undefined;
}

function optionalText(field: string, text: string | undefined, lengthMax: number): string | null | { reason: string } {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return null;
  if (trimmed.length > lengthMax) return { reason: `${field}: longer than ${lengthMax} characters` };
  return trimmed;
}

interface Donor {
  donorName: string;
  anonymous: boolean;
  email: string | null;
  donorRef: string | null;
}

function donorOf(fields: RowFields): Donor | string {
  const name = fields.donor_name?.trim() ?? '';
  if (name.length > DONOR_NAME_CHARS_MAX) return `donor_name: longer than ${DONOR_NAME_CHARS_MAX} characters`;
  let anonymous = ANONYMOUS_NAMES.has(name.toLowerCase());
  const flag = fields.anonymous?.trim().toLowerCase();
  if (flag !== undefined && flag !== '') {
    const value = BOOLEANS.get(flag);
    if (value === undefined) return `anonymous: "${flag.slice(0, 20)}" is not true or false`;
    anonymous ||= value;
  }
  const email = optionalText('donor_email', fields.donor_email, DONOR_EMAIL_CHARS_MAX);
  if (typeof email === 'object' && email !== null) return email.reason;
  if (email !== null && !EMAIL_PATTERN.test(email)) return `donor_email: "${email.slice(0, 60)}" is not an email address`;
  const donorRef = optionalText('donor_ref', fields.donor_ref, REFERENCE_CHARS_MAX);
  if (typeof donorRef === 'object' && donorRef !== null) return donorRef.reason;
  // An anonymous donor's typed name is kept for the charity's records; a placeholder like "(Anonymous)" is not a name.
  return { donorName: ANONYMOUS_NAMES.has(name.toLowerCase()) ? '' : name, anonymous, email, donorRef };
}

/** Counts the row's occurrence only when its key needs it: a row with a key column is keyed by that value. */
function keyOf(fields: RowFields, campaignId: bigint, sha256Hex: string, occurrences: OccurrenceCounter): string {
  return fields.key === undefined ? contentKey(campaignId, sha256Hex, occurrences.next(sha256Hex)) : columnKey(campaignId, fields.key.trim());
}

/** Checks one row; returns it ready to write, or the reason it is rejected. */
export function prepareRow(record: SourceRecord, fields: RowFields, context: ValidationContext): PreparedRow | string {
  // PostgreSQL text cannot hold U+0000; a NUL in a text file is a sign of a binary or mis-encoded file.
  if (record.raw.includes('\u0000')) return 'the record contains a NUL character';
  const fault = textFault(fields);
  if (fault !== undefined) return fault;
  const campaign = campaignOf(fields, context);
  if (typeof campaign === 'string') return campaign;
  const currencyProblem = currencyOf(fields, context, campaign);
  if (currencyProblem !== undefined) return currencyProblem;
  const amountMinor = amountOf(fields, campaign.currency);
  if (typeof amountMinor === 'string') return amountMinor;
  const donatedAt = donatedAtOf(fields.donated_at);
  if (typeof donatedAt === 'string') return donatedAt;
  const dateProblem = donatedAt === null ? undefined : donatedAtProblem(donatedAt, context.now);
  if (dateProblem !== undefined) return `donated_at: ${donatedAt!.toISOString()} ${dateProblem}`;
  const refusal = refusalReason(campaign, donatedAt ?? context.now);
  if (refusal !== undefined) return `campaign: ${refusal}`;
  const donor = donorOf(fields);
  if (typeof donor === 'string') return donor;
  const externalRef = optionalText('external_ref', fields.external_ref, REFERENCE_CHARS_MAX);
  if (typeof externalRef === 'object' && externalRef !== null) return externalRef.reason;
  if (fields.key !== undefined) {
    const key = fields.key.trim();
    if (key === '') return 'key: the key column is empty';
    if (key.length > REFERENCE_CHARS_MAX) return `key: longer than ${REFERENCE_CHARS_MAX} characters`;
  }
  const requestSha256Hex = recordSha256Hex(record);
  return {
    line: record.line, raw: record.raw, campaignId: campaign.id, currency: campaign.currency,
    key: keyOf(fields, campaign.id, requestSha256Hex, context.occurrences),
    amountMinor, ...donor, externalRef,
    donatedAt: donatedAt === null ? null : donatedAt.toISOString(),
    requestSha256Hex,
  };
}
