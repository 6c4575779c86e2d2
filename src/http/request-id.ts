// The request id every response carries (`x-request-id`), every log line of the request and every problem
// document (`request_id`). A caller's own id is kept when it is sane, so a proxy's or a client's id follows the
// request through our logs; anything else (too long, or characters a log or a header could be fooled by) is
// replaced by a fresh one rather than refused: an id is for tracing, never a reason to turn a request away.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's id is kept up to this many characters of [A-Za-z0-9._-]; a UUID is 36. */
export const REQUEST_ID_LENGTH_MAX = 64;
const SANE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._-]{1,${REQUEST_ID_LENGTH_MAX}}$`);

/** The caller's id when it is sane, else a new random UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * A URL as it may be logged: a live-feed ticket (src/auth/tickets.ts) is a bearer credential for a minute, so
 * its value never reaches a log line; every other parameter is kept as sent. Names are compared decoded, as the
 * query parser reads them, so `?%74icket=` is redacted too.
 */
export function redactedUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const pairs = url.slice(query + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    return decodedName(name) === 'ticket' ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, query)}?${pairs.join('&')}`;
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}
