// A mustahik's personal data (name, NIK, evidence notes) never reaches the server's log, even at trace level and
// on refused requests, nor any answer without a staff token. A real server process (amanah serve) on this
// engine, its stdout and stderr read whole.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
/** A guard, not a measurement: on two shared cores at load 20 a PGlite cold start took over a minute. */
const SERVER_READY_DEADLINE_MS = 180_000;
const NIK = '3171064508870009';
const NAME = 'Kartini Rahayuningsih';
const NOTES = 'SKTM kelurahan nomor 12/2026';

let testDatabase: TestDatabase;
let server: ChildProcess;
let base: string;
let output = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  testDatabase = await createTestDatabase();
  const port = await freePort();
  server = spawn(process.execPath, ['src/cli/main.ts', 'serve'], {
    cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, DATABASE_URL: testDatabase.url ?? 'memory://', LOG_LEVEL: 'trace', PORT: String(port), HOST: '127.0.0.1',
      AMANAH_ADMIN_TOKEN: TEST_ADMIN_TOKEN, AMANAH_SEED_DEMO: 'false', AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0',
    },
  });
  server.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  server.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const startedAt = Date.now();
  while (!output.includes('Server listening at')) {
    if (Date.now() - startedAt > SERVER_READY_DEADLINE_MS || server.exitCode !== null) throw new Error(`server did not start (exit ${server.exitCode}):\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await testDatabase.drop();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TEST_ADMIN_TOKEN) {
  const response = await fetch(`${base}${path}`, {
    method, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

test('name, NIK and evidence notes are in no log line and in no answer without a staff token', async () => {
  const created = await call('POST', '/api/distribution/mustahik', { kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir'], region: 'Jakarta Pusat', evidence_notes: NOTES, verification: 'verified' });
  assert.equal(created.status, 201, created.text);
  const id = JSON.parse(created.text).id as string;
  assert.ok(created.text.includes(NIK), 'staff read it in full');
  // Refusals with the same data in the body: a taken NIK, a malformed one, an unknown property, no token.
  assert.equal((await call('POST', '/api/distribution/mustahik', { kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir'], region: 'R' })).status, 409);
  const malformed = await call('POST', '/api/distribution/mustahik', { kind: 'person', name: NAME, nik: `${NIK.slice(0, 15)}x`, asnaf: ['fakir'], region: 'R' });
  assert.equal(malformed.status, 422);
  assert.ok(!malformed.text.includes(NIK.slice(0, 15)), 'a refusal does not echo the NIK');
  assert.equal((await call('POST', '/api/distribution/mustahik', { kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir'], region: 'R', phone: NIK })).status, 400);
  // Its staff page shows the NIK in full (its URL carries only the id); a change with the notes in its body, refused
  // (an empty region) or saved, logs none of them either.
  const record = await call('GET', `/distribution/mustahik/${id}`);
  assert.equal(record.status, 200);
  assert.ok(record.text.includes(NIK) && record.text.includes(NOTES), 'the staff page shows NIK and notes');
  assert.equal((await call('PATCH', `/api/distribution/mustahik/${id}`, { evidence_notes: `${NOTES} (diperbarui)`, region: '' })).status, 400);
  assert.equal((await call('PATCH', `/api/distribution/mustahik/${id}`, { evidence_notes: NOTES, region: 'Jakarta Pusat' })).status, 200);

  const publicAnswers = [
    await call('GET', `/api/distribution/mustahik/${id}`, undefined, null),
    await call('GET', '/api/distribution/mustahik', undefined, null),
    await call('POST', '/api/distribution/mustahik', { kind: 'person', name: NAME, nik: NIK, asnaf: ['fakir'], region: 'R' }, null),
    await call('GET', '/api/campaigns', undefined, null),
    await call('GET', '/docs/json', undefined, null),
    await call('GET', '/', undefined, null),
    await call('GET', `/distribution/mustahik/${id}`, undefined, null),
  ];
  assert.equal(publicAnswers[0]!.status, 401);
  assert.equal(publicAnswers[2]!.status, 401);
  for (const answer of publicAnswers) {
    for (const secret of [NIK, NAME, NOTES]) assert.ok(!answer.text.includes(secret), `a public answer holds ${secret}`);
  }
  // The log has had every one of these requests (trace level): none of the data is in it.
  assert.ok(output.includes('/api/distribution/mustahik'), 'the requests were logged');
  for (const secret of [NIK, NAME, NOTES]) assert.ok(!output.includes(secret), `the log holds ${secret}`);
});
