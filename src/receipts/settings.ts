// Receipt and outbox settings (issue 15), read by config.ts and validated at start. The institution's name,
// address and permit are printed on every receipt (PER-6/PJ/2011: the institution that received the zakat) and
// frozen into each one at issue: changing them later changes only receipts issued after.
import { ConfigError } from '../config.ts';
import { integerSetting, mailFrom, smtpUrl, type Environment } from '../email/settings.ts';

export interface ReceiptsConfig {
  /** The number's first part, `<prefix>/2026/000123`. */
  readonly prefix: string;
  readonly institutionName: string;
  readonly institutionAddress: string;
  /** The permit (izin operasional) of the LAZ or BAZNAS decision that lets the institution collect zakat. */
  readonly institutionPermit: string;
  /** The time zone a receipt's year and dates are read in (IANA name). */
  readonly timeZone: string;
  /** How often the issuer drains receipt requests (0: never, e.g. a process that serves only reads). */
  readonly issueIntervalMs: number;
  /** How often the mail sender drains the outbox; it runs only when SMTP_URL is set. */
  readonly sendIntervalMs: number;
  /** Attempts per message before it is marked failed (back-off doubles from 30 s to at most 1 h). */
  readonly sendAttemptsMax: number;
  /** SMTP_URL and MAIL_FROM, read by the same rules as the portal's (src/portal/settings.ts): unset, no mail. */
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
}

/** One printable line, no longer than `lengthMax` characters. */
function line(env: Environment, name: string, fallback: string, lengthMax: number): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (raw.length > lengthMax || /[\u0000-\u001f\u007f]/.test(raw)) throw new ConfigError(name, `one line of at most ${lengthMax} characters`, raw);
  return raw;
}

function timeZone(env: Environment): string {
  const raw = env.RECEIPT_TIME_ZONE;
  if (raw === undefined || raw === '') return 'Asia/Jakarta';
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigError('RECEIPT_TIME_ZONE', 'an IANA time zone such as Asia/Jakarta', raw);
  }
  return raw;
}

function prefix(env: Environment): string {
  const raw = env.RECEIPT_PREFIX;
  if (raw === undefined || raw === '') return 'AMN';
  if (!/^[A-Z0-9][A-Z0-9-]{0,15}$/.test(raw)) throw new ConfigError('RECEIPT_PREFIX', '1 to 16 capital letters, digits or hyphens', raw);
  return raw;
}

export function parseReceipts(env: Environment): ReceiptsConfig {
  return Object.freeze({
    prefix: prefix(env),
    institutionName: line(env, 'INSTITUTION_NAME', 'amanah', 200),
    institutionAddress: line(env, 'INSTITUTION_ADDRESS', '', 300),
    institutionPermit: line(env, 'INSTITUTION_PERMIT', '', 200),
    timeZone: timeZone(env),
    issueIntervalMs: integerSetting(env, 'RECEIPT_ISSUE_INTERVAL_MS', 1_000, 0, 3_600_000),
    sendIntervalMs: integerSetting(env, 'EMAIL_SEND_INTERVAL_MS', 5_000, 100, 3_600_000),
    sendAttemptsMax: integerSetting(env, 'EMAIL_ATTEMPTS_MAX', 8, 1, 100),
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env),
  });
}
