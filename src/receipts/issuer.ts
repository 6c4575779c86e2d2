// The receipt issuer: drains receipt_requests (written by the approval's own transaction, migration 0019) in
// order, one transaction per claim of up to ISSUE_BATCH_ROWS_MAX requests, under an advisory lock so that one
// issuer runs at a time across processes. In that transaction it takes the numbers (receipt_counters), inserts
// the receipts with their frozen content, voids what refunds voided, queues the receipt mail and deletes the
// requests. All of it commits or none of it does.
//
// WHY NUMBERS ARE TAKEN HERE AND NOT IN THE APPROVAL. Gapless means a number is consumed only by a committed
// receipt; a sequence cannot do that (nextval is never rolled back), so the numbers come from a counter row
// updated in the transaction that commits the receipts. Two places could hold that update:
// - in the approval transaction (a counter row per prefix and year): every approval batch of every campaign
//   would update the same row and hold its lock until its commit, so approvals, which today serialise only per
//   campaign (LOCK ORDER in src/donations/queries.ts), would serialise across all campaigns, fsync by fsync;
// - in the issuer (this): an approval only inserts its request rows, which no other transaction touches, and
//   the counter row is updated by one issuer transaction per 1,000 receipts.
// Measured with bench/receipts.ts (README, Receipts; PostgreSQL, 2 shared cores at load 16–18): 100,000
// approvals in batches of 500 over 50 campaigns ran at 933/s with the request trigger on vs 980/s off in the
// same run (0.95; the rounds themselves spread 754–1,182/s), and the issuer then issued the 100,000 receipts
// at 225/s (444 s; per claim of 1,000: content ~0.9 s, insert ~0.7 s, mail rows ~0.2 s), peak RSS 340 MiB.
// The counter-in-the-approval alternative was not built: its cost is a wait per batch on one row, which the
// trigger design does not have at all. Gaplessness under concurrency: the issuer lock
// makes numbering single-file, a rollback (a crash, a lost connection, a unique-code collision) returns the
// counter with the receipts, and unique (prefix, year, number) refuses a duplicate outright.
// test/receipts/numbering.test.ts approves concurrently from many connections with rollbacks in between.
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import type { Database, Queryable } from '../db/database.ts';
import type { ReceiptsConfig } from './settings.ts';
import { amountWordsEnglish, amountWordsIndonesian } from './words.ts';
import { contentSha256, figures, RECEIPT_CONTENT_VERSION, type ReceiptContent } from './document.ts';
import {
  allocateReceiptIds, deleteRequests, insertReceipts, issueSources, oldestRequests, takeNumbers, tryIssuerLock,
  validReceipts, voidReceipts, type IssueSourceRow, type NewReceipt, type RequestRow,
} from './queries.ts';
import { queueReceiptMail } from '../email/queries.ts';

/** Requests one issuer transaction handles: ~1,000 receipts is a few hundred kB of content and well under a second. */
export const ISSUE_BATCH_ROWS_MAX = 1_000;
/** Batches one drain runs before it yields to the timer again, so a backlog cannot hold the loop forever. */
export const ISSUE_BATCHES_PER_DRAIN_MAX = 1_000;
/**
 * Receipt contents built in one turn of the event loop before the issuer yields. The issuer runs inside a serving
 * process: building a claim's 1,000 contents (words, figures, canonical JSON, SHA-256) took 85–190 ms of one core
 * in one piece (1,000 contents timed alone, load 8), and every request the process was answering waited behind
 * it (the approvals benchmark's p99 spikes with the issuer on). 100 a turn keeps a wait near 10–20 ms; the claim's
 * transaction stays open a little longer. On PostgreSQL nothing else waits on it (the issuer lock makes issuing
 * single-file); on PGlite, one connection, every other query queues behind the open transaction either way, a
 * little longer now, while the process's other JavaScript runs between the pieces.
 */
export const CONTENTS_PER_TURN = 100;
/** Digits of the number's last part: `AMN/2026/000123`; past 999,999 it simply grows. */
export const NUMBER_DIGITS = 6;

export interface IssuerOptions {
  readonly settings: ReceiptsConfig;
  /** AMANAH_PUBLIC_URL: the QR and the printed address point at `<publicUrl>/receipts/verify/<code>`. */
  readonly publicUrl: string;
  /** Queue receipt mail (only when SMTP_URL is set: otherwise receipts are downloaded). */
  readonly mail: boolean;
}

export function formatNumber(prefix: string, year: number, number: bigint): string {
  return `${prefix}/${year}/${String(number).padStart(NUMBER_DIGITS, '0')}`;
}

/** Crockford base32 without I, L, O, U: 10 characters, 50 random bits, easy to read out and type. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newVerificationCode(): string {
  const bytes = randomBytes(10);
  let code = '';
  for (const byte of bytes) code += CODE_ALPHABET[byte & 31];
  return code;
}

/** The date (YYYY-MM-DD) and year of an instant in the institution's time zone. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function localDate(at: Date, timeZone: string): { date: string; year: number } {
  // Building a DateTimeFormat costs ~1 ms (measured: 1,000 builds 1,082 ms), two per receipt; one per zone is kept.
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  // en-CA writes YYYY-MM-DD.
  const date = format.format(at);
  return { date, year: Number(date.slice(0, 4)) };
}

/** The officer of an approval by a staff token (`token:<id>:<name>`), else null: validated by the system. */
export function officerOf(actor: string | null): string | null {
  const match = actor === null ? null : /^token:[^:]{1,40}:(.+)$/s.exec(actor);
  return match ? match[1]!.slice(0, 200) : null;
}

interface Pending { receipt: NewReceipt; source: IssueSourceRow; corrects: { number: string; refundedMinor: bigint } | null }

function contentOf(pending: Pending, options: IssuerOptions, number: string): ReceiptContent {
  const { source, receipt } = pending;
  const amount = figures(receipt.amountMinor, receipt.currency);
  const { settings } = options;
  return {
    version: RECEIPT_CONTENT_VERSION,
    number,
    code: receipt.code,
    verify_url: `${options.publicUrl}/receipts/verify/${receipt.code}`,
    issued_at: receipt.issuedAt.toISOString(),
    donated_on: localDate(source.donated_at, settings.timeZone).date,
    donation_id: String(source.id),
    // An anonymous gift's receipt still names the donor: it is shown to staff and the donor only, never publicly.
    donor: { name: source.donor_name, npwp: source.donor_npwp, nik: source.donor_nik, anonymous: source.donor_anonymous },
    amount: {
      minor: String(receipt.amountMinor), currency: receipt.currency, figures_id: amount.id, figures_en: amount.en,
      words_id: amountWordsIndonesian(receipt.amountMinor, receipt.currency), words_en: amountWordsEnglish(receipt.amountMinor, receipt.currency),
    },
    fund: source.fund,
    campaign: { id: String(source.campaign_id), name: source.campaign_name },
    institution: { name: settings.institutionName, address: settings.institutionAddress, permit: settings.institutionPermit },
    officer: officerOf(source.approved_by),
    corrects: pending.corrects ? { number: pending.corrects.number, refunded_minor: String(pending.corrects.refundedMinor) } : null,
  };
}

/** Applies one claim of requests in order; answers how many requests it handled (0: none, or another issuer runs). */
export async function issueBatch(db: Database, options: IssuerOptions, batchRowsMax = ISSUE_BATCH_ROWS_MAX): Promise<number> {
  return db.transaction(async (tx) => {
    if (!await tryIssuerLock(tx)) return 0;
    const requests = await oldestRequests(tx, batchRowsMax);
    if (requests.length === 0) return 0;
    const donationIds = [...new Set(requests.map((r) => r.donation_id))];
    const [sources, valid] = await Promise.all([issueSources(tx, donationIds), validReceipts(tx, donationIds)]);
    const plan = planBatch(requests, sources, new Map([...valid].map(([id, row]) => [id, { id: row.id, number: row.number }])));
    const ids = plan.issued.length === 0 ? [] : await allocateReceiptIds(tx, plan.issued.length);
    await number(tx, plan.issued, ids, options);
    for (const pending of plan.issued) {
      if (pending.replaces !== null) pending.pending.receipt.replacesId = pending.replaces.id ?? pending.replaces.pending!.receipt.id;
    }
    // Voids first: a correction's new receipt is the donation's one valid receipt only once the old is void.
    await voidReceipts(tx, plan.voids);
    await insertReceipts(tx, plan.issued.map((p) => p.pending.receipt));
    if (options.mail) {
      await queueReceiptMail(tx, plan.issued.filter((p) => !p.pending.receipt.voided && p.pending.source.has_email).map((p) => p.pending.receipt.id));
    }
    await deleteRequests(tx, requests.map((r) => r.id));
    return requests.length;
  });
}

interface Planned { pending: Pending; replaces: { id: bigint | undefined; number: string | undefined; pending: Pending | undefined } | null }
interface Current { id?: bigint; number?: string; planned?: Planned }

/**
 * Walks the requests in order against each donation's current receipt: an issue makes one (unless one is
 * valid already: a request retried), a void voids the current one, a correction voids it and makes a new one
 * for what is left. Pure: the numbers and ids come after.
 */
function planBatch(requests: readonly RequestRow[], sources: Map<bigint, IssueSourceRow>, valid: Map<bigint, { id: bigint; number: string }>) {
  const issued: Planned[] = [];
  const voids: { id: bigint; reason: 'refunded' | 'corrected' }[] = [];
  const current = new Map<bigint, Current>([...valid].map(([donation, row]) => [donation, { id: row.id, number: row.number }]));
  const voidCurrent = (donationId: bigint, reason: 'refunded' | 'corrected') => {
    const now = current.get(donationId);
    if (now?.planned) { now.planned.pending.receipt.voided = true; now.planned.pending.receipt.voidReason = reason; }
    else if (now?.id !== undefined) voids.push({ id: now.id, reason });
    current.delete(donationId);
    return now;
  };
  for (const request of requests) {
    const source = sources.get(request.donation_id);
    if (!source) continue; // assert-worthy, but a request for a donation that does not exist can only be dropped
    if (request.kind === 'void') { voidCurrent(request.donation_id, 'refunded'); continue; }
    if (request.kind === 'issue' && current.has(request.donation_id)) continue;
    let replaces: Planned['replaces'] = null;
    let amountMinor = source.amount_minor;
    if (request.kind === 'correct') {
      amountMinor = source.amount_minor - (request.refunded_minor ?? 0n);
      const before = voidCurrent(request.donation_id, 'corrected');
      if (before === undefined || amountMinor <= 0n) continue;
      replaces = { id: before.id, number: before.number, pending: before.planned?.pending };
    }
    const receipt: NewReceipt = {
      id: 0n, donationId: source.id, prefix: '', year: 0, number: 0n, code: newVerificationCode(), voided: false, voidReason: null,
      amountMinor, currency: source.currency, issuedAt: request.requested_at, content: undefined as never, sha256: Buffer.alloc(0), replacesId: null,
    };
    const corrects = replaces ? { number: '', refundedMinor: request.refunded_minor ?? 0n } : null;
    const planned: Planned = { pending: { receipt, source, corrects }, replaces };
    issued.push(planned);
    current.set(request.donation_id, { planned });
  }
  return { issued, voids };
}

/** Numbers the batch's receipts per (prefix, year) in request order and freezes their content. */
async function number(tx: Queryable, planned: readonly Planned[], ids: readonly bigint[], options: IssuerOptions): Promise<void> {
  const byYear = new Map<number, Planned[]>();
  planned.forEach((p, index) => {
    const receipt = p.pending.receipt;
    receipt.id = ids[index]!;
    receipt.prefix = options.settings.prefix;
    receipt.year = localDate(receipt.issuedAt, options.settings.timeZone).year;
    byYear.set(receipt.year, [...(byYear.get(receipt.year) ?? []), p]);
  });
  for (const [year, group] of [...byYear].sort(([a], [b]) => a - b)) {
    const last = await takeNumbers(tx, options.settings.prefix, year, group.length);
    group.forEach((p, index) => { p.pending.receipt.number = last - BigInt(group.length) + 1n + BigInt(index); });
  }
  for (const [index, p] of planned.entries()) {
    if (index > 0 && index % CONTENTS_PER_TURN === 0) await yieldTurn();
    const receipt = p.pending.receipt;
    // A correction of a receipt made in this same batch names it by its number, known only now.
    if (p.replaces) p.pending.corrects!.number = p.replaces.pending ? p.replaces.pending.receipt.content.number : p.replaces.number!;
    receipt.content = contentOf(p.pending, options, formatNumber(receipt.prefix, receipt.year, receipt.number));
    receipt.sha256 = contentSha256(receipt.content);
  }
}

/** Issues until no request is left (or ISSUE_BATCHES_PER_DRAIN_MAX batches); answers the requests handled. */
export async function drainReceiptRequests(db: Database, options: IssuerOptions, batchRowsMax = ISSUE_BATCH_ROWS_MAX): Promise<number> {
  let handled = 0;
  for (let batch = 0; batch < ISSUE_BATCHES_PER_DRAIN_MAX; batch += 1) {
    const count = await issueBatch(db, options, batchRowsMax);
    handled += count;
    if (count < batchRowsMax) break;
  }
  return handled;
}

/** Drains every `intervalMs` (0: never) until stopped; one drain at a time in this process. */
export function startIssuer(db: Database, options: IssuerOptions, onError: (error: unknown) => void): () => Promise<void> {
  if (options.settings.issueIntervalMs === 0) return async () => {};
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = drainReceiptRequests(db, options).catch(onError).finally(() => { running = undefined; });
  }, options.settings.issueIntervalMs);
  timer.unref();
  return async () => { clearInterval(timer); await running; };
}
