// The Fastify application: shared schemas, the problem+json error handler, metrics, health, docs, and each
// domain's routes as a plugin. Building the app does not listen, so tests drive it with app.inject.
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import { AppError, ErrorCodes, problemOf } from '../errors.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import { createMetrics } from '../observability/metrics.ts';
import type { AppContext } from './context.ts';
import { campaignSchema } from '../campaigns/schemas.ts';
import { donationSchema, publicDonationSchema } from '../donations/schemas.ts';
import { campaignRoutes } from '../campaigns/routes.ts';
import { donationRoutes } from '../donations/routes.ts';
import { healthRoutes } from './health.ts';
import { docsRoutes } from './docs.ts';
import { dashboardRoutes } from '../dashboard/routes.ts';
import { liveRoutes } from '../live/routes.ts';
import type { LiveOptions } from '../live/hub.ts';
import { zakatRoutes } from '../zakat/routes.ts';
import { importRoutes } from '../imports/routes.ts';
import { exportRoutes } from '../exports/routes.ts';
import { analyticsRoutes } from '../analytics/routes.ts';
import { ledgerRoutes } from '../ledger/routes.ts';
import { paymentRoutes } from '../payments/routes.ts';
import { consoleRoutes } from '../console/routes.ts';
import { portalRoutes } from '../portal/routes.ts';
import { distributionRoutes } from '../distribution/routes.ts';
import { receiptRoutes } from '../receipts/routes.ts';
import { reportRoutes } from '../reports/routes.ts';
import { clientErrorHandler } from './fastify-errors.ts';
import { toAppError } from './to-app-error.ts';
import { installTextGuard } from './text-guard.ts';
import { compileCoercing } from './coercing-validator.ts';
import { ChangeFeed } from '../events/changes.ts';
import { GroupCommitter } from '../donations/group-commit.ts';
import { cachedCampaigns, writeIntakeBatch, type IntakeRequest } from '../donations/intake.ts';
import { writeTransitionBatch, type TransitionRequest } from '../donations/donations.ts';
import { createCaches, installCaches } from '../cache/caches.ts';
import { observerRoutes, registerObserver } from '../observer/routes.ts';
import { REQUEST_ID_HEADER, redactedUrl, requestIdOf } from './request-id.ts';
import { recordAllowedMethods } from './method-not-allowed.ts';
import { openApiOptions, requireTokenBeforeValidation } from './openapi.ts';

const problemSchema = {
  $id: 'Problem',
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(ErrorCodes) },
    instance: { type: 'string' },
    request_id: { type: 'string', description: 'The x-request-id of the request, as in the server log' },
  },
} as const;

export interface AppOptions {
  config: Config;
  database: Database;
  /** Pino logging; off in tests unless asked for. */
  logger?: boolean;
  /** Where log lines go instead of stdout (a test reading what was logged). */
  logStream?: { write(line: string): void };
  /** The change feed; a new one (listening on the database) when not given. */
  changes?: ChangeFeed;
  /** The live hub's limits, when a test needs them smaller than the defaults. */
  live?: Partial<LiveOptions>;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  const caches = createCaches(config, database);
  const app = Fastify({
    // Cache hits are answered in front of Fastify (src/cache/response-cache.ts); undefined with caching off.
    serverFactory: caches.serverFactory,
    logger: options.logger ? {
      level: config.logLevel,
      ...(options.logStream ? { stream: options.logStream } : {}),
      // Fastify's own request serializer, but with a live ticket's value taken out of the logged URL.
      serializers: {
        req: (request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
          method: request.method, url: redactedUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort,
        }),
      },
    } : false,
    // The caller's x-request-id when it is sane, else a new one; logged as request_id and sent back on every answer.
    genReqId: (request) => requestIdOf(request.headers[REQUEST_ID_HEADER]),
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    // Ids and slugs in paths are at most 64 characters; 100 leaves room and bounds the router's work.
    routerOptions: { maxParamLength: 100 },
    // Errors Fastify would answer in its own shape (FST_ERR_BAD_URL …) go out as problem+json like every other.
    clientErrorHandler,
    frameworkErrors: (error, request, reply) => {
      const appError = toAppError(error);
      void (reply as FastifyReply).code(appError.status).header(REQUEST_ID_HEADER, request.id).type('application/problem+json')
        .send(problemOf(appError, redactedUrl(request.url), request.id));
    },
  });
  // Two validators: query strings, params and headers arrive as text and are coerced to their schema types
  // (`?limit=10`), but a JSON body is taken as sent, so `"amount": 100.5` is refused rather than quietly
  // turned into the string "100.5". Money never passes through a JSON number.
  const coercing = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false });
  const strict = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict.compile(schema) : compileCoercing(coercing, schema)));
  const metrics = createMetrics(database);
  const changes = options.changes ?? new ChangeFeed();
  await changes.start(database);
  const campaignsOf = cachedCampaigns(caches.campaigns, database);
  const intake = new GroupCommitter((requests: readonly IntakeRequest[]) => writeIntakeBatch(database, changes, requests, new Date(), campaignsOf), config.groupCommit);
  const transitions = new GroupCommitter((requests: readonly TransitionRequest[]) => writeTransitionBatch(database, changes, requests), config.groupCommit);
  // On close every gathered request is written and answered before the feed and the database go.
  app.addHook('onClose', async () => { await Promise.all([intake.drain(), transitions.drain()]); await changes.stop(); });
  const context: AppContext = { config, database, metrics, changes, intake, transitions, caches };
  // Before any other hook, so every answer (a cache hit from a hook, a shed request) carries its id.
  app.addHook('onRequest', async (request, reply) => { reply.header(REQUEST_ID_HEADER, request.id); });
  const allowedMethods = recordAllowedMethods(app);
  requireTokenBeforeValidation(app);
  installCaches(app, context);
  // First, so load shedding and the HTTP charts see every route, and later plugins can use app.observer.
  const observer = await registerObserver(app, context);

  app.addSchema(problemSchema);
  app.addSchema(campaignSchema);
  app.addSchema(donationSchema);
  app.addSchema(publicDonationSchema);
  await app.register(swagger, {
    ...openApiOptions(),
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`) },
  });

  // JSON is the API's only inline body type; a text body on a JSON route is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', undefined);
  installTextGuard(app);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    if (appError.retryAfterSeconds !== undefined) reply.header('retry-after', String(appError.retryAfterSeconds));
    // RFC 9110 §11.6.1 and RFC 6750 §3: a 401 names its scheme; a token that was sent and refused is invalid_token.
    if (appError.code === 'unauthorized') {
      reply.header('www-authenticate', request.headers.authorization ? 'Bearer realm="amanah", error="invalid_token"' : 'Bearer realm="amanah"');
    }
    reply.code(appError.status).type('application/problem+json').send(problemOf(appError, redactedUrl(request.url), request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods.of(path);
    const error = allowed.length > 0
      ? new AppError('method_not_allowed', `${path} takes ${allowed.join(', ')}, not ${request.method}`, { allow: allowed })
      : new AppError('not_found', `no route for ${request.method} ${path}`);
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    reply.code(error.status).type('application/problem+json').send(problemOf(error, redactedUrl(request.url), request.id));
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(async (scope) => campaignRoutes(scope, context));
  await app.register(async (scope) => donationRoutes(scope, context));
  await app.register(async (scope) => healthRoutes(scope, context));
  await app.register(async (scope) => docsRoutes(scope, context));
  await app.register(async (scope) => dashboardRoutes(scope, context));
  await app.register(async (scope) => observerRoutes(scope, observer));
  await app.register(async (scope) => liveRoutes(scope, context, options.live));
  await app.register(async (scope) => zakatRoutes(scope, context));
  await app.register(async (scope) => importRoutes(scope, context));
  await app.register(async (scope) => exportRoutes(scope, context));
  await app.register(async (scope) => analyticsRoutes(scope, context));
  await app.register(async (scope) => ledgerRoutes(scope, context));
  await app.register(async (scope) => paymentRoutes(scope, context));
  await app.register(async (scope) => consoleRoutes(scope, context));
  await app.register(async (scope) => portalRoutes(scope, context));
  await app.register(async (scope) => distributionRoutes(scope, context));
  await app.register(async (scope) => receiptRoutes(scope, context));
  await app.register(async (scope) => reportRoutes(scope, context));
  return app;
}
