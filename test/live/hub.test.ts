// The live hub against the real app on a real port, read by a real HTTP client: coalescing, resuming by
// Last-Event-ID, resync after overflow, the subscriber limit, and what the staff and public streams carry.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createToken, revokeToken } from '../../src/auth/tokens.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import type { Database } from '../../src/db/database.ts';
import type { LiveOptions, LiveStats } from '../../src/live/hub.ts';
import { createTestDatabase, testConfig, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';
import { openStream, type SseEvent } from './sse-client.ts';

interface LiveApp {
  url: string;
  app: FastifyInstance;
  database: Database;
  changes: ChangeFeed;
  staffToken: string;
  staffTokenId: string;
  statements: string[];
  close(): Promise<void>;
}

const databases: TestDatabase[] = [];
const apps: LiveApp[] = [];

/** An app listening on a loopback port; every SQL text it sends is recorded, to count the hub's reads. */
async function startApp(live: Partial<LiveOptions> = {}, overrides: Record<string, string> = {}): Promise<LiveApp> {
  const testDatabase = await createTestDatabase();
  databases.push(testDatabase);
  const statements: string[] = [];
  const inner = testDatabase.database;
  const database: Database = {
    engine: inner.engine,
    query: (text, params) => { statements.push(text); return inner.query(text, params); },
    transaction: inner.transaction.bind(inner),
    execute: inner.execute.bind(inner),
    listen: inner.listen.bind(inner),
    poolStats: inner.poolStats.bind(inner),
    close: inner.close.bind(inner),
  };
  const changes = new ChangeFeed();
  const config = testConfig({ ...overrides, DATABASE_URL: testDatabase.url ?? 'memory://' });
  const app = await buildApp({ config, database, changes, live });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const { id, token } = await createToken(inner, 'live test staff', 'staff');
  const started: LiveApp = { url: `http://127.0.0.1:${port}`, app, database: inner, changes, staffToken: token, staffTokenId: id, statements, close: () => app.close() };
  apps.push(started);
  return started;
}

after(async () => {
  for (const app of apps) await app.close();
  for (const database of databases) await database.drop();
});

async function api(live: LiveApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${live.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function createCampaign(live: LiveApp, slug: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await api(live, 'POST', '/api/campaigns', { slug, name: `Campaign ${slug}`, fund: 'sadaqah', currency: 'IDR', status: 'active', goal: '1000000.00', ...extra });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

let keySerial = 0;
async function donate(live: LiveApp, campaignId: string, amount: string, donorName = 'Donor'): Promise<string> {
  const response = await api(live, 'POST', '/api/donations', { campaign_id: campaignId, amount, currency: 'IDR', donor_name: donorName },
    { 'idempotency-key': `live-test-${process.pid}-${keySerial++}` });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { id: string }).id;
}

async function approve(live: LiveApp, donationId: string): Promise<void> {
  const response = await api(live, 'POST', `/api/donations/${donationId}/approve`);
  assert.equal(response.status, 200, await response.clone().text());
}

async function ticketFor(live: LiveApp, token: string): Promise<string> {
  const response = await api(live, 'POST', '/api/live/ticket', undefined, { authorization: `Bearer ${token}` });
  assert.equal(response.status, 200);
  return ((await response.json()) as { ticket: string }).ticket;
}

async function stats(live: LiveApp): Promise<LiveStats> {
  return (await (await api(live, 'GET', '/api/live/stats')).json()) as LiveStats;
}

interface CampaignJson { id: string; raised: string; donations: number; name: string }

function campaignIn(event: SseEvent, id: string): CampaignJson | undefined {
  return event.json<{ campaigns?: CampaignJson[] }>().campaigns?.find((campaign) => campaign.id === id);
}

function seq(event: SseEvent): number {
  return Number(event.id!.split('-')[1]);
}

let live: LiveApp;
before(async () => {
  live = await startApp({ flushIntervalMs: 500 });
});

test('a burst of approvals reaches each subscriber as a few coalesced updates, read once per flush for all', async () => {
  // Proves: many changes become fewer events than changes, each subscriber gets the final totals, and the hub
  // reads the changed campaigns once per flush, not once per subscriber.
  const campaignId = await createCampaign(live, 'coalesce');
  const donationIds: string[] = [];
  for (let index = 0; index < 30; index += 1) donationIds.push(await donate(live, campaignId, '1000.00'));
  const streams = await Promise.all(Array.from({ length: 5 }, () => openStream(`${live.url}/api/live`)));
  for (const stream of streams) await stream.waitFor((event) => event.event === 'snapshot');
  const campaignReadsBefore = live.statements.filter((text) => text.includes('from campaigns where id = any')).length;

  await Promise.all(donationIds.map((id) => approve(live, id)));

  for (const stream of streams) {
    const last = await stream.waitFor((event) => event.event === 'update' && campaignIn(event, campaignId)?.donations === 30);
    assert.equal(campaignIn(last, campaignId)!.raised, '30000.00');
    const updates = stream.events.filter((event) => event.event === 'update');
    assert.ok(updates.length < donationIds.length / 2, `30 approvals arrived as ${updates.length} updates`);
  }
  const updateIds = new Set(streams.flatMap((stream) => stream.events.filter((event) => event.event === 'update').map((event) => event.id)));
  const campaignReads = live.statements.filter((text) => text.includes('from campaigns where id = any')).length - campaignReadsBefore;
  assert.ok(campaignReads <= updateIds.size, `${campaignReads} campaign reads for ${updateIds.size} updates sent to 5 subscribers`);
  for (const stream of streams) stream.close();
});

test('a reconnect with Last-Event-ID receives exactly the events it missed, in order', async () => {
  // Proves: resuming neither loses nor repeats an event, and needs no snapshot while the ring holds the id.
  const campaignId = await createCampaign(live, 'resume');
  const staffTicket = await ticketFor(live, live.staffToken);
  const watcher = await openStream(`${live.url}/api/live?ticket=${staffTicket}`);
  const leaver = await openStream(`${live.url}/api/live?ticket=${staffTicket}`);
  await watcher.waitFor((event) => event.event === 'snapshot');
  const first = await donate(live, campaignId, '500.00', 'Before the drop');
  const seen = await leaver.waitFor((event) => event.event === 'update' && event.data.includes(`"id":"${first}"`));
  await watcher.waitFor((event) => event.id === seen.id);
  leaver.close();

  const missedFrom = watcher.events.length;
  const second = await donate(live, campaignId, '700.00', 'While away');
  await approve(live, first);
  await approve(live, second);
  await watcher.waitFor((event) => event.event === 'update' && campaignIn(event, campaignId)?.donations === 2, missedFrom);
  const missed = watcher.events.slice(missedFrom).filter((event) => seq(event) > seq(seen));

  const back = await openStream(`${live.url}/api/live?ticket=${staffTicket}`, { 'last-event-id': seen.id! });
  await back.waitFor((event) => event.id === missed.at(-1)!.id);
  assert.deepEqual(back.events.map((event) => event.id), missed.map((event) => event.id), 'the same ids, none repeated, none lost');
  assert.deepEqual(back.events.map((event) => event.data), missed.map((event) => event.data));
  assert.ok(back.events.every((event) => event.event === 'update'));

  const stranger = await openStream(`${live.url}/api/live`, { 'last-event-id': 'otherprocess-7' });
  const resync = await stranger.waitFor(() => true);
  assert.equal(resync.event, 'resync', 'an id from another process cannot be resumed, so a full picture is sent');
  for (const stream of [watcher, back, stranger]) stream.close();
});

test('updates carry a campaign whole only when its description may be new to someone, else just its totals', async () => {
  // Proves: the slim form is used in steady state, and a rename (or a fresh snapshot) brings the whole view back.
  const campaignId = await createCampaign(live, 'slim');
  const first = await donate(live, campaignId, '100.00');
  const second = await donate(live, campaignId, '200.00');
  const stream = await openStream(`${live.url}/api/live`);
  await stream.waitFor((event) => event.event === 'snapshot');
  await approve(live, first);
  const whole = campaignIn(await stream.waitFor((event) => campaignIn(event, campaignId)?.donations === 1), campaignId)!;
  assert.equal(whole.name, 'Campaign slim', 'the first update after a snapshot is whole');
  await approve(live, second);
  const slim = campaignIn(await stream.waitFor((event) => campaignIn(event, campaignId)?.donations === 2), campaignId)!;
  assert.deepEqual(Object.keys(slim).sort(), ['donations', 'donors', 'id', 'percent', 'raised', 'raised_display']);
  assert.equal(slim.raised, '300.00');
  const renamed = await api(live, 'PATCH', `/api/campaigns/${campaignId}`, { name: 'Slim, renamed' });
  assert.equal(renamed.status, 200, await renamed.text());
  const after = await stream.waitFor((event) => campaignIn(event, campaignId)?.name === 'Slim, renamed');
  assert.equal(campaignIn(after, campaignId)!.raised, '300.00');
  stream.close();
});

test('a subscriber that stops reading is cut off at its buffer limit and later gets a resync', async () => {
  // Proves: a stalled client costs the server a bounded buffer, others keep receiving every event in order,
  // and once the stalled client reads again it is given a resync rather than a partial history.
  const small = await startApp({ flushIntervalMs: 10, ringEventsMax: 4, clientBufferBytesMax: 16 * 1024 });
  // 250 campaigns with long names: a change to all of them is one update of about 100 KB.
  await small.database.query(
    `insert into campaigns (slug, name, fund, currency, status)
     select 'bulk-' || n, repeat('Long campaign name ', 10) || n, 'general', 'IDR', 'active' from generate_series(1, 250) n`);
  const stalled = await openStream(`${small.url}/api/live`);
  const reader = await openStream(`${small.url}/api/live`);
  await stalled.waitFor((event) => event.event === 'snapshot');
  await reader.waitFor((event) => event.event === 'snapshot');
  stalled.response.pause();

  const touchAll = () => small.changes.transaction(small.database, async (tx, changes) => {
    // Renaming (back and forth) makes every update carry whole campaign views, not just their totals.
    const { rows } = await tx.query<{ id: bigint }>(
      `update campaigns set name = case when name like '%!' then rtrim(name, '!') else name || '!' end
        where slug like 'bulk-%' returning id`);
    for (const row of rows) changes.campaign(row.id);
  });
  let lagging = false;
  let extraEvents = 0;
  for (let round = 0; round < 400 && extraEvents <= 5; round += 1) {
    const count = reader.events.length;
    await touchAll();
    await reader.waitFor((event) => event.event === 'update', count);
    lagging ||= (await stats(small)).laggingSubscribers === 1;
    if (lagging) extraEvents += 1;
  }
  assert.ok(lagging, 'the stalled subscriber was held at its buffer limit');

  const resumedFrom = stalled.events.length;
  stalled.response.resume();
  const resync = await stalled.waitFor((event) => event.event === 'resync', resumedFrom);
  assert.ok(resync.json<{ campaigns: unknown[] }>().campaigns.length >= 250);
  const afterResync = stalled.events.slice(stalled.events.indexOf(resync) + 1);
  assert.ok(afterResync.every((event) => seq(event) > seq(resync)), 'nothing older than the resync follows it');
  const readerSeqs = reader.events.filter((event) => event.event === 'update').map(seq);
  assert.deepEqual(readerSeqs, readerSeqs.map((_value, index) => readerSeqs[0]! + index), 'the reader missed nothing');
  stalled.close();
  reader.close();
});

test('past the subscriber limit the stream answers 503 with Retry-After, and takes subscribers again when one leaves', async () => {
  // Proves: AMANAH_LIVE_SUBSCRIBERS_MAX bounds the streams one process holds.
  const limited = await startApp({}, { AMANAH_LIVE_SUBSCRIBERS_MAX: '2' });
  const first = await openStream(`${limited.url}/api/live`);
  const second = await openStream(`${limited.url}/api/live`);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200);
  const refused = await fetch(`${limited.url}/api/live`);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '5');
  assert.equal(((await refused.json()) as { code: string }).code, 'overloaded');
  assert.equal((await stats(limited)).rejected, 1);
  const head = await fetch(`${limited.url}/api/live`, { method: 'HEAD' });
  assert.equal(head.status, 503, 'HEAD answers as GET would, without opening a stream');

  first.close();
  for (let attempt = 0; attempt < 100 && (await stats(limited)).subscribers > 1; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  const third = await openStream(`${limited.url}/api/live`);
  assert.equal(third.status, 200);
  second.close();
  third.close();
});

test('the staff stream carries the queue with donor names; the public stream never does', async () => {
  // Proves: pending donations (and their donors' names) reach only ticket holders, and tickets are checked.
  const campaignId = await createCampaign(live, 'queue', { status: 'active' });
  const draftId = await createCampaign(live, 'draft-only', { status: 'draft' });
  const staff = await openStream(`${live.url}/api/live?ticket=${await ticketFor(live, live.staffToken)}`);
  const anyone = await openStream(`${live.url}/api/live`);
  const staffSnapshot = await staff.waitFor((event) => event.event === 'snapshot');
  const publicSnapshot = await anyone.waitFor((event) => event.event === 'snapshot');
  assert.ok(campaignIn(staffSnapshot, draftId), 'staff see drafts');
  assert.equal(campaignIn(publicSnapshot, draftId), undefined, 'the public does not');
  assert.equal(publicSnapshot.json<{ queue?: unknown }>().queue, undefined);

  const name = 'Siti "<script>alert(1)</script>", & co';
  const donationId = await donate(live, campaignId, '2500.00', name);
  const added = await staff.waitFor((event) => event.event === 'update' && event.data.includes(`"id":"${donationId}"`));
  const item = added.json<{ queue: { add: { id: string; donor_name: string; amount_display: string }[] } }>().queue.add[0]!;
  assert.equal(item.donor_name, name);
  assert.equal(item.amount_display, 'Rp\u00a02.500,00');
  await approve(live, donationId);
  const removed = await staff.waitFor((event) => event.event === 'update' && event.data.includes('"remove"'));
  assert.deepEqual(removed.json<{ queue: { remove: unknown[] } }>().queue.remove, [{ id: donationId, status: 'approved' }]);
  await anyone.waitFor((event) => event.event === 'update' && campaignIn(event, campaignId)?.raised === '2500.00');
  assert.ok(!anyone.text.includes('Siti'), 'no donor name reached the public stream');

  assert.equal((await fetch(`${live.url}/api/live?ticket=v1.1.9999999999999.${'A'.repeat(43)}`)).status, 401);
  const revokedTicket = await ticketFor(live, live.staffToken);
  await revokeToken(live.database, live.staffTokenId);
  assert.equal((await fetch(`${live.url}/api/live?ticket=${revokedTicket}`)).status, 401, 'revoking a token voids its tickets');
  assert.equal((await api(live, 'POST', '/api/live/ticket', undefined, { authorization: '' })).status, 401);
  staff.close();
  anyone.close();
});
