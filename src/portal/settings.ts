// The donor portal's settings (issue 15), read from the environment by config.ts and validated at start like the
// rest. The magic link's address is built from AMANAH_PUBLIC_URL (the payments' setting, one public address for
// the whole site), never from the request's Host header: a forged Host would otherwise mail a donor a link to
// someone else's server, carrying a live token.
import { integerSetting, mailFrom, smtpUrl, type Environment } from '../email/settings.ts';

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

export function parsePortal(env: Environment): PortalConfig {
  return Object.freeze({
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env),
    // Issue 15: a link is good for 15 minutes; a session for an hour.
    linkTtlSeconds: integerSetting(env, 'PORTAL_LINK_TTL_SECONDS', 900, 60, 86_400),
    sessionTtlSeconds: integerSetting(env, 'PORTAL_SESSION_TTL_SECONDS', 3_600, 60, 7 * 86_400),
    rateLimits: Object.freeze({
      perIpMax: integerSetting(env, 'PORTAL_RATE_PER_IP_MAX', 20, 0, 1_000_000),
      perEmailMax: integerSetting(env, 'PORTAL_RATE_PER_EMAIL_MAX', 3, 0, 1_000_000),
      windowSeconds: integerSetting(env, 'PORTAL_RATE_WINDOW_SECONDS', 900, 1, 86_400),
    }),
  });
}
