// The settings mail shares, read by both its users: the receipts' outbox (src/receipts/settings.ts) and the donor
// portal's magic links (src/portal/settings.ts). One parser, so SMTP_URL and MAIL_FROM mean the same to both.
import { ConfigError } from '../config.ts';

export type Environment = Record<string, string | undefined>;

/** An integer setting in [min, max], or `fallback` when unset. */
export function integerSetting(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return value;
}

/** SMTP_URL, or undefined: nothing is sent. Its value (which may hold a password) is never echoed. */
export function smtpUrl(env: Environment): string | undefined {
  const raw = env.SMTP_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^smtps?:\/\/[^\s/?#]+/.test(raw)) throw new ConfigError('SMTP_URL', 'smtp://[user:password@]host:port or smtps://…, or nothing', '<hidden>');
  return raw;
}

export function mailFrom(env: Environment): string {
  const raw = env.MAIL_FROM;
  if (raw === undefined || raw === '') return 'amanah <no-reply@localhost>';
  // A display name and an address, or an address: a newline (header injection) is refused here, once.
  if (!/^[^\r\n<>]{0,100}<[^@\s<>]+@[^@\s<>]+>$|^[^@\s<>]+@[^@\s<>]+$/.test(raw)) throw new ConfigError('MAIL_FROM', 'an address, or "Name <address>"', raw);
  return raw;
}
