// The process as it is now: memory, V8's heap spaces (the allocator's view), active resources by kind,
// uptime and versions. Read on demand for the observer's snapshot, not sampled.
import { availableParallelism, loadavg } from 'node:os';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface HeapSpace {
  readonly name: string;
  readonly sizeBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
  readonly physicalBytes: number;
}

export interface SystemSnapshot {
  readonly pid: number;
  readonly uptimeSeconds: number;
  readonly cores: number;
  readonly loadAverage: readonly number[];
  readonly memory: NodeJS.MemoryUsage;
  readonly heapLimitBytes: number;
  readonly heapSpaces: readonly HeapSpace[];
  /** process.getActiveResourcesInfo() counted by kind: sockets, timers, file handles … */
  readonly activeResources: Readonly<Record<string, number>>;
  readonly versions: Readonly<Record<string, string>>;
}

export function systemSnapshot(extraVersions: Readonly<Record<string, string>>): SystemSnapshot {
  const activeResources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) activeResources[kind] = (activeResources[kind] ?? 0) + 1;
  const { node, v8, uv, openssl, modules } = process.versions;
  return {
    pid: process.pid,
    uptimeSeconds: process.uptime(),
    cores: availableParallelism(),
    loadAverage: loadavg(),
    memory: process.memoryUsage(),
    heapLimitBytes: getHeapStatistics().heap_size_limit,
    heapSpaces: getHeapSpaceStatistics().map((space) => ({
      name: space.space_name,
      sizeBytes: space.space_size,
      usedBytes: space.space_used_size,
      availableBytes: space.space_available_size,
      physicalBytes: space.physical_space_size,
    })),
    activeResources,
    versions: { node: node ?? '', v8: v8 ?? '', uv: uv ?? '', openssl: openssl ?? '', modules: modules ?? '', ...extraVersions },
  };
}
