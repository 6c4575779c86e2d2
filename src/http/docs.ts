// The OpenAPI document (generated from the route schemas), the API reference at /docs (Scalar, its script served
// from this server: the page loads nothing from any other origin, no fonts, no proxy, no telemetry), and a plain
// page at /docs/errors with every error code, where each problem's `type` points.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import scalarReference from '@scalar/fastify-api-reference';
import type { AppContext } from './context.ts';
import { ErrorCodes } from '../errors.ts';
import { html } from './html.ts';

interface Operation { summary?: string }

/** Every inline script of a page, as CSP source hashes ('sha256-…'). */
function scriptHashes(page: string): string[] {
  return [...page.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)]
    .map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
}

/**
 * The reference page's policy: scripts from this origin plus the page's own inline start-up script by its hash
 * (computed from the page as sent, so nothing else inline can run); requests ("try it") to this origin only.
 * Scalar's components set inline styles at run time, so styles take 'unsafe-inline': a style cannot run code.
 */
function referencePolicy(page: string): string {
  return `default-src 'none'; script-src 'self' ${scriptHashes(page).join(' ')}; style-src 'self' 'unsafe-inline'; `
    + "connect-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; "
    + "form-action 'self'; frame-ancestors 'none'";
}

export async function docsRoutes(app: FastifyInstance, _context: AppContext): Promise<void> {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/docs') || request.url.startsWith('/docs/errors')) return payload;
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    if (typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html')) {
      reply.header('content-security-policy', referencePolicy(payload));
    }
    return payload;
  });
  // /docs answers 301 to /docs/ (the page), /docs/js/scalar.js is the bundled script.
  await app.register(scalarReference, {
    routePrefix: '/docs',
    logLevel: 'warn',
    configuration: {
      url: '/api/openapi.json',
      pageTitle: 'amanah API',
      // Offline and private: the system's fonts, no request proxy (try-it calls this server directly), no
      // hosted client or agent.
      withDefaultFonts: false,
      hideClientButton: true,
      agent: { disabled: true },
      telemetry: false,
      defaultOpenAllTags: false,
      persistAuth: false,
    } as Record<string, unknown>,
  });

  app.get('/docs/errors', { schema: { hide: true } }, async (_request, reply) => {
    const document = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, summary: operation.summary ?? '' })));
    const errors = Object.entries(ErrorCodes).map(([code, entry]) => ({ code, ...entry }));
    reply.type('text/html; charset=utf-8');
    return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>amanah API</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}</style></head>
<body><main><h1>amanah API: errors</h1>
<p>The interactive reference is at <a href="/docs/">/docs</a>. JSON under <code>/api</code>; the machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>.
Amounts are decimal strings in the currency's major units (<code>"150000.50"</code>), ids are strings, field names snake_case.
Write endpoints take <code>Authorization: Bearer &lt;token&gt;</code>. <code>POST /api/donations</code> needs an <code>Idempotency-Key</code> header:
the same key and body again returns the first donation with 200; the same key with another body is 409.</p>
<h2>Endpoints</h2><table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>
${operations.map((operation) => html`<tr><td>${operation.method}</td><td><code>${operation.path}</code></td><td>${operation.summary}</td></tr>`)}
</table>
<h2>Errors</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p>
<table><tr><th>code</th><th>HTTP</th><th>meaning</th></tr>
${errors.map((error) => html`<tr id="error-${error.code}"><td><code>${error.code}</code></td><td>${error.status}</td><td>${error.title}</td></tr>`)}
</table></main></body></html>`.text;
  });
}
