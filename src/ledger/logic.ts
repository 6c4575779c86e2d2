// The fund ledger's pure parts: which ledger fund a campaign's money belongs to, the legal caps on the amil
// share (data, amil-caps.json), the share's rounding, and the balance rule every entry keeps. The SQL that
// posts entries (queries.ts) computes the same things; test/ledger proves the two agree.
import capsData from './amil-caps.json' with { type: 'json' };
import { AppError } from '../errors.ts';
import { parseScaled, formatScaled } from '../money/index.ts';

/** PSAK 109 funds (zakat, infak/sedekah, amil, non-halal), PSAK 112 waqf, and DSKL for other religious social funds. */
export type LedgerFund = 'zakat' | 'infak_sedekah' | 'amil' | 'non_halal' | 'waqf' | 'dskl';
export const LEDGER_FUNDS: readonly LedgerFund[] = ['zakat', 'infak_sedekah', 'amil', 'non_halal', 'waqf', 'dskl'];
export type CampaignFund = 'zakat' | 'infaq' | 'sadaqah' | 'waqf' | 'general';

/**
 * The ledger fund of each campaign fund, as SQL's ledger_fund() (migration 0010) maps it. General giving is
 * unrestricted, which PSAK 109 books as infak/sedekah tidak terikat (unrestricted infak); DSKL is for funds
 * that are neither zakat nor infak (fidyah, kafarat, nazar), which no campaign fund names today.
 */
export const LEDGER_FUND_OF: Readonly<Record<CampaignFund, LedgerFund>> = Object.freeze({
  zakat: 'zakat', infaq: 'infak_sedekah', sadaqah: 'infak_sedekah', waqf: 'waqf', general: 'infak_sedekah',
});

/** Basis points in one whole: a rate of 1250 bp is 12.5%. */
export const BASIS_POINTS_PER_WHOLE = 10_000n;

export interface AmilCap {
  readonly fund: LedgerFund;
  readonly rateBpMax: number;
  readonly of: string;
  readonly source: string;
  readonly effectiveFrom: string;
}

/** The caps, checked once when the module loads: a malformed entry is a programmer error and stops the start. */
export const AMIL_CAPS: ReadonlyMap<LedgerFund, AmilCap> = new Map(capsData.caps.map((cap) => {
  if (!LEDGER_FUNDS.includes(cap.fund as LedgerFund) || cap.fund === 'amil') throw new Error(`amil-caps.json: ${cap.fund} is not a fund that pays an amil share`);
  if (!Number.isInteger(cap.rate_bp_max) || cap.rate_bp_max < 0 || cap.rate_bp_max > 10_000) throw new Error(`amil-caps.json: ${cap.fund}: rate_bp_max must be 0 to 10000`);
  if (cap.source.length === 0) throw new Error(`amil-caps.json: ${cap.fund} has no source`);
  return [cap.fund as LedgerFund, Object.freeze({ fund: cap.fund as LedgerFund, rateBpMax: cap.rate_bp_max, of: cap.of, source: cap.source, effectiveFrom: cap.effective_from })];
}));

/** A rate given as a percentage with at most two decimals ("12.5") in basis points; refused above its fund's cap. */
export function parseAmilRate(fund: LedgerFund, percent: string): number {
  const cap = AMIL_CAPS.get(fund);
  if (cap === undefined) throw new AppError('amil_fund_not_capped', `the ${fund} fund takes no amil share: amil-caps.json names no cap for it`, { field: 'fund' });
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(percent)) throw new AppError('validation_failed', 'rate must be a percentage with at most two decimals, e.g. "12.5"', { field: 'rate' });
  const rateBp = Number(parseScaled(percent, 2));
  if (rateBp > cap.rateBpMax) {
    throw new AppError('amil_rate_above_cap', `the amil share of ${fund} may be at most ${formatRate(cap.rateBpMax)}% (${cap.source}); ${percent}% is above it`,
      { field: 'rate', rate_max: formatRate(cap.rateBpMax), source: cap.source });
  }
  return rateBp;
}

/** Basis points as a percentage string: 1250 → "12.50". */
export function formatRate(rateBp: number): string {
  return formatScaled(BigInt(rateBp), 2);
}

/**
 * The amil share of one donation: floor(amount × rate), in minor units. ROUNDING: floor per donation, and an
 * entry's share is the sum over its donations. Floor keeps every donation's share at or under rate × amount, so
 * a fund's share is under its cap whatever mix of donations it receives; per donation (not per entry) so that a
 * refund reverses exactly the share its donation posted, at the rate its entry recorded, and what stays is the
 * share of what stays. The fund keeps the fractions (under one minor unit a donation).
 * Computed as q·r + floor(m·r / 10,000) with amount = q·10,000 + m, so no product passes bigint (SQL does the same).
 */
export function amilShareMinor(amountMinor: bigint, rateBp: number): bigint {
  if (amountMinor < 0n) throw new Error('amilShareMinor: a negative amount is a programmer error');
  const rate = BigInt(rateBp);
  return (amountMinor / BASIS_POINTS_PER_WHOLE) * rate + ((amountMinor % BASIS_POINTS_PER_WHOLE) * rate) / BASIS_POINTS_PER_WHOLE;
}

/** The SQL form of amilShareMinor for an amount and a rate expression (both bigint-typed). */
export function amilShareSql(amount: string, rateBp: string): string {
  return `((${amount}) / 10000 * (${rateBp}) + (${amount}) % 10000 * (${rateBp}) / 10000)`;
}

export interface LineInput {
  readonly accountId: bigint;
  readonly currency: string;
  /** Positive: debit; negative: credit (migration 0010, SIGN CONVENTION). */
  readonly amountMinor: bigint;
}

/** Asserts an entry balances in every currency and has no zero line: a programmer error otherwise. */
export function assertBalanced(lines: readonly LineInput[]): void {
  if (lines.length < 2) throw new Error(`a ledger entry needs at least two lines; got ${lines.length}`);
  const sums = new Map<string, bigint>();
  for (const line of lines) {
    if (line.amountMinor === 0n) throw new Error('a ledger line of zero is not a movement');
    sums.set(line.currency, (sums.get(line.currency) ?? 0n) + line.amountMinor);
  }
  for (const [currency, sum] of sums) if (sum !== 0n) throw new Error(`ledger entry does not balance: its ${currency} lines sum to ${sum}`);
}
