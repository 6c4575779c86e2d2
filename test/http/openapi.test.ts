// The OpenAPI document against the server it describes. Proves four things: Redocly's recommended rules find no
// error in it; every real answer this file provokes (the happy path of each operation below, then every
// documented operation of every room called blind, with and without a token) has a documented status and
// content type and a body that validates (Ajv) against the documented schema; secured operations answer 401
// with WWW-Authenticate without a token; and an Idempotency-Key the server requires is documented as required.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPOSITORY = join(import.meta.dirname, '../..');
/** Operations whose happy path this file cannot drive in-process, with why. */
const NO_HAPPY_PATH: Record<string, string> = {
  'GET /api/live': 'Server-Sent Events on a hijacked socket: app.inject never sees the stream end (test/live covers it)',
  'GET /api/observer/stream': 'Server-Sent Events that never end (test/observer covers it)',
  'POST /api/observer/profile': 'a CPU profile of seconds (test/observer covers it)',
  'POST /api/observer/heap-snapshot': 'a heap snapshot of the whole process (test/observer covers it)',
  'POST /api/checkout': 'needs a payment provider account (test/payments drives it against a local fake provider)',
  'GET /api/payments/{id}': 'needs a checkout first (see above)',
  'POST /api/webhooks/stripe': 'needs a signed provider event (test/payments)',
  'POST /api/webhooks/midtrans': 'needs a signed provider event (test/payments)',
  'POST /api/webhooks/xendit': 'needs a signed provider event (test/payments)',
};
/**
 * The rooms whose every operation's happy path is driven below and whose mismatches fail this test. Every other
 * room's operations (distribution, portal, reports, receipts, payments, zakat fitrah: rooms being built beside
 * this one) are still called blind and checked; their mismatches are reported as diagnostics for their owners.
 */
const DRIVEN_PREFIXES = ['/api/campaigns', '/api/donations', '/api/console', '/api/tokens', '/api/audit',
  '/api/imports', '/api/exports', '/api/zakat/calculate', '/api/zakat/income', '/api/zakat/nisab-tables',
  '/api/ledger', '/api/analytics', '/api/live', '/api/observer', '/api/session'];
/** Paths under a driven prefix that belong to another room (receipts). */
const OTHER_ROOM_PATHS = ['/api/donations/{id}/tax-ids', '/api/donations/999999/tax-ids'];
const isDriven = (path: string) => !OTHER_ROOM_PATHS.includes(path.split('?')[0]!) && DRIVEN_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}?`));

/** Mismatches in the driven rooms; the others', reported and not failed. */
function driven(found: readonly string[], report: (message: string) => void): string[] {
  const ours = found.filter((problem) => isDriven(problem.split(' ')[1]!));
  for (const problem of found) if (!ours.includes(problem)) report(`other room: ${problem}`);
  return ours;
}

let t: TestApp;
let document: Json;
let ajv: Ajv2020;
const problems: string[] = [];
const happy = new Set<string>();

before(async () => {
  t = await createTestApp();
  document = (await t.app.inject('/api/openapi.json')).json();
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  ajv.addFormat('date-time', { type: 'string', validate: (text: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text) });
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addSchema(document, 'openapi.json');
});
after(async () => { await t.close(); });

const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The documented path a concrete path falls under: the one with the fewest parameters wins (literal first). */
function templateOf(path: string): string | undefined {
  const candidates = Object.keys(document.paths).filter((template) =>
    new RegExp(`^${template.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  return candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
}

/** Checks one real answer against the document; a mismatch is recorded with the request that produced it. */
function check(method: string, url: string, response: LightMyRequestResponse): void {
  const path = url.split('?')[0]!;
  const template = templateOf(path);
  const operation = template === undefined ? undefined : document.paths[template][method.toLowerCase()];
  const where = `${method} ${url} → ${response.statusCode}`;
  if (!operation) { problems.push(`${where}: no such operation documented`); return; }
  if (!response.headers['x-request-id']) problems.push(`${where}: no x-request-id`);
  const status = String(response.statusCode);
  const documented = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
  if (!documented) { problems.push(`${where}: status not documented (has ${Object.keys(operation.responses).join(', ')})`); return; }
  if (response.statusCode < 300) happy.add(`${method} ${template}`);
  const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim();
  const content = documented.content as Json | undefined;
  if (!content || response.statusCode === 204) {
    if (response.body.length > 0 && response.statusCode !== 204) problems.push(`${where}: a ${type} body where none is documented`);
    return;
  }
  if (!content[type]) { problems.push(`${where}: content type ${type} not documented (has ${Object.keys(content).join(', ')})`); return; }
  if (!type.endsWith('json')) return;
  const key = Object.keys(operation.responses).find((code) => operation.responses[code] === documented)!;
  const validate = ajv.getSchema(`openapi.json#/${pointer('paths', template!, method.toLowerCase(), 'responses', key, 'content', type, 'schema')}`)!;
  if (!validate(response.json())) problems.push(`${where}: ${ajv.errorsText(validate.errors)} in ${response.body.slice(0, 300)}`);
  if (response.statusCode === 401 && !response.headers['www-authenticate']) problems.push(`${where}: 401 without WWW-Authenticate`);
}

async function call(options: InjectOptions & { method: string; url: string }): Promise<LightMyRequestResponse> {
  const response = await t.app.inject(options);
  check(options.method, options.url, response);
  return response;
}

const admin = () => bearer(t.adminToken);
const staff = () => bearer(t.staffToken);

test('Redocly lint (recommended rules) finds no error in the document', () => {
  const directory = mkdtempSync(join(tmpdir(), 'amanah-openapi-'));
  try {
    const file = join(directory, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const run = spawnSync(process.execPath, [join(REPOSITORY, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', file, '--format=stylish'], {
      cwd: REPOSITORY, encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
    });
    const output = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, output);
    const warnings = output.split('\n').filter((line) => /\bwarning\b/.test(line) && /\d+:\d+/.test(line));
    if (warnings.length > 0) console.log(`redocly warnings:\n${warnings.join('\n')}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('the happy path of each operation answers as documented', async (t_) => {
  const campaign = (await call({
    method: 'POST', url: '/api/campaigns', headers: admin(),
    payload: { slug: 'openapi-campaign', name: 'Zakat', fund: 'zakat', currency: 'IDR', status: 'active' },
  })).json();
  const other = await createCampaign(t, { slug: 'openapi-other' });
  await call({ method: 'GET', url: '/api/campaigns?limit=1' });
  const listed = (await call({ method: 'GET', url: '/api/campaigns?limit=1' })).json();
  assert.equal(listed.has_more, true);
  await call({ method: 'GET', url: `/api/campaigns?limit=1&cursor=${listed.next_cursor}` });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}` });
  await call({ method: 'PATCH', url: `/api/campaigns/${other.id}`, headers: admin(), payload: { description: 'changed' } });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}/summary` });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}/analytics` });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}/payment-providers` });
  const give = (key: string, amount = '150000') => call({
    method: 'POST', url: '/api/donations', headers: { 'idempotency-key': key },
    payload: { campaign_id: campaign.id, amount, currency: 'IDR', donor_name: 'Aisyah', donor_email: 'aisyah@example.org' },
  });
  const ids: string[] = [];
  for (let index = 0; index < 4; index += 1) ids.push((await give(`openapi-${index}`)).json().id);
  await give('openapi-0');
  await call({ method: 'POST', url: `/api/donations/${ids[0]}/approve`, headers: staff() });
  await call({ method: 'POST', url: `/api/donations/${ids[1]}/reject`, headers: staff(), payload: { reason: 'duplicate' } });
  await call({ method: 'POST', url: `/api/donations/${ids[2]}/approve`, headers: staff() });
  await call({ method: 'POST', url: `/api/donations/${ids[2]}/refund`, headers: staff(), payload: { reason: 'asked' } });
  await call({ method: 'GET', url: `/api/donations/${ids[0]}` });
  await call({ method: 'GET', url: `/api/donations/${ids[0]}`, headers: staff() });
  await call({ method: 'GET', url: `/api/donations/${ids[0]}/history`, headers: staff() });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}/donations` });
  await call({ method: 'GET', url: `/api/campaigns/${campaign.id}/donations?status=pending&limit=1`, headers: staff() });
  const across = (await call({ method: 'GET', url: `/api/donations?status=pending&campaign=${campaign.id}&limit=1&q=aisyah@example.org`, headers: staff() })).json();
  assert.deepEqual([across.donations.length, across.has_more], [1, false]);
  await call({ method: 'GET', url: '/api/console/donations?limit=1', headers: staff() });
  await call({ method: 'POST', url: '/api/console/donations/bulk', headers: staff(), payload: { ids: [ids[3]], action: 'approve' } });
  await call({ method: 'GET', url: `/api/console/donations/${ids[3]}`, headers: staff() });
  await call({ method: 'POST', url: '/api/session', headers: staff() });
  const made = (await call({ method: 'POST', url: '/api/tokens', headers: admin(), payload: { name: 'openapi', role: 'staff' } })).json();
  await call({ method: 'GET', url: '/api/tokens?limit=1', headers: admin() });
  await call({ method: 'DELETE', url: `/api/tokens/${made.id}`, headers: admin() });
  await call({ method: 'GET', url: '/api/audit?limit=2', headers: staff() });
  await call({ method: 'GET', url: '/api/audit.csv', headers: staff() });
  await call({ method: 'GET', url: `/api/exports/donations.csv?campaign=${campaign.id}`, headers: staff() });
  const upload = await call({
    method: 'POST', url: `/api/imports?campaign=${other.slug}&currency=IDR&name=openapi.csv`, headers: { ...staff(), 'content-type': 'text/csv' },
    payload: 'donor_name,amount,donated_at\nAli,10000,2024-01-01T00:00:00Z\nBad,-1,2024-01-01T00:00:00Z\n',
  });
  const importId = upload.json().id as string;
  for (let poll = 0; poll < 100; poll += 1) {
    const run = (await call({ method: 'GET', url: `/api/imports/${importId}`, headers: staff() })).json();
    if (run.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await call({ method: 'GET', url: '/api/imports?limit=1', headers: staff() });
  await call({ method: 'GET', url: `/api/imports/${importId}/rejects`, headers: staff() });
  await call({
    method: 'POST', url: '/api/zakat/calculate',
    payload: { currency: 'IDR', nisab_basis: 'gold', gold_price_per_gram: '1500000', hawl_complete: true, assets: { cash: '120000000' } },
  });
  await call({ method: 'POST', url: '/api/zakat/income', payload: { period: 'year', income: '100000000' } });
  await call({ method: 'GET', url: '/api/zakat/nisab-tables' });
  await call({ method: 'GET', url: '/api/ledger/amil-rates', headers: staff() });
  const rate = await call({ method: 'PUT', url: '/api/ledger/amil-rates/zakat', headers: admin(), payload: { rate: '0.1' } });
  assert.equal(rate.statusCode, 200, rate.body);
  const traced = (await call({ method: 'GET', url: `/api/ledger/donations/${ids[0]}`, headers: staff() })).json();
  await call({ method: 'GET', url: `/api/ledger/entries/${traced.receipt_entry_id}`, headers: staff() });
  await call({ method: 'GET', url: '/api/ledger/accounts', headers: staff() });
  await call({ method: 'GET', url: '/api/analytics', headers: staff() });
  await call({ method: 'POST', url: '/api/live/ticket', headers: staff() });
  await call({ method: 'GET', url: '/api/live/stats', headers: staff() });
  await call({ method: 'GET', url: '/api/observer/snapshot', headers: admin() });
  await call({ method: 'GET', url: '/api/observer/history', headers: admin() });
  assert.deepEqual(driven(problems, (message) => t_.diagnostic(message)), []);
  const missing = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`))
    .filter((operation) => isDriven(operation.split(' ')[1]!))
    .filter((operation) => !happy.has(operation) && NO_HAPPY_PATH[operation] === undefined);
  assert.deepEqual(missing, [], 'operations of the driven rooms without a validated happy path');
});

test('every documented operation, of every room, answers as documented when called blind', async (t_) => {
  // Each operation with made-up ids and an empty body: whatever it answers (2xx, 4xx) must be documented.
  // Without a token a secured operation must be a 401 with WWW-Authenticate.
  problems.length = 0;
  const blind: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, Json>)) {
      const key = `${method.toUpperCase()} ${path}`;
      if (NO_HAPPY_PATH[key]?.startsWith('Server-Sent') || key.includes('profile') || key.includes('heap-snapshot')) continue;
      const url = path.replace(/\{[^}]+\}/g, '999999');
      const secured = Array.isArray(operation.security) && operation.security.some((requirement: Json) => 'bearer' in requirement)
        && !operation.security.some((requirement: Json) => Object.keys(requirement).length === 0);
      const headers: Record<string, string> = { 'idempotency-key': `blind-${blind.length}` };
      const payload = operation.requestBody ? {} : undefined;
      const withToken = await call({ method: method.toUpperCase(), url, headers: { ...headers, ...admin() }, ...(payload ? { payload } : {}) });
      blind.push(`${key} ${withToken.statusCode}`);
      assert.notEqual(withToken.statusCode, 500, `${key}: ${withToken.body}`);
      if (secured) {
        const anonymous = await call({ method: method.toUpperCase(), url, headers, ...(payload ? { payload } : {}) });
        if (anonymous.statusCode !== 401) problems.push(`${method.toUpperCase()} ${url} without a token → ${anonymous.statusCode}, not 401`);
      }
      const idempotency = (operation.parameters ?? []).find((parameter: Json) => parameter.in === 'header' && parameter.name === 'idempotency-key');
      if (idempotency && method === 'post') {
        const keyless = await t.app.inject({ method: 'POST', url, headers: admin(), ...(payload ? { payload } : {}) });
        if (keyless.json().code === 'idempotency_key_required' && !idempotency.required) problems.push(`POST ${url}: requires Idempotency-Key but documents it optional`);
      }
    }
  }
  assert.deepEqual(driven(problems, (message) => t_.diagnostic(message)), []);
});

test('a wrong method on a known path is 405 with Allow, documented as problem+json', async () => {
  // Proves the not-found handler tells an unknown method on a known path from an unknown path.
  const direct = await t.app.inject({ method: 'DELETE', url: '/api/campaigns' });
  assert.equal(direct.statusCode, 405);
  assert.equal(direct.headers.allow, 'GET, HEAD, POST');
  assert.equal(direct.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(direct.json().code, 'method_not_allowed');
  assert.equal(direct.json().request_id, direct.headers['x-request-id']);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/no-such-thing' })).statusCode, 404);
});
