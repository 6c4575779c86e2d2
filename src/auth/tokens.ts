// API tokens. A token is `amanah_<id>_<secret>`: the id finds the row, and the secret's SHA-256 is compared
// with the stored one in constant time, so neither a lookup by secret nor a byte-by-byte compare leaks timing.
// The secret is 32 random bytes, so a plain SHA-256 (not a slow password hash) is the right digest.
import { isDatabaseId } from '../http/format.ts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { CLI_ACTOR, type AuditActor } from '../audit/queries.ts';

export type Role = 'staff' | 'admin';
export const ROLES: readonly Role[] = ['staff', 'admin'];

export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
}

const TOKEN_PATTERN = /^amanah_([0-9]{1,19})_([A-Za-z0-9_-]{43})$/;
const SECRET_BYTES = 32;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

export function formatToken(id: string, secret: string): string {
  return `amanah_${id}_${secret}`;
}

/**
 * Makes a token and its audit row in one statement (a data-modifying CTE), so neither exists without the other.
 * The command line acts as CLI_ACTOR; the console passes the signed-in principal.
 */
export async function createToken(db: Queryable, name: string, role: Role, options: { actor?: AuditActor; expiresAt?: Date | null } = {}): Promise<{ id: string; token: string }> {
  const secret = createSecret();
  const actor = options.actor ?? CLI_ACTOR;
  const { rows } = await db.query<{ id: bigint }>(
    `with made as (
       insert into api_tokens (name, role, secret_sha256, expires_at) values ($1, $2, $3, $4) returning id, expires_at
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $5, $6, 'token.create', 'token:' || id, json_build_object('name', $1::text, 'role', $2::text, 'expires_at', expires_at)::jsonb from made
     )
     select id from made`,
    [name, role, sha256(secret), options.expiresAt ?? null, actor.tokenId, actor.name],
  );
  const id = String(rows[0]!.id);
  return { id, token: formatToken(id, secret) };
}

/** A token has been used recently enough when last_used_at is this fresh: one update a minute, not a request. */
const LAST_USED_REFRESH_SECONDS = 60;

/** The principal a bearer token stands for, or undefined for an unknown, revoked or malformed token. */
export async function authenticate(db: Queryable, token: string, adminTokenSha256: Buffer | undefined): Promise<Principal | undefined> {
  const presented = sha256(token);
  if (adminTokenSha256 !== undefined && timingSafeEqual(presented, adminTokenSha256)) {
    return { tokenId: 'env', name: 'AMANAH_ADMIN_TOKEN', role: 'admin' };
  }
  const match = TOKEN_PATTERN.exec(token);
  // An id beyond bigint names no token; asked of the database it would fail the ::bigint comparison (a 500).
  if (!match || !isDatabaseId(match[1]!)) return undefined;
  // An expired token is refused like a revoked one (migration 0014).
  const { rows } = await db.query<{ name: string; role: Role; secret_sha256: Buffer; stale: boolean }>(
    `select name, role, secret_sha256,
            (last_used_at is null or last_used_at < now() - make_interval(secs => $2)) as stale
       from api_tokens where id = $1 and revoked_at is null and (expires_at is null or expires_at > now())`,
    [match[1], LAST_USED_REFRESH_SECONDS],
  );
  const row = rows[0];
  if (!row) return undefined;
  const secretDigest = sha256(match[2]!);
  if (!timingSafeEqual(secretDigest, Buffer.from(row.secret_sha256))) return undefined;
  if (row.stale) await db.query('update api_tokens set last_used_at = now() where id = $1', [match[1]]);
  return { tokenId: match[1]!, name: row.name, role: row.role };
}

/** Revokes a token and writes its audit row in one statement; false when no active token has that id. */
export async function revokeToken(db: Queryable, id: string, actor: AuditActor = CLI_ACTOR): Promise<boolean> {
  if (!isDatabaseId(id)) return false;
  const { rows } = await db.query<{ id: bigint }>(
    `with revoked as (
       update api_tokens set revoked_at = now() where id = $1 and revoked_at is null returning id, name
     ), audit as (
       insert into audit_log (actor_token_id, actor_name, action, target, detail)
       select $2, $3, 'token.revoke', 'token:' || id, json_build_object('name', name)::jsonb from revoked
     )
     select id from revoked`, [id, actor.tokenId, actor.name]);
  return rows.length > 0;
}

export interface TokenRow {
  id: bigint;
  name: string;
  role: Role;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Tokens newest first (a deployment has tens, not millions; the bound keeps a page one screen). */
/** Tokens newest first, `limit` of them, before the id `beforeId` when paging on. */
export async function listTokens(db: Queryable, limit: number, beforeId?: bigint): Promise<TokenRow[]> {
  const { rows } = await db.query<TokenRow>(
    `select id, name, role, created_at, expires_at, last_used_at, revoked_at from api_tokens
      where ($2::bigint is null or id < $2) order by id desc limit $1`, [limit, beforeId ?? null]);
  return rows;
}
