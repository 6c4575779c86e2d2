// The observer page and its static files. The page is plain HTML with no data in it, so it is public; the
// script asks for an admin token and reads everything from the admin-only /api/observer endpoints. uPlot's
// built files are served straight from node_modules: no build step, `npm start` serves it all. In Indonesian or
// English (?lang=, the cookie, then Accept-Language, as the console does), dark when the system is.
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { html, SafeHtml } from '../http/html.ts';
import { AppError } from '../errors.ts';
import { INTL_LOCALE, LOCALE_COOKIE, LOCALES, localeCookie, negotiateLocale, type Locale } from '../console/i18n.ts';
import { observerCatalogue, observerText, type ObserverKey } from './i18n.ts';

const require = createRequire(import.meta.url);

interface Asset { readonly body: Buffer; readonly type: string }

/** Read once at start: three files, about 70 KB together. */
function loadAssets(): ReadonlyMap<string, Asset> {
  return new Map([
    ['uPlot.iife.min.js', { body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')), type: 'text/javascript; charset=utf-8' }],
    ['uPlot.min.css', { body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')), type: 'text/css; charset=utf-8' }],
    ['observer.js', { body: readFileSync(join(import.meta.dirname, 'client.js')), type: 'text/javascript; charset=utf-8' }],
  ]);
}

const STYLE = `
:root{color-scheme:light dark;--ink:#111;--muted:#444;--line:#c8c8c8;--bg:#f6f6f4;--card:#fff;--ok:#0a6b2d;--bad:#a40e0e;--focus:#1a4fd6;
--link:#0645ad;--field:#fff;--field-line:#666;--button-line:#333;--rule:#e3e3e3}
@media (prefers-color-scheme:dark){:root{--ink:#e6e6e6;--muted:#b8b8b8;--line:#444;--bg:#121212;--card:#1e1e1e;--ok:#0a6b2d;--bad:#b3261e;
--focus:#8ab4f8;--link:#8ab4f8;--field:#161616;--field-line:#8a8a8a;--button-line:#8a8a8a;--rule:#333}}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,sans-serif;margin:0;color:var(--ink);background:var(--bg)}
header,main{max-width:90rem;margin:0 auto;padding:.75rem 1rem}header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}
h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
button,input{font:inherit}button{padding:.35rem .8rem;border:1px solid var(--button-line);border-radius:.3rem;background:var(--field);color:var(--ink);cursor:pointer}
button:disabled{opacity:.55;cursor:default}input{padding:.3rem .5rem;border:1px solid var(--field-line);border-radius:.3rem;background:var(--field);color:var(--ink)}
.signin{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;max-width:34rem}
.signin label{display:block;font-weight:600;margin-bottom:.25rem}.signin input{width:100%;margin-bottom:.5rem}
.status{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.5rem 1rem}
.pill{font-weight:700;padding:.1rem .6rem;border-radius:1rem;color:#fff;background:var(--ok)}.pill.bad{background:var(--bad)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem}
.tile{background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.4rem .6rem}
.tile dt{font-size:.8rem;color:var(--muted)}.tile dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(26rem,1fr));gap:.75rem}
@media (max-width:30rem){.charts{grid-template-columns:1fr}}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.4rem;min-width:0}
figcaption{font-weight:600;font-size:.9rem;margin-bottom:.2rem}.chart{width:100%;min-height:200px}
.tables{display:grid;grid-template-columns:repeat(auto-fill,minmax(26rem,1fr));gap:.75rem}
@media (max-width:30rem){.tables{grid-template-columns:1fr}}
section.box{background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.4rem .75rem;overflow-x:auto}
section.box h2{margin-top:.25rem}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:start;padding:.2rem .4rem;border-bottom:1px solid var(--rule);vertical-align:top}td.num,th.num{text-align:end;white-space:nowrap}
section.box.wide{grid-column:1/-1}
td.query{font-family:ui-monospace,monospace;font-size:.8rem;white-space:pre-wrap;word-break:break-word;max-width:40rem}
.empty{color:var(--muted);font-style:italic}.error{color:var(--bad);font-weight:600}
.profiling{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end}.profiling label{display:block;font-size:.9rem}
.profiling input{width:6rem}.muted{color:var(--muted)}
`;

const TABLES: ReadonlyArray<{ id: string; title: ObserverKey; wide?: boolean }> = [
  { id: 'pool', title: 'h.pool' },
  { id: 'pressure', title: 'h.pressure' },
  { id: 'heap-spaces', title: 'h.heapSpaces' },
  { id: 'resources', title: 'h.resources' },
  { id: 'gc', title: 'h.gc' },
  { id: 'caches', title: 'h.caches', wide: true },
  { id: 'queues', title: 'h.queues', wide: true },
  { id: 'subscribers', title: 'h.subscribers' },
  { id: 'versions', title: 'h.versions' },
];

/** The catalogue for client.js, as a JSON data block (not run as script). */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

function page(locale: Locale): string {
  const t = (key: ObserverKey) => observerText(locale, key);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${t('page.title')}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/observer/assets/uPlot.min.css"><style>${STYLE}</style></head>
<body data-locale="${INTL_LOCALE[locale]}"><header><h1>${t('page.title')}</h1><nav aria-label="${t('nav.label')}"><a href="/">${t('nav.dashboard')}</a> · <a href="/metrics">${t('nav.metrics')}</a> · <a href="/docs">${t('nav.docs')}</a>
· <a class="lang" href="?lang=${other}" lang="${other}" hreflang="${other}">${t('page.switch')}</a></nav>
<span id="who" class="muted"></span><button id="sign-out" type="button" hidden>${t('signin.out')}</button></header>
<main>
<form id="signin" class="signin"><label for="token">${t('signin.token')}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="signin-help signin-error">
<p id="signin-help" class="muted">${t('signin.helpBefore')} <code>amanah token create --role admin</code>${t('signin.helpAfter')}</p>
<button type="submit">${t('signin.submit')}</button> <span id="signin-error" class="error" role="alert"></span></form>
<div id="observer" hidden>
<div class="status" role="status" aria-live="polite"><span id="pressure-pill" class="pill">${t('pressure.ok')}</span><span id="pressure-text"></span><span id="stream-state" class="muted"></span></div>
<section class="box" tabindex="0" aria-labelledby="h-workers"><h2 id="h-workers">${t('h.workers')}</h2><div id="table-workers"></div></section>
<h2>${t('h.system')}</h2><dl id="tiles" class="tiles"></dl>
<h2>${t('h.load')}</h2><div id="charts" class="charts"></div>
<h2>${t('h.tables')}</h2><div class="tables">
${TABLES.map((table) => html`<section class="box${table.wide ? ' wide' : ''}" tabindex="0" aria-labelledby="h-${table.id}"><h2 id="h-${table.id}">${t(table.title)}</h2><div id="table-${table.id}"></div></section>`)}
</div>
<section class="box" tabindex="0" aria-labelledby="h-statements"><h2 id="h-statements">${t('h.statements')}</h2><div id="table-statements"></div></section>
<h2>${t('h.database')}</h2><div class="tables">
<section class="box wide" tabindex="0" aria-labelledby="h-running"><h2 id="h-running">${t('h.running')}</h2><div id="table-running"></div></section>
<section class="box wide" tabindex="0" aria-labelledby="h-locks"><h2 id="h-locks">${t('h.locks')}</h2><div id="table-locks"></div></section>
<section class="box wide" tabindex="0" aria-labelledby="h-sizes"><h2 id="h-sizes">${t('h.sizes')}</h2><div id="table-sizes"></div></section>
</div>
<section class="box" aria-labelledby="h-profiling"><h2 id="h-profiling">${t('h.profiling')}</h2>
<p class="muted">${t('profiling.help')}</p>
<div class="profiling"><div><label for="profile-seconds">${t('profiling.seconds')}</label><input id="profile-seconds" type="number" min="1" value="10" inputmode="numeric"></div>
<button id="record-profile" type="button">${t('profiling.cpu')}</button><button id="heap-snapshot" type="button">${t('profiling.heap')}</button>
<span id="profile-status" role="status" aria-live="polite"></span></div></section>
</div></main>
<script type="application/json" id="messages">${jsonBlock(observerCatalogue(locale))}</script>
<script src="/observer/assets/uPlot.iife.min.js"></script><script src="/observer/assets/observer.js"></script></body></html>`.text;
}

const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

export async function observerPageRoutes(app: FastifyInstance): Promise<void> {
  const assets = loadAssets();
  // Two pages, one per language, rendered once: the page holds no data.
  const bodies = new Map(LOCALES.map((locale) => [locale, page(locale)]));
  const routeConfig = { loadSheddingExempt: true };
  const pageQuery = { type: 'object', additionalProperties: true, properties: { lang: { type: 'string', maxLength: 8 } } } as const;
  app.get<{ Querystring: { lang?: string } }>('/observer', { config: routeConfig, schema: { hide: true, querystring: pageQuery } }, async (request, reply) => {
    // A ?lang= switch is remembered in a cookie for the next pages, the console's rule.
    const query = request.query.lang;
    const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
    if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
    reply.type('text/html; charset=utf-8').header('vary', 'accept-language, cookie');
    return bodies.get(locale);
  });
  app.get<{ Params: { name: string } }>('/observer/assets/:name', { config: routeConfig, schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) throw new AppError('not_found', `no observer asset named "${request.params.name}"`);
    reply.type(asset.type).header('cache-control', 'public, max-age=300');
    return asset.body;
  });
}
