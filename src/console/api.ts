// The console's JSON API (staff and admin): who is signed in (and the sign-in's audit row), the queue across
// campaigns with search, filters, sort and keyset pages, bulk approve and reject, one donation with everything
// staff may see, and API tokens (admin).
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { actorOf, requireRole } from '../http/auth.ts';
import { isDatabaseId, isoOrNull, parseTimestamp } from '../http/format.ts';
import { parseDateRange } from '../http/date-range.ts';
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
const TOKENS_LIST_MAX = 500;
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
    after: { type: 'string', pattern: '^[0-9]{1,19}(:[0-9]{1,19})?$', description: 'Cursor: next_cursor of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: QUEUE_PAGE_ROWS_MAX, default: 50 },
  },
} as const;

interface QueueQuery {
  status: DonationStatus; campaign?: string; fund?: Fund; source?: DonationSource; from?: string; to?: string;
  q?: string; in?: SearchField; amount?: string; currency: string; sort: QueueSort; after?: string; limit: number;
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
  const [afterId, afterAmount] = (query.after ?? '').split(':');
  // Without ?in=, an "@" means an email and anything else a name: the common searches need no extra click.
  const searchIn = query.in ?? (query.q?.includes('@') ? 'email' : 'name');
  return {
    status: query.status, campaignId: query.campaign === undefined ? undefined : BigInt(query.campaign), fund: query.fund,
    source: query.source, from: range.from, to: range.to,
    search: query.q === undefined ? undefined : { in: searchIn, text: query.q }, amountMinor, amountCurrency: query.currency,
    sort: query.sort, limit: query.limit + 1,
    after: query.after === undefined ? undefined : { id: BigInt(afterId!), amountMinor: BigInt(afterAmount ?? '0') },
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
  const errors = { 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 422: problemResponse };

  app.post('/api/session', {
    preHandler: staff,
    schema: { summary: 'Sign in to the console: who the token is; writes a sign-in to the audit log (staff)', ...secured, response: { 401: problemResponse } },
  }, async (request) => {
    const principal = request.principal!;
    await appendAudit(database, { actor: principal, action: 'session.sign_in', target: `token:${principal.tokenId}`, detail: { role: principal.role } });
    return { token_id: principal.tokenId, name: principal.name, role: principal.role };
  });

  app.get<{ Querystring: QueueQuery }>('/api/console/donations', {
    preHandler: staff,
    schema: { summary: 'Donations across campaigns: search, filters, sort, keyset pages and a bounded count (staff)', ...secured, querystring: queueQuery, response: errors },
  }, async (request) => {
    const filter = queueFilter(request.query);
    const [rows, count] = await Promise.all([queuePage(database, filter), queueCount(database, filter)]);
    const page = rows.slice(0, request.query.limit);
    const hasMore = rows.length > request.query.limit;
    return {
      donations: page.map(queueJson), count: count.count, count_exact: count.exact,
      next_cursor: hasMore ? cursorOf(page[page.length - 1]!, request.query.sort) : null, has_more: hasMore,
    };
  });

  app.post<{ Body: { ids: string[]; action: 'approve' | 'reject'; reason?: string } }>('/api/console/donations/bulk', {
    preHandler: staff,
    schema: {
      summary: 'Approve or reject many donations with one reason; each is answered alone (staff)', ...secured, response: errors,
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
    schema: { summary: 'One donation with everything staff may see: email, reference, source, history, import (staff)', ...secured, response: errors },
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

  app.get('/api/tokens', {
    preHandler: admin,
    schema: { summary: 'API tokens: name, role, created, last used, expiry, revocation (admin)', ...secured, response: errors },
  }, async () => ({
    tokens: (await listTokens(database, TOKENS_LIST_MAX)).map((row) => ({
      id: String(row.id), name: row.name, role: row.role, created_at: row.created_at.toISOString(),
      expires_at: isoOrNull(row.expires_at), last_used_at: isoOrNull(row.last_used_at), revoked_at: isoOrNull(row.revoked_at),
    })),
  }));

  app.post<{ Body: { name: string; role: Role; expires_at?: string } }>('/api/tokens', {
    preHandler: admin,
    schema: {
      summary: 'Create a token; the secret is in this answer only (admin)', ...secured, response: errors,
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
    schema: { summary: 'Revoke a token (admin)', ...secured, response: errors },
  }, async (request, reply) => {
    if (!await revokeToken(database, request.params.id, request.principal!)) {
      throw new AppError('token_not_found', `no active token with id "${request.params.id.slice(0, 40)}"`);
    }
    return reply.code(204).send();
  });
}
