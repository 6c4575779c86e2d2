// The OpenAPI document (generated from the route schemas), the API reference at /docs (Scalar, its script served
// from this server: the page loads nothing from any other origin, no fonts, no proxy, no telemetry), and a plain
// page at /docs/errors with every error code, where each problem's `type` points, in the viewer's language.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import scalarReference from '@scalar/fastify-api-reference';
import type { AppContext } from './context.ts';
import { ErrorCodes, errorTitle, type ErrorCode } from '../errors.ts';
import type { Locale } from '../console/i18n.ts';
import { html, type SafeHtml } from './html.ts';
import { pageLocale } from './page-locale.ts';

interface Operation { summary?: string }
interface ListedOperation { method: string; path: string; summary: string }

/** Light and dark from prefers-color-scheme, as on the other pages; contrast at least 4.5:1 in both. */
const ERRORS_PAGE_STYLES = `:root{color-scheme:light dark;--ink:#111;--bg:#fff;--code:#f0f0f0;--line:#ccc;--link:#0b57d0}
@media (prefers-color-scheme:dark){:root{--ink:#e8e8e8;--bg:#121212;--code:#2a2a2a;--line:#444;--link:#8ab4f8}}
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:var(--ink);background:var(--bg)}
a{color:var(--link)}:focus-visible{outline:3px solid var(--link);outline-offset:2px}header{display:flex;justify-content:flex-end}
code{background:var(--code);padding:0 .2em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid var(--line);padding:.3rem;text-align:left;vertical-align:top}`;

/** The page's own words; the endpoints' summaries come from the route schemas and stay English (lang="en"). */
const ERRORS_PAGE_TEXT = {
  en: {
    title: 'amanah API: errors', languageLabel: 'Language', languageSwitch: 'Bahasa Indonesia',
    endpoints: 'Endpoints', method: 'Method', path: 'Path', does: 'What it does', errors: 'Errors',
    code: 'code', meaning: 'meaning',
  },
  id: {
    title: 'API amanah: kode kesalahan', languageLabel: 'Bahasa', languageSwitch: 'English',
    endpoints: 'Endpoint', method: 'Metode', path: 'Path', does: 'Kegunaan', errors: 'Kesalahan',
    code: 'kode', meaning: 'arti', englishTitle: 'title di problem+json (bahasa Inggris)',
  },
} as const satisfies Record<Locale, Record<string, string>>;

function errorsIntro(locale: Locale): SafeHtml {
  if (locale === 'en') {
    return html`<p>The interactive reference is at <a href="/docs/">/docs</a>. JSON under <code>/api</code>; the machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>.
Amounts are decimal strings in the currency's major units (<code>"150000.50"</code>), ids are strings, field names snake_case.
Write endpoints take <code>Authorization: Bearer &lt;token&gt;</code>. <code>POST /api/donations</code> needs an <code>Idempotency-Key</code> header:
the same key and body again returns the first donation with 200; the same key with another body is 409.</p>`;
  }
  return html`<p>Referensi interaktif ada di <a href="/docs/">/docs</a>. JSON di bawah <code>/api</code>; dokumen yang dapat dibaca mesin ada di <a href="/api/openapi.json">/api/openapi.json</a>.
Jumlah uang berupa string desimal dalam satuan utama mata uangnya (<code>"150000.50"</code>), id berupa string, nama field memakai snake_case.
Endpoint yang menulis memerlukan <code>Authorization: Bearer &lt;token&gt;</code>. <code>POST /api/donations</code> memerlukan header <code>Idempotency-Key</code>:
permintaan ulang dengan kunci dan isi yang sama mengembalikan donasi pertama dengan 200; kunci yang sama dengan isi berbeda dijawab 409.</p>`;
}

/**
 * One row per code, its anchor `error-<code>` the target of every problem's `type`. In Indonesian the English
 * title sits beside the Indonesian one: it is the `title` a client receives in the problem document.
 */
function errorRows(locale: Locale): SafeHtml[] {
  return (Object.keys(ErrorCodes) as ErrorCode[]).map((code) => html`<tr id="error-${code}"><td><code>${code}</code></td><td>${ErrorCodes[code].status}</td>
<td>${errorTitle(code, locale)}</td>${locale === 'id' ? html`<td lang="en">${ErrorCodes[code].title}</td>` : ''}</tr>`);
}

/** The plain page at /docs/errors: the endpoints and every error code, in the viewer's language. */
function errorsPage(locale: Locale, operations: readonly ListedOperation[]): string {
  const t = ERRORS_PAGE_TEXT[locale];
  const other: Locale = locale === 'id' ? 'en' : 'id';
  const summaryLang = locale === 'en' ? '' : html` lang="en"`;
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${t.title}</title><link rel="icon" href="data:,"><style>${ERRORS_PAGE_STYLES}</style></head>
<body><header><nav aria-label="${t.languageLabel}"><a href="/docs/errors?lang=${other}" lang="${other}" hreflang="${other}">${t.languageSwitch}</a></nav></header>
<main><h1>${t.title}</h1>${errorsIntro(locale)}
<h2>${t.endpoints}</h2><table><tr><th>${t.method}</th><th>${t.path}</th><th>${t.does}</th></tr>
${operations.map((operation) => html`<tr><td>${operation.method}</td><td><code>${operation.path}</code></td><td${summaryLang}>${operation.summary}</td></tr>`)}
</table>
<h2>${t.errors}</h2><p>${locale === 'id' ? html`Setiap kesalahan berupa <code>application/problem+json</code> (RFC 9457) dengan <code>code</code> yang tetap.`
    : html`Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.`}</p>
<table><tr><th>${t.code}</th><th>HTTP</th><th>${t.meaning}</th>${locale === 'id' ? html`<th>${ERRORS_PAGE_TEXT.id.englishTitle}</th>` : ''}</tr>
${errorRows(locale)}
</table></main></body></html>`.text;
}

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

  app.get('/docs/errors', { schema: { hide: true } }, async (request, reply) => {
    const locale = pageLocale(request, reply);
    const document = app.swagger() as { paths?: Record<string, Record<string, Operation>> };
    const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, summary: operation.summary ?? '' })));
    reply.type('text/html; charset=utf-8').header('x-content-type-options', 'nosniff');
    return errorsPage(locale, operations);
  });
}
