// POST /api/checkout: a pending donation and the provider's payment for it, in that order and exactly once.
//
// Three steps, each durable before the next: (1) the donation, through the intake with the key
// "checkout:<Idempotency-Key>" (a retry finds it); with it the payments row, status 'creating'; (2) the
// provider call, made by whichever request holds the row's lease, with the provider's own idempotency (Stripe's
// Idempotency-Key, Xendit's lookup by external_id, a fresh Midtrans order_id whose predecessor nobody saw);
// (3) the answer stored, status 'open'. A crash or a provider outage between steps leaves a 'creating' row that
// the retry with the same key resumes, so a retry returns the same payment and never makes a second one.
import { createHash } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { AppContext } from '../http/context.ts';
import { formatAmount, parseAmount, isMoneyError } from '../money/index.ts';
import { donationJson, type DonationJson } from '../donations/donations.ts';
import { findDonation } from '../donations/queries.ts';
import { providerAmount, minorFromProvider, type ProviderName } from './amounts.ts';
import type { PaymentProvider } from './provider.ts';
import { configuredProviders } from './settings.ts';
import { findPaymentById, findPaymentByKey, insertPayment, leasePayment, releaseLease, storeCreatedPayment, type PaymentRow } from './queries.ts';

export interface CheckoutInput {
  campaign_id: string;
  amount: string;
  currency?: string | undefined;
  provider: ProviderName;
  donor_name?: string | undefined;
  donor_email?: string | undefined;
  anonymous?: boolean | undefined;
  donor_npwp?: string | undefined;
  donor_nik?: string | undefined;
}

export interface PaymentJson {
  id: string; donation_id: string; provider: ProviderName; status: string; status_reason: string | null;
  amount: string; currency: string; provider_amount: string; payment_url: string | null; snap_token: string | null;
  expires_at: string | null; created_at: string;
}

export interface CheckoutResult { created: boolean; payment: PaymentJson; donation: DonationJson }

export function paymentJson(row: PaymentRow): PaymentJson {
  const minor = minorFromProvider(row.provider, row.amount_units, row.currency) ?? 0n;
  return {
    id: String(row.id), donation_id: String(row.donation_id), provider: row.provider, status: row.status,
    status_reason: row.status_reason, amount: formatAmount(minor, row.currency), currency: row.currency,
    provider_amount: String(row.amount_units), payment_url: row.payment_url, snap_token: row.snap_token,
    expires_at: row.expires_at?.toISOString() ?? null, created_at: row.created_at.toISOString(),
  };
}

function fingerprint(input: CheckoutInput): Buffer {
  return createHash('sha256').update(JSON.stringify([input.campaign_id, input.amount, input.currency ?? null, input.provider,
    input.donor_name ?? null, input.donor_email ?? null, input.anonymous ?? false,
    // Only a checkout with tax ids carries them, so every other key keeps the fingerprint it always had.
    ...(input.donor_npwp !== undefined || input.donor_nik !== undefined ? ['tax_ids', input.donor_npwp ?? null, input.donor_nik ?? null] : [])])).digest();
}

export class Checkout {
  readonly #context: AppContext;
  readonly #providers: ReadonlyMap<ProviderName, PaymentProvider>;

  constructor(context: AppContext, providers: ReadonlyMap<ProviderName, PaymentProvider>) {
    this.#context = context;
    this.#providers = providers;
  }

  /** `beforeNew` runs once a request is known to be a new checkout (not a retry of a key): the rate limit. */
  async submit(key: string, input: CheckoutInput, beforeNew: () => Promise<void> = async () => {}): Promise<CheckoutResult> {
    const { database, caches, config } = this.#context;
    const provider = this.#providers.get(input.provider);
    if (!provider) {
      throw new AppError('payment_provider_not_configured', `provider "${input.provider}" is not configured here; configured: ${configuredProviders(config.paymentProviders).join(', ') || 'none'}`, { field: 'provider' });
    }
    const existing = await findPaymentByKey(database, key);
    if (existing && !fingerprint(input).equals(Buffer.from(existing.request_sha256))) {
      throw new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another checkout (payment ${existing.id})`);
    }
    if (existing && existing.status !== 'creating') return this.#answer(existing, false);
    if (!existing) await beforeNew();
    const campaign = await caches.campaigns.get(input.campaign_id);
    if (!campaign) throw new AppError('campaign_not_found', `no campaign with id or slug "${input.campaign_id}"`);
    const currency = input.currency ?? campaign.currency;
    let amountMinor: bigint;
    try {
      amountMinor = parseAmount(input.amount, currency);
    } catch (error) {
      if (isMoneyError(error)) throw new AppError(error.reason === 'currency_mismatch' ? 'currency_mismatch' : 'invalid_amount', error.message, { field: 'amount' });
      throw error;
    }
    // Refused before anything is written: a provider that cannot charge the amount exactly never sees it.
    const amount = providerAmount(provider.name, amountMinor, currency);
    const payment = existing ?? await this.#firstStep(key, input, currency, amount.units);
    return this.#resume(payment, provider, campaign.name, input);
  }

  async #firstStep(key: string, input: CheckoutInput, currency: string, amountUnits: bigint): Promise<PaymentRow> {
    const { database, intake } = this.#context;
    const { donation } = await intake.submit({
      key: `checkout:${key}`, source: 'api',
      input: { campaign_id: input.campaign_id, amount: input.amount, currency, donor_name: input.donor_name, donor_email: input.donor_email, anonymous: input.anonymous,
        donor_npwp: input.donor_npwp, donor_nik: input.donor_nik },
    });
    await insertPayment(database, { donationId: donation.id, provider: input.provider, checkoutKey: key, requestSha256: fingerprint(input), currency, amountUnits });
    const payment = await findPaymentByKey(database, key);
    // The donation's own key makes one donation per checkout key, and the row is unique on both.
    if (!payment || payment.donation_id !== donation.id) throw new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another checkout`);
    return payment;
  }

  async #resume(payment: PaymentRow, provider: PaymentProvider, description: string, input: CheckoutInput): Promise<CheckoutResult> {
    const { database, config } = this.#context;
    const settings = config.paymentProviders;
    const leased = await leasePayment(database, payment.id, settings.leaseMs);
    if (!leased) {
      const now = await findPaymentById(database, payment.id);
      if (now && now.status !== 'creating') return this.#answer(now, false);
      throw new AppError('checkout_in_progress', `payment ${payment.id} is being created by another request; retry with the same Idempotency-Key`, {}, 1);
    }
    try {
      const created = await provider.create({
        paymentId: leased.id, donationId: leased.donation_id, reference: leased.reference,
        amount: providerAmount(provider.name, minorFromProvider(provider.name, leased.amount_units, leased.currency)!, leased.currency),
        currency: leased.currency, description, donorName: input.donor_name, donorEmail: input.donor_email,
        returnUrl: `${settings.publicUrl}/give/return/${leased.id}`,
      });
      await storeCreatedPayment(database, leased.id, created);
    } catch (error) {
      await releaseLease(database, leased.id);
      throw error;
    }
    return this.#answer((await findPaymentById(database, leased.id))!, true);
  }

  async #answer(payment: PaymentRow, created: boolean): Promise<CheckoutResult> {
    const { database } = this.#context;
    const donation = await findDonation(database, String(payment.donation_id));
    return { created, payment: paymentJson(payment), donation: donationJson(donation!) };
  }
}
