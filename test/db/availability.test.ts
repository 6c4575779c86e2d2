// Proves that the errors of a database that is away (refused, reset, terminated, shutting down, starting up)
// are told apart from a statement's own errors, which keep their meaning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseUnavailableError, isConnectionFailure, isDatabaseUnavailable, retryWhileUnavailable } from '../../src/db/availability.ts';
import { toAppError } from '../../src/http/to-app-error.ts';

function withCode(message: string, code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

test('connection failures are the database away; statement errors are not', () => {
  const away = [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', { syscall: 'connect' }),
    withCode('read ECONNRESET', 'ECONNRESET', { syscall: 'read' }),
    withCode('connect ENOENT /tmp/.s.PGSQL.5432', 'ENOENT', { syscall: 'connect' }),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('terminating connection because of crash of another server process', '57P02'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated due to connection timeout', { cause: new Error('timeout') }),
    new Error('Client has encountered a connection error and is not queryable'),
  ];
  for (const error of away) assert.ok(isConnectionFailure(error), error.message);
  const statements = [
    withCode('duplicate key value violates unique constraint', '23505'),
    withCode('canceling statement due to statement timeout', '57014'),
    withCode('deadlock detected', '40P01'),
    new Error('timeout exceeded when trying to connect'),
    new TypeError('x is undefined'),
    new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED', { syscall: 'connect' }) }),
  ];
  for (const error of statements) assert.ok(!isConnectionFailure(error), error.message);
});

test('a connection failure answers 503 database_unavailable with Retry-After', () => {
  const problem = toAppError(new Error('Connection terminated unexpectedly'));
  assert.equal(problem.code, 'database_unavailable');
  assert.equal(problem.status, 503);
  assert.ok(problem.retryAfterSeconds !== undefined && problem.retryAfterSeconds > 0);
  assert.ok(isDatabaseUnavailable(new DatabaseUnavailableError(new Error('x'))));
  assert.equal(toAppError(new Error('timeout exceeded when trying to connect')).code, 'overloaded', 'a busy pool is not an outage');
});

test('retryWhileUnavailable retries only a database that is away, within its wait', async () => {
  let calls = 0;
  const value = await retryWhileUnavailable(async () => {
    calls += 1;
    if (calls < 3) throw withCode('connect ECONNREFUSED', 'ECONNREFUSED', { syscall: 'connect' });
    return 'done';
  }, { delayMsMin: 1, delayMsMax: 2, waitMsMax: 1_000 });
  assert.deepEqual({ value, calls }, { value: 'done', calls: 3 });
  await assert.rejects(retryWhileUnavailable(async () => { throw withCode('duplicate', '23505'); }, { delayMsMin: 1, delayMsMax: 2, waitMsMax: 1_000 }), /duplicate/);
  await assert.rejects(retryWhileUnavailable(async () => { throw new Error('Connection terminated unexpectedly'); }, { delayMsMin: 1, delayMsMax: 2, waitMsMax: 0 }), /terminated/);
});
