// Analytics over approved donations:
//   GET /api/campaigns/:id/analytics  anyone: every figure derives from approved donations, which the public
//                                     donations listing already shows (anonymous donors stay unnamed)
//   GET /api/analytics                staff: scans every donation (the distribution per currency and the
//                                     threshold search), an internal view that costs seconds at 10M rows
//   GET /campaigns/:id/analytics      anyone: the campaign's figures as a page in Indonesian or English (?lang=, the
//                                     amanah_lang cookie, then Accept-Language), SVG charts that its script redraws
//                                     with uPlot in the viewer's time zone, and a date range (from/to or presets)
//   GET /analytics/assets/:name       the page's script and style, and uPlot's, served from this origin
// Each request is a few scans of donations, so at most ANALYTICS_REQUESTS_CONCURRENT_MAX run at once per
// process; more get 503 with Retry-After instead of piling onto the database.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
import { LOCALE_COOKIE, localeCookie, negotiateLocale } from '../console/i18n.ts';
import { campaignAnalyticsQuery, campaignAnalyticsSchema, platformAnalyticsQuery, platformAnalyticsSchema } from './schemas.ts';

/** Analytics requests running at once in one process; each may hold up to four pooled connections. */
export const ANALYTICS_REQUESTS_CONCURRENT_MAX = 4;
const RETRY_AFTER_SECONDS = 5;

const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * The page takes scripts, styles and data from this origin only, and nothing may frame it: a campaign or donor
 * name that got into the markup unescaped could neither run script nor send anything elsewhere. uPlot sizes its
 * elements through the CSSOM (element.style), which style-src does not restrict, so no 'unsafe-inline' is needed.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile { body: Buffer; type: string; etag: string }

const require = createRequire(import.meta.url);

function staticFile(path: string | URL, type: string): StaticFile {
  const body = readFileSync(path);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Read once at start: four files, about 70 KB together; uPlot's built files straight from node_modules, no build step. */
function loadAssets(): ReadonlyMap<string, StaticFile> {
  const script = 'text/javascript; charset=utf-8';
  const style = 'text/css; charset=utf-8';
  return new Map([
    ['uPlot.iife.min.js', staticFile(require.resolve('uplot/dist/uPlot.iife.min.js'), script)],
    ['uPlot.min.css', staticFile(require.resolve('uplot/dist/uPlot.min.css'), style)],
    ['analytics.js', staticFile(new URL('./client.js', import.meta.url), script)],
    ['analytics.css', staticFile(new URL('./analytics.css', import.meta.url), style)],
  ]);
}

/** Revalidated on every load (a 304 costs one round trip), so a new release's script is never mixed with an old page. */
function sendStatic(file: StaticFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('cache-control', 'no-cache').header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

/**
 * The query string of `url` without any `name` parameter (then with `add` appended), with a leading "?" when anything
 * is left. The other parameters keep their own spelling: the links repeat what the viewer asked for.
 */
function queryWithout(url: string, name: string, add?: [string, string]): string {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const kept = query.split('&').filter((part) => part !== '' && part.split('=')[0] !== name);
  if (add) kept.push(`${add[0]}=${encodeURIComponent(add[1])}`);
  return kept.length === 0 ? '' : `?${kept.join('&')}`;
}

interface CampaignQuery { from?: string; to?: string; tz: string; top: number; days: number; hours: number; lang?: string }
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
    // Words and amounts in the viewer's language, as the console shows them: ?lang= (the switch, remembered in the
    // cookie for the next pages), the amanah_lang cookie, then Accept-Language.
    const asked = request.query.lang;
    const locale = negotiateLocale(asked, localeCookie(request.headers.cookie), request.headers['accept-language']);
    if (asked === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
    const slug = encodeURIComponent(campaign.slug);
    const pagePath = `/campaigns/${slug}/analytics`;
    const links = {
      pagePath,
      jsonUrl: `/api/campaigns/${slug}/analytics${queryWithout(request.url, 'lang')}`,
      switchUrl: `${pagePath}${queryWithout(request.url, 'lang', ['lang', locale === 'id' ? 'en' : 'id'])}`,
    };
    reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff').header('vary', 'accept-language, cookie');
    return analyticsPage(campaign, analytics, links, locale);
  });

  const assets = loadAssets();
  app.get<{ Params: { name: string } }>('/analytics/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) throw new AppError('not_found', `no analytics asset named "${request.params.name.slice(0, 64)}"`);
    return sendStatic(asset, request, reply);
  });
}
