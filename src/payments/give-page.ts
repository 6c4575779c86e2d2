// The donor's pages: `/give/:slug` (the campaign's story and progress, amount presets in its currency, name,
// email, anonymous, the provider) and `/give/return/:payment` (the payment's status, refreshed every few seconds
// until the webhook lands). Server-rendered, and whole without script: the form posts to the server, which makes
// the checkout and redirects (303) to the provider's pay page. A small script, /give.js (give.js beside this
// file), keeps both pages live where it runs: the campaign's totals from the public live stream, the payment's
// status by polling /api/payments/:id (the return page's <meta refresh> is inside <noscript>, so only a browser
// without script reloads). The rendered form carries its own Idempotency-Key, so a double submit or a browser
// retry of the same page is the same checkout, never a second payment. Indonesian or English from
// Accept-Language, with a switch (`?lang=id|en`). Every text is escaped by `html`.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { html, SafeHtml } from '../http/html.ts';
import { isDatabaseId } from '../http/format.ts';
import type { CampaignRow } from '../campaigns/queries.ts';
import { currencyExponent, formatDisplay, parseAmount } from '../money/index.ts';
import { PROVIDER_NAMES, minorFromProvider, supportsCurrency, type ProviderName } from './amounts.ts';
import type { Checkout, CheckoutInput } from './checkout.ts';
import type { CheckoutRateLimiter } from './rate-limit.ts';
import { findPaymentById } from './queries.ts';

const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'self' https: http:; frame-ancestors 'none'";
/** Seconds between refreshes of the return page while the payment is not settled. */
const RETURN_REFRESH_SECONDS = 3;
/** The pages' script, read once; revalidated by its ETag on every load, so a new release is never mixed with an old page. */
const SCRIPT = readFileSync(new URL('./give.js', import.meta.url));
const SCRIPT_ETAG = `"${createHash('sha256').update(SCRIPT).digest('base64url').slice(0, 22)}"`;
/** A form body is a few hundred bytes. */
const FORM_BODY_BYTES_MAX = 8 * 1024;

type Language = 'id' | 'en';
const TEXT = {
  en: {
    give: 'Give', raised: 'raised', of: 'of', amount: 'Amount', other: 'Other amount', name: 'Your name (optional)', email: 'Email (optional, for the receipt)',
    anonymous: 'Give anonymously', provider: 'Pay with', pay: 'Continue to payment', noProviders: 'Online giving is not available for this campaign.',
    status: 'Your donation', thanks: 'Thank you: your donation is received.', waiting: 'Waiting for the payment to be confirmed…', failed: 'The payment did not go through.',
    expired: 'The payment expired before it was made.', held: 'The payment is being checked by our staff.', refunded: 'The donation was refunded.', back: 'Back to the campaign',
    donorsOne: '{count} donor', donorsOther: '{count} donors', raisedNow: '{amount} raised so far.',
    stillWaiting: 'Still waiting for the confirmation: this page keeps checking.', stoppedWaiting: 'Still not confirmed: this page has stopped checking; reload it later to see the status.',
  },
  id: {
    give: 'Berdonasi', raised: 'terkumpul', of: 'dari', amount: 'Jumlah', other: 'Jumlah lain', name: 'Nama Anda (opsional)', email: 'Email (opsional, untuk bukti)',
    anonymous: 'Berdonasi sebagai anonim', provider: 'Bayar dengan', pay: 'Lanjut ke pembayaran', noProviders: 'Donasi daring belum tersedia untuk kampanye ini.',
    status: 'Donasi Anda', thanks: 'Terima kasih: donasi Anda telah diterima.', waiting: 'Menunggu konfirmasi pembayaran…', failed: 'Pembayaran tidak berhasil.',
    expired: 'Pembayaran kedaluwarsa sebelum dilakukan.', held: 'Pembayaran sedang diperiksa oleh tim kami.', refunded: 'Donasi telah dikembalikan.', back: 'Kembali ke kampanye',
    donorsOne: '{count} donatur', donorsOther: '{count} donatur', raisedNow: 'Sudah terkumpul {amount}.',
    stillWaiting: 'Masih menunggu konfirmasi: halaman ini terus memeriksa.', stoppedWaiting: 'Belum dikonfirmasi: halaman ini berhenti memeriksa; muat ulang nanti untuk melihat statusnya.',
  },
} as const;

const PROVIDER_TITLES: Record<ProviderName, string> = { stripe: 'Card (Stripe)', midtrans: 'Midtrans (VA, QRIS, e-wallet)', xendit: 'Xendit (VA, QRIS, e-wallet)' };

/** Preset amounts in major units, by the currency's exponent and size of its unit. */
function presets(currency: string): string[] {
  if (currency === 'IDR') return ['50000', '100000', '250000', '500000'];
  if (currencyExponent(currency) === 0) return ['1000', '3000', '5000', '10000'];
  if (currencyExponent(currency) === 3) return ['5', '10', '25', '50'];
  return ['10', '25', '50', '100'];
}

/** The language a donor chose on the give page, kept for the return page (a day). */
const LANGUAGE_COOKIE = 'amanah_give_lang';
const LANGUAGE_COOKIE_PATTERN = /(?:^|;\s*)amanah_give_lang=(id|en)(?:;|$)/;

const localeOf = (language: Language) => (language === 'id' ? 'id-ID' : 'en-US');

/** "3 donors", "1 donor", "3 donatur": the count in the page's locale, the noun by its plural rule (give.js does the same). */
function donorsText(language: Language, count: bigint): string {
  const locale = localeOf(language);
  // A count, not money: a campaign will not see 2^53 donors.
  const rule = new Intl.PluralRules(locale).select(Number(count));
  return (rule === 'one' ? TEXT[language].donorsOne : TEXT[language].donorsOther).replace('{count}', new Intl.NumberFormat(locale).format(count));
}

export function languageOf(request: FastifyRequest): Language {
  const asked = (request.query as { lang?: string }).lang;
  if (asked === 'id' || asked === 'en') return asked;
  const chosen = LANGUAGE_COOKIE_PATTERN.exec(String(request.headers.cookie ?? ''))?.[1];
  if (chosen === 'id' || chosen === 'en') return chosen;
  const header = String(request.headers['accept-language'] ?? '');
  // The first language listed that is Indonesian or English wins (q-values aside: browsers list by preference).
  for (const part of header.split(',')) {
    const tag = part.trim().toLowerCase();
    if (tag.startsWith('id') || tag.startsWith('in')) return 'id';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

function page(language: Language, title: string, body: SafeHtml, refreshSeconds?: number): string {
  return html`<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
${refreshSeconds ? html`<noscript><meta http-equiv="refresh" content="${refreshSeconds}"></noscript>` : ''}<title>${title}</title>
<script src="/give.js" defer></script>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:0 auto;padding:1rem}fieldset{border:0;padding:0;margin:0 0 1rem}
label{display:block;margin:.25rem 0}input[type=text],input[type=email]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{font:inherit;padding:.75rem 1.25rem;width:100%}progress{width:100%}.error{color:#a00}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}:focus-visible{outline:3px solid #1a73e8}</style>
</head><body><main>${body}</main></body></html>`.text;
}

function givePage(language: Language, campaign: CampaignRow, providers: readonly ProviderName[], error?: string): string {
  const t = TEXT[language];
  const other = language === 'id' ? 'en' : 'id';
  const locale = localeOf(language);
  const raised = formatDisplay(campaign.raised_minor, campaign.currency, locale);
  const goal = campaign.goal_minor === null ? undefined : formatDisplay(campaign.goal_minor, campaign.currency, locale);
  const progress = campaign.goal_minor ? html`<progress data-field="bar" max="${String(campaign.goal_minor)}" value="${String(campaign.raised_minor)}" aria-labelledby="give-raised"></progress>` : '';
  // What give.js needs to keep the totals live: which campaign, how to format its money, and the texts.
  const live = JSON.stringify({ donorsOne: t.donorsOne, donorsOther: t.donorsOther, raisedNow: t.raisedNow });
  const amounts = presets(campaign.currency).map((amount, index) => html`<label><input type="radio" name="preset" value="${amount}"${index === 1 ? CHECKED : ''}> ${formatDisplay(parseAmount(amount, campaign.currency), campaign.currency, locale)}</label>`);
  const form = providers.length === 0 ? html`<p>${t.noProviders}</p>` : html`<form method="post" action="/give/${campaign.slug}?lang=${language}">
<input type="hidden" name="key" value="${randomUUID()}">
<fieldset><legend>${t.amount} (${campaign.currency})</legend>${amounts}
<label>${t.other} <input type="text" name="amount" inputmode="decimal" autocomplete="off"></label></fieldset>
<label>${t.name} <input type="text" name="donor_name" maxlength="200" autocomplete="name"></label>
<label>${t.email} <input type="email" name="donor_email" maxlength="320" autocomplete="email"></label>
<label><input type="checkbox" name="anonymous" value="1"> ${t.anonymous}</label>
<fieldset><legend>${t.provider}</legend>${providers.map((name, index) => html`<label><input type="radio" name="provider" value="${name}"${index === 0 ? CHECKED : ''} required> ${PROVIDER_TITLES[name]}</label>`)}</fieldset>
<button type="submit">${t.pay}</button></form>`;
  return page(language, `${t.give}: ${campaign.name}`, html`<p><a href="?lang=${other}" hreflang="${other}">${other === 'id' ? 'Bahasa Indonesia' : 'English'}</a></p>
<h1>${campaign.name}</h1><p>${campaign.description}</p>
<div data-give="campaign" data-campaign-id="${String(campaign.id)}" data-currency="${campaign.currency}" data-exponent="${String(currencyExponent(campaign.currency))}" data-locale="${locale}" data-texts="${live}">${progress}
<p id="give-raised"><strong data-field="raised">${raised}</strong> ${t.raised}${goal ? ` ${t.of} ${goal}` : ''} · <span data-field="donors">${donorsText(language, campaign.donor_count)}</span></p>
<p class="visually-hidden" aria-live="polite" data-field="announcer"></p></div>
${error ? html`<p class="error" role="alert">${error}</p>` : ''}${form}`);
}

/** ` checked`, as markup (an attribute cannot be built from escaped text). */
const CHECKED = new SafeHtml(' checked');

function formInput(body: Record<string, string>, slug: string): CheckoutInput {
  const provider = body.provider as ProviderName;
  if (!PROVIDER_NAMES.includes(provider)) throw new AppError('validation_failed', 'choose how to pay', { field: 'provider' });
  const amount = (body.amount ?? '').trim() || (body.preset ?? '').trim();
  if (amount === '') throw new AppError('validation_failed', 'choose or type an amount', { field: 'amount' });
  return {
    campaign_id: slug, amount: amount.replace(/,/g, ''), provider,
    ...(body.donor_name?.trim() ? { donor_name: body.donor_name.trim() } : {}),
    ...(body.donor_email?.trim() ? { donor_email: body.donor_email.trim() } : {}),
    anonymous: body.anonymous === '1',
  };
}

export async function giveRoutes(scope: FastifyInstance, context: AppContext, checkout: Checkout, limiter: CheckoutRateLimiter, configured: readonly ProviderName[]): Promise<void> {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_BYTES_MAX }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  const campaignOf = async (slug: string): Promise<CampaignRow> => {
    const campaign = await context.caches.campaigns.get(slug);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign "${slug}"`);
    return campaign;
  };
  const send = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-store').send(body);
  const offered = (campaign: CampaignRow) => configured.filter((name) => supportsCurrency(name, campaign.currency));

  scope.get('/give.js', { schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', 'no-cache').header('etag', SCRIPT_ETAG).header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === SCRIPT_ETAG) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(SCRIPT);
  });

  scope.get<{ Params: { slug: string } }>('/give/:slug', { schema: { hide: true } }, async (request, reply) => {
    const campaign = await campaignOf(request.params.slug);
    return send(reply, 200, givePage(languageOf(request), campaign, offered(campaign)));
  });

  scope.post<{ Params: { slug: string }; Body: Record<string, string> }>('/give/:slug', { schema: { hide: true } }, async (request, reply) => {
    const campaign = await campaignOf(request.params.slug);
    const language = languageOf(request);
    const body = request.body ?? {};
    try {
      const key = `give-${String(body.key ?? '').slice(0, 64)}`;
      const input = formInput(body, campaign.slug);
      const result = await checkout.submit(key, input, () => limiter.take(request.ip, input.donor_email));
      if (!result.payment.payment_url) throw new AppError('payment_provider_unavailable', 'the provider gave no payment page');
      // The language chosen here goes with the donor through the provider and back to the return page, whose URL
      // (fixed at the provider) cannot carry it: a cookie of amanah's own, sent on the top-level return (Lax).
      return reply.code(303).header('location', result.payment.payment_url)
        .header('set-cookie', `${LANGUAGE_COOKIE}=${language}; Path=/give; SameSite=Lax; Max-Age=86400; HttpOnly`).send();
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'internal_error') throw error;
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return send(reply, error.status, givePage(language, campaign, offered(campaign), error.message));
    }
  });

  scope.get<{ Params: { id: string } }>('/give/return/:id', { schema: { hide: true } }, async (request, reply) => {
    const payment = isDatabaseId(request.params.id) ? await findPaymentById(context.database, BigInt(request.params.id)) : undefined;
    if (!payment) throw new AppError('payment_not_found', `no payment "${request.params.id}"`);
    const language = languageOf(request);
    const t = TEXT[language];
    const settled = !['creating', 'open'].includes(payment.status);
    const messages = { paid: t.thanks, refunded: t.refunded, failed: t.failed, expired: t.expired, held: t.held, creating: t.waiting, open: t.waiting };
    const amount = formatDisplay(minorFromProvider(payment.provider, payment.amount_units, payment.currency) ?? 0n, payment.currency, localeOf(language));
    // give.js polls the payment and words each status as this page does.
    const texts = JSON.stringify({ ...messages, stillWaiting: t.stillWaiting, stoppedWaiting: t.stoppedWaiting });
    return send(reply, 200, page(language, t.status, html`<h1>${t.status}</h1><p><strong>${amount}</strong></p>
<p role="status" aria-live="polite" data-give="return" data-payment-id="${String(payment.id)}" data-status="${payment.status}" data-texts="${texts}">${messages[payment.status]}</p>`, settled ? undefined : RETURN_REFRESH_SECONDS));
  });
}
