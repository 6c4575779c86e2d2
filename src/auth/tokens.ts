// API tokens. A token is `amanah_<id>_<secret>`: the id finds the row, and the secret's SHA-256 is compared
// with the stored one in constant time, so neither a lookup by secret nor a byte-by-byte compare leaks timing.
// The secret is 32 random bytes, so a plain SHA-256 (not a slow password hash) is the right digest.
import { isDatabaseId } from '../http/format.ts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.ts';

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

export async function createToken(db: Queryable, name: string, role: Role): Promise<{ id: string; token: string }> {
  const secret = createSecret();
  const { rows } = await db.query<{ id: bigint }>(
    'insert into api_tokens (name, role, secret_sha256) values ($1, $2, $3) returning id',
    [name, role, sha256(secret)],
  );
  const id = String(rows[0]!.id);
  return { id, token: formatToken(id, secret) };
}

/** The principal a bearer token stands for, or undefined for an unknown, revoked or malformed token. */
export async function authenticate(db: Queryable, token: string, adminTokenSha256: Buffer | undefined): Promise<Principal | undefined> {
  const presented = sha256(token);
  if (adminTokenSha256 !== undefined && timingSafeEqual(presented, adminTokenSha256)) {
    return { tokenId: 'env', name: 'AMANAH_ADMIN_TOKEN', role: 'admin' };
  }
  const match = TOKEN_PATTERN.exec(token);
  // An id beyond bigint names no token; asked of the database it would fail the ::bigint comparison (a 500).
  if (!match || !isDatabaseId(match[1]!)) return undefined;
  const { rows } = await db.query<{ name: string; role: Role; secret_sha256: Buffer }>(
    'select name, role, secret_sha256 from api_tokens where id = $1 and revoked_at is null',
    [match[1]],
  );
  const row = rows[0];
  if (!row) return undefined;
  const secretDigest = sha256(match[2]!);
  if (!timingSafeEqual(secretDigest, Buffer.from(row.secret_sha256))) return undefined;
  return { tokenId: match[1]!, name: row.name, role: row.role };
}

export async function revokeToken(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('update api_tokens set revoked_at = now() where id = $1 and revoked_at is null', [id]);
  return rowCount > 0;
}
