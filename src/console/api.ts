// The console's JSON API (staff and admin): who is signed in (and the sign-in's audit row), the queue across
// campaigns with search, filters, sort and keyset pages, bulk approve and reject, one donation with everything
// staff may see, and API tokens (admin).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { actorOf, requireRole } from '../http/auth.ts';
import { isDatabaseId, isoOrNull, parseCursor, parseTimestamp } from '../http/format.ts';
import { parseDateRange } from '../http/date-range.ts';
import { cursorParameter, deprecatedCursorParameter, pageOf, pageProperties } from '../http/pagination.ts';
import { formatAmount, isMoneyError, parseAmount } from '../money/index.ts';
import { appendAudit } from '../audit/queries.ts';
import { createToken, listTokens, revokeToken, ROLES, type Role } from '../auth/tokens.ts';
import { donationHistory, type DonationSource, type DonationStatus } from '../donations/queries.ts';
import { FUNDS, type Fund } from '../campaigns/queries.ts';
import type { TargetStatus } from '../donations/donations.ts';
import { donationDetail, queueCount, queuePage, QUEUE_SORTS, SEARCH_FIELDS, type QueueFilter, type QueueRow, type QueueSort, type SearchField } from './queries.ts';

/** A page of the queue is one screen; bulk actions take at most one page's worth at a time. */
export const QUEUE_PAGE_ROWS_MAX = 200;
export const BULK_DONATIONS_MAX = 200;
/** A queue cursor: the last row's id, and its amount in minor units when the sort is by amount. */
const QUEUE_CURSOR_PATTERN = '^[0-9]{1,19}(:[0-9]{1,19})?$';
/** Tokens are few (one per person or integration); a page of them is bounded all the same. */
const TOKENS_PAGE_ROWS_MAX = 500;
const TOKENS_PAGE_ROWS_DEFAULT = 100;
const REASON_LENGTH_MAX = 1000;

const queueQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['pending', 'approved', 'rejected', 'refunded'], default: 'pending' },
    campaign: { type: 'string', pattern: '^[0-9]{1,19}$' },
    fund: { type: 'string', enum: FUNDS },
    source: { type: 'string', enum: ['api', 'import', 'manual'] },
    from: { type: 'string', maxLength: 40 },
    to: { type: 'string', maxLength: 40 },
    q: { type: 'string', minLength: 1, maxLength: 200 },
    in: { type: 'string', enum: SEARCH_FIELDS },
    amount: { type: 'string', minLength: 1, maxLength: 32 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', default: 'IDR' },
    sort: { type: 'string', enum: QUEUE_SORTS, default: 'newest' },
    cursor: cursorParameter(QUEUE_CURSOR_PATTERN),
    after: deprecatedCursorParameter(QUEUE_CURSOR_PATTERN),
    limit: { type: 'integer', minimum: 1, maximum: QUEUE_PAGE_ROWS_MAX, default: 50 },
  },
} as const;

const queueRowProperties = {
  id: { type: 'string' }, campaign_id: { type: 'string' }, campaign_name: { type: 'string' }, fund: { type: 'string', enum: FUNDS },
  amount: { type: 'string', description: 'Decimal string in major units' }, currency: { type: 'string' },
  status: { type: 'string' }, source: { type: 'string' }, donor_name: { type: ['string', 'null'] }, anonymous: { type: 'boolean' },
  email: { type: ['string', 'null'], description: "The donor's email: staff only" }, external_ref: { type: ['string', 'null'] },
  donated_at: { type: 'string', format: 'date-time' },
} as const;
const queueRowSchema = { type: 'object', required: Object.keys(queueRowProperties), properties: queueRowProperties } as const;

const queuePageSchema = {
  type: 'object',
  required: ['donations', 'count', 'count_exact', 'next_cursor', 'has_more'],
  properties: {
    donations: { type: 'array', items: queueRowSchema },
    count: { type: 'integer', description: 'Matches, counted up to 10,000' },
    count_exact: { type: 'boolean', description: 'false when count is a lower bound ("more than 10,000")' },
    ...pageProperties,
  },
} as const;

const donationDetailSchema = {
  type: 'object',
  required: [...Object.keys(queueRowProperties), 'idempotency_key', 'created_at', 'import', 'history'],
  properties: {
    ...queueRowProperties,
    idempotency_key: { type: 'string' }, created_at: { type: 'string', format: 'date-time' },
    import: {
      anyOf: [{ type: 'null' }, {
        type: 'object', required: ['id', 'source_name', 'started_at'],
        properties: { id: { type: 'string' }, source_name: { type: ['string', 'null'] }, started_at: { type: ['string', 'null'], format: 'date-time' } },
      }],
    },
    history: {
      type: 'array',
      items: {
        type: 'object', required: ['from', 'to', 'actor', 'reason', 'at'],
        properties: { from: { type: ['string', 'null'] }, to: { type: 'string' }, actor: { type: 'string' }, reason: { type: ['string', 'null'] }, at: { type: 'string', format: 'date-time' } },
      },
    },
  },
} as const;

const bulkResultSchema = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object', required: ['id'],
        properties: { id: { type: 'string' }, status: { type: 'string' }, code: { type: 'string' }, detail: { type: 'string' } },
      },
    },
  },
} as const;

const tokenProperties = {
  id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: ROLES }, created_at: { type: 'string', format: 'date-time' },
  expires_at: { type: ['string', 'null'], format: 'date-time' }, last_used_at: { type: ['string', 'null'], format: 'date-time' },
  revoked_at: { type: ['string', 'null'], format: 'date-time' },
} as const;
const tokenPageSchema = {
  type: 'object',
  required: ['tokens', 'next_cursor', 'has_more'],
  properties: { tokens: { type: 'array', items: { type: 'object', required: Object.keys(tokenProperties), properties: tokenProperties } }, ...pageProperties },
} as const;
const tokenQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: TOKENS_PAGE_ROWS_MAX, default: TOKENS_PAGE_ROWS_DEFAULT },
    cursor: cursorParameter('^[0-9]{1,19}$'),
  },
} as const;
const madeTokenSchema = {
  type: 'object',
  required: ['id', 'name', 'role', 'token', 'expires_at'],
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: ROLES },
    token: { type: 'string', description: 'The secret: shown in this answer only' }, expires_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;
const sessionSchema = {
  type: 'object',
  required: ['token_id', 'name', 'role'],
  properties: { token_id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: ROLES } },
} as const;

interface QueueQuery {
  status: DonationStatus; campaign?: string; fund?: Fund; source?: DonationSource; from?: string; to?: string;
  q?: string; in?: SearchField; amount?: string; currency: string; sort: QueueSort; cursor?: string; after?: string; limit: number;
}

function queueFilter(query: QueueQuery): QueueFilter {
  const range = parseDateRange(query.from, query.to);
  let amountMinor: bigint | undefined;
  if (query.amount !== undefined) {
    try {
      amountMinor = parseAmount(query.amount, query.currency);
    } catch (error) {
      if (isMoneyError(error)) throw new AppError('invalid_amount', error.message, { field: 'amount' });
      throw error;
    }
  }
  const cursor = query.cursor ?? query.after;
  const [afterId, afterAmount] = (cursor ?? '').split(':');
  // Without ?in=, an "@" means an email and anything else a name: the common searches need no extra click.
  const searchIn = query.in ?? (query.q?.includes('@') ? 'email' : 'name');
  return {
    status: query.status, campaignId: query.campaign === undefined ? undefined : BigInt(query.campaign), fund: query.fund,
    source: query.source, from: range.from, to: range.to,
    search: query.q === undefined ? undefined : { in: searchIn, text: query.q }, amountMinor, amountCurrency: query.currency,
    sort: query.sort, limit: query.limit + 1,
    after: cursor === undefined ? undefined : { id: BigInt(afterId!), amountMinor: BigInt(afterAmount ?? '0') },
  };
}

function queueJson(row: QueueRow) {
  return {
    id: String(row.id), campaign_id: String(row.campaign_id), campaign_name: row.campaign_name, fund: row.fund,
    amount: formatAmount(row.amount_minor, row.currency), currency: row.currency, status: row.status, source: row.source,
    donor_name: row.donor_name, anonymous: row.anonymous, email: row.email, external_ref: row.external_ref,
    donated_at: row.donated_at.toISOString(),
  };
}

function cursorOf(row: QueueRow, sort: QueueSort): string {
  return sort.startsWith('amount') ? `${row.id}:${row.amount_minor}` : String(row.id);
}

export async function consoleApiRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config, transitions } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);
  const admin = requireRole('admin', database, config.adminTokenSha256);
  const secured = { security: [{ bearer: [] }], tags: ['console'] };
  const staffErrors = { 400: problemResponse, 401: problemResponse, 422: problemResponse };
  const adminErrors = { 400: problemResponse, 401: problemResponse, 403: problemResponse };

  const listDonations = async (request: { query: QueueQuery }) => {
    const filter = queueFilter(request.query);
    const [rows, count] = await Promise.all([queuePage(database, filter), queueCount(database, filter)]);
    const page = pageOf(rows, request.query.limit, (row) => cursorOf(row, request.query.sort));
    return { donations: page.rows.map(queueJson), count: count.count, count_exact: count.exact, next_cursor: page.next_cursor, has_more: page.has_more };
  };

  app.post('/api/session', {
    preHandler: staff,
    schema: { summary: 'Sign in to the console: who the token is; writes a sign-in to the audit log (staff)', ...secured, response: { 200: sessionSchema, 400: problemResponse, 401: problemResponse } },
  }, async (request) => {
    const principal = request.principal!;
    await appendAudit(database, { actor: principal, action: 'session.sign_in', target: `token:${principal.tokenId}`, detail: { role: principal.role } });
    return { token_id: principal.tokenId, name: principal.name, role: principal.role };
  });

  app.get<{ Querystring: QueueQuery }>('/api/donations', {
    preHandler: staff,
    schema: {
      summary: 'Donations across campaigns, with the queue\'s search, filters and sort, keyset pages and a bounded count (staff)',
      description: 'Filters: campaign (id), fund, source, status (default pending), from/to (donated_at range), q with in (name, email or reference), amount with currency. Sorts: newest, oldest, amount_desc, amount_asc.',
      ...secured, tags: ['donations'], querystring: queueQuery, response: { 200: queuePageSchema, ...staffErrors },
    },
  }, listDonations);

  app.get<{ Querystring: QueueQuery }>('/api/console/donations', {
    preHandler: staff,
    schema: {
      summary: 'The same as GET /api/donations (the console\'s first name for it; deprecated) (staff)', deprecated: true,
      ...secured, querystring: queueQuery, response: { 200: queuePageSchema, ...staffErrors },
    },
  }, listDonations);

  app.post<{ Body: { ids: string[]; action: 'approve' | 'reject'; reason?: string } }>('/api/console/donations/bulk', {
    preHandler: staff,
    schema: {
      summary: 'Approve or reject many donations with one reason; each is answered alone (staff)', ...secured, response: { 200: bulkResultSchema, ...staffErrors },
      body: {
        type: 'object', additionalProperties: false, required: ['ids', 'action'],
        properties: {
          ids: { type: 'array', minItems: 1, maxItems: BULK_DONATIONS_MAX, uniqueItems: true, items: { type: 'string', pattern: '^[0-9]{1,19}$' } },
          action: { type: 'string', enum: ['approve', 'reject'] },
          reason: { type: 'string', minLength: 1, maxLength: REASON_LENGTH_MAX },
        },
      },
    },
  }, async (request) => {
    const { ids, action, reason } = request.body;
    if (action === 'reject' && reason === undefined) throw new AppError('validation_failed', 'a rejection needs a reason', { field: 'reason' });
    const to: TargetStatus = action === 'approve' ? 'approved' : 'rejected';
    const actor = actorOf(request.principal);
    // Submitted together, the requests land in one group-committed batch (one statement, one audit row).
    const outcomes = await Promise.allSettled(ids.map((id) => transitions.submit({ id, to, actor, reason: reason ?? null })));
    return {
      results: outcomes.map((outcome, index) => (outcome.status === 'fulfilled'
        ? { id: ids[index]!, status: outcome.value.status }
        : { id: ids[index]!, code: outcome.reason instanceof AppError ? outcome.reason.code : 'internal_error', detail: outcome.reason instanceof Error ? outcome.reason.message : 'failed' })),
    };
  });

  app.get<{ Params: { id: string } }>('/api/console/donations/:id', {
    preHandler: staff,
    schema: {
      summary: 'One donation with everything staff may see: email, reference, source, history, import (staff)', ...secured,
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 20 } } },
      response: { 200: donationDetailSchema, 400: problemResponse, 401: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    const { id } = request.params;
    const row = isDatabaseId(id) ? await donationDetail(database, id) : undefined;
    if (!row) throw new AppError('donation_not_found', `no donation with id "${id.slice(0, 40)}"`);
    const history = await donationHistory(database, id);
    return {
      ...queueJson(row), idempotency_key: row.idempotency_key, created_at: row.created_at.toISOString(),
      import: row.import_id === null ? null : { id: String(row.import_id), source_name: row.import_source_name, started_at: isoOrNull(row.import_started_at) },
      history: history.map((change) => ({ from: change.from_status, to: change.to_status, actor: change.actor, reason: change.reason, at: change.changed_at.toISOString() })),
    };
  });

  app.get<{ Querystring: { limit: number; cursor?: string } }>('/api/tokens', {
    preHandler: admin,
    schema: { summary: 'API tokens, newest first: name, role, created, last used, expiry, revocation (admin)', ...secured, querystring: tokenQuery, response: { 200: tokenPageSchema, ...adminErrors } },
  }, async (request) => {
    const { limit, cursor } = request.query;
    const rows = await listTokens(database, limit + 1, parseCursor(cursor, 'cursor'));
    const page = pageOf(rows, limit, (row) => String(row.id));
    return {
      tokens: page.rows.map((row) => ({
        id: String(row.id), name: row.name, role: row.role, created_at: row.created_at.toISOString(),
        expires_at: isoOrNull(row.expires_at), last_used_at: isoOrNull(row.last_used_at), revoked_at: isoOrNull(row.revoked_at),
      })),
      next_cursor: page.next_cursor, has_more: page.has_more,
    };
  });

  app.post<{ Body: { name: string; role: Role; expires_at?: string } }>('/api/tokens', {
    preHandler: admin,
    schema: {
      summary: 'Create a token; the secret is in this answer only (admin)', ...secured, response: { 201: madeTokenSchema, ...adminErrors },
      body: {
        type: 'object', additionalProperties: false, required: ['name', 'role'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, role: { type: 'string', enum: ROLES }, expires_at: { type: 'string', maxLength: 40 } },
      },
    },
  }, async (request, reply) => {
    const { name, role, expires_at: expiresText } = request.body;
    const expiresAt = expiresText === undefined ? null : parseTimestamp(expiresText);
    if (expiresAt === undefined) throw new AppError('validation_failed', `expires_at must be an RFC 3339 timestamp: "${expiresText!.slice(0, 40)}"`, { field: 'expires_at' });
    if (expiresAt !== null && expiresAt <= new Date()) throw new AppError('validation_failed', 'expires_at must be in the future', { field: 'expires_at' });
    const made = await createToken(database, name, role, { actor: request.principal!, expiresAt });
    reply.code(201);
    return { id: made.id, name, role, token: made.token, expires_at: isoOrNull(expiresAt) };
  });

  app.delete<{ Params: { id: string } }>('/api/tokens/:id', {
    preHandler: admin,
    schema: {
      summary: 'Revoke a token (admin)', ...secured,
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 20 } } },
      response: { 204: { type: 'null', description: 'Revoked' }, ...adminErrors, 404: problemResponse },
    },
  }, async (request, reply) => {
    if (!await revokeToken(database, request.params.id, request.principal!)) {
      throw new AppError('token_not_found', `no active token with id "${request.params.id.slice(0, 40)}"`);
    }
    return reply.code(204).send();
  });
}
