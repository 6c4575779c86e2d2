// The response cache for public GETs: the serialised bytes of a 200, keyed by the request URL (path and query),
// with a strong ETag, `If-None-Match` → 304, `Cache-Control`, `x-cache: HIT|MISS`, and br or gzip for bodies of
// COMPRESSION_THRESHOLD_BYTES or more, negotiated per request and compressed once, when the entry is made.
//
// Two doors lead to an entry. Inside Fastify, route hooks serve hits (so app.inject sees the cache) and store
// misses. In front of Fastify, the HTTP server's request listener answers a hit before Fastify sees the request
// (`fastPathServerFactory`): a hit is then a Map look-up and one writeHead/end, which is what keeps a cached read
// near a bare node:http server. Measured on this 2-core machine with wrk (1 thread, 100 connections, 5 s, the
// same 600-byte body and headers): bare node:http 62.5k req/s; Fastify answering from an onRequest hook 50–53k
// (0.80–0.84 of bare); the listener in front of Fastify 62.4k (1.00). The price: a hit skips Fastify's hooks, so
// it is counted in the cache's hits, not in the request-duration histogram or the request log.
//
// Entries carry tags (`campaign:<id>`, `list`); a committed change drops the entries tagged with what it changed.
// A miss remembers the invalidation generation it started in and stores its response only if no invalidation
// happened meanwhile, so a response built from data read before a commit is never kept after it.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { FastifyServerFactory } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ChangeEvent } from '../events/changes.ts';
import { CacheCounters, type CacheStats } from './stats.ts';
import { REQUEST_ID_HEADER, requestIdOf } from '../http/request-id.ts';

/** Below this a body goes uncompressed: headers and framing would eat most of the saving (1 KiB). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;
/**
 * Brotli quality 5 and gzip level 6, measured on a 1,000-campaign list (423 kB of JSON): br q5 2.0 ms → 7.3 kB,
 * q4 3.4 ms, q6 3.0 ms, q11 1,281 ms → 7.0 kB; gzip 6 1.4 ms → 15.1 kB, gzip 9 5.7 ms → 14.6 kB. Both run on the
 * libuv thread pool, in parallel, once per entry.
 */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;
const RESPONSE_ENTRIES_MAX = 10_000;
/** Key, header strings and object overhead of an entry beyond its bodies. */
const ENTRY_OVERHEAD_BYTES = 1_024;
/** Distinct Accept-Encoding headers whose parse is remembered (browsers send a handful of spellings). */
const ACCEPT_ENCODING_MEMO_MAX = 256;
/** Clients revalidate every time (the totals move live); a revalidation is a 304 from this cache. */
export const CACHE_CONTROL = 'public, no-cache';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Encoding = 'br' | 'gzip' | 'identity';

interface Variant {
  readonly body: Buffer;
  readonly etag: string;
  /** Headers of a 200 from this cache, for Fastify's reply (content-length is Fastify's). */
  readonly headers: Readonly<Record<string, string>>;
  /** The same as a flat [name, value, …] list with content-length and `x-cache: HIT`, for writeHead. */
  readonly rawHit: readonly string[];
  readonly rawNotModified: readonly string[];
}

export interface ResponseEntry {
  readonly url: string;
  readonly contentType: string;
  readonly tags: readonly string[];
  /** The base64url SHA-1 of the identity body: every variant's ETag contains it. */
  readonly hash: string;
  readonly identity: Variant;
  readonly br: Variant | undefined;
  readonly gzip: Variant | undefined;
  readonly bytes: number;
}

function variant(entryHash: string, encoding: Encoding, body: Buffer, contentType: string, compressed: boolean): Variant {
  const etag = encoding === 'identity' ? `"${entryHash}"` : `"${entryHash}-${encoding === 'br' ? 'br' : 'gz'}"`;
  const headers: Record<string, string> = { 'content-type': contentType, etag, 'cache-control': CACHE_CONTROL };
  if (compressed) headers.vary = 'accept-encoding';
  if (encoding !== 'identity') headers['content-encoding'] = encoding;
  const validators = ['etag', etag, 'cache-control', CACHE_CONTROL, ...(compressed ? ['vary', 'accept-encoding'] : []), 'x-cache', 'HIT'];
  const rawHit = ['content-type', contentType, 'content-length', String(body.length), ...validators,
    ...(encoding === 'identity' ? [] : ['content-encoding', encoding])];
  return { body, etag, headers, rawHit, rawNotModified: validators };
}

/** Builds an entry: hashes the body and, at or above the threshold, compresses it both ways at once. */
export async function buildEntry(url: string, contentType: string, body: Buffer, tags: readonly string[]): Promise<ResponseEntry> {
  const hash = createHash('sha1').update(body).digest('base64url');
  const compressed = body.length >= COMPRESSION_THRESHOLD_BYTES;
  let br: Variant | undefined;
  let gz: Variant | undefined;
  if (compressed) {
    const [brBody, gzBody] = await Promise.all([
      brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      gzipAsync(body, { level: GZIP_LEVEL }),
    ]);
    br = variant(hash, 'br', brBody, contentType, true);
    gz = variant(hash, 'gzip', gzBody, contentType, true);
  }
  const identity = variant(hash, 'identity', body, contentType, compressed);
  const bytes = ENTRY_OVERHEAD_BYTES + url.length * 2 + body.length + (br?.body.length ?? 0) + (gz?.body.length ?? 0);
  return { url, contentType, tags, hash, identity, br, gzip: gz, bytes };
}

const acceptMemo = new Map<string, Encoding>();

/** The encoding to send for an Accept-Encoding header: br over gzip at equal q, identity when neither is wanted. */
export function negotiateEncoding(header: string | undefined): Encoding {
  if (header === undefined || header === '') return 'identity';
  const memo = acceptMemo.get(header);
  if (memo !== undefined) return memo;
  let br = -1;
  let gz = -1;
  let star = -1;
  for (const part of header.split(',')) {
    const [name = '', ...parameters] = part.trim().toLowerCase().split(';');
    const qParameter = parameters.map((parameter) => parameter.trim()).find((parameter) => parameter.startsWith('q='));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    const weight = Number.isFinite(q) ? q : 0;
    if (name === 'br') br = weight;
    else if (name === 'gzip' || name === 'x-gzip') gz = weight;
    else if (name === '*') star = weight;
  }
  if (br < 0) br = star;
  if (gz < 0) gz = star;
  const chosen: Encoding = br > 0 && br >= gz ? 'br' : gz > 0 ? 'gzip' : 'identity';
  if (acceptMemo.size >= ACCEPT_ENCODING_MEMO_MAX) acceptMemo.clear();
  acceptMemo.set(header, chosen);
  return chosen;
}

export function chooseVariant(entry: ResponseEntry, acceptEncoding: string | undefined): Variant {
  if (entry.br === undefined) return entry.identity;
  const encoding = negotiateEncoding(acceptEncoding);
  return (encoding === 'br' ? entry.br : encoding === 'gzip' ? entry.gzip : undefined) ?? entry.identity;
}

/** If-None-Match uses weak comparison: any listed tag naming this entry's body (any encoding) matches. */
export function notModified(entry: ResponseEntry, ifNoneMatch: string | undefined): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.trim() === '*' || ifNoneMatch.includes(entry.hash);
}

export interface ResponseCacheOptions {
  readonly ttlMs: number;
  readonly bytesMax: number;
}

export class ResponseCache {
  readonly #entries: LRUCache<string, ResponseEntry>;
  /** tag → URLs of the entries carrying it; kept in step by set and dispose. */
  readonly #tagged = new Map<string, Set<string>>();
  readonly counters = new CacheCounters();
  #generation = 0;

  constructor(options: ResponseCacheOptions) {
    this.#entries = new LRUCache<string, ResponseEntry>({
      max: RESPONSE_ENTRIES_MAX,
      maxSize: options.bytesMax,
      ttl: options.ttlMs,
      sizeCalculation: (entry) => entry.bytes,
      dispose: (entry, url, reason) => {
        if (reason === 'evict') this.counters.evictions += 1;
        for (const tag of entry.tags) {
          const urls = this.#tagged.get(tag);
          urls?.delete(url);
          if (urls?.size === 0) this.#tagged.delete(tag);
        }
      },
    });
  }

  /** Moves on every invalidation; a miss stores its response only if it has not moved since the miss began. */
  get generation(): number {
    return this.#generation;
  }

  lookup(url: string): ResponseEntry | undefined {
    return this.#entries.get(url);
  }

  /** Keeps the entry unless an invalidation happened since `generation` was read. */
  store(entry: ResponseEntry, generation: number): boolean {
    if (generation !== this.#generation) return false;
    this.#entries.set(entry.url, entry);
    if (!this.#entries.has(entry.url)) return false; // larger than the whole cache
    for (const tag of entry.tags) {
      const urls = this.#tagged.get(tag) ?? new Set<string>();
      urls.add(entry.url);
      this.#tagged.set(tag, urls);
    }
    return true;
  }

  /** The fast path: answers a cached GET on the raw request and returns true, or returns false untouched. */
  serveRaw(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'GET' || request.url === undefined) return false;
    const entry = this.#entries.get(request.url);
    if (entry === undefined) return false;
    // Entries hold public answers; a caller with credentials is answered for its principal (staff see more).
    if (rawHeader(request, 'authorization') !== undefined) return false;
    this.counters.hits += 1;
    const chosen = entry.br === undefined ? entry.identity : chooseVariant(entry, rawHeader(request, 'accept-encoding'));
    // Every answer carries its request id, a hit too (src/http/request-id.ts); the header list is copied for it.
    const requestId = requestIdOf(rawHeader(request, REQUEST_ID_HEADER));
    if (notModified(entry, rawHeader(request, 'if-none-match'))) {
      response.writeHead(304, [...chosen.rawNotModified, REQUEST_ID_HEADER, requestId]);
      response.end();
    } else {
      response.writeHead(200, [...chosen.rawHit, REQUEST_ID_HEADER, requestId]);
      response.end(chosen.body);
    }
    return true;
  }

  /** Drops the entries showing a changed campaign, and every list (any campaign's totals appear in lists). */
  invalidate(event: ChangeEvent): void {
    if (event.campaignIds === 'all') {
      this.#generation += 1;
      this.counters.invalidations += this.#entries.size;
      this.#entries.clear();
      return;
    }
    if (event.campaignIds.length === 0) return;
    this.#generation += 1;
    for (const tag of [...event.campaignIds.map((id) => `campaign:${id}`), 'list']) {
      for (const url of [...(this.#tagged.get(tag) ?? [])]) {
        if (this.#entries.delete(url)) this.counters.invalidations += 1;
      }
    }
  }

  stats(): CacheStats {
    return this.counters.snapshot('responses', this.#entries);
  }
}

/**
 * A request header read straight from rawHeaders (the first of its name). Node builds `request.headers` on first
 * use, lower-casing every name; a hit that needs one or two headers skips that work.
 */
function rawHeader(request: IncomingMessage, name: string): string | undefined {
  const raw = request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const key = raw[index]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[index + 1];
  }
  return undefined;
}

function numberOption(options: Record<string, unknown>, name: string): number | undefined {
  const value = options[name];
  return typeof value === 'number' ? value : undefined;
}

/**
 * A Fastify serverFactory whose request listener answers cache hits itself and hands everything else to
 * Fastify. It sets the timeouts Fastify would set on a server of its own making.
 */
export function fastPathServerFactory(cache: ResponseCache): FastifyServerFactory {
  return (handler, options) => {
    const server = createServer((request, response) => {
      if (!cache.serveRaw(request, response)) handler(request, response);
    });
    const keepAliveTimeout = numberOption(options, 'keepAliveTimeout');
    const requestTimeout = numberOption(options, 'requestTimeout');
    const connectionTimeout = numberOption(options, 'connectionTimeout');
    const maxRequestsPerSocket = numberOption(options, 'maxRequestsPerSocket');
    if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
    if (requestTimeout !== undefined) server.requestTimeout = requestTimeout;
    if (connectionTimeout !== undefined) server.setTimeout(connectionTimeout);
    if (maxRequestsPerSocket !== undefined && maxRequestsPerSocket > 0) server.maxRequestsPerSocket = maxRequestsPerSocket;
    return server;
  };
}
