// The page at `/`: campaigns grouped by fund with progress toward their goals, amounts formatted for each
// campaign's currency. Server-rendered, no build step; every campaign text is escaped.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { listCampaigns, FUNDS, type CampaignRow } from '../campaigns/queries.ts';
import { formatDisplay } from '../money/index.ts';
import { html } from '../http/html.ts';

/** The dashboard shows at most this many campaigns; the API pages through the rest. */
const DASHBOARD_CAMPAIGNS_MAX = 1_000;

function percentOfGoal(campaign: CampaignRow): number | undefined {
  if (campaign.goal_minor === null) return undefined;
  // Integer percent from bigints: display only, never fed back into money.
  const percent = (campaign.raised_minor * 100n) / campaign.goal_minor;
  return Number(percent > 100n ? 100n : percent);
}

function campaignCard(campaign: CampaignRow) {
  const percent = percentOfGoal(campaign);
  return html`<article class="card" data-campaign="${String(campaign.id)}">
<h3><a href="/api/campaigns/${campaign.slug}">${campaign.name}</a> <small>${campaign.status}</small></h3>
<p class="raised"><strong>${formatDisplay(campaign.raised_minor, campaign.currency)}</strong>${campaign.goal_minor === null ? '' : html` of ${formatDisplay(campaign.goal_minor, campaign.currency)}`}</p>
${percent === undefined ? '' : html`<progress max="100" value="${percent}" aria-label="${percent}% of goal">${percent}%</progress>`}
<p>${String(campaign.donation_count)} donations from ${String(campaign.donor_count)} donors</p></article>`;
}

export async function dashboardRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const campaigns = await listCampaigns(context.database, { limit: DASHBOARD_CAMPAIGNS_MAX });
    const groups = FUNDS.map((fund) => ({ fund, campaigns: campaigns.filter((campaign) => campaign.fund === fund) }))
      .filter((group) => group.campaigns.length > 0);
    reply.type('text/html; charset=utf-8');
    return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>amanah</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#111;background:#fafafa}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:1rem}.card{background:#fff;border:1px solid #ccc;border-radius:.5rem;padding:1rem}
progress{width:100%}h2{text-transform:capitalize}small{color:#444;font-weight:normal}a{color:#0645ad}</style></head>
<body><header><h1>amanah</h1><p>Campaign totals · <a href="/docs">API docs</a> · <a href="/api/openapi.json">OpenAPI</a></p></header>
<main>${groups.length === 0 ? html`<p>No campaigns yet. Run <code>amanah seed</code> or create one through the API.</p>` : ''}
${groups.map((group) => html`<section><h2>${group.fund}</h2><div class="grid">${group.campaigns.map(campaignCard)}</div></section>`)}
</main></body></html>`.text;
  });
}
