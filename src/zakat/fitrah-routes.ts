// /api/zakat/fitrah and /api/zakat/fidyah: a quote (people or days × the region's decreed price on the day, the
// Eid cutoff for fitrah) that needs no token and touches no data, and a payment that makes the pending donation
// through the intake, exactly once per Idempotency-Key. /api/zakat/fitrah-tables lists the data both read.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../http/context.ts';
import { problemResponse } from '../http/context.ts';
import { checkIdempotencyKey } from '../donations/donations.ts';
import { replyWithIntake } from '../donations/routes.ts';
import type { IntakeRequest } from '../donations/intake.ts';
import { EID_DATES, PRICE_TABLES, priceTableJson, quote, REGIONS, parseWhen, type SpecialKind } from './fitrah.ts';
import { payKind, type KindPayRequest } from './fitrah-pay.ts';
import { payBody, paymentSchema, priceTablesSchema, quoteBody, quoteSchema } from './fitrah-schemas.ts';

interface QuoteBody { people?: number; days?: number; region?: string; at?: string }

export async function fitrahRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const { database, metrics } = context;
  const submit = (request: IntakeRequest) => context.intake.submit(request);

  app.get('/api/zakat/fitrah-tables', {
    schema: { summary: 'The fitrah and fidyah price tables per region with their decrees, and the Eid dates held', tags: ['zakat'], response: { 200: priceTablesSchema } },
  }, async () => ({
    regions: [...REGIONS.values()],
    tables: PRICE_TABLES.map(priceTableJson),
    eid: [...EID_DATES].map(([hijriYear, row]) => ({ hijri_year: hijriYear, date: row.date, source: row.source })),
  }));

  for (const kind of ['fitrah', 'fidyah'] as const satisfies readonly SpecialKind[]) {
    const unit = kind === 'fitrah' ? 'people' : 'days';
    app.post<{ Body: QuoteBody }>(`/api/zakat/${kind}/quote`, {
      schema: {
        summary: kind === 'fitrah'
          ? 'Zakat fitrah: people × the region\'s decreed price on the day, due before the Eid prayer (after it: sadaqah)'
          : 'Fidyah: days × the region\'s decreed price a day, for the DSKL fund', tags: ['zakat'],
        body: quoteBody(kind), response: { 200: quoteSchema, 400: problemResponse, 422: problemResponse },
      },
    }, async (request) => {
      const { amountMinor: _amount, tableId: _table, ...answer } = quote({
        kind, quantity: request.body[unit]!, region: request.body.region,
        at: request.body.at === undefined ? new Date() : parseWhen(request.body.at, 'at'),
      });
      return answer;
    });

    app.post<{ Body: KindPayRequest; Headers: { 'idempotency-key'?: string } }>(`/api/zakat/${kind}`, {
      preValidation: async (request) => { checkIdempotencyKey(request.headers['idempotency-key']); },
      schema: {
        summary: `Pay ${kind}: a pending donation of the computed amount, exactly once per Idempotency-Key`, tags: ['zakat'],
        headers: { type: 'object', required: ['idempotency-key'], properties: { 'idempotency-key': { type: 'string', maxLength: 255 } } },
        body: payBody(kind),
        response: { 200: paymentSchema, 201: paymentSchema, 400: problemResponse, 404: problemResponse, 409: problemResponse, 422: problemResponse },
      },
    }, async (request, reply) => {
      const key = checkIdempotencyKey(request.headers['idempotency-key']);
      const payment = await payKind(database, submit, key, kind, request.body);
      return { donation: replyWithIntake(reply, metrics, payment.result), recorded: payment.recorded, quote: payment.quote };
    });
  }
}
