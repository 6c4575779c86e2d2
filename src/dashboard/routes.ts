// The page at `/`: campaigns grouped by fund with progress toward their goals, amounts formatted for each
// campaign's currency, and for signed-in staff the queue of pending donations and running imports.
//
// The server renders the whole page (it reads fine without JavaScript); a small client script, served as a
// static file with no build step, then keeps it live from /api/live. Campaign text is escaped here by `html`,
// and every text the client writes goes through textContent, never innerHTML.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { FUNDS } from '../campaigns/queries.ts';
import { html, type SafeHtml } from '../http/html.ts';
import { dashboardCampaigns } from '../live/queries.ts';
import { campaignView, type CampaignView } from '../live/view.ts';
import { LIVE_CAMPAIGNS_MAX } from '../live/hub.ts';

/**
 * Scripts and styles come only from this origin and nothing may frame the page: if untrusted text ever did get
 * into the markup, it could neither run inline script nor send the staff token elsewhere.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile { body: Buffer; type: string; etag: string }

function staticFile(name: string, type: string): StaticFile {
  const body = readFileSync(new URL(`./${name}`, import.meta.url));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Revalidated on every load (a 304 costs one round trip), so a new release's script is never mixed with an old page. */
function sendStatic(file: StaticFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('cache-control', 'no-cache').header('etag', file.etag).header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

const FUND_TITLES: Readonly<Record<string, string>> = {
  zakat: 'Zakat', infaq: 'Infaq', sadaqah: 'Sadaqah', waqf: 'Waqf', general: 'General',
};

/** A campaign card; the client script builds the same structure for campaigns that appear later. */
export function campaignCard(campaign: CampaignView): SafeHtml {
  const headingId = `campaign-${campaign.id}-name`;
  const percent = campaign.percent ?? 0;
  return html`<article class="card" data-campaign="${campaign.id}" data-status="${campaign.status}" aria-labelledby="${headingId}">
<h4 id="${headingId}" data-field="name">${campaign.name}</h4>
<p class="status" data-field="status">${campaign.status === 'active' ? '' : campaign.status}</p>
<p class="raised"><strong data-field="raised">${campaign.raised_display}</strong>
<span data-field="goal">${campaign.goal_display === null ? 'raised' : `raised of ${campaign.goal_display}`}</span></p>
<progress data-field="bar" max="100" value="${Math.min(100, percent)}" aria-labelledby="${headingId}"${campaign.percent === null ? html` hidden` : ''}>${percent}%</progress>
<p class="meta"><span data-field="percent">${campaign.percent === null ? '' : `${campaign.percent}% of goal · `}</span><span data-field="donations">${plural(campaign.donations, 'donation')}</span> · <span data-field="donors">${plural(campaign.donors, 'donor')}</span></p>
<p class="links"><a href="/campaigns/${campaign.id}/analytics">Analytics<span class="visually-hidden"> for ${campaign.name}</span></a></p>
</article>`;
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en')} ${noun}${count === 1 ? '' : 's'}`;
}

function fundSections(campaigns: readonly CampaignView[]): SafeHtml[] {
  return FUNDS.map((fund) => {
    const members = campaigns.filter((campaign) => campaign.fund === fund);
    return html`<section class="fund" data-fund="${fund}" aria-labelledby="fund-${fund}"${members.length === 0 ? html` hidden` : ''}>
<h3 id="fund-${fund}">${FUND_TITLES[fund] ?? fund}</h3><div class="grid">${members.map(campaignCard)}</div></section>`;
  });
}

function staffSection(): SafeHtml {
  return html`<section id="staff" class="staff" aria-labelledby="queue-heading" hidden>
<div id="imports" class="imports" hidden><h2 id="imports-heading">Imports</h2><ul id="import-list" class="import-list" aria-labelledby="imports-heading"></ul></div>
<h2 id="queue-heading">Pending donations <span id="queue-count" class="count"></span></h2>
<p id="queue-empty" class="empty">No donations are waiting for approval.</p>
<p id="queue-more" class="note" hidden>Showing the newest pending donations; more are waiting behind them.</p>
<ul id="queue" class="queue"></ul>
<datalist id="reject-reasons"><option value="Payment not received"><option value="Duplicate donation"><option value="Suspected fraud"><option value="Donor asked to cancel"></datalist>
</section>`;
}

function page(campaigns: readonly CampaignView[]): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light">
<title>amanah: campaign totals</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard.css"><script src="/dashboard.js" defer></script></head>
<body><a class="skip" href="#campaigns-heading">Skip to campaigns</a>
<header class="top"><div class="brand"><h1>amanah</h1><p id="live-status" class="live" role="status" data-state="offline">Live updates start when the page has loaded</p></div>
<form id="sign-in" class="sign-in" autocomplete="off"><label for="token">Staff token</label>
<input id="token" name="token" type="password" required autocomplete="off" spellcheck="false" aria-describedby="sign-in-error">
<button type="submit">Sign in</button><p id="sign-in-error" class="error" role="alert"></p></form>
<div id="signed-in" class="signed-in" hidden><span id="signed-in-as">Signed in as staff</span> <button id="sign-out" type="button">Sign out</button></div></header>
<main>${staffSection()}
<section aria-labelledby="campaigns-heading"><h2 id="campaigns-heading" tabindex="-1">Campaigns</h2>
<p id="no-campaigns" class="empty"${campaigns.length === 0 ? '' : html` hidden`}>No campaigns yet. Create one through the API, or start a new database with demo data.</p>
<div id="funds">${fundSections(campaigns)}</div></section>
<p id="announcer" class="visually-hidden" aria-live="polite"></p></main>
<footer><a href="/docs">API docs</a> · <a href="/api/openapi.json">OpenAPI</a> · <a href="/zakat">Zakat calculator</a></footer>
</body></html>`.text;
}

export async function dashboardRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const script = staticFile('client.js', 'text/javascript; charset=utf-8');
  const styles = staticFile('dashboard.css', 'text/css; charset=utf-8');

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const rows = await dashboardCampaigns(context.database, { includeDrafts: false, limit: LIVE_CAMPAIGNS_MAX });
    reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    return page(rows.map(campaignView));
  });
  app.get('/dashboard.js', { schema: { hide: true } }, async (request, reply) => sendStatic(script, request, reply));
  app.get('/dashboard.css', { schema: { hide: true } }, async (request, reply) => sendStatic(styles, request, reply));
}
