// Analytics over approved donations:
//   GET /api/campaigns/:id/analytics  anyone: every figure derives from approved donations, which the public
//                                     donations listing already shows (anonymous donors stay unnamed)
//   GET /api/analytics                staff: scans every donation (the distribution per currency and the
//                                     threshold search), an internal view that costs seconds at 10M rows
//   GET /campaigns/:id/analytics      anyone: the campaign's figures as a page with SVG charts
// Each request is a few scans of donations, so at most ANALYTICS_REQUESTS_CONCURRENT_MAX run at once per
// process; more get 503 with Retry-After instead of piling onto the database.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { parseDateRange } from '../http/date-range.ts';
import { campaignParams } from '../campaigns/schemas.ts';
import { findCampaign } from '../campaigns/queries.ts';
import { isCurrencyCode, isMoneyError, parseAmount } from '../money/index.ts';
import { AnalyticsWorkers } from './workers.ts';
import { campaignAnalytics, platformAnalytics, type CampaignAnalyticsOptions, type ThresholdQuery } from './analytics.ts';
import { analyticsPage } from './page.ts';
import { localeCookie, negotiateLocale } from '../console/i18n.ts';
import { campaignAnalyticsQuery, campaignAnalyticsSchema, platformAnalyticsQuery, platformAnalyticsSchema } from './schemas.ts';

/** Analytics requests running at once in one process; each may hold up to four pooled connections. */
export const ANALYTICS_REQUESTS_CONCURRENT_MAX = 4;
const RETRY_AFTER_SECONDS = 5;

const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

interface CampaignQuery { from?: string; to?: string; tz: string; top: number; days: number; hours: number }
interface PlatformQuery { currency?: string; min_amount?: string; limit: number }

function campaignOptions(query: CampaignQuery): CampaignAnalyticsOptions {
  if (!TIME_ZONES.has(query.tz)) throw new AppError('validation_failed', `tz "${query.tz}" is not an IANA time zone such as Asia/Jakarta or UTC`, { field: 'tz' });
  const { from, to } = parseDateRange(query.from, query.to);
  return { from, to, timeZone: query.tz, top: query.top, days: query.days, hours: query.hours };
}

function thresholdOf(query: PlatformQuery): ThresholdQuery | undefined {
  if (query.currency === undefined || query.min_amount === undefined) return undefined;
  if (!isCurrencyCode(query.currency)) throw new AppError('validation_failed', `currency "${query.currency}" is not an ISO 4217 code`, { field: 'currency' });
  try {
    return { currency: query.currency, minMinor: parseAmount(query.min_amount, query.currency), limit: query.limit };
  } catch (error) {
    if (isMoneyError(error)) throw new AppError('invalid_amount', error.message, { field: 'min_amount', reason: error.reason });
    throw error;
  }
}

export async function analyticsRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, config } = context;
  const staff = requireRole('staff', database, config.adminTokenSha256);
  const workers = new AnalyticsWorkers();
  app.addHook('onClose', async () => { await workers.close(); });
  let running = 0;

  /** Runs `work` within the concurrency bound. */
  const bounded = async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= ANALYTICS_REQUESTS_CONCURRENT_MAX) {
      throw new AppError('overloaded', `${ANALYTICS_REQUESTS_CONCURRENT_MAX} analytics requests are already running; retry later`, {}, RETRY_AFTER_SECONDS);
    }
    running += 1;
    try {
      return await work();
    } finally {
      running -= 1;
    }
  };

  const forCampaign = async (request: FastifyRequest<{ Params: { id: string }; Querystring: CampaignQuery }>) => {
    const options = campaignOptions(request.query);
    const campaign = await findCampaign(database, request.params.id);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.params.id}"`);
    return { campaign, analytics: await bounded(() => campaignAnalytics(database, workers, campaign, options)) };
  };

  app.get<{ Params: { id: string }; Querystring: CampaignQuery }>('/api/campaigns/:id/analytics', {
    schema: {
      summary: "A campaign's analytics over approved donations: figures, donors, largest, daily and hourly series, distribution", tags: ['analytics'],
      params: campaignParams, querystring: campaignAnalyticsQuery,
      response: { 200: campaignAnalyticsSchema, 400: problemResponse, 404: problemResponse, 503: problemResponse },
    },
  }, async (request) => (await forCampaign(request)).analytics);

  app.get<{ Querystring: PlatformQuery }>('/api/analytics', {
    preHandler: staff,
    schema: {
      summary: 'Analytics across campaigns (staff): by fund, by currency, campaigns with a donation of at least an amount', tags: ['analytics'],
      security: [{ bearer: [] }], querystring: platformAnalyticsQuery,
      response: { 200: platformAnalyticsSchema, 400: problemResponse, 401: problemResponse, 403: problemResponse, 422: problemResponse, 503: problemResponse },
    },
  }, async (request) => {
    const threshold = thresholdOf(request.query);
    return bounded(() => platformAnalytics(database, workers, threshold));
  });

  app.get<{ Params: { id: string }; Querystring: CampaignQuery }>('/campaigns/:id/analytics', {
    schema: { hide: true, params: campaignParams, querystring: campaignAnalyticsQuery },
  }, async (request, reply) => {
    const { campaign, analytics } = await forCampaign(request);
    const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    reply.type('text/html; charset=utf-8');
    // Amounts in the viewer's language, as the console shows them (the amanah_lang cookie, then Accept-Language).
    const locale = negotiateLocale(undefined, localeCookie(request.headers.cookie), request.headers['accept-language']);
    return analyticsPage(campaign, analytics, `/api/campaigns/${encodeURIComponent(campaign.slug)}/analytics${search}`, locale);
  });
}
