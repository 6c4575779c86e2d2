// The live stream and the dashboard show each donation with the name and anonymity given with it: a later gift
// under the same email changes neither the queue's snapshot nor its updates, and no name reaches the public.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { createTestDatabase, testConfig, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { openStream, type SseEvent } from './sse-client.ts';

let testDatabase: TestDatabase;
let app: FastifyInstance;
let url: string;
let staffToken: string;

before(async () => {
  testDatabase = await createTestDatabase();
  app = await buildApp({ config: testConfig({ DATABASE_URL: testDatabase.url ?? 'memory://' }), database: testDatabase.database, live: { flushIntervalMs: 100 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  staffToken = (await createToken(testDatabase.database, 'live anonymity staff', 'staff')).token;
  const campaign = await post('/api/campaigns', { slug: 'live-anon', name: 'Live anonymity', fund: 'sadaqah', currency: 'USD', status: 'active' }, TEST_ADMIN_TOKEN);
  assert.equal(campaign.status, 201);
});

after(async () => {
  await app.close();
  await testDatabase.drop();
});

async function post(path: string, body: unknown, token: string | undefined, key?: string): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}), ...(key ? { 'idempotency-key': key } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

let serial = 0;
async function give(body: Record<string, unknown>): Promise<string> {
  const response = await post('/api/donations', { campaign_id: 'live-anon', currency: 'USD', donor_email: 'sam@example.org', ...body }, undefined, `live-anon-${process.pid}-${serial++}`);
  assert.equal(response.status, 201);
  return ((await response.json()) as { id: string }).id;
}

async function staffStream() {
  const ticket = ((await (await post('/api/live/ticket', undefined, staffToken)).json()) as { ticket: string }).ticket;
  return openStream(`${url}/api/live?ticket=${ticket}`);
}

type QueueItem = { id: string; donor_name: string | null };
const snapshotQueue = (event: SseEvent) => event.json<{ queue: { reset?: { items: QueueItem[] }; items?: QueueItem[] } }>().queue;

test('the staff queue keeps each donation\'s own name and anonymity, in the snapshot and in updates; the public stream names no one', async () => {
  // Proves the scenario on the live surfaces, both ways round: anonymous then named, named then anonymous.
  const anyone = await openStream(`${url}/api/live`);
  const watching = await staffStream();
  await watching.waitFor((event) => event.event === 'snapshot');
  const hidden = await give({ amount: '10.00', anonymous: true, donor_name: 'Sam Secret' });
  const named = await give({ amount: '20.00', donor_name: 'Sam Public' });
  const hiddenLater = await give({ amount: '30.00', anonymous: true, donor_name: 'Sam Again' });
  const added = new Map<string, string | null>();
  for (const id of [hidden, named, hiddenLater]) {
    const event = await watching.waitFor((candidate) => candidate.event === 'update' && candidate.data.includes(`"id":"${id}"`));
    const item = event.json<{ queue: { add: QueueItem[] } }>().queue.add.find((candidate) => candidate.id === id)!;
    added.set(id, item.donor_name);
  }
  assert.deepEqual([added.get(hidden), added.get(named), added.get(hiddenLater)], [null, 'Sam Public', null]);
  // A stream opened now reads the queue afresh: still each donation's own choice.
  const late = await staffStream();
  const snapshot = await late.waitFor((event) => event.event === 'snapshot');
  const queue = snapshotQueue(snapshot);
  const items = queue.items ?? queue.reset?.items ?? [];
  const names = new Map(items.map((item) => [item.id, item.donor_name]));
  assert.deepEqual([names.get(hidden), names.get(named), names.get(hiddenLater)], [null, 'Sam Public', null]);
  for (const text of [watching.text, late.text]) assert.ok(!text.includes('Sam Secret') && !text.includes('Sam Again'));
  for (const id of [hidden, named, hiddenLater]) assert.equal((await post(`/api/donations/${id}/approve`, undefined, staffToken)).status, 200);
  await anyone.waitFor((event) => event.event === 'update' && event.data.includes('"raised":"60.00"'));
  assert.ok(!anyone.text.includes('Sam'), 'the public stream carries no donor names');
  const dashboard = await (await fetch(`${url}/`)).text();
  assert.ok(!dashboard.includes('Sam'));
  for (const stream of [anyone, watching, late]) stream.close();
});
