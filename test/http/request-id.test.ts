// Request ids and what the log keeps. Proves: a sane x-request-id is echoed, an insane one (too long, or with
// characters outside [A-Za-z0-9._-]) is replaced by a fresh one, every answer (a 200, a cache hit, a problem)
// carries it, the problem document names it as request_id, the log lines of the request carry it as
// request_id, and a live ticket's value never appears in a logged URL (read from the captured log output).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/http/app.ts';
import { redactedUrl, requestIdOf } from '../../src/http/request-id.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import type { FastifyInstance } from 'fastify';

let testDatabase: TestDatabase;
let app: FastifyInstance;
const lines: string[] = [];

before(async () => {
  testDatabase = await createTestDatabase();
  app = await buildApp({ config: { ...testDatabase.config, logLevel: 'info' }, database: testDatabase.database, logger: true, logStream: { write: (line) => { lines.push(line); } } });
});
after(async () => { await app.close(); await testDatabase.drop(); });

test('a sane x-request-id is kept, anything else replaced; every answer and problem carries it', async () => {
  const kept = await app.inject({ url: '/api/campaigns', headers: { 'x-request-id': 'edge-42.a_b' } });
  assert.equal(kept.headers['x-request-id'], 'edge-42.a_b');
  for (const insane of ['x'.repeat(65), 'has space', 'quote"', 'new\u00e9']) {
    const replaced = await app.inject({ url: '/api/campaigns', headers: { 'x-request-id': insane } });
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/, insane);
  }
  const fresh = await app.inject('/api/campaigns');
  assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  const problem = await app.inject({ url: '/api/campaigns/no-such', headers: { 'x-request-id': 'trace-404' } });
  assert.equal(problem.statusCode, 404);
  assert.equal(problem.headers['x-request-id'], 'trace-404');
  assert.equal(problem.json().request_id, 'trace-404');
  const refused = await app.inject({ method: 'POST', url: '/api/campaigns', headers: { 'x-request-id': 'trace-401' }, payload: {} });
  assert.deepEqual([refused.statusCode, refused.json().request_id, refused.headers['www-authenticate']], [401, 'trace-401', 'Bearer realm="amanah"']);
  const wrongMethod = await app.inject({ method: 'PUT', url: '/api/campaigns', headers: { 'x-request-id': 'trace-405' } });
  assert.deepEqual([wrongMethod.statusCode, wrongMethod.json().code, wrongMethod.json().request_id], [405, 'method_not_allowed', 'trace-405']);
});

test('the log lines of a request carry its id, and a live ticket never reaches a logged URL', async () => {
  lines.length = 0;
  const ticket = 'v1.env.9999999999999.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
  for (const url of [`/api/live?ticket=${ticket}`, `/api/live?since=1&ticket=${ticket}`, `/api/live?%74icket=${ticket}`, `/api/nowhere?ticket=${ticket}`]) {
    await app.inject({ url, headers: { 'x-request-id': 'trace-ticket' } });
  }
  const logged = lines.join('');
  assert.ok(logged.length > 0, 'something was logged');
  assert.ok(!logged.includes(ticket.slice(10)), `a ticket was logged:\n${logged}`);
  const incoming = lines.map((line) => JSON.parse(line) as { request_id?: string; req?: { url: string } }).filter((entry) => entry.req);
  assert.ok(incoming.length >= 4);
  for (const entry of incoming) {
    assert.equal(entry.request_id, 'trace-ticket');
    assert.match(entry.req!.url, /icket=\[redacted\]/);
  }
});

test('redactedUrl and requestIdOf, unit by unit', () => {
  assert.equal(redactedUrl('/api/live'), '/api/live');
  assert.equal(redactedUrl('/api/live?since=3&ticket=abc&x=1'), '/api/live?since=3&ticket=[redacted]&x=1');
  assert.equal(redactedUrl('/api/live?TICKET=abc'), '/api/live?TICKET=[redacted]');
  assert.equal(redactedUrl('/api/live?%E0%A4%A=1'), '/api/live?%E0%A4%A=1');
  assert.equal(requestIdOf('a'.repeat(64)), 'a'.repeat(64));
  assert.notEqual(requestIdOf(['one', 'two']), 'one');
});
