// /api/donations: anyone may give (with an Idempotency-Key); staff approve, reject and refund.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';
import type { IntakeResult } from './intake.ts';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { parseCursor } from '../http/format.ts';
import { pageOf } from '../http/pagination.ts';
import { actorOf, optionalPrincipal, requireRole } from '../http/auth.ts';
import { campaignParams } from '../campaigns/schemas.ts';
import {
  checkIdempotencyKey, donationJson, optionalIdempotencyKey, getDonation, getVisibleDonation, publicDonationJson, type DonationInput, type DonationJson,
} from './donations.ts';
import { donationHistory, listCampaignDonations, type DonationStatus } from './queries.ts';
import {
  createDonationBody, donationPageSchema, donationParams, historySchema, listDonationsQuery, reasonBody, visibleDonationSchema,
} from './schemas.ts';

const transitionHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string', maxLength: 255,
      description: 'Optional: a retry with the same key answers what the first request answered (200 and the donation), even after a crash',
    },
  },
} as const;

const TRANSITIONS = [
  { path: 'approve', to: 'approved', reasonRequired: false },
  { path: 'reject', to: 'rejected', reasonRequired: true },
  { path: 'refund', to: 'refunded', reasonRequired: true },
] as const;

/** Answers an intake: 201 with Location for a new donation, 200 marked as a replay for a repeated key. */
export function replyWithIntake(reply: FastifyReply, metrics: Metrics, { created, donation }: IntakeResult): DonationJson {
  if (created) {
    metrics.donationsReceived.inc({ source: donation.source });
    reply.code(201).header('location', `/api/donations/${donation.id}`);
  } else {
    reply.header('idempotent-replayed', 'true');
  }
  return donationJson(donation);
}

export async function donationRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config, metrics, intake, transitions } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);

  app.post<{ Body: DonationInput; Headers: { 'idempotency-key'?: string } }>('/api/donations', {
    // The key is checked before the body, so a missing key is reported as such whatever the body holds.
    preValidation: async (request) => { checkIdempotencyKey(request.headers['idempotency-key']); },
    schema: {
      summary: 'Give: make a pending donation, exactly once per Idempotency-Key', tags: ['donations'],
      // Required: checked in preValidation (before the schema), so a missing key is idempotency_key_required.
      headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
      body: createDonationBody,
      response: { 200: { $ref: 'Donation#' }, 201: { $ref: 'Donation#' }, 400: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    return replyWithIntake(reply, metrics, await intake.submit({ key, input: request.body, source: 'api' }));
  });

  app.get<{ Params: { id: string } }>('/api/donations/:id', {
    schema: {
      summary: 'One donation: an approved one for anyone (public facts only), any one for staff', tags: ['donations'],
      security: [{}, { bearer: [] }], params: donationParams, response: { 200: visibleDonationSchema, 401: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    // Any valid token is at least staff; a bad one is a 401 rather than a quiet public answer.
    const staffCaller = await optionalPrincipal(request, database, config.adminTokenSha256) !== undefined;
    const donation = await getVisibleDonation(database, request.params.id, staffCaller);
    return staffCaller ? donationJson(donation) : publicDonationJson(donation);
  });

  app.get<{ Params: { id: string } }>('/api/donations/:id/history', {
    preHandler: staff,
    schema: {
      summary: 'Status history of a donation (staff)', tags: ['donations'], security: [{ bearer: [] }],
      params: donationParams, response: { 200: historySchema, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    const donation = await getDonation(database, request.params.id);
    const history = await donationHistory(database, String(donation.id));
    return {
      donation_id: String(donation.id),
      history: history.map((row) => ({ ...row, changed_at: row.changed_at.toISOString() })),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { status?: DonationStatus; limit: number; cursor?: string; before?: string } }>('/api/campaigns/:id/donations', {
    schema: {
      summary: "A campaign's donations, newest first (cursor pagination)", tags: ['donations'],
      security: [{}, { bearer: [] }], params: campaignParams, querystring: listDonationsQuery,
      response: { 200: donationPageSchema, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    const { status, limit, cursor, before } = request.query;
    if (status !== undefined && status !== 'approved') await staff(request, undefined as never);
    const staffCaller = await optionalPrincipal(request, database, config.adminTokenSha256) !== undefined;
    const campaign = await context.caches.campaigns.get(request.params.id);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.params.id}"`);
    const rows = await listCampaignDonations(database, {
      campaignId: campaign.id, status: status ?? 'approved', limit: limit + 1, beforeId: parseCursor(cursor ?? before, cursor === undefined ? 'before' : 'cursor'),
    });
    const page = pageOf(rows, limit, (row) => String(row.id));
    return { donations: page.rows.map(staffCaller ? donationJson : publicDonationJson), next_cursor: page.next_cursor, has_more: page.has_more };
  });

  for (const transition of TRANSITIONS) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined; Headers: { 'idempotency-key'?: string } }>(`/api/donations/:id/${transition.path}`, {
      preHandler: staff,
      schema: {
        summary: `${transition.path[0]!.toUpperCase()}${transition.path.slice(1)} a donation (staff)`, tags: ['donations'],
        security: [{ bearer: [] }], params: donationParams, headers: transitionHeaders,
        ...(transition.reasonRequired ? { body: reasonBody(true) } : {}),
        response: { 200: { $ref: 'Donation#' }, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 409: problemResponse },
      },
    }, async (request) => {
      const reason = request.body?.reason ?? null;
      const actor = actorOf(await optionalPrincipal(request, database, config.adminTokenSha256));
      const key = optionalIdempotencyKey(request.headers['idempotency-key']);
      return donationJson(await transitions.submit({ id: request.params.id, to: transition.to, actor, reason, key }));
    });
  }
}
