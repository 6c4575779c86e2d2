// The observer: the process's vital signs for an admin at /observer, the same figures for Prometheus at
// /metrics, on-demand CPU profiles and heap snapshots, and load shedding. The page itself is public HTML with
// no data in it; everything it shows comes from the admin-only JSON endpoints under /api/observer.
//
// Two steps, both in buildApp. registerObserver runs on the root app first, before any route plugin, so that
// under-pressure's onRequest hook (shedding) guards every route and later plugins can use app.observer.
// observerRoutes is registered with the other route plugins, after the app's error handler is set, so its
// errors leave as problem+json like everyone else's.
import type { FastifyInstance } from 'fastify';
import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AppContext } from '../http/context.ts';
import { requireRole } from '../http/auth.ts';
import { HttpRecorder, recordServerResponses } from './http-stats.ts';
import { ProcessSampler, SAMPLE_INTERVAL_MS } from './sampler.ts';
import { SERIES_SAMPLES_MAX } from './ring.ts';
import { registerLoadShedding, ShedCounts, type PressureState } from './pressure.ts';
import { createShedCounter, registerObserverMetrics } from './prometheus.ts';
import { SourceReader, type ObserverSources } from './sources.ts';
import { builtInSources } from './built-in-sources.ts';
import { EVENT_STREAM_TYPE, OBSERVER_STREAMS_MAX, StreamHub } from './stream.ts';
import { liveJson, statementsJson, systemJson, type LiveParts } from './json.ts';
import { systemSnapshot } from './system.ts';
import { heaviestStatements } from './statements.ts';
import { CPU_PROFILE_SECONDS_MAX, profilerBusy, recordCpuProfile, takeHeapSnapshot } from './profiler.ts';
import { observerPageRoutes } from './page.ts';
import { workersJson } from '../observability/cluster-metrics.ts';
import { databaseActivity } from './database-activity.ts';

const require = createRequire(import.meta.url);
const AMANAH_VERSION: string = require('../../package.json').version;

declare module 'fastify' {
  interface FastifyInstance {
    /** The observer's hook for features that report caches, queues or subscribers. */
    observer: { addSources(sources: ObserverSources): void };
  }
}

/** The running observer, from registerObserver, for observerRoutes. */
export interface Observer extends LiveParts {
  readonly context: AppContext;
  readonly streams: StreamHub;
}

export async function registerObserver(app: FastifyInstance, context: AppContext, sources: ObserverSources = {}): Promise<Observer> {
  const shedCounter = createShedCounter(context.metrics.registry);
  const shed = new ShedCounts((reason) => shedCounter.inc({ reason }));
  const pressure: () => PressureState = await registerLoadShedding(app, context.config.loadShedding, shed);

  const http = new HttpRecorder();
  recordServerResponses(app.server, http);

  const sampler = new ProcessSampler({ http, pool: () => context.database.poolStats(), shedTotal: () => shed.total });
  const tables = new SourceReader();
  tables.add(builtInSources(context));
  tables.add(sources);
  tables.refresh(Date.now());
  app.decorate('observer', { addSources: (more: ObserverSources) => tables.add(more) });
  // Subscribed before the stream hub, so each event carries the tables read for its own sample.
  sampler.subscribe(() => tables.refresh(Date.now()));
  const live: LiveParts = { sampler, pressure, tables: () => tables.latest, database: context.database };
  const streams = new StreamHub(sampler, () => liveJson(live));
  registerObserverMetrics(context.metrics.registry, sampler, pressure, context.database);
  sampler.start();
  app.addHook('preClose', async () => { streams.closeAll(); });
  app.addHook('onClose', async () => { sampler.stop(); });

  return { ...live, context, streams };
}

/** The page, its files and the admin API: a route plugin like the others. */
export async function observerRoutes(app: FastifyInstance, observer: Observer): Promise<void> {
  await observerApiRoutes(app, observer);
  await observerPageRoutes(app);
}

function attachmentName(extension: string): string {
  return `attachment; filename="amanah-${process.pid}-${new Date().toISOString().replace(/[:.]/g, '-')}.${extension}"`;
}

async function observerApiRoutes(app: FastifyInstance, parts: Observer): Promise<void> {
  const { database, config } = parts.context;
  const admin = requireRole('admin', database, config.adminTokenSha256);
  const common = { tags: ['observer'], security: [{ bearer: [] }] };
  const routeConfig = { loadSheddingExempt: true };
  let databaseVersion: Promise<string> | undefined;

  app.get('/api/observer/snapshot', { preHandler: admin, config: routeConfig, schema: { ...common, summary: 'The process now: system, pressure, pool, caches, queues, heaviest statements (admin)' } }, async () => {
    // Asked once; a failed ask is asked again next time rather than remembered.
    databaseVersion ??= database.query<{ version: string }>('select version()').then((result) => result.rows[0]!.version, () => {
      databaseVersion = undefined;
      return 'unknown (the database did not answer)';
    });
    return {
      sampled_at: new Date().toISOString(),
      sample_interval_ms: SAMPLE_INTERVAL_MS,
      series_samples_max: SERIES_SAMPLES_MAX,
      system: systemJson(systemSnapshot({ amanah: AMANAH_VERSION, fastify: app.version, database: await databaseVersion })),
      ...liveJson(parts),
      streams: { open: parts.streams.open, max: OBSERVER_STREAMS_MAX, events_skipped: parts.streams.skipped, sample_listener_errors: parts.sampler.listenerErrors },
      profiler: { running: profilerBusy(), cpu_profile_seconds_max: CPU_PROFILE_SECONDS_MAX },
      statements: statementsJson(await heaviestStatements(database)),
      // Each worker of `serve --workers N` and their total, from the same parts /metrics merges.
      workers: await workersJson(parts.context.metrics.registry),
      database_activity: await databaseActivity(database),
    };
  });

  app.get('/api/observer/history', { preHandler: admin, config: routeConfig, schema: { ...common, summary: 'The last 15 minutes of samples, one array per series, oldest first (admin)' } }, async () => ({
    sample_interval_ms: SAMPLE_INTERVAL_MS,
    series_samples_max: SERIES_SAMPLES_MAX,
    sequence: parts.sampler.latest?.sequence ?? 0,
    series: parts.sampler.ring.columns(),
  }));

  app.get('/api/observer/stream', { preHandler: admin, config: routeConfig, schema: { ...common, summary: `Server-Sent Events (${EVENT_STREAM_TYPE}): one "sample" event a second (admin)` } }, async (_request, reply) => {
    parts.streams.attach(reply);
  });

  app.post<{ Querystring: { seconds: number } }>('/api/observer/profile', {
    preHandler: admin, config: routeConfig,
    schema: {
      ...common, summary: `Record a CPU profile for N seconds (at most ${CPU_PROFILE_SECONDS_MAX}) and download it as .cpuprofile (admin)`,
      querystring: { type: 'object', additionalProperties: false, properties: { seconds: { type: 'integer', minimum: 1, maximum: CPU_PROFILE_SECONDS_MAX, default: 10 } } },
    },
  }, async (request, reply) => {
    const controller = new AbortController();
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort(); });
    const profile = await recordCpuProfile(request.query.seconds, controller.signal);
    reply.header('content-disposition', attachmentName('cpuprofile')).type('application/json');
    return profile;
  });

  app.post('/api/observer/heap-snapshot', { preHandler: admin, config: routeConfig, schema: { ...common, summary: 'Take a heap snapshot and download it as .heapsnapshot (admin)' } }, async (_request, reply) => {
    const file = takeHeapSnapshot();
    try {
      const sizeBytes = statSync(file.path).size;
      // The job ends when the file is closed: sent, or abandoned by a client that went away.
      const stream = createReadStream(file.path);
      stream.once('close', file.release);
      reply.header('content-disposition', attachmentName('heapsnapshot')).header('content-length', String(sizeBytes));
      return reply.type('application/json').send(stream);
    } catch (error) {
      file.release();
      throw error;
    }
  });
}
