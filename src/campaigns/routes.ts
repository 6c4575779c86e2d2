// /api/campaigns: read by anyone, written by admins.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { parseCursor } from '../http/format.ts';
import { pageOf } from '../http/pagination.ts';
import { requireRole } from '../http/auth.ts';
import { campaignJson, createCampaign, patchCampaign, type CampaignInput, type CampaignPatch } from './campaigns.ts';
import type { CampaignStatus, Fund } from './queries.ts';
import { campaignSummary } from '../donations/donations.ts';
import {
  campaignListSchema, campaignParams, createCampaignBody, listCampaignsQuery, patchCampaignBody, summarySchema,
} from './schemas.ts';

export async function campaignRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, changes } = context;
  const admin = requireRole('admin', database, context.config.adminTokenSha256);

  const loadCampaign = async (idOrSlug: string) => {
    const campaign = await context.caches.campaigns.get(idOrSlug);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${idOrSlug}"`);
    return campaign;
  };

  app.get<{ Querystring: { status?: CampaignStatus; fund?: Fund; limit: number; cursor?: string; after?: string } }>('/api/campaigns', {
    schema: {
      summary: 'List campaigns with their totals (one query per page)', tags: ['campaigns'],
      querystring: listCampaignsQuery, response: { 200: campaignListSchema, 400: problemResponse },
    },
  }, async (request) => {
    const { status, fund, limit, cursor, after } = request.query;
    const rows = await context.caches.campaigns.list({ status, fund, limit: limit + 1, afterId: parseCursor(cursor ?? after, cursor === undefined ? 'after' : 'cursor') });
    const page = pageOf(rows, limit, (row) => String(row.id));
    return { campaigns: page.rows.map(campaignJson), next_cursor: page.next_cursor, has_more: page.has_more };
  });

  app.get<{ Params: { id: string } }>('/api/campaigns/:id', {
    schema: {
      summary: 'One campaign by id or slug', tags: ['campaigns'],
      params: campaignParams, response: { 200: { $ref: 'Campaign#' }, 404: problemResponse },
    },
  }, async (request) => campaignJson(await loadCampaign(request.params.id)));

  app.get<{ Params: { id: string } }>('/api/campaigns/:id/summary', {
    schema: {
      summary: 'Total, count, average and donors over approved donations', tags: ['campaigns'],
      params: campaignParams, response: { 200: summarySchema, 404: problemResponse },
    },
  }, async (request) => campaignSummary(await loadCampaign(request.params.id)));

  app.post<{ Body: CampaignInput }>('/api/campaigns', {
    preHandler: admin,
    schema: {
      summary: 'Create a campaign (admin)', tags: ['campaigns'], security: [{ bearer: [] }],
      body: createCampaignBody, response: { 201: { $ref: 'Campaign#' }, 400: problemResponse, 401: problemResponse, 403: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const campaign = await createCampaign(database, changes, request.body, request.principal);
    reply.code(201).header('location', `/api/campaigns/${campaign.id}`);
    return campaignJson(campaign);
  });

  app.patch<{ Params: { id: string }; Body: CampaignPatch }>('/api/campaigns/:id', {
    preHandler: admin,
    schema: {
      summary: 'Change a campaign (admin)', tags: ['campaigns'], security: [{ bearer: [] }],
      params: campaignParams, body: patchCampaignBody,
      response: { 200: { $ref: 'Campaign#' }, 400: problemResponse, 401: problemResponse, 403: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request) => campaignJson(await patchCampaign(database, changes, request.params.id, request.body, request.principal)));
}
