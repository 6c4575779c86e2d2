// /api/distribution (staff and admin tokens): the mustahik registry, programs, disbursements (maker → checker →
// paid) and the hawl report. Personal data (names, NIKs, evidence notes) is answered only here, behind a staff
// token, and never logged: request logs carry method and URL only, and no URL carries a NIK or a name.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { isDatabaseId, isoOrNull, parseCursor, parseTimestamp } from '../http/format.ts';
import { findCampaign } from '../campaigns/queries.ts';
import { formatAmount, isMoneyError, parseAmount } from '../money/index.ts';
import type { AuditActor } from '../audit/queries.ts';
import type { Queryable } from '../db/database.ts';
import type { LedgerFund } from '../ledger/logic.ts';
import { ASNAF, checkDisbursement, checkProgram, DISBURSEMENT_STATUSES, HAWL_DAYS, VERIFICATIONS, type Asnaf, type DisbursementStatus, type MustahikKind, type Verification } from './logic.ts';
import { maskNik, parseNik } from './nik.ts';
import { disbursementsPage, hawlPage, mustahikPage, mustahikRecordPage, programsPage, roomIndexPage, roomShell, type RoomPage } from './pages.ts';
import { listCampaigns } from '../campaigns/queries.ts';
import { LOCALE_COOKIE, localeCookie, negotiateLocale, type Locale } from '../console/i18n.ts';
import {
  approveDisbursement, closeDisbursement, disbursementHistory, findDisbursement, findMustahik, findProgram, hawlReport, insertDisbursement,
  insertMustahik, insertProgram, listDisbursements, listMustahik, listPrograms, mustahikNames, patchMustahik, payDisbursement, setProgramStatus,
  type DisbursementRow, type HistoryRow, type MustahikRow, type ProgramRow,
} from './queries.ts';
import {
  DISTRIBUTION_PAGE_ROWS_MAX, disbursementBody, disbursementListSchema, disbursementQuery, disbursementSchema, hawlQuery, hawlSchema, idParams, mustahikBody,
  mustahikListSchema, mustahikPatchBody, mustahikQuery, mustahikSchema, payBody, programBody, programListSchema, programPatchBody,
  programSchema, reasonBody,
} from './schemas.ts';

/** As the console's: scripts and styles from this origin only, nothing inline, never framed. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HAWL_SCRIPT = readFileSync(new URL('./hawl.js', import.meta.url));
const ROOM_SCRIPT = readFileSync(new URL('./distribution.js', import.meta.url));
const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

/** Programs are few; the list answers them all up to this bound. */
const PROGRAMS_LISTED_MAX = 500;
/** A staff page shows this many rows, as the API's default page. */
export const PAGE_ROWS = 50;
/** The request form offers at most this many campaigns and verified mustahik; more are reached by the API. */
const FORM_OPTIONS_MAX = 200;
/** The hawl report lists at most this many campaigns, those with the most over a hawl first. */
const HAWL_CAMPAIGNS_MAX = 1000;

export function mustahikJson(row: MustahikRow, masked: boolean) {
  return {
    id: String(row.id), kind: row.kind, name: row.name, nik: row.nik === null ? null : masked ? maskNik(row.nik) : row.nik,
    asnaf: row.asnaf, region: row.region, verification: row.verification, evidence_notes: row.evidence_notes,
    created_by: row.created_by, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString(),
  };
}

export function programJson(row: ProgramRow) {
  return {
    id: String(row.id), name: row.name, fund: row.fund, asnaf: row.asnaf, social: row.social, status: row.status,
    created_by: row.created_by, created_at: row.created_at.toISOString(),
  };
}

function idOrNull(value: bigint | null): string | null {
  return value === null ? null : String(value);
}

export function disbursementJson(row: DisbursementRow, history?: readonly HistoryRow[]) {
  return {
    id: String(row.id), program_id: String(row.program_id), mustahik_id: String(row.mustahik_id), campaign_id: String(row.campaign_id),
    fund: row.fund, asnaf: row.asnaf, currency: row.currency, amount: formatAmount(row.amount_minor, row.currency), status: row.status,
    purpose: row.purpose, requested_by: row.requested_by, approved_by: row.approved_by, approved_at: isoOrNull(row.approved_at),
    paid_at: isoOrNull(row.paid_at), payment_reference: row.payment_reference, reservation_entry_id: idOrNull(row.reservation_entry_id),
    ledger_entry_id: idOrNull(row.ledger_entry_id), release_entry_id: idOrNull(row.release_entry_id), created_at: row.created_at.toISOString(),
    ...(history === undefined ? {} : {
      history: history.map((step) => ({ from: step.from_status, to: step.to_status, actor_token_id: step.actor_token_id, actor: step.actor_name, reason: step.reason, at: step.at.toISOString() })),
    }),
  };
}

function actorOf(request: FastifyRequest): AuditActor {
  // requireRole ran first: every route here has a principal.
  const principal = request.principal!;
  return { tokenId: principal.tokenId, name: principal.name };
}

function databaseId(text: string, code: 'mustahik_not_found' | 'program_not_found' | 'disbursement_not_found' | 'campaign_not_found', field?: string): bigint {
  if (!isDatabaseId(text)) throw new AppError(code, `no such id "${text}"`, field === undefined ? {} : { field });
  return BigInt(text);
}

/** The mustahik an id in a path names; an unknown or malformed id is mustahik_not_found (404). */
async function mustahikOfPath(database: Queryable, text: string): Promise<MustahikRow> {
  const row = await findMustahik(database, databaseId(text, 'mustahik_not_found'));
  if (row === undefined) throw new AppError('mustahik_not_found', `no mustahik with id "${text}"`);
  return row;
}

/**
 * The page size, checked again after the schema: Ajv's coercion turns `limit=1e309` into Infinity, which passes
 * its integer and maximum checks and would reach the query as "Infinity".
 */
function pageLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > DISTRIBUTION_PAGE_ROWS_MAX) {
    throw new AppError('validation_failed', `limit must be a whole number from 1 to ${DISTRIBUTION_PAGE_ROWS_MAX}`, { field: 'limit' });
  }
  return limit;
}

/** `as_of` as a date (midnight UTC) or an RFC 3339 timestamp; now when absent. */
function parseAsOf(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const instant = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseTimestamp(`${text}T00:00:00Z`) : parseTimestamp(text);
  if (instant === undefined) throw new AppError('validation_failed', 'as_of must be a date (2026-01-31) or an RFC 3339 timestamp', { field: 'as_of' });
  return instant;
}

type MustahikBody = { kind: MustahikKind; name: string; nik?: string; asnaf: Asnaf[]; region: string; verification: Verification; evidence_notes?: string | null };
type DisbursementBody = { program_id: string; mustahik_id: string; campaign_id: string; asnaf: Asnaf | null; amount: string; purpose?: string | null };

export async function distributionRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database } = context;
  const staff = requireRole('staff', database, context.config.adminTokenSha256);
  const security = [{ bearer: [] }];
  const errors = { 400: problemResponse, 401: problemResponse, 403: problemResponse };
  const tags = ['distribution'];

  app.post<{ Body: MustahikBody }>('/api/distribution/mustahik', {
    preHandler: staff,
    schema: { summary: 'Register a mustahik: a person (with a valid NIK) or an institution (staff)', tags, security, body: mustahikBody, response: { 201: mustahikSchema, ...errors, 409: problemResponse, 422: problemResponse } },
  }, async (request, reply) => {
    const body = request.body;
    if (body.kind === 'person' && body.nik === undefined) throw new AppError('nik_invalid', 'a person is registered with a NIK', { field: 'nik' });
    if (body.kind === 'institution' && body.nik !== undefined) throw new AppError('validation_failed', 'an institution has no NIK', { field: 'nik' });
    if (body.nik !== undefined) parseNik(body.nik);
    const row = await insertMustahik(database, {
      kind: body.kind, name: body.name, nik: body.nik ?? null, asnaf: body.asnaf, region: body.region,
      verification: body.verification, evidenceNotes: body.evidence_notes ?? null,
    }, actorOf(request));
    return reply.code(201).send(mustahikJson(row, false));
  });

  app.get<{ Querystring: { asnaf?: Asnaf; verification?: Verification; limit: number; before?: string } }>('/api/distribution/mustahik', {
    preHandler: staff,
    schema: { summary: 'The mustahik registry, newest first, NIKs masked (staff)', tags, security, querystring: mustahikQuery, response: { 200: mustahikListSchema, ...errors } },
  }, async (request) => {
    const { asnaf, verification, before } = request.query;
    const limit = pageLimit(request.query.limit);
    const rows = await listMustahik(database, { asnaf, verification, beforeId: parseCursor(before, 'before'), limit });
    return { mustahik: rows.map((row) => mustahikJson(row, true)), next_cursor: rows.length === limit ? String(rows.at(-1)!.id) : null };
  });

  app.get<{ Params: { id: string } }>('/api/distribution/mustahik/:id', {
    preHandler: staff,
    schema: { summary: 'One mustahik, NIK in full (staff)', tags, security, params: idParams, response: { 200: mustahikSchema, ...errors, 404: problemResponse } },
  }, async (request) => mustahikJson(await mustahikOfPath(database, request.params.id), false));

  app.patch<{ Params: { id: string }; Body: { name?: string; nik?: string; asnaf?: Asnaf[]; region?: string; verification?: Verification; evidence_notes?: string | null; expected_updated_at?: string } }>('/api/distribution/mustahik/:id', {
    preHandler: staff,
    schema: { summary: 'Change a mustahik\'s name, NIK, asnaf, region, verification or evidence notes (staff)', tags, security, params: idParams, body: mustahikPatchBody, response: { 200: mustahikSchema, ...errors, 404: problemResponse, 409: problemResponse, 422: problemResponse } },
  }, async (request) => {
    const { name, nik, asnaf, region, verification, evidence_notes: evidenceNotes } = request.body;
    const id = databaseId(request.params.id, 'mustahik_not_found');
    const expectedUpdatedAt = request.body.expected_updated_at === undefined ? undefined : new Date(request.body.expected_updated_at);
    if (expectedUpdatedAt !== undefined && Number.isNaN(expectedUpdatedAt.getTime())) {
      throw new AppError('validation_failed', 'expected_updated_at is the mustahik\'s updated_at as an ISO 8601 time', { field: 'expected_updated_at' });
    }
    if (nik !== undefined) {
      parseNik(nik);
      // Kind never changes: an institution has no NIK (the table's check would refuse it as a 500 otherwise).
      const current = await findMustahik(database, id);
      if (current === undefined) throw new AppError('mustahik_not_found', `no mustahik with id "${request.params.id}"`);
      if (current.kind !== 'person') throw new AppError('validation_failed', 'an institution has no NIK', { field: 'nik' });
    }
    const row = await patchMustahik(database, id, { name, nik, asnaf, region, verification, expectedUpdatedAt, ...(evidenceNotes === undefined ? {} : { evidenceNotes }) }, actorOf(request));
    if (row === undefined) throw new AppError('mustahik_not_found', `no mustahik with id "${request.params.id}"`);
    return mustahikJson(row, false);
  });

  app.post<{ Body: { name: string; fund: LedgerFund; asnaf: Asnaf[]; social: boolean } }>('/api/distribution/programs', {
    preHandler: staff,
    schema: { summary: 'Create a program with its fund and the asnaf it serves (staff)', tags, security, body: programBody, response: { 201: programSchema, ...errors, 422: problemResponse } },
  }, async (request, reply) => {
    checkProgram(request.body);
    return reply.code(201).send(programJson(await insertProgram(database, request.body, actorOf(request))));
  });

  app.get('/api/distribution/programs', {
    preHandler: staff,
    schema: { summary: 'Every program (staff)', tags, security, response: { 200: programListSchema, ...errors } },
  }, async () => ({ programs: (await listPrograms(database, PROGRAMS_LISTED_MAX)).map(programJson) }));

  app.patch<{ Params: { id: string }; Body: { status: 'active' | 'closed' } }>('/api/distribution/programs/:id', {
    preHandler: staff,
    schema: { summary: 'Close or reopen a program (staff)', tags, security, params: idParams, body: programPatchBody, response: { 200: programSchema, ...errors, 404: problemResponse } },
  }, async (request) => {
    const row = await setProgramStatus(database, databaseId(request.params.id, 'program_not_found'), request.body.status, actorOf(request));
    if (row === undefined) throw new AppError('program_not_found', `no program with id "${request.params.id}"`);
    return programJson(row);
  });

  app.post<{ Body: DisbursementBody }>('/api/distribution/disbursements', {
    preHandler: staff,
    schema: {
      summary: 'Request a disbursement (the maker); another staff member or an admin approves it', tags, security, body: disbursementBody,
      response: { 201: disbursementSchema, ...errors, 404: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const body = request.body;
    const program = await findProgram(database, databaseId(body.program_id, 'program_not_found', 'program_id'));
    if (program === undefined) throw new AppError('program_not_found', `no program with id "${body.program_id}"`, { field: 'program_id' });
    const mustahik = await findMustahik(database, databaseId(body.mustahik_id, 'mustahik_not_found', 'mustahik_id'));
    if (mustahik === undefined) throw new AppError('mustahik_not_found', `no mustahik with id "${body.mustahik_id}"`, { field: 'mustahik_id' });
    const campaign = isDatabaseId(body.campaign_id) ? await findCampaign(database, body.campaign_id) : undefined;
    if (campaign === undefined) throw new AppError('campaign_not_found', `no campaign with id "${body.campaign_id}"`, { field: 'campaign_id' });
    checkDisbursement({ program, mustahik, asnaf: body.asnaf });
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(body.amount, campaign.currency);
    } catch (error) {
      if (isMoneyError(error)) throw new AppError('invalid_amount', error.message, { field: 'amount', reason: error.reason });
      throw error;
    }
    if (amountMinor === 0n) throw new AppError('invalid_amount', 'amount must be greater than zero', { field: 'amount' });
    const row = await insertDisbursement(database, {
      programId: program.id, mustahikId: mustahik.id, campaignId: BigInt(campaign.id), fund: program.fund, asnaf: body.asnaf,
      currency: campaign.currency, amountMinor, purpose: body.purpose ?? null,
    }, actorOf(request));
    return reply.code(201).send(disbursementJson(row, await disbursementHistory(database, row.id)));
  });

  app.get<{ Querystring: { status?: DisbursementStatus; campaign?: string; program?: string; mustahik?: string; limit: number; before?: string } }>('/api/distribution/disbursements', {
    preHandler: staff,
    schema: { summary: 'Disbursements, newest first (staff)', tags, security, querystring: disbursementQuery, response: { 200: disbursementListSchema, ...errors } },
  }, async (request) => {
    const { status, campaign, program, mustahik, before } = request.query;
    const limit = pageLimit(request.query.limit);
    const optionalId = (text: string | undefined, field: string) => (text === undefined ? undefined : parseCursor(text, field));
    const rows = await listDisbursements(database, {
      status, campaignId: optionalId(campaign, 'campaign'), programId: optionalId(program, 'program'), mustahikId: optionalId(mustahik, 'mustahik'),
      beforeId: parseCursor(before, 'before'), limit,
    });
    return { disbursements: rows.map((row) => disbursementJson(row)), next_cursor: rows.length === limit ? String(rows.at(-1)!.id) : null };
  });

  app.get<{ Params: { id: string } }>('/api/distribution/disbursements/:id', {
    preHandler: staff,
    schema: { summary: 'A disbursement with its history (staff)', tags, security, params: idParams, response: { 200: disbursementSchema, ...errors, 404: problemResponse } },
  }, async (request) => {
    const id = databaseId(request.params.id, 'disbursement_not_found');
    const row = await findDisbursement(database, id);
    if (row === undefined) throw new AppError('disbursement_not_found', `no disbursement with id "${request.params.id}"`);
    return disbursementJson(row, await disbursementHistory(database, id));
  });

  const stepResponse = { 200: disbursementSchema, ...errors, 404: problemResponse, 409: problemResponse };
  const answer = async (row: DisbursementRow) => disbursementJson(row, await disbursementHistory(database, row.id));

  app.post<{ Params: { id: string } }>('/api/distribution/disbursements/:id/approve', {
    preHandler: staff,
    schema: { summary: 'Approve (the checker, never the maker): reserves the amount from the campaign\'s fund, refused when it does not cover it', tags, security, params: idParams, response: stepResponse },
  }, async (request) => answer(await approveDisbursement(database, databaseId(request.params.id, 'disbursement_not_found'), actorOf(request))));

  app.post<{ Params: { id: string }; Body: { reference: string } }>('/api/distribution/disbursements/:id/pay', {
    preHandler: staff,
    schema: { summary: 'Mark an approved disbursement paid, with its transfer reference (staff)', tags, security, params: idParams, body: payBody, response: stepResponse },
  }, async (request) => answer(await payDisbursement(database, databaseId(request.params.id, 'disbursement_not_found'), request.body.reference, actorOf(request))));

  app.post<{ Params: { id: string }; Body: { reason: string } }>('/api/distribution/disbursements/:id/reject', {
    preHandler: staff,
    schema: { summary: 'Reject a request (a checker, never the maker) (staff)', tags, security, params: idParams, body: reasonBody, response: stepResponse },
  }, async (request) => answer(await closeDisbursement(database, databaseId(request.params.id, 'disbursement_not_found'), 'rejected', request.body.reason, actorOf(request))));

  app.post<{ Params: { id: string }; Body: { reason: string } }>('/api/distribution/disbursements/:id/cancel', {
    preHandler: staff,
    schema: { summary: 'Cancel a disbursement not yet paid; an approved one releases its reservation to the fund (staff)', tags, security, params: idParams, body: reasonBody, response: stepResponse },
  }, async (request) => answer(await closeDisbursement(database, databaseId(request.params.id, 'disbursement_not_found'), 'cancelled', request.body.reason, actorOf(request))));

  app.get<{ Querystring: { lang?: string } }>('/distribution/hawl', {
    schema: { hide: true, querystring: { type: 'object', additionalProperties: true, properties: { lang: { type: 'string', maxLength: 8 } } } },
  }, async (request, reply) => {
    const query = request.query.lang;
    const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
    if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
      .header('vary', 'accept-language, cookie').send(hawlPage(locale));
  });
  app.get('/distribution/hawl.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(HAWL_SCRIPT));

  app.get<{ Querystring: { fund: LedgerFund; as_of?: string } }>('/api/distribution/hawl', {
    preHandler: staff,
    schema: { summary: 'Hawl: per campaign, the undistributed fund (FIFO) and what of it is older than one lunar year (354 days) (staff)', tags, security, querystring: hawlQuery, response: { 200: hawlSchema, ...errors } },
  }, async (request) => {
    const asOf = parseAsOf(request.query.as_of);
    const rows = await hawlReport(database, request.query.fund, asOf, HAWL_CAMPAIGNS_MAX);
    return {
      fund: request.query.fund, as_of: asOf.toISOString(), hawl_days: HAWL_DAYS,
      campaigns: rows.map((row) => ({
        campaign_id: String(row.campaign_id), slug: row.slug, name: row.name, currency: row.currency,
        undistributed: formatAmount(row.undistributed_minor, row.currency), over_hawl: formatAmount(row.over_hawl_minor, row.currency),
        oldest_undistributed_at: isoOrNull(row.oldest_undistributed_at),
      })),
    };
  });
  await distributionPageRoutes(app, context);
}

type PageQuery = { lang?: string; asnaf?: Asnaf; verification?: Verification; status?: DisbursementStatus; before?: string };

const pageQuery = {
  type: 'object', additionalProperties: true,
  properties: {
    lang: { type: 'string', maxLength: 8 }, asnaf: { type: 'string', enum: ASNAF }, verification: { type: 'string', enum: VERIFICATIONS },
    status: { type: 'string', enum: DISBURSEMENT_STATUSES }, before: { type: 'string', maxLength: 20 },
  },
} as const;

function pageLocale(request: FastifyRequest<{ Querystring: PageQuery }>, reply: FastifyReply): Locale {
  const query = request.query.lang;
  const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
  if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
  return locale;
}

/** The page's own parameters (no lang), for its language switch. */
function pageQueryString(query: PageQuery): string {
  const { asnaf, verification, status, before } = query;
  return new URLSearchParams(Object.entries({ asnaf, verification, status, before }).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
}

function sendHtml(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
    .header('vary', 'accept-language, cookie, authorization').send(body);
}

/** The room page a route serves, for its shell: /distribution/mustahik/:id is one mustahik, not the registry. */
function roomPageOf(routeUrl: string): RoomPage {
  if (routeUrl === '/distribution/mustahik/:id') return 'mustahik-record';
  return (routeUrl.slice('/distribution/'.length) || 'index') as RoomPage;
}

/**
 * /distribution, its three lists and one mustahik's page, for staff. Authentication is the reports' (src/reports/routes.ts): the console
 * keeps the staff token in sessionStorage, so a browser's first request carries none and gets the shell, whose
 * script asks again with the token. The shell is answered 401 with WWW-Authenticate: it holds no row, and says
 * so to any client that is not the page script. With a token, the staff check, then the page with its rows.
 */
export async function distributionPageRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database } = context;
  const staff = requireRole('staff', database, context.config.adminTokenSha256);
  const gate = async (request: FastifyRequest<{ Querystring: PageQuery }>, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) return staff(request, reply);
    const page = roomPageOf(request.routeOptions.url!);
    return sendHtml(reply.code(401).header('www-authenticate', 'Bearer realm="amanah"'), roomShell(pageLocale(request, reply), page, pageQueryString(request.query)));
  };
  const options = { preHandler: gate, schema: { hide: true, querystring: pageQuery } };

  app.get('/distribution/distribution.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(ROOM_SCRIPT));

  app.get<{ Querystring: PageQuery }>('/distribution', options, async (request, reply) =>
    sendHtml(reply, roomIndexPage(pageLocale(request, reply), pageQueryString(request.query))));

  app.get<{ Querystring: PageQuery }>('/distribution/mustahik', options, async (request, reply) => {
    const { asnaf, verification, before } = request.query;
    const rows = await listMustahik(database, { asnaf, verification, beforeId: parseCursor(before, 'before'), limit: PAGE_ROWS });
    const nextCursor = rows.length === PAGE_ROWS ? String(rows.at(-1)!.id) : null;
    return sendHtml(reply, mustahikPage(pageLocale(request, reply), pageQueryString(request.query), { filters: { asnaf, verification, before }, rows, nextCursor }));
  });

  // One mustahik, NIK in full. An unknown or malformed id is answered as the API answers it, a 404 problem (every
  // refusal is problem+json); the page script, which asked with the token, puts its title in the shell's heading.
  // The id is checked here, not by a params schema, so a malformed one is the same 404 and not a validation_failed.
  app.get<{ Params: { id: string }; Querystring: PageQuery }>('/distribution/mustahik/:id', options, async (request, reply) => {
    const row = await mustahikOfPath(database, request.params.id);
    const disbursements = await listDisbursements(database, { mustahikId: row.id, limit: PAGE_ROWS });
    const programs = await listPrograms(database, PROGRAMS_LISTED_MAX);
    return sendHtml(reply, mustahikRecordPage(pageLocale(request, reply), pageQueryString(request.query), {
      row, disbursements, more: disbursements.length === PAGE_ROWS, programNames: new Map(programs.map((program) => [String(program.id), program.name])),
    }));
  });

  app.get<{ Querystring: PageQuery }>('/distribution/programs', options, async (request, reply) =>
    sendHtml(reply, programsPage(pageLocale(request, reply), pageQueryString(request.query), await listPrograms(database, PROGRAMS_LISTED_MAX))));

  app.get<{ Querystring: PageQuery }>('/distribution/disbursements', options, async (request, reply) => {
    const { status, before } = request.query;
    const rows = await listDisbursements(database, { status, beforeId: parseCursor(before, 'before'), limit: PAGE_ROWS });
    const [programs, campaigns, verifiedMustahik, names] = [
      await listPrograms(database, PROGRAMS_LISTED_MAX), await listCampaigns(database, { limit: FORM_OPTIONS_MAX }),
      await listMustahik(database, { verification: 'verified', limit: FORM_OPTIONS_MAX }), await mustahikNames(database, rows.map((row) => row.mustahik_id)),
    ];
    return sendHtml(reply, disbursementsPage(pageLocale(request, reply), pageQueryString(request.query), {
      filters: { status, before }, rows, nextCursor: rows.length === PAGE_ROWS ? String(rows.at(-1)!.id) : null,
      programs, campaigns, verifiedMustahik, mustahikNames: names,
    }));
  });
}
