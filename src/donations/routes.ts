// /api/donations: anyone may give (with an Idempotency-Key); staff approve, reject and refund.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Metrics } from '../observability/metrics.ts';
import type { IntakeResult } from './intake.ts';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { parseCursor } from '../http/format.ts';
import { actorOf, optionalPrincipal, requireRole } from '../http/auth.ts';
import { campaignParams } from '../campaigns/schemas.ts';
import {
  checkIdempotencyKey, donationJson, getDonation, type DonationInput, type DonationJson,
} from './donations.ts';
import { donationHistory, listCampaignDonations, type DonationStatus } from './queries.ts';
import {
  createDonationBody, donationPageSchema, donationParams, historySchema, listDonationsQuery, reasonBody,
} from './schemas.ts';

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
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
      body: createDonationBody,
      response: { 200: { $ref: 'Donation#' }, 201: { $ref: 'Donation#' }, 400: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    return replyWithIntake(reply, metrics, await intake.submit({ key, input: request.body, source: 'api' }));
  });

  app.get<{ Params: { id: string } }>('/api/donations/:id', {
    schema: {
      summary: 'One donation', tags: ['donations'],
      params: donationParams, response: { 200: { $ref: 'Donation#' }, 404: problemResponse },
    },
  }, async (request) => donationJson(await getDonation(database, request.params.id)));

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

  app.get<{ Params: { id: string }; Querystring: { status?: DonationStatus; limit: number; before?: string } }>('/api/campaigns/:id/donations', {
    schema: {
      summary: "A campaign's donations, newest first (cursor pagination)", tags: ['donations'],
      params: campaignParams, querystring: listDonationsQuery,
      response: { 200: donationPageSchema, 401: problemResponse, 403: problemResponse, 404: problemResponse },
    },
  }, async (request) => {
    const { status, limit, before } = request.query;
    if (status !== undefined && status !== 'approved') await staff(request, undefined as never);
    const campaign = await context.caches.campaigns.get(request.params.id);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.params.id}"`);
    const rows = await listCampaignDonations(database, {
      campaignId: campaign.id, status: status ?? 'approved', limit, beforeId: parseCursor(before, 'before'),
    });
    return {
      donations: rows.map(donationJson),
      next_cursor: rows.length === limit ? String(rows[rows.length - 1]!.id) : null,
    };
  });

  for (const transition of TRANSITIONS) {
    app.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(`/api/donations/:id/${transition.path}`, {
      preHandler: staff,
      schema: {
        summary: `${transition.path[0]!.toUpperCase()}${transition.path.slice(1)} a donation (staff)`, tags: ['donations'],
        security: [{ bearer: [] }], params: donationParams,
        ...(transition.reasonRequired ? { body: reasonBody(true) } : {}),
        response: { 200: { $ref: 'Donation#' }, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 409: problemResponse },
      },
    }, async (request) => {
      const reason = request.body?.reason ?? null;
      const actor = actorOf(await optionalPrincipal(request, database, config.adminTokenSha256));
      return donationJson(await transitions.submit({ id: request.params.id, to: transition.to, actor, reason }));
    });
  }
}
