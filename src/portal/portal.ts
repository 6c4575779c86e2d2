// The portal's logic: magic links asked for and redeemed, sessions opened, read and closed. Times come in as
// `nowMs`, so tests move a clock instead of sleeping.
//
// A request for a link never says whether the email is known: the answer is the same, and it is given before
// amanah even looks. The lookup, the link's row and the mail happen after the answer, off the request, so the
// answer's timing does not tell either. The rate limits count unknown emails like known ones for the same reason.
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { CheckoutRateLimiter } from '../payments/rate-limit.ts';
import { emailKey } from '../text/text.ts';
import type { Mailer } from './mail.ts';
import type { PortalLocale } from './i18n.ts';
import type { PortalConfig } from './settings.ts';
import { deleteExpired, deleteSession, donorIdByEmail, findSession, findUsableLink, insertMagicLink, insertSession, markLinkUsed } from './queries.ts';
import { digest, formatCredential, newSecret, parseCredential, secretMatches, type Credential } from './tokens.ts';

/** Expired links and sessions cleared per link request: bounded work on a path anyone can call. */
const EXPIRED_ROWS_CLEARED_MAX = 100;
/** Link deliveries in flight at once per process; past it a request is answered the same, and not mailed. */
const DELIVERIES_IN_FLIGHT_MAX = 100;

export interface PortalSession { credential: Credential; donorId: bigint }

export class Portal {
  readonly #database: Database;
  readonly #config: PortalConfig;
  readonly #publicUrl: string;
  readonly #mailer: Mailer | undefined;
  readonly #limiter: CheckoutRateLimiter;
  readonly #log: FastifyBaseLogger;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: { database: Database; config: PortalConfig; publicUrl: string; mailer: Mailer | undefined; limiter: CheckoutRateLimiter; log: FastifyBaseLogger }) {
    this.#database = options.database;
    this.#config = options.config;
    this.#publicUrl = options.publicUrl;
    this.#mailer = options.mailer;
    this.#limiter = options.limiter;
    this.#log = options.log;
  }

  /** Counts the request against the IP's and the email's limits; 429 rate_limited past either. */
  async #take(ip: string, email: string, nowMs: number): Promise<void> {
    try {
      // Keys of their own ("portal:"), so link requests and checkouts never share a count.
      await this.#limiter.take(`portal:${ip}`, `portal:${emailKey(email)}`, nowMs);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'rate_limited') throw error;
      const { perIpMax, perEmailMax, windowSeconds } = this.#config.rateLimits;
      throw new AppError('rate_limited', `at most ${perIpMax} sign-in links per address and ${perEmailMax} per email each ${windowSeconds} s; retry in ${error.retryAfterSeconds} s`, {}, error.retryAfterSeconds);
    }
  }

  /** Takes a request for a link: rate-limited here, delivered (if the email is a donor's) after the answer. */
  async requestLink(email: string, ip: string, locale: PortalLocale, nowMs = Date.now()): Promise<void> {
    await this.#take(ip, email, nowMs);
    if (this.#inFlight.size >= DELIVERIES_IN_FLIGHT_MAX) {
      this.#log.warn({ inFlight: this.#inFlight.size }, 'portal: too many sign-in links in flight; this one is not sent');
      return;
    }
    const delivery = this.#deliver(email, locale, nowMs).catch((error: unknown) => {
      // Never the address: a log line is not a place for a donor's email.
      this.#log.error({ err: error instanceof Error ? { message: error.message, code: (error as { code?: string }).code } : String(error) }, 'portal: a sign-in link could not be sent');
    });
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  async #deliver(email: string, locale: PortalLocale, nowMs: number): Promise<void> {
    const now = new Date(nowMs);
    await deleteExpired(this.#database, now, EXPIRED_ROWS_CLEARED_MAX);
    const donorId = await donorIdByEmail(this.#database, email);
    if (donorId === undefined) return;
    if (this.#mailer === undefined) {
      this.#log.warn('portal: a sign-in link was asked for, but SMTP_URL is not set; nothing is sent');
      return;
    }
    const secret = newSecret();
    const id = await insertMagicLink(this.#database, donorId, digest(secret), new Date(nowMs + this.#config.linkTtlSeconds * 1000));
    const link = `${this.#publicUrl}/me/link/${formatCredential(id, secret)}`;
    await this.#mailer.sendMagicLink({ to: email, link, locale, ttlMinutes: Math.round(this.#config.linkTtlSeconds / 60) });
  }

  /** Waits for the deliveries in flight (tests, and shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  /** Spends a link (once) and opens a session; returns the cookie's value. 410 magic_link_invalid otherwise. */
  async redeemLink(token: string, nowMs = Date.now()): Promise<{ cookie: string; maxAgeSeconds: number }> {
    const now = new Date(nowMs);
    const credential = parseCredential(token);
    const invalid = new AppError('magic_link_invalid', 'the sign-in link is not valid, already used or expired: ask for a new one at /me');
    if (!credential) throw invalid;
    return this.#database.transaction(async (tx) => {
      const link = await findUsableLink(tx, credential.id, now);
      if (!link || !secretMatches(credential.secret, link.secret_sha256)) throw invalid;
      if (!(await markLinkUsed(tx, credential.id, now))) throw invalid;
      const secret = newSecret();
      const maxAgeSeconds = this.#config.sessionTtlSeconds;
      const id = await insertSession(tx, link.donor_id, digest(secret), new Date(nowMs + maxAgeSeconds * 1000));
      return { cookie: formatCredential(id, secret), maxAgeSeconds };
    });
  }

  /** The session a cookie stands for, or undefined (none, malformed, forged, expired, or its donor erased). */
  async session(cookie: string | undefined, nowMs = Date.now()): Promise<PortalSession | undefined> {
    const credential = parseCredential(cookie);
    if (!credential) return undefined;
    const stored = await findSession(this.#database, credential.id, new Date(nowMs));
    if (!stored || !secretMatches(credential.secret, stored.secret_sha256)) return undefined;
    return { credential, donorId: stored.donor_id };
  }

  async signOut(session: PortalSession): Promise<void> {
    await deleteSession(this.#database, session.credential.id);
  }

  close(): void {
    this.#mailer?.close();
    this.#limiter.close();
  }
}
