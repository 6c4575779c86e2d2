// `amanah reconcile --provider P --from D --to D`: amanah's payments against the provider's own record of them,
// listing every difference: a payment amanah has that the provider does not know, one the provider has that
// amanah does not, an amount that differs, and a status that disagrees (paid at the provider, not in amanah, or
// the other way). It changes nothing: settling is the sweep's and the webhooks' work (one path, webhooks.ts).
//
// What is asked: each of amanah's payments created in [from, to) through the provider's status API (Stripe's
// session, Midtrans' Get Status per order, Xendit's invoice), and, where the provider can list (Stripe's checkout
// sessions, Xendit's invoices), its payments in the same range, so one amanah never made is found too. A listed
// payment counts as missing in amanah only if no payment of amanah's has its reference at all (a payment made
// just outside the range is not a difference). Midtrans has no list API, so only amanah's side is checked there.
import type { Config } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { ProviderName } from './amounts.ts';
import type { PaymentProvider, ProviderRecord } from './provider.ts';
import type { PaymentStatus } from './queries.ts';

export type DifferenceKind = 'missing_at_provider' | 'missing_in_amanah' | 'amount_mismatch' | 'status_mismatch';

export interface Difference {
  readonly kind: DifferenceKind;
  readonly reference: string;
  readonly paymentId: string | null;
  readonly detail: string;
}

export interface ReconcileReport { readonly provider: ProviderName; readonly checked: number; readonly listed: number | null; readonly differences: Difference[] }

/** At most this many of amanah's payments one run checks, one status call each (Stripe allows 100 reads/s). */
export const RECONCILE_PAYMENTS_MAX = 10_000;

interface OwnPayment { id: bigint; reference: string; provider_payment_id: string | null; currency: string; amount_units: bigint; status: PaymentStatus }

const PAID_STATUSES: readonly PaymentStatus[] = ['paid', 'refunded', 'held'];

export async function reconcile(db: Queryable, provider: PaymentProvider, from: Date, to: Date): Promise<ReconcileReport> {
  const { rows } = await db.query<OwnPayment>(
    `select id, reference, provider_payment_id, currency, amount_units, status from payments
      where provider = $1 and created_at >= $2 and created_at < $3 and status <> 'creating' order by id limit $4`,
    [provider.name, from, to, RECONCILE_PAYMENTS_MAX]);
  const differences: Difference[] = [];
  for (const payment of rows) {
    const paymentId = String(payment.id);
    let event;
    try {
      ({ event } = await provider.status({ providerPaymentId: payment.provider_payment_id ?? payment.reference, reference: payment.reference }));
    } catch (error) {
      // The provider does not know it (a 4xx); an outage is thrown on: a reconcile cut short says nothing.
      if (error instanceof AppError && error.code === 'payment_provider_refused') {
        differences.push({ kind: 'missing_at_provider', reference: payment.reference, paymentId, detail: `amanah's payment is ${payment.status}; ${provider.name} does not know it (${error.message})` });
        continue;
      }
      throw error;
    }
    const paidThere = event.kind === 'paid' || event.kind === 'refunded';
    if (event.kind === 'paid' && (event.amountUnits !== payment.amount_units || event.currency !== payment.currency)) {
      differences.push({ kind: 'amount_mismatch', reference: payment.reference, paymentId, detail: `${provider.name} has ${event.amountUnits ?? '?'} ${event.currency ?? '?'}; amanah ${payment.amount_units} ${payment.currency} (provider units)` });
    }
    if (paidThere !== PAID_STATUSES.includes(payment.status)) {
      differences.push({ kind: 'status_mismatch', reference: payment.reference, paymentId, detail: `${provider.name} says ${event.eventType}; amanah's payment is ${payment.status}` });
    }
  }
  let listed: ProviderRecord[] | undefined;
  if (provider.list) {
    listed = await provider.list(from, to);
    const known = await knownReferences(db, provider.name, listed);
    for (const record of listed) {
      if (record.reference !== undefined && known.has(record.reference)) continue;
      if (record.reference === undefined && known.has(`id:${record.providerPaymentId}`)) continue;
      differences.push({ kind: 'missing_in_amanah', reference: record.reference ?? record.providerPaymentId, paymentId: null, detail: `${provider.name} has ${record.providerPaymentId} (${record.status}, ${record.amountUnits ?? '?'} ${record.currency ?? '?'}); amanah has no such payment` });
    }
  }
  return { provider: provider.name, checked: rows.length, listed: listed?.length ?? null, differences };
}

/** The listed references (and ids) that name a payment of amanah's, whenever it was made. */
async function knownReferences(db: Queryable, provider: ProviderName, records: readonly ProviderRecord[]): Promise<Set<string>> {
  if (records.length === 0) return new Set();
  const { rows } = await db.query<{ reference: string; provider_payment_id: string | null }>(
    `select reference, provider_payment_id from payments where provider = $1 and (reference = any($2::text[]) or provider_payment_id = any($3::text[]))`,
    [provider, records.map((record) => record.reference ?? ''), records.map((record) => record.providerPaymentId)]);
  const known = new Set<string>();
  for (const row of rows) {
    known.add(row.reference);
    if (row.provider_payment_id !== null) known.add(`id:${row.provider_payment_id}`);
  }
  // A record naming amanah's provider payment id under another reference is still amanah's payment.
  for (const record of records) if (record.reference !== undefined && known.has(`id:${record.providerPaymentId}`)) known.add(record.reference);
  return known;
}

/** The report as lines for people: a heading, then one line a difference. */
export function reportLines(report: ReconcileReport, from: Date, to: Date): string[] {
  const range = `${from.toISOString()} to ${to.toISOString()}`;
  const head = `${report.provider}, ${range}: ${report.checked} of amanah's payments checked, ${report.listed === null ? 'no list API' : `${report.listed} listed by ${report.provider}`}; ${report.differences.length === 0 ? 'no differences' : `${report.differences.length} difference(s)`}`;
  return [head, ...report.differences.map((item) => `${item.kind}\t${item.reference}\t${item.paymentId ?? '-'}\t${item.detail}`)];
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** A --from/--to value: a day (UTC midnight; --to's day is included) or an ISO 8601 instant. */
export function parseBound(raw: unknown, flag: 'from' | 'to'): Date | undefined {
  if (typeof raw !== 'string') return undefined;
  const day = DAY_PATTERN.test(raw);
  const date = new Date(day ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(date.getTime()) || (!day && !/^\d{4}-\d{2}-\d{2}T/.test(raw))) return undefined;
  return day && flag === 'to' ? new Date(date.getTime() + 86_400_000) : date;
}

/** Runs a reconcile and prints it; 0 when there is no difference, 1 when there are some, 2 when it cannot run. */
export async function runReconcile(db: Queryable, providers: ReadonlyMap<ProviderName, PaymentProvider>, values: Record<string, unknown>,
  out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const name = values.provider;
  const from = parseBound(values.from, 'from');
  const to = parseBound(values.to, 'to');
  if (typeof name !== 'string' || !from || !to || from >= to) {
    err('amanah reconcile: give --provider stripe|midtrans|xendit --from YYYY-MM-DD --to YYYY-MM-DD (or ISO 8601 instants), from before to');
    return 2;
  }
  const provider = providers.get(name as ProviderName);
  if (!provider) {
    err(`amanah reconcile: ${name} is not configured (configured: ${[...providers.keys()].join(', ') || 'none'}; README, Payments)`);
    return 2;
  }
  let report;
  try {
    report = await reconcile(db, provider, from, to);
  } catch (error) {
    err(`amanah reconcile: ${(error as Error).message}; nothing was compared in full, run it again`);
    return 2;
  }
  if (values.json === true) out(JSON.stringify({ ...report, from: from.toISOString(), to: to.toISOString() }));
  else for (const line of reportLines(report, from, to)) out(line);
  return report.differences.length === 0 ? 0 : 1;
}

export const reconcileCommand = {
  summary: "Compare amanah's payments with a provider's record of them and list the differences",
  usage: [
    'amanah reconcile --provider stripe|midtrans|xendit --from YYYY-MM-DD --to YYYY-MM-DD [--json]',
    '',
    "Lists payments missing on either side, amounts that differ and statuses that disagree, one a line (kind,",
    "reference, payment id, detail). Changes nothing. Exit 0: no differences; 1: some; 2: could not run.",
  ].join('\n'),
  options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, provider: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const,
  async run(config: Config, values: Record<string, unknown>): Promise<number> {
    const [{ openDatabase }, { migrate }, { createProviders }] = await Promise.all([import('../db/database.ts'), import('../db/migrate.ts'), import('./routes.ts')]);
    const database = await openDatabase(config.database);
    try {
      await migrate(database);
      return await runReconcile(database, createProviders(config.paymentProviders), values);
    } finally {
      await database.close();
    }
  },
};
