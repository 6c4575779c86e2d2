// Liveness, readiness and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/availability.ts';
import { clusterMetricsText } from '../observability/cluster-metrics.ts';

/** Readiness fails when the database does not answer `select 1` within this time. */
const READINESS_TIMEOUT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('database did not answer in time')), READINESS_TIMEOUT_MS);
    });
    try {
      await Promise.race([context.database.query('select 1'), timeout]);
      // Not ready until the LISTEN connection is back too: until then this process misses other processes' changes.
      if (context.database.listening?.() === false) throw new Error('the LISTEN connection is reconnecting');
      return { status: 'ready', database: context.database.engine };
    } catch (error) {
      reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return { status: 'unavailable', reason: error instanceof Error ? error.message : 'unknown' };
    } finally {
      clearTimeout(timer);
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(context.metrics.registry.contentType);
    // Every worker of `serve --workers N`, merged, not whichever worker took this connection.
    return clusterMetricsText(context.metrics.registry);
  });
}
