// Every text input of every route passes src/text/text.ts before a schema, a handler or the database sees it:
// path parameters (`%00` in a path decodes to U+0000), the query string and a JSON body, member names
// included. One hook instead of a rule per schema, so a route added later is covered without anyone
// remembering to. Raw bodies (an import's file, a stream) are not touched here: the import checks each cell.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { findTextFault, type TextFault } from '../text/text.ts';

function refusal(part: string, found: TextFault): AppError {
  const fault = found.field === '' ? { ...found, field: 'body' } : found;
  return new AppError('validation_failed', `${part} ${fault.field} ${fault.problem}`, {
    field: fault.field, errors: [{ path: `/${fault.field}`, message: fault.problem, in: part }],
  });
}

/** The first refused text in a request's params, query and body, as the error to answer with. */
export function requestTextFault(request: FastifyRequest): AppError | undefined {
  const params = findTextFault(request.params, '', 'line');
  if (params) return refusal('path parameter', params);
  const query = findTextFault(request.query, '', 'line');
  if (query) return refusal('query parameter', query);
  const body = findTextFault(request.body, '');
  if (body) return refusal('body member', body);
  return undefined;
}

export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const fault = requestTextFault(request);
    if (fault) throw fault;
  });
}
