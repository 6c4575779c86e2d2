// Metrics across `serve --workers N`. The primary hands each connection to some worker, so a worker that
// answered /metrics from its own registry would report a different process on every scrape: counters would
// jump back and forth and Prometheus would see resets that never happened. Instead the worker that is asked
// sends one IPC message to the primary; the primary asks every live worker for its registry as JSON
// (prom-client's getMetricsAsJSON, plain data that crosses IPC as it is), and hands the parts back. The
// answering worker then merges them with prom-client's AggregatorRegistry.aggregate: counters and histograms
// summed, gauges by each metric's aggregator (sum unless the metric says otherwise: event-loop lag averaged,
// process start time omitted). The observer reads the same parts to show each worker and the total.
//
// Our own messages, not prom-client's clusterMetrics(): that runs in the primary and answers only the primary,
// while here a worker holds the HTTP request. A worker that does not answer within PART_TIMEOUT_MS (busy,
// dying) is left out and counted in amanah_cluster_workers_missing, rather than holding the scrape.
import cluster from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/** How long the primary waits for each worker's part before answering with those it has. */
export const PART_TIMEOUT_MS = 2_000;
/** How long a worker waits for the primary's answer (the primary's own wait, and some slack). */
const ANSWER_TIMEOUT_MS = PART_TIMEOUT_MS + 3_000;

const ASK = 'amanah:metrics:ask';
const COLLECT = 'amanah:metrics:collect';
const PART = 'amanah:metrics:part';
const ANSWER = 'amanah:metrics:answer';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface WorkerPart {
  readonly pid: number;
  readonly metrics: MetricsJson;
}

export interface ClusterParts {
  /** One part per worker that answered, in pid order; a single process is a cluster of one. */
  readonly workers: readonly WorkerPart[];
  /** Workers alive that did not answer in time. */
  readonly missing: number;
}

interface Message { readonly type?: unknown; readonly requestId?: unknown }

let localRegistry: Registry | undefined;
let nextRequestId = 0;
const waiting = new Map<number, (parts: ClusterParts) => void>();

/** In each process that serves: the registry it reports, and (in a worker) the IPC listener for the primary. */
export function serveMetricsToPrimary(registry: Registry): void {
  const first = localRegistry === undefined;
  localRegistry = registry;
  if (!first || !cluster.isWorker) return;
  process.on('message', (message: Message & { parts?: ClusterParts }) => {
    if (message?.type === COLLECT) {
      const registryNow = localRegistry!;
      void registryNow.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: PART, requestId: message.requestId, pid: process.pid, metrics }),
        () => process.send?.({ type: PART, requestId: message.requestId, pid: process.pid, metrics: [] }),
      );
    } else if (message?.type === ANSWER && typeof message.requestId === 'number') {
      const resolve = waiting.get(message.requestId);
      waiting.delete(message.requestId);
      resolve?.(message.parts!);
    }
  });
}

/** Every worker's metrics: from the primary when this is a cluster worker, else this process alone. */
export async function clusterParts(registry: Registry): Promise<ClusterParts> {
  if (!cluster.isWorker || process.send === undefined) {
    return { workers: [{ pid: process.pid, metrics: await registry.getMetricsAsJSON() }], missing: 0 };
  }
  const requestId = nextRequestId++;
  return new Promise<ClusterParts>((resolve) => {
    const timer = setTimeout(async () => {
      // The primary did not answer (it is stopping): this worker's own figures, said to be partial.
      waiting.delete(requestId);
      resolve({ workers: [{ pid: process.pid, metrics: await registry.getMetricsAsJSON() }], missing: Object.keys(cluster.workers ?? {}).length });
    }, ANSWER_TIMEOUT_MS);
    waiting.set(requestId, (parts) => { clearTimeout(timer); resolve(parts); });
    process.send!({ type: ASK, requestId });
  });
}

/** The Prometheus text for all workers, merged, with how many answered and how many did not. */
export async function clusterMetricsText(registry: Registry): Promise<string> {
  const parts = await clusterParts(registry);
  const merged = AggregatorRegistry.aggregate(parts.workers.map((part) => part.metrics));
  const text = await merged.metrics();
  return `${text}# HELP amanah_cluster_workers_reporting Server processes whose metrics are summed here
# TYPE amanah_cluster_workers_reporting gauge
amanah_cluster_workers_reporting ${parts.workers.length}
# HELP amanah_cluster_workers_missing Server processes alive that did not answer within ${PART_TIMEOUT_MS} ms
# TYPE amanah_cluster_workers_missing gauge
amanah_cluster_workers_missing ${parts.missing}
`;
}

/** In the primary: answer each worker's ask with every live worker's part. */
export function answerWorkersMetrics(): void {
  let nextCollect = 0;
  const collecting = new Map<number, { parts: WorkerPart[]; expected: number; finish: () => void }>();
  cluster.on('message', (worker, message: Message & { pid?: number; metrics?: MetricsJson }) => {
    if (message?.type === PART && typeof message.requestId === 'number') {
      const round = collecting.get(message.requestId);
      if (round === undefined) return;
      round.parts.push({ pid: Number(message.pid), metrics: message.metrics ?? [] });
      if (round.parts.length === round.expected) round.finish();
      return;
    }
    if (message?.type !== ASK) return;
    const asker = worker;
    const askId = message.requestId;
    const targets = Object.values(cluster.workers ?? {}).filter((each) => each !== undefined && each.isConnected());
    const collectId = nextCollect++;
    const round = {
      parts: [] as WorkerPart[],
      expected: targets.length,
      finish: () => {
        clearTimeout(timer);
        collecting.delete(collectId);
        const workers = [...round.parts].sort((a, b) => a.pid - b.pid);
        if (asker.isConnected()) asker.send({ type: ANSWER, requestId: askId, parts: { workers, missing: round.expected - workers.length } });
      },
    };
    const timer = setTimeout(round.finish, PART_TIMEOUT_MS);
    collecting.set(collectId, round);
    for (const target of targets) target!.send({ type: COLLECT, requestId: collectId });
  });
}

/** One row of the observer's workers table, read from a part's metrics. */
export interface WorkerSummary {
  readonly pid: number | 'total';
  readonly requests: number;
  readonly donations_received: number;
  readonly cpu_seconds: number;
  readonly rss_bytes: number;
  readonly heap_used_bytes: number;
  readonly event_loop_lag_p99_seconds: number;
  readonly event_loop_utilization: number;
  readonly pool_connections: number;
  readonly pool_waiting: number;
}

function sum(metrics: MetricsJson, name: string, valueName?: string): number {
  const metric = metrics.find((each) => each.name === name);
  if (metric === undefined) return 0;
  return (metric.values as Array<MetricValue<string> & { metricName?: string }>).filter((value) => valueName === undefined || value.metricName === valueName).reduce((total, value) => total + value.value, 0);
}

export function summarise(pid: number | 'total', metrics: MetricsJson): WorkerSummary {
  return {
    pid,
    requests: sum(metrics, 'amanah_http_request_duration_seconds', 'amanah_http_request_duration_seconds_count'),
    donations_received: sum(metrics, 'amanah_donations_received_total'),
    cpu_seconds: sum(metrics, 'process_cpu_seconds_total'),
    rss_bytes: sum(metrics, 'process_resident_memory_bytes'),
    heap_used_bytes: sum(metrics, 'nodejs_heap_size_used_bytes'),
    event_loop_lag_p99_seconds: sum(metrics, 'nodejs_eventloop_lag_p99_seconds'),
    event_loop_utilization: sum(metrics, 'amanah_event_loop_utilization'),
    pool_connections: sum(metrics, 'amanah_db_pool_connections'),
    pool_waiting: sum(metrics, 'amanah_db_pool_waiting'),
  };
}

/** Each worker and the total, as the merged /metrics would say (lag and utilisation averaged, not summed). */
export async function workersJson(registry: Registry) {
  const parts = await clusterParts(registry);
  const merged = await AggregatorRegistry.aggregate(parts.workers.map((part) => part.metrics)).getMetricsAsJSON() as MetricsJson;
  return {
    missing: parts.missing,
    workers: parts.workers.map((part) => summarise(part.pid, part.metrics)),
    total: summarise('total', merged),
  };
}
