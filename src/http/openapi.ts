// The OpenAPI document's conventions, applied to every route generically so that a room's routes need only their
// own schemas: an operationId from the method and path when the route names none, `security: []` on a route
// that asks for no token (Redocly's security-defined rule wants every operation to say), errors as
// application/problem+json with the shared Problem schema, a 401 that documents its WWW-Authenticate header on
// every operation that takes a bearer token, and the Idempotency-Key header required where a route requires it.
// `redocly lint` (npm run lint) checks the result with the recommended rules; test/http/openapi.test.ts checks
// real answers against it.
import type { FastifyDynamicSwaggerOptions as SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest, FastifySchema, preValidationHookHandler } from 'fastify';
import { AppError } from '../errors.ts';

type Json = Record<string, unknown>;

const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_REF = '#/components/schemas/Problem';

const DESCRIPTION = `Donation and zakat platform.

- **Amounts** are decimal strings in the currency's major units (\`"150000.50"\`); ids are strings; fields snake_case.
- **Authentication**: \`Authorization: Bearer <token>\` on the operations marked with a lock; every other one is public.
  A missing or refused token is a 401 with \`WWW-Authenticate: Bearer\`; a token of too low a role is a 403.
- **Idempotency**: \`POST /api/donations\`, \`/api/checkout\` and \`/api/zakat/pay\` need an \`Idempotency-Key\` header:
  the same key and body again answers the first result with 200; the same key with another body is 409.
- **Lists** take \`limit\` and \`cursor\` (the \`next_cursor\` of the previous page) and answer \`has_more\`; the old
  \`after\`/\`before\` parameters still work and are deprecated.
- **Request ids**: every answer carries \`x-request-id\` (yours when it is at most 64 characters of [A-Za-z0-9._-],
  else a new one), also in the server's log lines and in every problem document as \`request_id\`.
- **Errors** are RFC 9457 \`application/problem+json\` with a stable \`code\`; the list is at [/docs/errors](/docs/errors).
  A known path asked with a method it does not take is a 405 \`method_not_allowed\` with an \`Allow\` header.`;

const WWW_AUTHENTICATE_HEADER = {
  description: 'The scheme to authenticate with: `Bearer realm="amanah"`, with `error="invalid_token"` when a token was sent and refused',
  schema: { type: 'string' },
};

/** `GET /api/campaigns/:id/donations` → `getCampaignsIdDonations`: stable, unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const words = url.split('/').filter((segment) => segment !== '' && segment !== 'api')
    .flatMap((segment) => segment.replace(/^:/, '').split(/[^A-Za-z0-9]+/)).filter((word) => word !== '');
  return method.toLowerCase() + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Errors leave as problem+json, whatever media type the generator gave their schema. */
function asProblem(response: Json): void {
  const content = isObject(response.content) ? response.content : undefined;
  if (!content) {
    response.content = { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: PROBLEM_REF } } };
    return;
  }
  const [first] = Object.values(content);
  if (content[PROBLEM_MEDIA_TYPE] === undefined) response.content = { [PROBLEM_MEDIA_TYPE]: first ?? { schema: { $ref: PROBLEM_REF } } };
}

function finishOperation(operation: Json): void {
  const responses = (isObject(operation.responses) ? operation.responses : {}) as Record<string, Json>;
  operation.responses = responses;
  // A parameter whose schema is deprecated (an old cursor name) is marked so on the parameter, where tools look.
  for (const parameter of Array.isArray(operation.parameters) ? operation.parameters : []) {
    if (isObject(parameter) && isObject(parameter.schema) && parameter.schema.deprecated === true) parameter.deprecated = true;
  }
  const bearer = Array.isArray(operation.security) && operation.security.some((requirement) => isObject(requirement) && 'bearer' in requirement);
  if (bearer && responses['401'] === undefined) responses['401'] = { description: 'A valid bearer token is required' };
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) >= 400) asProblem(response);
    if (status === '401') response.headers = { ...(isObject(response.headers) ? response.headers : {}), 'WWW-Authenticate': WWW_AUTHENTICATE_HEADER };
    // The generator's default description ("Default Response") says nothing; the status's meaning does.
    if (response.description === 'Default Response' && Number(status) >= 400) response.description = `Error ${status}: see the problem's code`;
    // A route without a response schema answers JSON of a shape the document cannot name: say so, not "no body".
    if (response.description === 'Default Response' && Number(status) < 300 && response.content === undefined) {
      response.description = 'OK (JSON; its shape is not documented)';
      response.content = { 'application/json': { schema: {} } };
    }
  }
}

/** Every operation of the document, finished as the header comment says. */
export function finishDocument(document: Json): Json {
  const paths = isObject(document.paths) ? document.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const operation of Object.values(item)) if (isObject(operation)) finishOperation(operation);
  }
  const components = (isObject(document.components) ? document.components : {}) as Json;
  components.responses = {
    ...(isObject(components.responses) ? components.responses : {}),
  };
  if (Object.keys(components.responses as Json).length === 0) delete components.responses;
  return document;
}

/** Whether an operation's security asks for a bearer token (and does not also allow none: `{}`). */
export function requiresBearer(security: unknown): boolean {
  if (!Array.isArray(security) || security.length === 0) return false;
  return security.every((requirement) => isObject(requirement) && 'bearer' in requirement);
}

async function authorizationPresent(request: FastifyRequest): Promise<void> {
  if (request.headers.authorization === undefined) {
    throw new AppError('unauthorized', 'this needs a bearer token: send "Authorization: Bearer <token>"');
  }
}

/**
 * A route documented as needing a token answers 401 to a request without one before its input is validated, so
 * an anonymous caller learns that first (and nothing about the body it sent); the token itself is still checked
 * by the route's own preHandler (src/http/auth.ts), after validation. Call before any route is added.
 */
export function requireTokenBeforeValidation(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!requiresBearer((route.schema as { security?: unknown } | undefined)?.security)) return;
    const existing = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [authorizationPresent as preValidationHookHandler, ...existing];
  });
}

/** @fastify/swagger's options: the document's head and the per-route and whole-document transforms. */
export function openApiOptions(): Partial<SwaggerOptions> {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'amanah', version: '0.1.0', description: DESCRIPTION,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (amanah token create), or AMANAH_ADMIN_TOKEN' } },
      },
    },
    transform: ({ schema, url, route }) => {
      const given = (schema ?? {}) as FastifySchema & { operationId?: string; security?: unknown[]; hide?: boolean };
      if (given.hide) return { schema: given, url };
      const method = Array.isArray(route.method) ? route.method[0]! : route.method;
      return {
        url,
        schema: { ...given, operationId: given.operationId ?? operationIdOf(method, url), security: given.security ?? [] } as FastifySchema,
      };
    },
    transformObject: (({ openapiObject }: { openapiObject: Json }) => finishDocument(openapiObject)) as SwaggerOptions['transformObject'],
  };
}
