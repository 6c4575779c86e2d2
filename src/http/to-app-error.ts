// Anything thrown in a request, as the registry's AppError: amanah's own, Fastify's validation and limits, the
// pool's and PostgreSQL's. Its own module, below the routes: the app's error handler and a room's own (the zakat
// page answers a refused form post as the page) both use it, and a room importing it from app.ts made a cycle.
import type { FastifyError } from 'fastify';
import { AppError, isAppError } from '../errors.ts';
import { SqlState, sqlState } from '../db/sqlstate.ts';
import { DatabaseUnavailableError, isConnectionFailure } from '../db/availability.ts';
import { fastifyAppError } from './fastify-errors.ts';

/** Turns anything thrown in a request into an AppError: our own, Fastify's validation and limits, the pool's. */
export function toAppError(error: FastifyError | Error): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors = fastifyError.validation.map((item) => ({ path: item.instancePath || '/', message: item.message ?? 'invalid' }));
    return new AppError('validation_failed', error.message, { errors });
  }
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('payload_too_large', error.message);
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AppError('unsupported_media_type', error.message);
  const fromFastify = fastifyAppError(fastifyError);
  if (fromFastify) return fromFastify;
  if (fastifyError.statusCode === 400) return new AppError('validation_failed', error.message);
  // Before the timeout below: a connection that failed or was lost is the database away, not a busy pool.
  if (isConnectionFailure(error)) return new DatabaseUnavailableError(error);
  if (/timeout exceeded when trying to connect/i.test(error.message)) {
    return new AppError('overloaded', 'no database connection became free in time', {}, 1);
  }
  const state = sqlState(error);
  if (state === SqlState.QUERY_CANCELED) return new AppError('overloaded', 'the statement timed out', {}, 1);
  return new AppError('internal_error', 'an internal error occurred; it has been logged');
}
