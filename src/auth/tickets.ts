// Stream tickets: how a browser's EventSource, which cannot send an Authorization header, proves it is staff.
//
// The alternative was the bearer token itself in the stream's query string. URLs are written to access logs
// (Fastify's request log included), proxy logs and browser history, so that would copy a long-lived credential
// that can approve donations into every log line of every reconnect. A ticket is good for one thing (opening
// the live stream, read-only) for LIVE_TICKET_TTL_MS, so a leaked one is worth little and soon worth nothing.
//
// A ticket is `v1.<tokenId>.<expiresAtMs>.<mac>`, the MAC an HMAC-SHA256 keyed with the token's stored secret
// digest (or the admin token's digest for the environment token). Any amanah process on the same database can
// check it without shared state or a secret of its own, and revoking the token voids its tickets at once,
// since the key is read only while the token is not revoked. The price: someone holding a copy of the
// api_tokens table could mint tickets, which would show them the pending queue, already in that database.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import type { Principal, Role } from './tokens.ts';

/** A ticket opens the stream for this long; the browser's automatic reconnects within it need no new one. */
export const LIVE_TICKET_TTL_MS = 60_000;
const TICKET_PATTERN = /^v1\.(env|[0-9]{1,19})\.([0-9]{13})\.([A-Za-z0-9_-]{43})$/;
const ENVIRONMENT_TOKEN_ID = 'env';

function mac(key: Buffer, tokenId: string, expiresAtMs: number): string {
  return createHmac('sha256', key).update(`amanah-live-ticket.v1.${tokenId}.${expiresAtMs}`).digest('base64url');
}

interface TicketKey { key: Buffer; role: Role; name: string }

async function ticketKey(db: Queryable, tokenId: string, adminTokenSha256: Buffer | undefined): Promise<TicketKey | undefined> {
  if (tokenId === ENVIRONMENT_TOKEN_ID) {
    return adminTokenSha256 === undefined ? undefined : { key: adminTokenSha256, role: 'admin', name: 'AMANAH_ADMIN_TOKEN' };
  }
  const { rows } = await db.query<{ name: string; role: Role; secret_sha256: Buffer }>(
    'select name, role, secret_sha256 from api_tokens where id = $1 and revoked_at is null', [tokenId]);
  const row = rows[0];
  return row === undefined ? undefined : { key: Buffer.from(row.secret_sha256), role: row.role, name: row.name };
}

export interface Ticket { ticket: string; expiresAt: Date }

/** Issues a ticket for an authenticated principal. */
export async function issueTicket(db: Queryable, principal: Principal, adminTokenSha256: Buffer | undefined, nowMs = Date.now()): Promise<Ticket> {
  const found = await ticketKey(db, principal.tokenId, adminTokenSha256);
  if (found === undefined) throw new Error(`token ${principal.tokenId} authenticated but has no key`);
  const expiresAtMs = nowMs + LIVE_TICKET_TTL_MS;
  return { ticket: `v1.${principal.tokenId}.${expiresAtMs}.${mac(found.key, principal.tokenId, expiresAtMs)}`, expiresAt: new Date(expiresAtMs) };
}

/** The principal a ticket stands for, or undefined when it is malformed, expired, forged or its token revoked. */
export async function verifyTicket(db: Queryable, ticket: string, adminTokenSha256: Buffer | undefined, nowMs = Date.now()): Promise<Principal | undefined> {
  const match = TICKET_PATTERN.exec(ticket);
  if (!match) return undefined;
  const [, tokenId, expiresText, presented] = match as unknown as [string, string, string, string];
  const expiresAtMs = Number(expiresText);
  if (expiresAtMs <= nowMs || expiresAtMs > nowMs + LIVE_TICKET_TTL_MS) return undefined;
  const found = await ticketKey(db, tokenId, adminTokenSha256);
  if (found === undefined) return undefined;
  const expected = Buffer.from(mac(found.key, tokenId, expiresAtMs));
  const given = Buffer.from(presented);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return { tokenId, name: found.name, role: found.role };
}
