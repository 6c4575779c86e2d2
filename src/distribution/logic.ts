// The rules of distribution (tasharruf), pure: who may receive which fund, and the steps a disbursement takes.
// The database checks the same rules again (migration 0016's check constraints); these give the reason.
import { AppError } from '../errors.ts';
import type { LedgerFund } from '../ledger/logic.ts';

/** The eight asnaf (QS at-Taubah 9:60), the only recipients of zakat; distribution_asnaf() in SQL. */
export const ASNAF = ['fakir', 'miskin', 'amil', 'muallaf', 'riqab', 'gharimin', 'fisabilillah', 'ibnu_sabil'] as const;
export type Asnaf = (typeof ASNAF)[number];

export type MustahikKind = 'person' | 'institution';
export type Verification = 'unverified' | 'verified' | 'rejected';
export const VERIFICATIONS: readonly Verification[] = ['unverified', 'verified', 'rejected'];

export type DisbursementStatus = 'requested' | 'approved' | 'paid' | 'rejected' | 'cancelled';
export const DISBURSEMENT_STATUSES: readonly DisbursementStatus[] = ['requested', 'approved', 'paid', 'rejected', 'cancelled'];

/** The steps: maker requests; a checker approves (reserving the fund) or rejects; it is paid, or cancelled before. */
export const DISBURSEMENT_TRANSITIONS: Readonly<Record<DisbursementStatus, readonly DisbursementStatus[]>> = Object.freeze({
  requested: ['approved', 'rejected', 'cancelled'],
  approved: ['paid', 'cancelled'],
  paid: [],
  rejected: [],
  cancelled: [],
});

export interface ProgramRule {
  readonly fund: LedgerFund;
  readonly asnaf: readonly Asnaf[];
  readonly social: boolean;
}

/** A program's fund, asnaf and social flag agree: zakat serves asnaf; non-halal money is social and never zakat. */
export function checkProgram(program: ProgramRule): void {
  if (program.fund === 'zakat' && program.asnaf.length === 0) {
    throw new AppError('fund_use_not_allowed', 'a zakat program serves at least one of the eight asnaf', { field: 'asnaf' });
  }
  if (program.fund === 'non_halal' && (!program.social || program.asnaf.length > 0)) {
    throw new AppError('fund_use_not_allowed', 'non-halal money goes only to social uses, never as zakat: its program is social and serves no asnaf', { field: 'social' });
  }
}

export interface DisbursementRule {
  readonly program: ProgramRule & { readonly status: 'active' | 'closed' };
  readonly mustahik: { readonly asnaf: readonly Asnaf[]; readonly verification: Verification };
  /** The asnaf it is paid as; null: not paid as zakat. */
  readonly asnaf: Asnaf | null;
}

/**
 * Whether a request may be made: an active program; a verified mustahik; zakat only to one of the eight asnaf that
 * the program serves and the mustahik belongs to; non-halal never as zakat (no asnaf); any other fund, if it names
 * an asnaf (for reporting by asnaf), one the mustahik belongs to.
 */
export function checkDisbursement(rule: DisbursementRule): void {
  const { program, mustahik, asnaf } = rule;
  if (program.status !== 'active') throw new AppError('program_closed', 'the program is closed to new disbursements', { field: 'program_id' });
  if (mustahik.verification !== 'verified') {
    throw new AppError('mustahik_not_verified', `the mustahik is ${mustahik.verification}: only a verified mustahik is paid`, { field: 'mustahik_id' });
  }
  if (program.fund === 'zakat') {
    if (asnaf === null) throw new AppError('asnaf_not_allowed', 'zakat is paid only to one of the eight asnaf: name it', { field: 'asnaf' });
    if (!program.asnaf.includes(asnaf)) throw new AppError('asnaf_not_allowed', `the program does not serve ${asnaf}`, { field: 'asnaf' });
  }
  if (program.fund === 'non_halal' && asnaf !== null) {
    throw new AppError('fund_use_not_allowed', 'non-halal money is never paid as zakat: a non-halal disbursement names no asnaf', { field: 'asnaf' });
  }
  if (asnaf !== null && !mustahik.asnaf.includes(asnaf)) {
    throw new AppError('asnaf_not_allowed', `the mustahik is not registered as ${asnaf}`, { field: 'asnaf' });
  }
}

/** A step is allowed from the current status, or refused with disbursement_status_conflict. */
export function checkTransition(from: DisbursementStatus, to: DisbursementStatus): void {
  if (!DISBURSEMENT_TRANSITIONS[from].includes(to)) {
    throw new AppError('disbursement_status_conflict', `a disbursement that is ${from} cannot become ${to}`, { disbursement_status: from });
  }
}

/** One lunar (Hijri) year: twelve months of 29 or 30 days average 354.37 days; the hawl is counted as 354. */
export const HAWL_DAYS = 354;
