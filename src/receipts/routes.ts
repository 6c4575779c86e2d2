// Receipts and statements (issue 15): staff read a donation's receipts and their PDFs and a donor's statement;
// anyone holding a receipt's code checks it at /receipts/verify/:code (issuer, number, date, amount, status:
// never a name). The issuer and, with SMTP_URL, the mail sender run on timers in every serving process; the
// advisory lock and the leases keep them single-file and exactly-once across processes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { isDatabaseId } from '../http/format.ts';
import { pageLocale } from '../http/page-locale.ts';
import { emailKey } from '../text/text.ts';
import { receiptsOfDonation } from './queries.ts';
import { checkPage, CHECK_PAGE_CONTENT_SECURITY_POLICY } from './check-page.ts';
import { getReceipt, normaliseNpwp, receiptJson, receiptPdf, setTaxIds, verifyCode } from './receipts.ts';
import { nikProblem } from '../distribution/nik.ts';
import { statementCsv, statementJson, statementOf, statementPdf } from './statements.ts';
import { taxIdsBody, receiptListQuery, receiptListSchema, receiptParams, receiptSchema, statementBody, statementSchema, verificationSchema, verifyParams } from './schemas.ts';
import { startIssuer } from './issuer.ts';
import { createSender, startSender } from '../email/sender.ts';
import { queueStatementMail } from '../email/queries.ts';

interface StatementRequest { email: string; from: string; to: string; format?: 'json' | 'csv' | 'pdf' }

function sendPdf(reply: FastifyReply, bytes: Buffer, filename: string): FastifyReply {
  return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'private, no-store').send(bytes);
}

export async function receiptRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);
  const errors = { 400: problemResponse, 401: problemResponse, 403: problemResponse };
  const { smtpUrl } = config.receipts;
  const stopIssuer = startIssuer(database, { settings: config.receipts, publicUrl: config.paymentProviders.publicUrl, mail: smtpUrl !== undefined },
    (error) => app.log.error({ err: error }, 'receipt issuer failed; it retries on its next round'));
  const stopSender = smtpUrl === undefined ? async () => {} : startSender(createSender(database, { smtpUrl, mailFrom: config.receipts.mailFrom, settings: config.receipts }),
    config.receipts.sendIntervalMs, (error) => app.log.error({ err: error }, 'mail sender failed; it retries on its next round'));
  app.addHook('onClose', async () => { await Promise.all([stopIssuer(), stopSender()]); });

  app.get<{ Querystring: { donation_id: string } }>('/api/receipts', {
    preHandler: staff,
    schema: { summary: "A donation's receipts, valid and void, oldest first (staff)", tags: ['receipts'], security: [{ bearer: [] }], querystring: receiptListQuery, response: { 200: receiptListSchema, ...errors } },
  }, async (request) => {
    const id = request.query.donation_id;
    if (!isDatabaseId(id)) throw new AppError('validation_failed', 'donation_id must be a donation id', { field: 'donation_id' });
    return { receipts: (await receiptsOfDonation(database, BigInt(id))).map(receiptJson) };
  });

  app.get<{ Params: { id: string } }>('/api/receipts/:id', {
    preHandler: staff,
    schema: { summary: 'A receipt with its frozen content and hash (staff)', tags: ['receipts'], security: [{ bearer: [] }], params: receiptParams, response: { 200: receiptSchema, ...errors, 404: problemResponse } },
  }, async (request) => receiptJson(await getReceipt(database, request.params.id)));

  app.get<{ Params: { id: string } }>('/api/receipts/:id/pdf', {
    preHandler: staff,
    schema: { summary: 'A receipt as PDF, rendered from its frozen content (staff)', tags: ['receipts'], security: [{ bearer: [] }], params: receiptParams, response: { ...errors, 404: problemResponse } },
  }, async (request, reply) => {
    const { bytes, filename } = await receiptPdf(await getReceipt(database, request.params.id), config.receipts.timeZone);
    return sendPdf(reply, bytes, filename);
  });

  app.put<{ Params: { id: string }; Body: { npwp?: string; nik?: string } }>('/api/donations/:id/tax-ids', {
    preHandler: staff,
    schema: {
      summary: "Record the donor's NPWP and/or NIK on an approved donation: its receipt is reissued (corrected) carrying them (staff)", tags: ['receipts'],
      security: [{ bearer: [] }], params: receiptParams, body: taxIdsBody,
      response: { 202: { type: 'object', properties: { queued: { type: 'boolean' } } }, ...errors, 404: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const { npwp, nik } = request.body;
    const problem = nik === undefined ? undefined : nikProblem(nik);
    if (problem) throw new AppError('nik_invalid', problem, { field: 'nik' });
    await setTaxIds(database, request.params.id, { npwp: npwp === undefined ? null : normaliseNpwp(npwp), nik: nik ?? null });
    return reply.code(202).send({ queued: true });
  });

  app.get<{ Params: { code: string } }>('/receipts/verify/:code', {
    schema: { summary: 'Check a receipt by its code (anyone): issuer, number, date, amount, valid or void; HTML in Indonesian or English as the viewer chose, or JSON by Accept', tags: ['receipts'], params: verifyParams, response: { 200: verificationSchema, 404: problemResponse } },
  }, async (request, reply) => {
    const result = await verifyCode(database, request.params.code, config.receipts.timeZone);
    if (!(request.headers.accept ?? '').includes('text/html')) return reply.header('vary', 'accept').send(result);
    const locale = pageLocale(request, reply);
    return reply.type('text/html; charset=utf-8').header('vary', 'accept, accept-language, cookie')
      .header('content-security-policy', CHECK_PAGE_CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff')
      .serializer((page: string) => page).send(checkPage(locale, request.params.code, result));
  });

  app.post<{ Body: StatementRequest }>('/api/statements', {
    preHandler: staff,
    schema: {
      summary: "A donor's statement (by email) for any range of days: JSON, CSV or PDF, totals per fund and currency (staff)", tags: ['receipts'],
      security: [{ bearer: [] }], body: statementBody, response: { 200: statementSchema, ...errors, 422: problemResponse },
    },
  }, async (request, reply) => {
    const { email, from, to, format } = request.body;
    const statement = await statementOf(database, emailKey(email), from, to, config.receipts.timeZone);
    if (format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${from}-${to}.csv"`).header('cache-control', 'private, no-store').send(statementCsv(statement));
    }
    if (format === 'pdf') {
      const institution = { name: config.receipts.institutionName, address: config.receipts.institutionAddress, permit: config.receipts.institutionPermit };
      return sendPdf(reply, await statementPdf(statement, institution), `statement-${from}-${to}.pdf`);
    }
    return statementJson(statement);
  });

  app.post<{ Body: StatementRequest }>('/api/statements/email', {
    preHandler: staff,
    schema: {
      summary: "Mail a donor their statement (PDF and CSV) through the outbox (staff); 422 without SMTP_URL", tags: ['receipts'],
      security: [{ bearer: [] }], body: statementBody,
      response: { 202: { type: 'object', properties: { queued: { type: 'boolean' } } }, ...errors, 404: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    if (smtpUrl === undefined) throw new AppError('mail_not_configured', 'set SMTP_URL to send mail; statements can be downloaded from POST /api/statements');
    const { email, from, to } = request.body;
    const statement = await statementOf(database, emailKey(email), from, to, config.receipts.timeZone);
    if (statement.donor_id === null) throw new AppError('not_found', 'no donor gave with this email');
    await queueStatementMail(database, statement.donor_id, from, to);
    return reply.code(202).send({ queued: true });
  });
}
