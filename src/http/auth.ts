// Bearer-token authentication as a preHandler that routes opt into: only the routes that need a role pay
// for the token lookup.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { authenticate, type Principal, type Role } from '../auth/tokens.ts';
import type { Database } from '../db/database.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

const ROLE_RANK: Record<Role, number> = { staff: 1, admin: 2 };

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return match?.[1];
}

/** Resolves the caller's principal when a token is sent (undefined otherwise); a bad token is a 401. */
export async function optionalPrincipal(request: FastifyRequest, database: Database, adminTokenSha256: Buffer | undefined): Promise<Principal | undefined> {
  if (request.principal) return request.principal;
  const token = bearer(request);
  if (token === undefined) {
    if (request.headers.authorization) throw new AppError('unauthorized', 'the Authorization header must be "Bearer <token>"');
    return undefined;
  }
  const principal = await authenticate(database, token, adminTokenSha256);
  if (!principal) throw new AppError('unauthorized', 'the bearer token is unknown or revoked');
  request.principal = principal;
  return principal;
}

/** A preHandler that admits callers with at least `role`. */
export function requireRole(role: Role, database: Database, adminTokenSha256: Buffer | undefined) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const principal = await optionalPrincipal(request, database, adminTokenSha256);
    if (!principal) throw new AppError('unauthorized', `this needs a ${role} token: send "Authorization: Bearer <token>"`);
    if (ROLE_RANK[principal.role] < ROLE_RANK[role]) throw new AppError('forbidden', `this needs a ${role} token; yours is ${principal.role}`);
  };
}

/** The actor name written to status histories: which token did it. */
export function actorOf(principal: Principal | undefined): string {
  return principal ? `token:${principal.tokenId}:${principal.name}` : 'anonymous';
}
