// Magic links, sessions and their CSRF tokens. A link or a session is `<id>.<secret>`: the id finds the row, and
// the SHA-256 of the 32-byte random secret is compared with the stored digest in constant time (timingSafeEqual),
// so neither a lookup by secret nor a byte-by-byte compare leaks timing, as with API tokens (src/auth/tokens.ts).
// 32 random bytes are 256 bits: a plain SHA-256, not a slow password hash, is the right digest.
//
// CSRF: the session cookie is SameSite=Lax, so another site's form POST does not carry it; on top of that every
// POST made in a session carries a token derived from the session's own secret (HMAC), which a page of another
// origin cannot read. Nothing to store: the server recomputes it from the cookie.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isDatabaseId } from '../http/format.ts';

const SECRET_BYTES = 32;
const CREDENTIAL_PATTERN = /^([0-9]{1,19})\.([A-Za-z0-9_-]{43})$/;

export interface Credential { id: string; secret: string }

export function newSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function formatCredential(id: bigint | string, secret: string): string {
  return `${id}.${secret}`;
}

/** The id and secret of `<id>.<secret>`, or undefined for anything else (an id beyond bigint included). */
export function parseCredential(text: string | undefined): Credential | undefined {
  const match = CREDENTIAL_PATTERN.exec(text ?? '');
  if (!match || !isDatabaseId(match[1]!)) return undefined;
  return { id: match[1]!, secret: match[2]! };
}

/** Whether the secret's digest is the stored one, in constant time. */
export function secretMatches(secret: string, storedSha256: Buffer | Uint8Array): boolean {
  const stored = Buffer.from(storedSha256);
  const presented = digest(secret);
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** The CSRF token of a session: an HMAC of its id keyed by its secret. */
export function csrfToken(session: Credential): string {
  return createHmac('sha256', session.secret).update(`amanah-portal-csrf.v1.${session.id}`).digest('base64url');
}

export function csrfMatches(session: Credential, presented: string | undefined): boolean {
  const expected = Buffer.from(csrfToken(session));
  const given = Buffer.from(presented ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
