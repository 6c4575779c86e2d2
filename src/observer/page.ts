// The observer page and its static files. The page is plain HTML with no data in it, so it is public; the
// script asks for an admin token and reads everything from the admin-only /api/observer endpoints. uPlot's
// built files are served straight from node_modules: no build step, `npm start` serves it all.
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { html } from '../http/html.ts';
import { AppError } from '../errors.ts';

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
:root{--ink:#111;--muted:#444;--line:#c8c8c8;--bg:#f6f6f4;--card:#fff;--ok:#0a6b2d;--bad:#a40e0e;--focus:#1a4fd6}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,sans-serif;margin:0;color:var(--ink);background:var(--bg)}
header,main{max-width:90rem;margin:0 auto;padding:.75rem 1rem}header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}
h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin:1.25rem 0 .5rem}a{color:#0645ad}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
button,input{font:inherit}button{padding:.35rem .8rem;border:1px solid #333;border-radius:.3rem;background:#fff;color:var(--ink);cursor:pointer}
button:disabled{opacity:.55;cursor:default}input{padding:.3rem .5rem;border:1px solid #666;border-radius:.3rem}
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
th,td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #e3e3e3;vertical-align:top}td.num,th.num{text-align:right;white-space:nowrap}
section.box.wide{grid-column:1/-1}
td.query{font-family:ui-monospace,monospace;font-size:.8rem;white-space:pre-wrap;word-break:break-word;max-width:40rem}
.empty{color:var(--muted);font-style:italic}.error{color:var(--bad);font-weight:600}
.profiling{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end}.profiling label{display:block;font-size:.9rem}
.profiling input{width:6rem}.muted{color:var(--muted)}
`;

const TABLES: ReadonlyArray<{ id: string; title: string; wide?: boolean }> = [
  { id: 'pool', title: 'Database pool' },
  { id: 'pressure', title: 'Load shedding' },
  { id: 'heap-spaces', title: 'V8 heap spaces' },
  { id: 'resources', title: 'Active handles and resources' },
  { id: 'gc', title: 'Garbage collection since start' },
  { id: 'caches', title: 'Caches', wide: true },
  { id: 'queues', title: 'Queues and pipelines', wide: true },
  { id: 'subscribers', title: 'Live subscribers' },
  { id: 'versions', title: 'Versions' },
];

function page(): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>amanah observer</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/observer/assets/uPlot.min.css"><style>${STYLE}</style></head>
<body><header><h1>amanah observer</h1><nav><a href="/">Dashboard</a> · <a href="/metrics">Prometheus metrics</a> · <a href="/docs">API docs</a></nav>
<span id="who" class="muted"></span><button id="sign-out" type="button" hidden>Sign out</button></header>
<main>
<form id="signin" class="signin"><label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required aria-describedby="signin-help signin-error">
<p id="signin-help" class="muted">The observer is for admins: use AMANAH_ADMIN_TOKEN or a token made with <code>amanah token create --role admin</code>. It is kept for this tab only.</p>
<button type="submit">Sign in</button> <span id="signin-error" class="error" role="alert"></span></form>
<div id="observer" hidden>
<div class="status" role="status" aria-live="polite"><span id="pressure-pill" class="pill">OK</span><span id="pressure-text"></span><span id="stream-state" class="muted"></span></div>
<section class="box" aria-labelledby="h-workers"><h2 id="h-workers">Workers (serve --workers N) and their total</h2><div id="table-workers"></div></section>
<h2>System</h2><dl id="tiles" class="tiles"></dl>
<h2>Load, last 15 minutes</h2><div id="charts" class="charts"></div>
<h2>Tables</h2><div class="tables">
${TABLES.map((table) => html`<section class="box${table.wide ? ' wide' : ''}" aria-labelledby="h-${table.id}"><h2 id="h-${table.id}">${table.title}</h2><div id="table-${table.id}"></div></section>`)}
</div>
<section class="box" aria-labelledby="h-statements"><h2 id="h-statements">Heaviest statements (pg_stat_statements)</h2><div id="table-statements"></div></section>
<h2>Database now</h2><div class="tables">
<section class="box wide" aria-labelledby="h-running"><h2 id="h-running">Queries running, longest first (pg_stat_activity; literals blanked)</h2><div id="table-running"></div></section>
<section class="box wide" aria-labelledby="h-locks"><h2 id="h-locks">Lock waits and who blocks them (pg_locks)</h2><div id="table-locks"></div></section>
<section class="box wide" aria-labelledby="h-sizes"><h2 id="h-sizes">Largest tables and indexes</h2><div id="table-sizes"></div></section>
</div>
<section class="box" aria-labelledby="h-profiling"><h2 id="h-profiling">Profiling</h2>
<p class="muted">Both files open in Chrome DevTools (Performance or Memory panel, "Load profile"). A heap snapshot pauses the process while it is written.</p>
<div class="profiling"><div><label for="profile-seconds">Seconds to record</label><input id="profile-seconds" type="number" min="1" value="10" inputmode="numeric"></div>
<button id="record-profile" type="button">Record CPU profile</button><button id="heap-snapshot" type="button">Take heap snapshot</button>
<span id="profile-status" role="status" aria-live="polite"></span></div></section>
</div></main>
<script src="/observer/assets/uPlot.iife.min.js"></script><script src="/observer/assets/observer.js"></script></body></html>`.text;
}

export async function observerPageRoutes(app: FastifyInstance): Promise<void> {
  const assets = loadAssets();
  const body = page();
  const routeConfig = { loadSheddingExempt: true };
  app.get('/observer', { config: routeConfig, schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return body;
  });
  app.get<{ Params: { name: string } }>('/observer/assets/:name', { config: routeConfig, schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) throw new AppError('not_found', `no observer asset named "${request.params.name}"`);
    reply.type(asset.type).header('cache-control', 'public, max-age=300');
    return asset.body;
  });
}
