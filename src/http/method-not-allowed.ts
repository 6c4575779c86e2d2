// 405 for a known path asked with a method it does not take. Fastify's router answers both "no such path" and
// "no such method here" with its not-found handler; this keeps every route's path pattern (from onRoute) so the
// handler can tell them apart and name the methods the path does take in an Allow header (RFC 9110 §15.5.6).
import type { FastifyInstance } from 'fastify';

interface PathPattern { pattern: RegExp; methods: Set<string> }

/** A find-my-way path (`/api/campaigns/:id`, `/static/*`) as an anchored regular expression over a path. */
function patternOf(url: string): RegExp {
  const source = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    // A parameter inside a segment (`/api/audit.:format`) is rare; any text stands for it.
    return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*');
  }).join('/');
  return new RegExp(`^${source}$`);
}

export interface AllowedMethods {
  /** The methods `path` takes, sorted, or an empty list when no route has that path. */
  of(path: string): string[];
}

/** Starts recording routes; call before any route is added. */
export function recordAllowedMethods(app: FastifyInstance): AllowedMethods {
  const byUrl = new Map<string, PathPattern>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    let entry = byUrl.get(route.url);
    if (!entry) {
      entry = { pattern: patternOf(route.url), methods: new Set() };
      byUrl.set(route.url, entry);
    }
    for (const method of methods) entry.methods.add(method.toUpperCase());
  });
  return {
    of(path) {
      const allowed = new Set<string>();
      for (const entry of byUrl.values()) {
        if (entry.pattern.test(path)) for (const method of entry.methods) allowed.add(method);
      }
      return [...allowed].sort();
    },
  };
}
