// A newcomer signs in without the CLI: the first start of a database that never had a token makes one admin
// token and the server prints it once, with the address to open (as Jupyter prints its sign-in link). The CLI
// cannot make one while the server runs on PGlite (one process owns the folder, src/db/data-dir-lock.ts), so
// without this a new user has no way in. Only its SHA-256 is stored, like every token; it is never printed again.
import type { Queryable } from '../db/database.ts';
import { createSecret, formatToken, sha256 } from './tokens.ts';

export const FIRST_TOKEN_NAME = 'first-start admin';

/**
 * Creates the first admin token if the database has never had one, in one statement (two processes starting on
 * one new PostgreSQL make at most one each, never a second on a later start); undefined otherwise.
 */
export async function createFirstStartToken(db: Queryable): Promise<string | undefined> {
  const secret = createSecret();
  const { rows } = await db.query<{ id: bigint }>(
    `insert into api_tokens (name, role, secret_sha256)
     select $1, 'admin', $2 where not exists (select 1 from api_tokens) returning id`,
    [FIRST_TOKEN_NAME, sha256(secret)],
  );
  return rows[0] === undefined ? undefined : formatToken(String(rows[0].id), secret);
}

/** The lines printed once, after the server listens; a URL on 0.0.0.0 is shown as localhost, which a browser opens. */
export function firstStartMessage(url: string, token: string): string {
  const address = url.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost');
  return `\namanah: first start. Open ${address} and sign in as admin with this token (shown once; only its SHA-256 is kept):\n\n    ${token}\n\n`;
}
