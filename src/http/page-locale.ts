// The language of a page a person reads, chosen as on the console (src/console/i18n.ts): ?lang= (the switch,
// remembered in the amanah_lang cookie for the next pages), the cookie, Accept-Language, else Indonesian.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOCALE_COOKIE, localeCookie, negotiateLocale, type Locale } from '../console/i18n.ts';

/** The switch is remembered for a year, as on every other page. */
const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * The viewer's locale. The answer differs by the header and the cookie, so it says so (Vary) for any cache on
 * the way; a ?lang= that names a locale sets the cookie.
 */
export function pageLocale(request: FastifyRequest, reply: FastifyReply): Locale {
  const asked = (request.query as { lang?: unknown } | undefined)?.lang;
  const query = typeof asked === 'string' ? asked : undefined;
  const locale = negotiateLocale(query, localeCookie(request.headers.cookie), request.headers['accept-language']);
  if (query === locale) reply.header('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE_SECONDS}; SameSite=Lax`);
  reply.header('vary', 'accept-language, cookie');
  return locale;
}
