// The donor portal's settings (issue 15), read from the environment by config.ts and validated at start like the
// rest. The magic link's address is built from AMANAH_PUBLIC_URL (the payments' setting, one public address for
// the whole site), never from the request's Host header: a forged Host would otherwise mail a donor a link to
// someone else's server, carrying a live token.
import { ConfigError } from '../config.ts';

type Environment = Record<string, string | undefined>;

export interface PortalConfig {
  /** `smtp://user:password@host:port` or `smtps://…`; unset, no magic link can be mailed (the request says so in the log). */
  readonly smtpUrl: string | undefined;
  /** The From of every message the portal sends. */
  readonly mailFrom: string;
  readonly linkTtlSeconds: number;
  readonly sessionTtlSeconds: number;
  /** Magic-link requests allowed per IP and per email in each window (0: no limit of that kind). */
  readonly rateLimits: { readonly perIpMax: number; readonly perEmailMax: number; readonly windowSeconds: number };
}

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return value;
}

function smtpUrl(env: Environment): string | undefined {
  const raw = env.SMTP_URL;
  if (raw === undefined || raw === '') return undefined;
  if (!/^smtps?:\/\/[^\s/?#]+/.test(raw)) throw new ConfigError('SMTP_URL', 'smtp://[user:password@]host:port or smtps://…, or nothing', '<hidden>');
  return raw;
}

function mailFrom(env: Environment): string {
  const raw = env.MAIL_FROM;
  if (raw === undefined || raw === '') return 'amanah <no-reply@localhost>';
  // A display name and an address, or an address: header injection (a newline) is refused here, once.
  if (!/^[^\r\n<>]{0,100}<[^@\s<>]+@[^@\s<>]+>$|^[^@\s<>]+@[^@\s<>]+$/.test(raw)) throw new ConfigError('MAIL_FROM', 'an address, or "Name <address>"', raw);
  return raw;
}

export function parsePortal(env: Environment): PortalConfig {
  return Object.freeze({
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env),
    // Issue 15: a link is good for 15 minutes; a session for an hour.
    linkTtlSeconds: integer(env, 'PORTAL_LINK_TTL_SECONDS', 900, 60, 86_400),
    sessionTtlSeconds: integer(env, 'PORTAL_SESSION_TTL_SECONDS', 3_600, 60, 7 * 86_400),
    rateLimits: Object.freeze({
      perIpMax: integer(env, 'PORTAL_RATE_PER_IP_MAX', 20, 0, 1_000_000),
      perEmailMax: integer(env, 'PORTAL_RATE_PER_EMAIL_MAX', 3, 0, 1_000_000),
      windowSeconds: integer(env, 'PORTAL_RATE_WINDOW_SECONDS', 900, 1, 86_400),
    }),
  });
}
