// The mail outbox against a real SMTP server on loopback (smtp-server, read back with mailparser): an approved
// donation's receipt is queued by the issuer's transaction and sent once with its PDF (text extracted: name,
// amount, words, number); a failing server is retried with back-off, a claim left by a crashed sender is taken
// again once its lease expires, and a sent message is never sent again. A statement goes out with PDF and CSV.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { extractText, getDocumentProxy } from 'unpdf';
import type { ParsedMail } from 'mailparser';
import { buildApp } from '../../src/http/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { startMailbox, type Mailbox } from '../portal/smtp.ts';
import { drainReceiptRequests, type IssuerOptions } from '../../src/receipts/issuer.ts';
import { createSender, type Sender } from '../../src/email/sender.ts';
import { claimDue, outboxCounts } from '../../src/email/queries.ts';

let mailbox: Mailbox;
let db: TestDatabase;
let app: FastifyInstance;
let staff: Record<string, string>;
let sender: Sender;
let options: IssuerOptions;
const isReceipt = (mail: ParsedMail) => /^Bukti donasi/.test(mail.subject ?? '');

before(async () => {
  mailbox = await startMailbox();
  // The app's own timers stay out of the way (the test drives issuer and sender); SMTP_URL turns mail on.
  db = await createTestDatabase({ SMTP_URL: mailbox.url, MAIL_FROM: 'Amanah <receipts@amanah.example>', RECEIPT_ISSUE_INTERVAL_MS: '0', EMAIL_SEND_INTERVAL_MS: '3600000', INSTITUTION_NAME: 'LAZ Amanah' });
  app = await buildApp({ config: db.config, database: db.database });
  staff = { authorization: `Bearer ${(await createToken(db.database, 'Petugas Satu', 'staff')).token}` };
  const { receipts } = db.config;
  options = { settings: receipts, publicUrl: db.config.paymentProviders.publicUrl, mail: true };
  sender = createSender(db.database, { smtpUrl: receipts.smtpUrl!, mailFrom: receipts.mailFrom, settings: receipts });
});
after(async () => { sender.close(); await app.close(); await db.drop(); await mailbox.close(); });

async function approved(campaignId: string, body: Record<string, unknown>): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': `mail-${Math.random()}` }, payload: { campaign_id: campaignId, currency: 'IDR', ...body } });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  assert.equal((await app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: staff })).statusCode, 200);
  return id;
}

async function campaign(slug: string, fund: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/campaigns', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { slug, name: `Program ${slug}`, fund, currency: 'IDR', status: 'active' } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

async function pdfText(content: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(content)), { mergePages: true });
  return text.replace(/\s+/g, ' ');
}

test('a receipt is mailed once with its PDF; the message and the PDF carry name, amount, words and number', async () => {
  const campaignId = await campaign('mail-zakat', 'zakat');
  const id = await approved(campaignId, { amount: '1750000', donor_name: 'Ahmad Fauzi', donor_email: 'ahmad@example.org' });
  await drainReceiptRequests(db.database, options);
  assert.deepEqual(await sender.sendDue(), { sent: 1, failed: 0 });
  const mail = await mailbox.next(isReceipt);
  assert.equal((mail.to as { text: string }).text, 'ahmad@example.org');
  const receipts = (await app.inject({ method: 'GET', url: `/api/receipts?donation_id=${id}`, headers: staff })).json().receipts;
  const number = receipts[0].number as string;
  assert.ok(mail.subject!.includes(number));
  const { rows } = await db.database.query<{ message_id: string }>('select message_id from email_outbox where receipt_id = $1', [receipts[0].id]);
  assert.equal(mail.messageId, `<${rows[0]!.message_id}@amanah.example>`);
  assert.equal(mail.attachments.length, 1);
  assert.equal(mail.attachments[0]!.contentType, 'application/pdf');
  const text = await pdfText(mail.attachments[0]!.content);
  for (const expected of ['Ahmad Fauzi', number, 'satu juta tujuh ratus lima puluh ribu rupiah', 'one million seven hundred fifty thousand rupiah', 'LAZ Amanah', 'Petugas Satu']) {
    assert.ok(text.includes(expected), `the PDF shows ${expected}: ${text}`);
  }
  assert.deepEqual(await sender.sendDue(), { sent: 0, failed: 0 }, 'a sent message is not sent again');
  assert.equal(mailbox.count(isReceipt), 1);
});

test('a failing server is retried with back-off; a crashed claim is taken again after its lease; each is sent once', async () => {
  const campaignId = await campaign('mail-retry', 'sadaqah');
  await approved(campaignId, { amount: '20000', donor_name: 'Retry Donor', donor_email: 'retry@example.org' });
  await drainReceiptRequests(db.database, options);
  const broken = createSender(db.database, { smtpUrl: 'smtp://127.0.0.1:1', mailFrom: 'a@amanah.example', settings: db.config.receipts });
  assert.deepEqual(await broken.sendDue(), { sent: 0, failed: 1 });
  broken.close();
  const [row] = (await db.database.query<{ attempts: number; last_error: string; due_later: boolean }>(
    `select attempts, last_error, next_attempt_at > now() + interval '20 seconds' as due_later from email_outbox where sent_at is null`)).rows;
  assert.equal(row!.attempts, 1);
  assert.ok(row!.due_later, 'the next attempt waits (30 s back-off)');
  assert.deepEqual(await sender.sendDue(), { sent: 0, failed: 0 }, 'not due yet');
  await db.database.query('update email_outbox set next_attempt_at = now() where sent_at is null');
  // A sender claims the row and crashes before sending: the lease keeps others off until it expires.
  assert.equal((await claimDue(db.database, 10, 60_000)).length, 1);
  assert.deepEqual(await sender.sendDue(), { sent: 0, failed: 0 }, 'leased to the crashed sender');
  await db.database.query(`update email_outbox set lease_until = now() - interval '1 second' where sent_at is null`);
  assert.deepEqual(await sender.sendDue(), { sent: 1, failed: 0 });
  const mail = await mailbox.next(isReceipt);
  assert.equal((mail.to as { text: string }).text, 'retry@example.org');
  assert.deepEqual(await outboxCounts(db.database), { pending: 0, sent: 2, failed: 0 });
});

test('a statement is mailed with its PDF and CSV through the same outbox', async () => {
  const queued = await app.inject({ method: 'POST', url: '/api/statements/email', headers: staff, payload: { email: 'AHMAD@example.org', from: '2000-01-01', to: '2099-12-31' } });
  assert.equal(queued.statusCode, 422, 'past the longest range');
  const year = new Date().getUTCFullYear();
  const ok = await app.inject({ method: 'POST', url: '/api/statements/email', headers: staff, payload: { email: 'AHMAD@example.org', from: `${year - 1}-01-01`, to: `${year + 1}-12-31` } });
  assert.equal(ok.statusCode, 202, ok.body);
  assert.deepEqual(await sender.sendDue(), { sent: 1, failed: 0 });
  const mail = await mailbox.next((m) => /statement/i.test(m.subject ?? ''));
  assert.deepEqual(mail.attachments.map((a) => a.contentType).sort(), ['application/pdf', 'text/csv']);
  const csv = mail.attachments.find((a) => a.contentType === 'text/csv')!.content.toString('utf8');
  assert.match(csv, /1750000\.00,approved/);
  assert.ok((await pdfText(mail.attachments.find((a) => a.contentType === 'application/pdf')!.content)).includes('Zakat / Zakat, IDR'));
});
