// /console: the staff console's pages (server-rendered in the viewer's language) and their script and styles,
// plus its JSON API (api.ts) and the audit log's (audit/routes.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { listCampaigns } from '../campaigns/queries.ts';
import { auditRoutes } from '../audit/routes.ts';
import { consoleApiRoutes } from './api.ts';
import { consolePage, type ConsolePage } from './pages.ts';
import { LOCALE_COOKIE, localeCookie, negotiateLocale, type Locale } from './i18n.ts';

/** As the dashboard's: scripts and styles from this origin only, nothing inline, never framed. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/** The queue's campaign filter lists this many campaigns; a deployment with more filters by id in the URL. */
const CAMPAIGN_OPTIONS_MAX = 500;
const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

interface StaticFile { body: Buffer; type: string; etag: string }

function staticFile(name: string, type: string): StaticFile {
  const body = readFileSync(new URL(`./${name}`, import.meta.url));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function sendStatic(file: StaticFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('cache-control', 'no-cache').header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

/** The viewer's locale; a ?lang= switch is remembered in a cookie for the next pages. */
function localeOf(request: FastifyRequest, reply: FastifyReply): Locale {
  const query = (request.query as { lang?: string } | undefined)?.lang;
  const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
  if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
  return locale;
}

export async function consoleRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const script = staticFile('console.js', 'text/javascript; charset=utf-8');
  const styles = staticFile('console.css', 'text/css; charset=utf-8');
  await app.register(async (scope) => consoleApiRoutes(scope, context));
  await app.register(async (scope) => auditRoutes(scope, context));

  const send = (reply: FastifyReply, body: string) => reply.type('text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').header('vary', 'accept-language, cookie').send(body);
  const pageQuery = { type: 'object', additionalProperties: true, properties: { lang: { type: 'string', maxLength: 8 } } } as const;

  app.get('/console', { schema: { hide: true, querystring: pageQuery } }, async (request, reply) => {
    const campaigns = await listCampaigns(context.database, { limit: CAMPAIGN_OPTIONS_MAX });
    return send(reply, consolePage({ locale: localeOf(request, reply), page: 'queue', campaigns }));
  });
  for (const page of ['campaigns', 'tokens', 'audit', 'reports'] as const satisfies readonly ConsolePage[]) {
    app.get(`/console/${page}`, { schema: { hide: true, querystring: pageQuery } }, async (request, reply) => send(reply, consolePage({ locale: localeOf(request, reply), page })));
  }
  app.get<{ Params: { id: string } }>('/console/donations/:id', {
    schema: { hide: true, querystring: pageQuery, params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,19}$' } } } },
  }, async (request, reply) => send(reply, consolePage({ locale: localeOf(request, reply), page: 'donation', donationId: request.params.id })));
  app.get('/console.js', { schema: { hide: true } }, async (request, reply) => sendStatic(script, request, reply));
  app.get('/console.css', { schema: { hide: true } }, async (request, reply) => sendStatic(styles, request, reply));
}
