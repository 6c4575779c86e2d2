// Paying zakat fitrah or fidyah: the amount is computed here (people or days × the region's price on the day,
// fitrah.ts), never taken from the client; a client that sends an amount must send that one. The donation goes
// through the same idempotent intake as every other donation, carrying its kind, so migration 0017's columns
// record what it was asked as and what it is recorded as, and its receipt posts to that kind's ledger fund.
import { AppError } from '../errors.ts';
import type { Database, Queryable } from '../db/database.ts';
import { isMoneyError, parseAmount } from '../money/index.ts';
import { findCampaign } from '../campaigns/queries.ts';
import type { IntakeRequest, IntakeResult } from '../donations/intake.ts';
import { FITRAH_CURRENCY, quote, type QuoteJson, type RecordedKind, type SpecialKind } from './fitrah.ts';

export interface KindPayRequest {
  campaign_id: string;
  /** People (fitrah) or days (fidyah). */
  people?: number | undefined;
  days?: number | undefined;
  region?: string | undefined;
  /** Optional: the amount the client expects; refused unless it is the computed one. */
  amount?: string | undefined;
  currency?: string | undefined;
  donor_name?: string | undefined;
  donor_email?: string | undefined;
  anonymous?: boolean | undefined;
}

/** What a kind's donation was recorded as, read back from the donation (a replay answers what was stored). */
export interface RecordedJson {
  asked_kind: SpecialKind;
  recorded_as: RecordedKind;
  quantity: number;
  region: string;
  price_table: string;
  ledger_fund: string;
  note: string | null;
}

export async function recordedKind(db: Queryable, donationId: bigint): Promise<RecordedJson | undefined> {
  const { rows } = await db.query<RecordedJson>(
    `select d.asked_kind, d.kind as recorded_as, d.kind_quantity as quantity, d.kind_region as region,
            d.price_table_id as price_table, d.ledger_fund,
            (select reason from donation_status_changes h where h.donation_id = d.id and h.actor = 'intake' order by h.id limit 1) as note
       from donations d where d.id = $1 and d.asked_kind is not null`, [donationId]);
  return rows[0];
}

/** The campaigns a kind may go to: fitrah only to the zakat fund; fidyah to any fund but waqf. */
function checkCampaignFund(kind: SpecialKind, campaign: { slug: string; fund: string }): void {
  if (kind === 'fitrah' && campaign.fund !== 'zakat') {
    throw new AppError('campaign_not_zakat', `campaign "${campaign.slug}" is in the ${campaign.fund} fund; zakat fitrah is paid only to a campaign of the zakat fund`,
      { field: 'campaign_id', fund: campaign.fund });
  }
  // Waqf is an endowment whose principal is kept (PSAK 112); fidyah must be spent, feeding the poor.
  if (kind === 'fidyah' && campaign.fund === 'waqf') {
    throw new AppError('campaign_fund_refused', `campaign "${campaign.slug}" is a waqf campaign; fidyah is spent on feeding the poor and cannot be endowed`,
      { field: 'campaign_id', fund: campaign.fund });
  }
}

export interface KindPayment { result: IntakeResult; quote: QuoteJson; recorded: RecordedJson }

/**
 * Makes a fitrah or fidyah payment a pending donation, exactly once per idempotency key. The fund and currency
 * are read before the intake reads the campaign again (as payZakat does); `submit` is the donation intake.
 */
export async function payKind(database: Database, submit: (request: IntakeRequest) => Promise<IntakeResult>, key: string,
  kind: SpecialKind, request: KindPayRequest, now: Date = new Date()): Promise<KindPayment> {
  const quantity = kind === 'fitrah' ? request.people : request.days;
  if (quantity === undefined) throw new AppError('validation_failed', `${kind === 'fitrah' ? 'people' : 'days'} is required`, { field: kind === 'fitrah' ? 'people' : 'days' });
  const { amountMinor, tableId, ...answer } = quote({ kind, quantity, region: request.region, at: now });
  const campaign = await findCampaign(database, request.campaign_id);
  if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${request.campaign_id}"`, { field: 'campaign_id' });
  checkCampaignFund(kind, campaign);
  const currency = request.currency ?? FITRAH_CURRENCY;
  if (currency !== FITRAH_CURRENCY || campaign.currency !== FITRAH_CURRENCY) {
    throw new AppError('currency_mismatch', `${kind} is priced in ${FITRAH_CURRENCY}; campaign "${campaign.slug}" takes ${campaign.currency}${currency === FITRAH_CURRENCY ? '' : ` and ${currency} was sent`}`, { field: 'currency' });
  }
  if (request.amount !== undefined) {
    let sent: bigint;
    try {
      sent = parseAmount(request.amount, FITRAH_CURRENCY);
    } catch (error) {
      if (isMoneyError(error)) throw new AppError('invalid_amount', `amount: ${error.message}`, { field: 'amount', reason: error.reason });
      throw error;
    }
    if (sent !== amountMinor) {
      throw new AppError('zakat_amount_mismatch', `amount ${request.amount} IDR is not the ${kind} for this request: ${answer.explanation}`,
        { field: 'amount', expected: answer.amount, table: tableId });
    }
  }
  const result = await submit({
    key, source: 'api',
    input: {
      campaign_id: request.campaign_id, amount: answer.amount, currency: FITRAH_CURRENCY,
      donor_name: request.donor_name, donor_email: request.donor_email, anonymous: request.anonymous,
    },
    kind: {
      askedKind: kind, kind: answer.recorded_as, quantity: answer.quantity, region: answer.region, priceTableId: tableId,
      ledgerFund: answer.ledger_fund as 'zakat' | 'infak_sedekah' | 'dskl', note: answer.explanation,
    },
  });
  const recorded = await recordedKind(database, result.donation.id);
  // The intake wrote the kind with the donation; a replay of a key first used without one has none to read.
  if (!recorded) throw new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another request (donation ${result.donation.id})`);
  return { result, quote: answer, recorded };
}
