// Fastify's own errors (FST_ERR_*) in the registry's terms. Fastify answers some of them itself, in its own JSON
// shape with its own code (a bad percent-encoding in the path: FST_ERR_BAD_URL), unless the app takes them as
// frameworkErrors; every one of them is a client's mistake, so each becomes a 4xx with a registered code.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import { AppError, problemOf } from '../errors.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.ts';

const BY_CODE: Readonly<Record<string, (error: FastifyError) => AppError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (error) => new AppError('payload_too_large', error.message),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (error) => new AppError('unsupported_media_type', error.message),
  FST_ERR_BAD_URL: () => new AppError('validation_failed', 'the path is not valid: a percent-encoding in it is not UTF-8', { field: 'path' }),
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('validation_failed', 'a path parameter is longer than 100 characters', { field: 'path' }),
  FST_ERR_ASYNC_CONSTRAINT: () => new AppError('validation_failed', 'the request matches no route constraint', { field: 'path' }),
  FST_ERR_NOT_FOUND: (error) => new AppError('not_found', error.message),
};

/** The AppError for a Fastify error, or undefined when `error` is not one of Fastify's client errors. */
export function fastifyAppError(error: FastifyError): AppError | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const known = BY_CODE[code];
  if (known) return known(error);
  // Any other of Fastify's 4xx (an empty or malformed JSON body, a bad Content-Length) is the request's fault.
  const status = error.statusCode ?? 0;
  if ((code.startsWith('FST_') || error.name === 'SyntaxError') && status >= 400 && status < 500) {
    return new AppError(status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'validation_failed', error.message);
  }
  return undefined;
}

/**
 * What Node's HTTP parser could not read (a malformed request line, a NUL or other control character in a
 * header, headers past the size limit, a request that took too long to arrive) never reaches Fastify's router:
 * Fastify answers it on the socket in its own JSON. This answers it as problem+json with a registered code.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const appError = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new AppError('request_timeout', 'the request did not arrive in time')
    : error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('headers_too_large', 'the request headers are larger than the server accepts')
      : new AppError('validation_failed', 'the request is not valid HTTP/1.1 (a malformed line, or a control character in a header)', { field: 'headers' });
  // The request could not be read, so its own x-request-id cannot be trusted to be there: this one is new.
  const requestId = requestIdOf(undefined);
  const body = JSON.stringify(problemOf(appError, undefined, requestId));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`
      + `Content-Type: application/problem+json\r\n${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
