// The reports' pure parts: periods, and the statements assembled from the grouped ledger rows queries.ts reads.
// Every statement asserts its identity before it leaves (TIGER_STYLE: assert after a read): a statement of
// changes in funds whose opening plus movements is not its closing, a position whose assets are not its fund
// balances, or a trial balance whose debits are not its credits is a programmer error, never a figure shown.
//
// SIGNS. Movements are signed as they change the fund: a receipt is positive, an amil share out of a fund, a
// refund and a distribution are negative; the amil fund's share in is positive. Ledger lines are debit-positive
// (migration 0010), so a fund's movement is minus the sum of its lines.
import { AppError } from '../errors.ts';
import { parseDateRange } from '../http/date-range.ts';
import { csvRecord } from '../exports/csv.ts';
import { formatAmount } from '../money/index.ts';
import { LEDGER_FUNDS, type LedgerFund } from '../ledger/logic.ts';

/** A report covers at most this many days: ten years is every statement an auditor asks for, and bounds the scan. */
export const REPORT_PERIOD_DAYS_MAX = 3_660;
const DAY_MS = 86_400_000;
/** Receipt channels: the clearing accounts (migration 0010). */
export const CHANNELS = ['api', 'import', 'manual'] as const;
export type Channel = typeof CHANNELS[number];
/** The movements of a statement of changes in funds, in the order PSAK 109 presents them. */
export const MOVEMENTS = ['receipts', 'amil_share_in', 'amil_share_out', 'refunds', 'distributions', 'corrections', 'other'] as const;
export type Movement = typeof MOVEMENTS[number];
/** The eight asnaf (QS at-Taubah 9:60), as migration 0016 names them; "none" is a disbursement not paid as zakat. */
export const ASNAF = ['fakir', 'miskin', 'amil', 'muallaf', 'riqab', 'gharimin', 'fisabilillah', 'ibnu_sabil', 'none'] as const;

export interface Period { from: Date; to: Date }

/** [from, to), both required, to after from, at most REPORT_PERIOD_DAYS_MAX days. */
export function parsePeriod(from: string | undefined, to: string | undefined): Period {
  if (from === undefined || to === undefined) throw new AppError('validation_failed', 'a report needs from and to (from inclusive, to exclusive)', { field: from === undefined ? 'from' : 'to' });
  const range = parseDateRange(from, to);
  return checkPeriod({ from: range.from!, to: range.to! });
}

function checkPeriod(period: Period): Period {
  const days = (period.to.getTime() - period.from.getTime()) / DAY_MS;
  if (days > REPORT_PERIOD_DAYS_MAX) throw new AppError('report_period_too_long', `a report covers at most ${REPORT_PERIOD_DAYS_MAX} days; this period is ${Math.ceil(days)}`, { field: 'to', days_max: REPORT_PERIOD_DAYS_MAX });
  return period;
}

/** The instant a position or trial balance is taken at: lines posted before it. Absent: now. */
export function parseInstant(at: string | undefined, now: Date): Date {
  if (at === undefined) return now;
  return parseDateRange(at, undefined).from!;
}

/** The BAZNAS reporting periods (PP 14/2014: semiannual and annual), in UTC: h1 is January to June, annual the year. */
export function baznasPeriod(year: number, half: 'h1' | 'annual'): Period {
  if (!Number.isInteger(year) || year < 2000 || year > 9998) throw new AppError('validation_failed', 'year must be 2000 to 9998', { field: 'year' });
  return { from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(half === 'h1' ? year : year + 1, half === 'h1' ? 6 : 0, 1)) };
}

export interface MovementRow { fund: LedgerFund; currency: string; category: Movement | 'opening' | 'internal'; amount_minor: bigint }
export interface BalanceRow { fund: LedgerFund; currency: string; amount_minor: bigint }
export interface ChannelRow { fund: LedgerFund; currency: string; channel: Channel; amount_minor: bigint }
export interface DistributionRow { fund: LedgerFund; currency: string; asnaf: string; program_id: bigint; program: string; amount_minor: bigint; disbursements: bigint }

export interface FundStatement {
  fund: LedgerFund;
  currency: string;
  openingMinor: bigint;
  movementsMinor: Record<Movement, bigint>;
  receiptsByChannelMinor: Record<Channel, bigint>;
  distributionsByAsnafMinor: Map<string, bigint>;
  distributionsByProgram: Map<string, { programId: bigint; name: string; amountMinor: bigint }>;
  closingMinor: bigint;
}

const zeroMovements = (): Record<Movement, bigint> => Object.fromEntries(MOVEMENTS.map((movement) => [movement, 0n])) as Record<Movement, bigint>;

/**
 * The statement of changes in funds per (fund, currency), with its identities asserted: opening + movements =
 * closing (the closing read on its own, not summed from the others); receipts by channel sum to receipts;
 * distributions by asnaf and by program each sum to the distributions the ledger posted; the reserve and
 * release of a disbursement move nothing between a fund and its own reserved account.
 */
export function changesInFunds(movements: readonly MovementRow[], closings: readonly BalanceRow[], channels: readonly ChannelRow[], distributions: readonly DistributionRow[]): FundStatement[] {
  const statements = new Map<string, FundStatement>();
  const of = (fund: LedgerFund, currency: string): FundStatement => {
    const key = `${fund}|${currency}`;
    let statement = statements.get(key);
    if (statement === undefined) {
      statement = { fund, currency, openingMinor: 0n, movementsMinor: zeroMovements(), receiptsByChannelMinor: { api: 0n, import: 0n, manual: 0n },
        distributionsByAsnafMinor: new Map(), distributionsByProgram: new Map(), closingMinor: 0n };
      statements.set(key, statement);
    }
    return statement;
  };
  const internal = new Map<string, bigint>();
  for (const row of movements) {
    const statement = of(row.fund, row.currency);
    if (row.category === 'opening') statement.openingMinor += row.amount_minor;
    else if (row.category === 'internal') internal.set(`${row.fund}|${row.currency}`, (internal.get(`${row.fund}|${row.currency}`) ?? 0n) + row.amount_minor);
    else statement.movementsMinor[row.category] += row.amount_minor;
  }
  for (const row of closings) of(row.fund, row.currency).closingMinor = row.amount_minor;
  for (const row of channels) of(row.fund, row.currency).receiptsByChannelMinor[row.channel] += row.amount_minor;
  for (const row of distributions) {
    const statement = of(row.fund, row.currency);
    statement.distributionsByAsnafMinor.set(row.asnaf, (statement.distributionsByAsnafMinor.get(row.asnaf) ?? 0n) + row.amount_minor);
    const program = statement.distributionsByProgram.get(String(row.program_id)) ?? { programId: row.program_id, name: row.program, amountMinor: 0n };
    program.amountMinor += row.amount_minor;
    statement.distributionsByProgram.set(String(row.program_id), program);
  }
  for (const [key, sum] of internal) if (sum !== 0n) throw new Error(`changes in funds: ${key}: reserve and release lines sum to ${sum}, not zero`);
  const ordered = [...statements.values()].sort((a, b) => LEDGER_FUNDS.indexOf(a.fund) - LEDGER_FUNDS.indexOf(b.fund) || a.currency.localeCompare(b.currency));
  for (const statement of ordered) assertStatement(statement);
  return ordered;
}

function sum(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

function assertStatement(statement: FundStatement): void {
  const where = `${statement.fund} ${statement.currency}`;
  const moved = sum(Object.values(statement.movementsMinor));
  if (statement.openingMinor + moved !== statement.closingMinor) throw new Error(`changes in funds: ${where}: opening ${statement.openingMinor} + movements ${moved} is not closing ${statement.closingMinor}`);
  const byChannel = sum(Object.values(statement.receiptsByChannelMinor));
  if (byChannel !== statement.movementsMinor.receipts) throw new Error(`changes in funds: ${where}: receipts by channel ${byChannel} are not receipts ${statement.movementsMinor.receipts}`);
  const distributed = -statement.movementsMinor.distributions;
  const byAsnaf = sum(statement.distributionsByAsnafMinor.values());
  const byProgram = sum([...statement.distributionsByProgram.values()].map((program) => program.amountMinor));
  if (byAsnaf !== distributed || byProgram !== distributed) throw new Error(`changes in funds: ${where}: distributions ${distributed}, by asnaf ${byAsnaf}, by program ${byProgram}`);
}

export interface AccountTotalRow { kind: string; name: string; currency: string; debit_minor: bigint; credit_minor: bigint }

export interface TrialBalance { accounts: (AccountTotalRow & { balance_minor: bigint })[]; totals: { currency: string; debitMinor: bigint; creditMinor: bigint }[] }

/** Every ledger account (kind:name, summed over campaigns) with its debits, credits and balance; per currency debits equal credits. */
export function trialBalance(rows: readonly AccountTotalRow[]): TrialBalance {
  const totals = new Map<string, { currency: string; debitMinor: bigint; creditMinor: bigint }>();
  for (const row of rows) {
    const total = totals.get(row.currency) ?? { currency: row.currency, debitMinor: 0n, creditMinor: 0n };
    total.debitMinor += row.debit_minor;
    total.creditMinor += row.credit_minor;
    totals.set(row.currency, total);
  }
  for (const total of totals.values()) if (total.debitMinor !== total.creditMinor) throw new Error(`trial balance ${total.currency}: debits ${total.debitMinor}, credits ${total.creditMinor}`);
  return {
    accounts: rows.map((row) => ({ ...row, balance_minor: row.debit_minor - row.credit_minor })),
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

export interface Position { currency: string; assets: { account: string; amountMinor: bigint }[]; funds: { fund: string; amountMinor: bigint }[]; assetsMinor: bigint; fundsMinor: bigint }

/**
 * The statement of financial position per currency: assets are the clearing accounts (money received on each
 * channel) net of the payout account (money paid out to mustahik); liabilities and fund balances are each fund
 * with what is reserved for approved disbursements. Assets equal fund balances, asserted.
 */
export function financialPosition(trial: TrialBalance): Position[] {
  const positions = new Map<string, Position>();
  for (const account of trial.accounts) {
    const position = positions.get(account.currency) ?? { currency: account.currency, assets: [], funds: [], assetsMinor: 0n, fundsMinor: 0n };
    positions.set(account.currency, position);
    if (account.kind === 'clearing' || account.kind === 'payout') {
      position.assets.push({ account: `${account.kind}:${account.name}`, amountMinor: account.balance_minor });
      position.assetsMinor += account.balance_minor;
    } else {
      const fund = position.funds.find((entry) => entry.fund === account.name);
      if (fund) fund.amountMinor -= account.balance_minor;
      else position.funds.push({ fund: account.name, amountMinor: -account.balance_minor });
      position.fundsMinor -= account.balance_minor;
    }
  }
  for (const position of positions.values()) {
    if (position.assetsMinor !== position.fundsMinor) throw new Error(`financial position ${position.currency}: assets ${position.assetsMinor}, funds ${position.fundsMinor}`);
    position.funds.sort((a, b) => LEDGER_FUNDS.indexOf(a.fund as LedgerFund) - LEDGER_FUNDS.indexOf(b.fund as LedgerFund));
  }
  return [...positions.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

// JSON: amounts as the rest of the API gives them (decimal strings in major units, exact from bigint minor units).
const money = (minor: bigint, currency: string) => formatAmount(minor, currency);

export function statementJson(statement: FundStatement) {
  const c = statement.currency;
  return {
    fund: statement.fund, currency: c, opening: money(statement.openingMinor, c),
    receipts: { total: money(statement.movementsMinor.receipts, c), ...Object.fromEntries(CHANNELS.map((channel) => [channel, money(statement.receiptsByChannelMinor[channel], c)])) },
    amil_share_in: money(statement.movementsMinor.amil_share_in, c), amil_share_out: money(statement.movementsMinor.amil_share_out, c),
    refunds: money(statement.movementsMinor.refunds, c),
    distributions: {
      total: money(statement.movementsMinor.distributions, c),
      by_asnaf: [...statement.distributionsByAsnafMinor].map(([asnaf, amount]) => ({ asnaf, amount: money(amount, c) })),
      by_program: [...statement.distributionsByProgram.values()].map((program) => ({ program_id: String(program.programId), name: program.name, amount: money(program.amountMinor, c) })),
    },
    corrections: money(statement.movementsMinor.corrections, c), other: money(statement.movementsMinor.other, c),
    closing: money(statement.closingMinor, c),
  };
}

/** CSV of a statement of changes in funds: one record per figure (section, fund, currency, item, amount). */
export function statementCsv(statements: readonly FundStatement[]): string {
  const records = [csvRecord(['section', 'fund', 'currency', 'item', 'amount'])];
  for (const s of statements) {
    const c = s.currency;
    const add = (section: string, item: string, minor: bigint) => records.push(csvRecord([section, s.fund, c, item, money(minor, c)]));
    add('balance', 'opening', s.openingMinor);
    for (const movement of MOVEMENTS) add('movement', movement, s.movementsMinor[movement]);
    for (const channel of CHANNELS) add('receipts_by_channel', channel, s.receiptsByChannelMinor[channel]);
    for (const [asnaf, amount] of s.distributionsByAsnafMinor) add('distributions_by_asnaf', asnaf, amount);
    for (const program of s.distributionsByProgram.values()) add('distributions_by_program', program.name, program.amountMinor);
    add('balance', 'closing', s.closingMinor);
  }
  return records.join('');
}
