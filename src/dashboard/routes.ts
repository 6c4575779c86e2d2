// The page at `/`: campaigns grouped by fund with progress toward their goals, and for signed-in staff the
// queue of pending donations and running imports. In Indonesian or English (?lang=, the cookie, then
// Accept-Language, as the console does), amounts in the one money format of that locale, dark when the system is.
//
// The server renders the whole page (it reads fine without JavaScript); a small client script, served as a
// static file with no build step, then keeps it live from /api/live. Campaign text is escaped here by `html`,
// and every text the client writes goes through textContent, never innerHTML.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { FUNDS } from '../campaigns/queries.ts';
import { html, SafeHtml } from '../http/html.ts';
import { dashboardCampaigns } from '../live/queries.ts';
import { campaignView, type CampaignView } from '../live/view.ts';
import { LIVE_CAMPAIGNS_MAX } from '../live/hub.ts';
import { INTL_LOCALE, LOCALE_COOKIE, localeCookie, negotiateLocale, type Locale } from '../console/i18n.ts';
import { dashboardCatalogue, dashboardText, type DashboardKey } from './i18n.ts';

/**
 * Scripts and styles come only from this origin and nothing may frame the page: if untrusted text ever did get
 * into the markup, it could neither run inline script nor send the staff token elsewhere.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

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

/** Formatters by locale and currency, built once each (one costs ~26 µs to build; money.ts measured it). */
const MONEY_FORMATTERS_MAX = 512;
const moneyFormatters = new Map<string, Intl.NumberFormat>();

/**
 * An exact decimal amount shown the one way a locale shows money (INTL_LOCALE: Rp 1.500.000,00 in Indonesian,
 * IDR 1,500,000.00 in English), whatever the currency. client.js formats the live updates with the same options.
 */
export function displayMoney(locale: Locale, amount: string, currency: string): string {
  const fractionDigits = amount.includes('.') ? amount.split('.')[1]!.length : 0;
  const key = `${locale}|${currency}|${fractionDigits}`;
  let formatter = moneyFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(INTL_LOCALE[locale], { style: 'currency', currency, minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
    if (moneyFormatters.size >= MONEY_FORMATTERS_MAX) moneyFormatters.delete(moneyFormatters.keys().next().value!);
    moneyFormatters.set(key, formatter);
  }
  // Intl formats a decimal string exactly (ECMA-402 NumberFormat v3): the amount never becomes a Number.
  return formatter.format(amount as `${number}`);
}

/** Counts in each locale, built once: two a card, on a page of up to LIVE_CAMPAIGNS_MAX cards. */
const COUNT_FORMATS: Readonly<Record<Locale, Intl.NumberFormat>> = { id: new Intl.NumberFormat(INTL_LOCALE.id), en: new Intl.NumberFormat(INTL_LOCALE.en) };

function counted(locale: Locale, count: number, noun: 'donations' | 'donors'): string {
  const key: DashboardKey = `campaign.${noun}.${count === 1 ? 'one' : 'other'}`;
  return dashboardText(locale, key, { count: COUNT_FORMATS[locale].format(count) });
}

function statusText(locale: Locale, status: string): string {
  return status === 'draft' || status === 'closed' ? dashboardText(locale, `status.${status}`) : '';
}

/** A campaign card; the client script builds the same structure for campaigns that appear later. */
export function campaignCard(campaign: CampaignView, locale: Locale): SafeHtml {
  const t = (key: DashboardKey, values?: Record<string, string | number>) => dashboardText(locale, key, values);
  const headingId = `campaign-${campaign.id}-name`;
  const percent = campaign.percent ?? 0;
  return html`<article class="card" data-campaign="${campaign.id}" data-status="${campaign.status}" data-currency="${campaign.currency}" aria-labelledby="${headingId}">
<h4 id="${headingId}" data-field="name" dir="auto">${campaign.name}</h4>
<p class="status" data-field="status">${statusText(locale, campaign.status)}</p>
<p class="raised"><strong data-field="raised">${displayMoney(locale, campaign.raised, campaign.currency)}</strong>
<span data-field="goal">${campaign.goal === null ? t('campaign.raised') : t('campaign.raisedOf', { goal: displayMoney(locale, campaign.goal, campaign.currency) })}</span></p>
<progress data-field="bar" max="100" value="${Math.min(100, percent)}" aria-labelledby="${headingId}"${campaign.percent === null ? html` hidden` : ''}>${percent}%</progress>
<p class="meta"><span data-field="percent">${campaign.percent === null ? '' : t('campaign.percent', { percent: campaign.percent })}</span><span data-field="donations">${counted(locale, campaign.donations, 'donations')}</span> · <span data-field="donors">${counted(locale, campaign.donors, 'donors')}</span></p>
<p class="links"><a href="/campaigns/${campaign.id}/analytics">${t('campaign.analytics')}<span class="visually-hidden">${t('campaign.analyticsFor')}<bdi>${campaign.name}</bdi></span></a></p>
</article>`;
}

function fundSections(campaigns: readonly CampaignView[], locale: Locale): SafeHtml[] {
  return FUNDS.map((fund) => {
    const members = campaigns.filter((campaign) => campaign.fund === fund);
    return html`<section class="fund" data-fund="${fund}" aria-labelledby="fund-${fund}"${members.length === 0 ? html` hidden` : ''}>
<h3 id="fund-${fund}">${dashboardText(locale, `fund.${fund}`)}</h3><div class="grid">${members.map((campaign) => campaignCard(campaign, locale))}</div></section>`;
  });
}

function staffSection(locale: Locale): SafeHtml {
  const t = (key: DashboardKey) => dashboardText(locale, key);
  return html`<section id="staff" class="staff" aria-labelledby="queue-heading" hidden>
<div id="imports" class="imports" hidden><h2 id="imports-heading">${t('imports.heading')}</h2><ul id="import-list" class="import-list" aria-labelledby="imports-heading"></ul></div>
<h2 id="queue-heading">${t('queue.heading')} <span id="queue-count" class="count"></span></h2>
<p id="queue-empty" class="empty">${t('queue.empty')}</p>
<p id="queue-more" class="note" hidden>${t('queue.more')}</p>
<ul id="queue" class="queue"></ul>
<datalist id="reject-reasons">${(['reason.notReceived', 'reason.duplicate', 'reason.fraud', 'reason.cancel'] as const).map((key) => html`<option value="${t(key)}">`)}</datalist>
</section>`;
}

/** The catalogue for client.js, as a JSON data block (not run, so the CSP's script-src 'self' holds). */
function jsonBlock(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}

function page(campaigns: readonly CampaignView[], locale: Locale): string {
  const t = (key: DashboardKey) => dashboardText(locale, key);
  const other: Locale = locale === 'id' ? 'en' : 'id';
  return html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">
<title>${t('page.title')}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard.css"><script src="/dashboard.js" defer></script></head>
<body data-locale="${INTL_LOCALE[locale]}"><a class="skip" href="#campaigns-heading">${t('page.skip')}</a>
<header class="top"><div class="brand"><h1>amanah</h1><p id="live-status" class="live" role="status" data-state="offline">${t('live.offline')}</p>
<a class="lang" href="?lang=${other}" lang="${other}" hreflang="${other}">${t('lang.switch')}</a></div>
<form id="sign-in" class="sign-in" autocomplete="off"><label for="token">${t('signin.token')}</label>
<input id="token" name="token" type="password" required autocomplete="off" spellcheck="false" aria-describedby="sign-in-error">
<button type="submit">${t('signin.submit')}</button><p id="sign-in-error" class="error" role="alert"></p></form>
<div id="signed-in" class="signed-in" hidden><span id="signed-in-as">${t('signin.as')}</span> <button id="sign-out" type="button">${t('signin.out')}</button></div></header>
<main>${staffSection(locale)}
<section aria-labelledby="campaigns-heading"><h2 id="campaigns-heading" tabindex="-1">${t('campaigns.heading')}</h2>
<p id="no-campaigns" class="empty"${campaigns.length === 0 ? '' : html` hidden`}>${t('campaigns.none')}</p>
<div id="funds">${fundSections(campaigns, locale)}</div></section>
<p id="announcer" class="visually-hidden" aria-live="polite"></p></main>
<footer><a href="/docs">${t('footer.docs')}</a> · <a href="/api/openapi.json">${t('footer.openapi')}</a> · <a href="/zakat">${t('footer.zakat')}</a></footer>
<script type="application/json" id="messages">${jsonBlock(dashboardCatalogue(locale))}</script>
</body></html>`.text;
}

/** The viewer's locale; a ?lang= switch is remembered in a cookie for the next pages (the console's rule). */
function localeOf(request: FastifyRequest, reply: FastifyReply): Locale {
  const query = (request.query as { lang?: string } | undefined)?.lang;
  const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
  if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
  return locale;
}

export async function dashboardRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const script = staticFile('client.js', 'text/javascript; charset=utf-8');
  const styles = staticFile('dashboard.css', 'text/css; charset=utf-8');

  const pageQuery = { type: 'object', additionalProperties: true, properties: { lang: { type: 'string', maxLength: 8 } } } as const;
  app.get('/', { schema: { hide: true, querystring: pageQuery } }, async (request, reply) => {
    const locale = localeOf(request, reply);
    const rows = await dashboardCampaigns(context.database, { includeDrafts: false, limit: LIVE_CAMPAIGNS_MAX });
    reply.type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store')
      .header('vary', 'accept-language, cookie');
    return page(rows.map(campaignView), locale);
  });
  app.get('/dashboard.js', { schema: { hide: true } }, async (request, reply) => sendStatic(script, request, reply));
  app.get('/dashboard.css', { schema: { hide: true } }, async (request, reply) => sendStatic(styles, request, reply));
}
