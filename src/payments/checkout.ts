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
import { findDonation, type DonationRow } from '../donations/queries.ts';
import { providerAmount, minorFromProvider, type ProviderName } from './amounts.ts';
import type { PaymentProvider } from './provider.ts';
import { configuredProviders } from './settings.ts';
import { GroupCommitter } from '../donations/group-commit.ts';
import {
  findPaymentById, findPaymentByKey, findPaymentsByKeys, insertLeasedPayments, leasePayment, releaseLease, storeCreatedPayments,
  type NewPayment, type PaymentRow, type StoredAnswer,
} from './queries.ts';

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

/**
 * Concurrent checkouts write their payments rows, and later their providers' answers, together: one statement
 * and one commit per batch, like the intake's donations (group-commit.ts, the same window and bounds). Measured
 * with bench/checkout.ts (64 clients, a provider answering in 200 ms, 2 shared cores): with a statement and a
 * commit per checkout for each step, every statement waited 25-70 ms on a busy PostgreSQL and the checkouts ran
 * at 0.36-0.55 of the provider called directly; figures in the README.
 */
export class Checkout {
  readonly #context: AppContext;
  readonly #providers: ReadonlyMap<ProviderName, PaymentProvider>;
  readonly #lookups: GroupCommitter<string, { found: PaymentRow | undefined }>;
  readonly #inserts: GroupCommitter<NewPayment, { leased: PaymentRow | undefined }>;
  readonly #stores: GroupCommitter<StoredAnswer, { stored: PaymentRow | undefined }>;

  constructor(context: AppContext, providers: ReadonlyMap<ProviderName, PaymentProvider>) {
    this.#context = context;
    this.#providers = providers;
    const { database, config } = context;
    // Every checkout first looks its key up (a retry is answered from it); 64 at once were 64 statements.
    this.#lookups = new GroupCommitter(async (keys) => {
      const found = await findPaymentsByKeys(database, keys);
      return keys.map((key) => ({ found: found.get(key) }));
    }, config.groupCommit);
    this.#inserts = new GroupCommitter(async (payments) => (await insertLeasedPayments(database, payments, config.paymentProviders.leaseMs)).map((leased) => ({ leased })),
      config.groupCommit);
    this.#stores = new GroupCommitter(async (answers) => (await storeCreatedPayments(database, answers)).map((stored) => ({ stored })), config.groupCommit);
  }

  /** Resolves once every batched write has been answered (the app's close). */
  async drain(): Promise<void> {
    await Promise.all([this.#lookups.drain(), this.#inserts.drain(), this.#stores.drain()]);
  }

  /** `beforeNew` runs once a request is known to be a new checkout (not a retry of a key): the rate limit. */
  async submit(key: string, input: CheckoutInput, beforeNew: () => Promise<void> = async () => {}): Promise<CheckoutResult> {
    const { database, caches, config } = this.#context;
    const provider = this.#providers.get(input.provider);
    if (!provider) {
      throw new AppError('payment_provider_not_configured', `provider "${input.provider}" is not configured here; configured: ${configuredProviders(config.paymentProviders).join(', ') || 'none'}`, { field: 'provider' });
    }
    const { found: existing } = await this.#lookups.submit(key);
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
    if (existing) return this.#resume(existing, provider, campaign.name, input);
    const { donation, leased } = await this.#firstStep(key, input, currency, amount.units);
    if (leased) return this.#call(leased, provider, campaign.name, input, donation);
    // A request with the same key inserted the payments row first: this one goes on as that key's retry.
    const winner = await findPaymentByKey(database, key);
    // The donation's own key makes one donation per checkout key, and the row is unique on both.
    if (!winner || winner.donation_id !== donation.id) throw new AppError('idempotency_key_reused', `Idempotency-Key "${key}" was used for another checkout`);
    return this.#resume(winner, provider, campaign.name, input);
  }

  /** The donation (through the intake) and its payments row, leased to this request; no row if another request won it. */
  async #firstStep(key: string, input: CheckoutInput, currency: string, amountUnits: bigint): Promise<{ donation: DonationRow; leased: PaymentRow | undefined }> {
    const { intake } = this.#context;
    const { donation } = await intake.submit({
      key: `checkout:${key}`, source: 'api',
      input: { campaign_id: input.campaign_id, amount: input.amount, currency, donor_name: input.donor_name, donor_email: input.donor_email, anonymous: input.anonymous,
        donor_npwp: input.donor_npwp, donor_nik: input.donor_nik },
    });
    const { leased } = await this.#inserts.submit({ donationId: donation.id, provider: input.provider, checkoutKey: key, requestSha256: fingerprint(input), currency, amountUnits });
    return { donation, leased };
  }

  /** A payment still 'creating' (a retry, or a racing request): its provider call, if its lease is free. */
  async #resume(payment: PaymentRow, provider: PaymentProvider, description: string, input: CheckoutInput): Promise<CheckoutResult> {
    const { database, config } = this.#context;
    const leased = await leasePayment(database, payment.id, config.paymentProviders.leaseMs);
    if (!leased) {
      const now = await findPaymentById(database, payment.id);
      if (now && now.status !== 'creating') return this.#answer(now, false);
      throw new AppError('checkout_in_progress', `payment ${payment.id} is being created by another request; retry with the same Idempotency-Key`, {}, 1);
    }
    return this.#call(leased, provider, description, input);
  }

  /**
   * The provider call for a payment this request holds the lease of, and its answer stored. No database
   * connection is held across the call: the lease is a row's lease_until, so the pool serves other requests
   * meanwhile. `donation` is the row the intake just wrote, when there is one: the donor cannot pay (nor any
   * webhook approve it) before this answer gives them the payment URL, so it is still as written.
   */
  async #call(leased: PaymentRow, provider: PaymentProvider, description: string, input: CheckoutInput, donation?: DonationRow): Promise<CheckoutResult> {
    const { database, config } = this.#context;
    const settings = config.paymentProviders;
    let stored: PaymentRow | undefined;
    try {
      const created = await provider.create({
        paymentId: leased.id, donationId: leased.donation_id, reference: leased.reference,
        amount: providerAmount(provider.name, minorFromProvider(provider.name, leased.amount_units, leased.currency)!, leased.currency),
        currency: leased.currency, description, donorName: input.donor_name, donorEmail: input.donor_email,
        returnUrl: `${settings.publicUrl}/give/return/${leased.id}`,
      });
      ({ stored } = await this.#stores.submit({ paymentId: leased.id, created }));
    } catch (error) {
      // The retry with the same key may go on at once: it asks the provider again, which answers the payment it
      // made (its idempotency), and stores that.
      await releaseLease(database, leased.id);
      throw error;
    }
    // Not 'creating' any more (the lease ran out and another request stored its answer): the row as it is.
    const payment = stored ?? (await findPaymentById(database, leased.id))!;
    return this.#answer(payment, true, donation);
  }

  async #answer(payment: PaymentRow, created: boolean, donation?: DonationRow): Promise<CheckoutResult> {
    const row = donation ?? await findDonation(this.#context.database, String(payment.donation_id));
    return { created, payment: paymentJson(payment), donation: donationJson(row!) };
  }
}
