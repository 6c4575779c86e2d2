// /me, the donor's own page (issue 15), and the portal's API: a magic link by email, the session it opens, the
// donor's gifts (page and CSV), receipts (PDF) and statements (PDF or CSV, any range), sign-out and erasure; POST /api/donors/erase for an admin acting on a request.
//
// The session is a cookie `amanah_me=<id>.<secret>` (HttpOnly, SameSite=Lax, Secure when the request came over
// https, Path=/me, Max-Age the session's TTL); only the secret's SHA-256 is stored. Every POST made in a session
// carries a CSRF token derived from the session (tokens.ts) and, when the browser sends Origin, must come from
// this site. Pages are answered in HTML to browsers (Accept: text/html) and every refusal elsewhere as
// problem+json; a refusal on a page is the page with the error's title and its code, under the same status.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { formatAmount } from '../money/index.ts';
import { csvRecord, UTF8_BOM } from '../exports/csv.ts';
import { CheckoutRateLimiter } from '../payments/rate-limit.ts';
import { emailKey } from '../text/text.ts';
import { isDatabaseId } from '../http/format.ts';
import { localDate } from '../receipts/issuer.ts';
import { findReceiptOfDonor, receiptsOfDonor } from '../receipts/queries.ts';
import { receiptPdf } from '../receipts/receipts.ts';
import { statementCsv, statementOf, statementPdf } from '../receipts/statements.ts';
import { LOCALE_COOKIE, localeCookie, negotiateLocale } from '../console/i18n.ts';
import { createMailer } from './mail.ts';
import { Portal, type PortalSession } from './portal.ts';
import { portalErrorTitle, portalText, type PortalLocale } from './i18n.ts';
import { donorPage, linkPage, messagePage, PORTAL_CONTENT_SECURITY_POLICY, signInPage } from './page.ts';
import { donorById, giftsOf } from './queries.ts';
import { csrfMatches, csrfToken } from './tokens.ts';
import { DONOR_ACTOR, eraseDonor } from './erasure.ts';
import * as schemas from './schemas.ts';

const SESSION_COOKIE = 'amanah_me';
/** A form body is a few hundred bytes. */
const FORM_BODY_BYTES_MAX = 8 * 1024;
/** Gifts on the page; a donor with more reads them all in the CSV. */
const GIFTS_SHOWN_MAX = 500;
/** Gifts in the CSV: a lifetime of monthly giving many times over. */
const GIFTS_CSV_MAX = 100_000;
/** Receipts on the page: each gift has one, or two after a correction. */
const RECEIPTS_SHOWN_MAX = 500;
const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

function sessionCookieOf(header: string | undefined): string | undefined {
  return /(?:^|;\s*)amanah_me=([0-9]{1,19}\.[A-Za-z0-9_-]{43})(?:;|$)/.exec(header ?? '')?.[1];
}

function wantsHtml(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? '').includes('text/html');
}

function localeOf(request: FastifyRequest, reply: FastifyReply): PortalLocale {
  const asked = (request.query as { lang?: string } | undefined)?.lang ?? (request.body as { lang?: string } | undefined)?.lang;
  const locale = negotiateLocale(asked, localeCookie(request.headers.cookie), request.headers['accept-language']);
  if (asked === locale && request.method === 'GET') reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
  return locale;
}

function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', PORTAL_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
    .header('vary', 'accept, accept-language, cookie').send(body);
}

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/me; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${request.protocol === 'https' ? '; Secure' : ''}`;
}

/** A POST in a session: same site (when the browser says), and the session's CSRF token. */
function checkForm(request: FastifyRequest, session: PortalSession, csrf: string | undefined): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try { host = new URL(origin).host; } catch { host = undefined; }
    if (host !== request.headers.host) throw new AppError('csrf_invalid', 'the form was posted from another site');
  }
  if (!csrfMatches(session.credential, csrf)) throw new AppError('csrf_invalid', 'the form is stale (its session ended): open /me again');
}

export async function portalRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { config, database, changes } = context;
  const limiter = new CheckoutRateLimiter(config.portal.rateLimits, config.cache.redisUrl, config.cache.rateLimitRedisTimeoutMs);
  const portal = new Portal({ database, config: config.portal, publicUrl: config.paymentProviders.publicUrl, mailer: createMailer(config.portal), limiter, log: app.log });
  app.addHook('onClose', async () => { await portal.settle(); portal.close(); });
  const admin = requireRole('admin', database, config.adminTokenSha256);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_BYTES_MAX }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  // A page's refusal is a page; the API's goes on to the app's problem+json handler.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (!wantsHtml(request) || !request.url.startsWith('/me')) throw error;
    const appError = isAppError(error) ? error : error.validation ? new AppError('validation_failed', error.message) : undefined;
    if (!appError) throw error;
    const locale = localeOf(request, reply);
    if (appError.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.retryAfterSeconds));
    const text = `${portalErrorTitle(locale, appError.code)} (${appError.code})`;
    return sendPage(reply, appError.status, messagePage(locale, portalText(locale).errorHeading, { kind: 'error', text }, true));
  });

  const sessionOf = (request: FastifyRequest) => portal.session(sessionCookieOf(request.headers.cookie));
  const requireSession = async (request: FastifyRequest): Promise<PortalSession> => {
    const session = await sessionOf(request);
    if (!session) throw new AppError('portal_session_required', 'no open session: ask for a sign-in link at /me');
    return session;
  };

  app.get('/me', { schema: { hide: true, querystring: schemas.pageQuery } }, async (request, reply) => {
    const locale = localeOf(request, reply);
    const session = await sessionOf(request);
    if (!session) return sendPage(reply, 200, signInPage(locale));
    const donor = await donorById(database, session.donorId);
    const [gifts, receipts] = await Promise.all([giftsOf(database, session.donorId, GIFTS_SHOWN_MAX), receiptsOfDonor(database, session.donorId, RECEIPTS_SHOWN_MAX)]);
    const { year } = localDate(new Date(), config.receipts.timeZone);
    return sendPage(reply, 200, donorPage(locale, { email: donor?.email ?? '', gifts, receipts, year, timeZone: config.receipts.timeZone, csrf: csrfToken(session.credential) }));
  });

  // A receipt of one of the session's gifts; anyone else's is 404, as if it did not exist (ids are sequential).
  app.get<{ Params: { id: string } }>('/me/receipts/:id/pdf', { schema: { hide: true, params: schemas.receiptParams } }, async (request, reply) => {
    const session = await requireSession(request);
    const row = isDatabaseId(request.params.id) ? await findReceiptOfDonor(database, BigInt(request.params.id), session.donorId) : undefined;
    if (!row) throw new AppError('receipt_not_found', `no receipt with id "${request.params.id}" among your gifts`);
    const { bytes, filename } = await receiptPdf(row, config.receipts.timeZone);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'private, no-store').send(bytes);
  });

  // The session's statement for any range of days (at most STATEMENT_DAYS_MAX), as the staff's POST /api/statements.
  app.get<{ Querystring: { from: string; to: string; format: 'pdf' | 'csv' } }>('/me/statement', { schema: { hide: true, querystring: schemas.statementQuery } }, async (request, reply) => {
    const session = await requireSession(request);
    const donor = await donorById(database, session.donorId);
    if (!donor?.email) throw new AppError('portal_session_required', 'this donor page has no email any more: ask for a sign-in link at /me');
    const { from, to, format } = request.query;
    const statement = await statementOf(database, emailKey(donor.email), from, to, config.receipts.timeZone);
    reply.header('cache-control', 'private, no-store');
    if (format === 'csv') {
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${from}-${to}.csv"`).send(statementCsv(statement));
    }
    const institution = { name: config.receipts.institutionName, address: config.receipts.institutionAddress, permit: config.receipts.institutionPermit };
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="statement-${from}-${to}.pdf"`).send(await statementPdf(statement, institution));
  });

  app.post<{ Body: { email: string; lang?: string } }>('/me/link', { schema: { hide: true, body: schemas.linkFormBody } }, async (request, reply) => {
    const locale = localeOf(request, reply);
    await portal.requestLink(request.body.email, request.ip, locale);
    const minutes = String(Math.round(config.portal.linkTtlSeconds / 60));
    return sendPage(reply, 200, signInPage(locale, { notice: { kind: 'note', text: portalText(locale).sent.replace('{minutes}', minutes) } }));
  });

  app.get<{ Params: { token: string } }>('/me/link/:token', { schema: { hide: true, querystring: schemas.pageQuery, params: schemas.linkTokenParams } }, async (request, reply) =>
    sendPage(reply, 200, linkPage(localeOf(request, reply), request.params.token)));

  app.post<{ Body: { token: string; lang?: string } }>('/me/session', { schema: { hide: true, body: schemas.sessionFormBody } }, async (request, reply) => {
    const opened = await portal.redeemLink(request.body.token);
    return reply.header('set-cookie', sessionCookie(request, opened.cookie, opened.maxAgeSeconds)).header('cache-control', 'no-store').redirect('/me', 303);
  });

  app.get('/me/gifts.csv', { schema: { hide: true } }, async (request, reply) => {
    const session = await requireSession(request);
    const gifts = await giftsOf(database, session.donorId, GIFTS_CSV_MAX);
    const header = csvRecord(['donation_id', 'donated_at', 'campaign', 'fund', 'amount', 'currency', 'status', 'name_on_gift', 'anonymous']);
    const lines = gifts.map((gift) => csvRecord([String(gift.id), gift.donated_at.toISOString(), gift.campaign_name, gift.fund,
      formatAmount(gift.amount_minor, gift.currency), gift.currency, gift.status, gift.donor_name, gift.donor_anonymous ? 'true' : 'false']));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="my-gifts.csv"').header('cache-control', 'no-store')
      .send(Buffer.concat([UTF8_BOM, Buffer.from(header + lines.join(''))]));
  });

  app.post<{ Body: { csrf: string } }>('/me/logout', { schema: { hide: true, body: schemas.csrfFormBody } }, async (request, reply) => {
    const session = await requireSession(request);
    checkForm(request, session, request.body.csrf);
    await portal.signOut(session);
    const locale = localeOf(request, reply);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return sendPage(reply, 200, messagePage(locale, portalText(locale).title, { kind: 'note', text: portalText(locale).signedOut }, true));
  });

  app.post<{ Body: { csrf: string; confirm?: string } }>('/me/erase', { schema: { hide: true, body: schemas.csrfFormBody } }, async (request, reply) => {
    const session = await requireSession(request);
    checkForm(request, session, request.body.csrf);
    if (request.body.confirm !== 'yes') throw new AppError('erasure_not_confirmed', 'tick the confirmation to erase your personal data');
    await eraseDonor(database, changes, { donorId: session.donorId }, DONOR_ACTOR);
    const locale = localeOf(request, reply);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return sendPage(reply, 200, messagePage(locale, portalText(locale).erase, { kind: 'note', text: portalText(locale).erased }, false));
  });

  app.post<{ Body: { email: string; lang?: PortalLocale } }>('/api/portal/links', {
    schema: {
      tags: ['portal'], summary: 'Ask for a sign-in link to the donor page (the answer is the same whether or not the email is known)',
      body: schemas.linkRequestBody, response: { 202: schemas.linkRequestResponse, 400: problemResponse, 429: problemResponse },
    },
  }, async (request, reply) => {
    const locale = request.body.lang ?? negotiateLocale(undefined, undefined, request.headers['accept-language']);
    await portal.requestLink(request.body.email, request.ip, locale);
    return reply.code(202).send({ status: 'accepted', detail: 'if the email is a donor\'s, a sign-in link is sent to it' });
  });

  app.post<{ Body: { email: string } }>('/api/donors/erase', {
    preHandler: admin,
    schema: {
      tags: ['portal'], summary: 'Erase a donor\'s personal data on their request (admin); amounts, ledger and receipt numbers stay',
      security: [{ bearer: [] }], body: schemas.erasureBody,
      response: { 200: schemas.erasureResponse, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request) => eraseDonor(database, changes, { email: request.body.email }, request.principal!));
}
