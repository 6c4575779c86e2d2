// The OpenAPI document (generated from the route schemas) and a readable docs page with every error code.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.ts';
import { ErrorCodes } from '../errors.ts';
import { html } from './html.ts';

interface Operation { summary?: string }

export async function docsRoutes(app: FastifyInstance, _context: AppContext): Promise<void> {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    const document = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, summary: operation.summary ?? '' })));
    const errors = Object.entries(ErrorCodes).map(([code, entry]) => ({ code, ...entry }));
    reply.type('text/html; charset=utf-8');
    return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>amanah API</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}</style></head>
<body><h1>amanah API</h1>
<p>JSON under <code>/api</code>; the machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>.
Amounts are decimal strings in the currency's major units (<code>"150000.50"</code>), ids are strings, field names snake_case.
Write endpoints take <code>Authorization: Bearer &lt;token&gt;</code>. <code>POST /api/donations</code> needs an <code>Idempotency-Key</code> header:
the same key and body again returns the first donation with 200; the same key with another body is 409.</p>
<h2>Endpoints</h2><table><tr><th>Method</th><th>Path</th><th>What it does</th></tr>
${operations.map((operation) => html`<tr><td>${operation.method}</td><td><code>${operation.path}</code></td><td>${operation.summary}</td></tr>`)}
</table>
<h2>Errors</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p>
<table><tr><th>code</th><th>HTTP</th><th>meaning</th></tr>
${errors.map((error) => html`<tr id="error-${error.code}"><td><code>${error.code}</code></td><td>${error.status}</td><td>${error.title}</td></tr>`)}
</table></body></html>`.text;
  });
}
