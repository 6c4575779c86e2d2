// /api/zakat: the wealth and income calculators, the BAZNAS nisab tables, and paying zakat as a donation to a
// zakat-fund campaign; and /zakat, the calculator page. The calculators need no token and touch no data: they
// are pure functions of the request (and, for income, of the date's nisab table).
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { toAppError } from '../http/to-app-error.ts';
import { problemResponse } from '../http/context.ts';
import { findCampaign, listCampaigns } from '../campaigns/queries.ts';
import { refusalReason } from '../campaigns/campaigns.ts';
import { checkIdempotencyKey, donationJson } from '../donations/donations.ts';
import { replyWithIntake } from '../donations/routes.ts';
import type { IntakeRequest } from '../donations/intake.ts';
import type { Database } from '../db/database.ts';
import { NISAB_TABLES } from './nisab-tables.ts';
import { fitrahRoutes } from './fitrah-routes.ts';
import {
  incomeZakat, payZakat, tableJson, wealthZakat, type IncomeRequest, type PayRequest, type WealthRequest,
} from './zakat.ts';
import {
  incomeAnswerSchema, incomeRequestBody, nisabTablesSchema, payRequestBody, wealthAnswerSchema, wealthRequestBody,
} from './schemas.ts';
import { LOCALES, type Locale } from '../console/i18n.ts';
import { pageLocale } from '../http/page-locale.ts';
import { kindQuoteFromForm, type PageLocale } from './fitrah-page.ts';
import {
  incomeRequestFromForm, payRequestFromForm, renderZakatPage, wealthRequestFromForm, type FormValues, type PageState,
} from './page.ts';

/**
 * The page's forms hold about twenty short fields; 16 KiB is far above that and bounds the parser's work. A
 * person typing cannot reach it: every typed field has a maxlength (page.ts, fitrah-page.ts), and the largest
 * form, the pay form, is at most 200 + 320 + 40 = 560 characters typed, 5,040 bytes url-encoded at 9 bytes a
 * character (a 3-byte UTF-8 character as %XX%XX%XX), plus its hidden fields.
 */
export const FORM_BODY_BYTES_MAX = 16 * 1024;

/** A form field longer than this many characters is refused (formBody); the inputs' maxlengths stay under it. */
export const FORM_FIELD_CHARACTERS_MAX = 320;

/**
 * A post's language: the form's hidden lang, so an answer comes in the language its form was shown in; without
 * one, as a GET negotiates (the amanah_lang cookie, then Accept-Language, then Indonesian). pageLocale runs
 * either way, so the answer says it varies by the cookie and Accept-Language.
 */
function postLocale(request: FastifyRequest, reply: FastifyReply, chosen: string | undefined): PageLocale {
  const negotiated = pageLocale(request, reply);
  return (LOCALES as readonly string[]).includes(chosen ?? '') ? chosen as Locale : negotiated;
}

/** The pay form offers at most this many zakat campaigns; a zakat body runs a handful at a time. */
const PAY_CAMPAIGNS_MAX = 100;

const formBody = {
  type: 'object',
  additionalProperties: { type: 'string', maxLength: FORM_FIELD_CHARACTERS_MAX },
} as const;

async function zakatCampaigns(database: Database, currency: string, now: Date) {
  const campaigns = await listCampaigns(database, { status: 'active', fund: 'zakat', limit: PAY_CAMPAIGNS_MAX });
  return campaigns.filter((campaign) => campaign.currency === currency && refusalReason(campaign, now) === undefined);
}

/** Answers a form post with the page; a refused input is shown on the page with the problem's status. */
async function renderPage(reply: FastifyReply, values: FormValues, locale: PageLocale, work: () => Promise<Omit<PageState, 'values'>>): Promise<string> {
  reply.type('text/html; charset=utf-8');
  try {
    return renderZakatPage({ values, locale, ...(await work()) });
  } catch (error) {
    if (!isAppError(error)) throw error;
    reply.code(error.status);
    return renderZakatPage({ values, locale, error: { code: error.code, detail: error.message } });
  }
}

/**
 * A refusal before the handler (the form body over FORM_BODY_BYTES_MAX, a field over FORM_FIELD_CHARACTERS_MAX,
 * a control character the text guard refuses) answers the page with the refusal shown and its status, as the
 * handler's own refusals do: a person posted an HTML form and reads HTML, not problem+json. The form is shown
 * empty, so refused text is never echoed. Anything else (5xx) goes on to the app's handler, which logs it.
 */
async function refusedPage(error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const refused = toAppError(error);
  if (refused.status >= 500) throw error;
  const lang = (request.body as FormValues | undefined)?.lang;
  const locale = postLocale(request, reply, typeof lang === 'string' ? lang : undefined);
  reply.code(refused.status).type('text/html; charset=utf-8');
  return renderZakatPage({ values: {}, locale, error: { code: refused.code, detail: refused.message } });
}

async function apiRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, metrics } = context;
  const submit = (request: IntakeRequest) => context.intake.submit(request);

  app.post<{ Body: WealthRequest }>('/api/zakat/calculate', {
    schema: {
      summary: 'Zakat on a year\'s wealth: assets less debts due, gold or silver nisab, 2.5% with the breakdown', tags: ['zakat'],
      body: wealthRequestBody, response: { 200: wealthAnswerSchema, 400: problemResponse, 422: problemResponse },
    },
  }, async (request) => wealthZakat(request.body));

  app.post<{ Body: IncomeRequest }>('/api/zakat/income', {
    schema: {
      summary: 'Zakat on income (rupiah) against the BAZNAS nisab table in effect on the date, which the answer names', tags: ['zakat'],
      body: incomeRequestBody, response: { 200: incomeAnswerSchema, 400: problemResponse, 422: problemResponse },
    },
  }, async (request) => incomeZakat(request.body));

  app.get('/api/zakat/nisab-tables', {
    schema: { summary: 'The BAZNAS income nisab tables amanah holds, oldest first', tags: ['zakat'], response: { 200: nisabTablesSchema } },
  }, async () => ({ tables: NISAB_TABLES.map(tableJson) }));

  app.post<{ Body: PayRequest; Headers: { 'idempotency-key'?: string } }>('/api/zakat/pay', {
    preValidation: async (request) => { checkIdempotencyKey(request.headers['idempotency-key']); },
    schema: {
      summary: 'Pay zakat: a pending donation to a campaign of the zakat fund, exactly once per Idempotency-Key', tags: ['zakat'],
      headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
      body: payRequestBody,
      response: { 200: { $ref: 'Donation#' }, 201: { $ref: 'Donation#' }, 400: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse },
    },
  }, async (request, reply) => {
    const key = checkIdempotencyKey(request.headers['idempotency-key']);
    return replyWithIntake(reply, metrics, await payZakat(database, submit, key, request.body));
  });
}

async function pageRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, metrics } = context;
  const submit = (request: IntakeRequest) => context.intake.submit(request);
  // The page's forms post as a browser does, url-encoded; the parser is added in this plugin only (zakatRoutes).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_BYTES_MAX }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // This plugin's routes only: the API routes beside it keep the app's problem+json.
  app.setErrorHandler(refusedPage);

  app.get<{ Querystring: { lang?: string } }>('/zakat', {
    schema: { hide: true, querystring: { type: 'object', properties: { lang: { type: 'string', maxLength: 8 } } } },
  }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return renderZakatPage({ values: {}, locale: pageLocale(request, reply) });
  });

  app.post<{ Body: FormValues }>('/zakat', { schema: { hide: true, body: formBody } }, async (request, reply) => {
    const values = request.body;
    const locale = postLocale(request, reply, values.lang);
    return renderPage(reply, values, locale, async () => {
      const now = new Date();
      if (values.form === 'fitrah' || values.form === 'fidyah') return { kind: kindQuoteFromForm(values.form, values, now) };
      const answer = values.form === 'income' ? { income: incomeZakat(incomeRequestFromForm(values), now) } : { wealth: wealthZakat(wealthRequestFromForm(values)) };
      const result = answer.income ?? answer.wealth!;
      if (!result.due) return answer;
      return { ...answer, campaigns: await zakatCampaigns(database, result.currency, now), paymentKey: randomUUID() };
    });
  });

  app.post<{ Body: FormValues }>('/zakat/pay', { schema: { hide: true, body: formBody } }, async (request, reply) => {
    const values = request.body;
    return renderPage(reply, {}, postLocale(request, reply, values.lang), async () => {
      const key = checkIdempotencyKey(values.idempotency_key);
      const { created, donation } = await payZakat(database, submit, key, payRequestFromForm(values));
      if (created) metrics.donationsReceived.inc({ source: 'api' });
      reply.code(created ? 201 : 200);
      const json = donationJson(donation);
      const campaign = await findCampaign(database, json.campaign_id);
      return { paid: { id: json.id, amount: json.amount, currency: json.currency, campaign: campaign?.name ?? json.campaign_id } };
    });
  });
}

export async function zakatRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  await apiRoutes(app, context);
  await fitrahRoutes(app, context);
  // Its own plugin, so the form parser and the page's error handler reach the page routes only.
  await app.register(async (scope) => pageRoutes(scope, context));
}
