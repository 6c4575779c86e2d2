// The mail sender: drains email_outbox through SMTP (nodemailer, SMTP_URL). Each round claims due rows with a
// lease (FOR UPDATE SKIP LOCKED on PostgreSQL, so senders in several processes share the work; PGlite has one
// connection and the same statement simply claims), sends each, then marks it sent in its own short
// transaction, fenced by the attempt number. A crash before the claim leaves the row due; a crash after it
// leaves a lease that expires (LEASE_MS) and the row is taken again: nothing is lost. A crash in the instant
// between the SMTP server's 250 and the mark is the one case that sends again; the message then carries the
// same Message-ID, so a receiving system and the donor's client can tell it is the same message. That is as
// close to exactly-once as SMTP allows (it has no idempotent submission).
import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from '../db/database.ts';
import { claimDue, markFailed, markSent, messageIdDomain, type OutboxRow } from './queries.ts';
import { findReceipt } from '../receipts/queries.ts';
import { assertIntact, renderReceiptPdf } from '../receipts/document.ts';
import { statementCsv, statementOf, statementPdf } from '../receipts/statements.ts';
import type { ReceiptsConfig } from '../receipts/settings.ts';
import { emailKey } from '../text/text.ts';

/** Rows one round claims; each is one SMTP message, sent one after another. */
export const SEND_BATCH_ROWS_MAX = 20;
/**
 * How long a claim is held: above the worst round (20 messages × 3 timeouts of SMTP_TIMEOUT_MS = 10 min), so a
 * slow but live sender never loses its lease to another and a message is not sent twice that way.
 */
export const LEASE_MS = 15 * 60_000; // 15 minutes
/** One SMTP conversation's timeouts: a stuck server must not hold a lease for ever. */
export const SMTP_TIMEOUT_MS = 10_000;
/** Back-off: 30 s, doubling, at most 1 h. */
export const RETRY_DELAY_MS_MIN = 30_000;
export const RETRY_DELAY_MS_MAX = 3_600_000;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_DELAY_MS_MAX, RETRY_DELAY_MS_MIN * 2 ** Math.max(0, attempts - 1));
}

export interface SenderOptions {
  readonly smtpUrl: string;
  readonly mailFrom: string;
  readonly settings: ReceiptsConfig;
}

export interface Sender {
  /** One round: claims, sends and marks; answers how many were sent. */
  sendDue(): Promise<{ sent: number; failed: number }>;
  close(): void;
}

interface Message { subject: string; text: string; attachments: { filename: string; content: Buffer; contentType: string }[] }

async function messageOf(db: Database, row: OutboxRow, settings: ReceiptsConfig): Promise<Message> {
  if (row.kind === 'receipt') {
    const receipt = await findReceipt(db, row.receipt_id!);
    if (!receipt) throw new Error(`receipt ${row.receipt_id} is gone`);
    assertIntact(receipt.content, receipt.content_sha256);
    const number = receipt.content.number;
    return {
      subject: `Bukti donasi / Receipt ${number}`,
      text: `Terima kasih atas donasi Anda. Bukti ${number} terlampir.\nThank you for your gift. Receipt ${number} is attached.\n\n`
        + `Periksa / Verify: ${receipt.content.verify_url}\n`,
      attachments: [{ filename: `${number.replaceAll('/', '-')}.pdf`, content: await renderReceiptPdf(receipt.content, receipt.status === 'void', settings.timeZone), contentType: 'application/pdf' }],
    };
  }
  const statement = await statementOf(db, emailKey(row.recipient!), row.period_from!, row.period_to!, settings.timeZone);
  const institution = { name: settings.institutionName, address: settings.institutionAddress, permit: settings.institutionPermit };
  const name = `statement-${row.period_from}-${row.period_to}`;
  return {
    subject: `Laporan donasi / Giving statement ${row.period_from} - ${row.period_to}`,
    text: `Laporan donasi Anda terlampir (PDF dan CSV).\nYour giving statement is attached (PDF and CSV).\n`,
    attachments: [
      { filename: `${name}.pdf`, content: await statementPdf(statement, institution), contentType: 'application/pdf' },
      { filename: `${name}.csv`, content: statementCsv(statement), contentType: 'text/csv; charset=utf-8' },
    ],
  };
}

export function createSender(db: Database, options: SenderOptions): Sender {
  const transport: Transporter = nodemailer.createTransport({
    url: options.smtpUrl, connectionTimeout: SMTP_TIMEOUT_MS, greetingTimeout: SMTP_TIMEOUT_MS, socketTimeout: SMTP_TIMEOUT_MS,
  });
  const domain = messageIdDomain(options.mailFrom);
  const attemptsMax = options.settings.sendAttemptsMax;
  return {
    async sendDue() {
      const rows = await claimDue(db, SEND_BATCH_ROWS_MAX, LEASE_MS);
      let sent = 0;
      let failed = 0;
      for (const row of rows) {
        if (row.recipient === null) {
          // No address any more (the donor was erased): nothing to send, ever.
          await markFailed(db, row.id, row.attempts, 'no recipient address', 0, true);
          failed += 1;
          continue;
        }
        try {
          const message = await messageOf(db, row, options.settings);
          await transport.sendMail({ from: options.mailFrom, to: row.recipient, messageId: `<${row.message_id}@${domain}>`, ...message });
        } catch (error) {
          const final = row.attempts >= attemptsMax;
          await markFailed(db, row.id, row.attempts, error instanceof Error ? error.message : String(error), retryDelayMs(row.attempts), final);
          failed += 1;
          continue;
        }
        if (await markSent(db, row.id, row.attempts)) sent += 1;
      }
      return { sent, failed };
    },
    close() { transport.close(); },
  };
}

/** Sends every `intervalMs` until stopped; one round at a time. */
export function startSender(sender: Sender, intervalMs: number, onError: (error: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = sender.sendDue().catch(onError).finally(() => { running = undefined; });
  }, intervalMs);
  timer.unref();
  return async () => { clearInterval(timer); await running; sender.close(); };
}
