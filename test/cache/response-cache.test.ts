// The response cache on the real app: x-cache MISS then HIT, strong ETags and 304s, br/gzip negotiation with
// compressed entries, invalidation by the writing process's own writes, credentials never shared, the fast path
// in front of Fastify on a real socket, the counters, caching off, and the campaign list in constant queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildApp } from '../../src/http/app.ts';
import type { FastifyInstance } from 'fastify';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { countingDatabase, createTestDatabase } from '../helpers/database.ts';

const LONG_DESCRIPTION = 'Food parcels, clean water and school fees for families in need. '.repeat(8);

describe('response cache', () => {
  let t: TestApp & { database: { statements: number } };
  let campaign: Record<string, string>;
  before(async () => {
    t = await createTestApp(countingDatabase) as typeof t;
    campaign = await createCampaign(t, { slug: 'viral', goal: '1000000.00' });
    for (const slug of ['second', 'third', 'fourth']) await createCampaign(t, { slug, description: LONG_DESCRIPTION });
  });
  after(async () => { await t.close(); });

  const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

  async function approvedDonation(amount: string): Promise<void> {
    const created = await donate(t, { campaign_id: 'viral', amount, currency: 'IDR' });
    assert.equal(created.statusCode, 201);
    const approved = await t.app.inject({ method: 'POST', url: `/api/donations/${created.json().id}/approve`, headers: bearer(t.staffToken) });
    assert.equal(approved.statusCode, 200);
  }

  test('the first read is a MISS, the next a HIT with the same bytes, ETag and Cache-Control, and no query', async () => {
    // Proves the cache serves the stored serialisation without touching the database.
    const first = await get(`/api/campaigns/${campaign.id}`);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['x-cache'], 'MISS');
    assert.match(String(first.headers.etag), /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(first.headers['cache-control'], 'public, no-cache');
    const statements = t.database.statements;
    const second = await get(`/api/campaigns/${campaign.id}`);
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.headers.etag, first.headers.etag);
    assert.equal(second.headers['content-type'], first.headers['content-type']);
    assert.deepEqual(second.rawPayload, first.rawPayload);
    assert.equal(t.database.statements, statements);
  });

  test('If-None-Match with the current ETag answers 304 with no body; a stale ETag gets the body', async () => {
    // Proves conditional requests: revalidation costs a 304, and a changed entry is sent whole.
    const { etag } = (await get('/api/campaigns/viral/summary')).headers;
    const notModified = await get('/api/campaigns/viral/summary', { 'if-none-match': String(etag) });
    assert.equal(notModified.statusCode, 304);
    assert.equal(notModified.rawPayload.length, 0);
    assert.equal(notModified.headers.etag, etag);
    assert.equal(notModified.headers['x-cache'], 'HIT');
    assert.equal((await get('/api/campaigns/viral/summary', { 'if-none-match': '"something-else"' })).statusCode, 200);
    assert.equal((await get('/api/campaigns/viral/summary', { 'if-none-match': '*' })).statusCode, 304);
  });

  test('bodies of 1 KiB or more are sent br or gzip as negotiated, from compressed entries', async () => {
    // Proves negotiation (br preferred, q=0 honoured, identity by default) on a MISS and on HITs.
    const url = '/api/campaigns?limit=50';
    const brotli = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(brotli.headers['x-cache'], 'MISS');
    assert.equal(brotli.headers['content-encoding'], 'br');
    assert.equal(brotli.headers.vary, 'accept-encoding');
    const identity = await get(url);
    assert.equal(identity.headers['x-cache'], 'HIT');
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.ok(identity.rawPayload.length >= 1024, `the list is ${identity.rawPayload.length} bytes`);
    assert.deepEqual(brotliDecompressSync(brotli.rawPayload), identity.rawPayload);
    assert.ok(brotli.rawPayload.length < identity.rawPayload.length);
    const gzipped = await get(url, { 'accept-encoding': 'br;q=0, gzip' });
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.equal(gzipped.headers['x-cache'], 'HIT');
    assert.deepEqual(gunzipSync(gzipped.rawPayload), identity.rawPayload);
    assert.notEqual(gzipped.headers.etag, identity.headers.etag, 'each encoding has its own strong ETag');
    assert.equal((await get(url, { 'if-none-match': String(gzipped.headers.etag) })).statusCode, 304);
    const small = await get(`/api/campaigns/${campaign.id}`, { 'accept-encoding': 'br' });
    assert.equal(small.headers['content-encoding'], undefined, 'a small body is sent as it is');
  });

  test('after an approval or a patch, the next read shows it on every cached route, by id and by slug', async () => {
    // Proves invalidation in the writing process right after commit: no stale total, name, list or donation page.
    const urls = [`/api/campaigns/${campaign.id}`, '/api/campaigns/viral', '/api/campaigns/viral/summary',
      '/api/campaigns/viral/donations', '/api/campaigns?limit=50'];
    for (const url of urls) {
      await get(url);
      assert.equal((await get(url)).headers['x-cache'], 'HIT', url);
    }
    await approvedDonation('25000');
    const byId = await get(`/api/campaigns/${campaign.id}`);
    assert.equal(byId.headers['x-cache'], 'MISS');
    assert.equal(byId.json().raised, '25000.00');
    assert.equal((await get('/api/campaigns/viral')).json().raised, '25000.00');
    assert.equal((await get('/api/campaigns/viral/summary')).json().total, '25000.00');
    assert.equal((await get('/api/campaigns/viral/donations')).json().donations.length, 1);
    assert.equal((await get('/api/campaigns?limit=50')).json().campaigns.find((row: { slug: string }) => row.slug === 'viral').raised, '25000.00');
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/campaigns/viral', headers: bearer(t.adminToken), payload: { name: 'Viral, renamed' } });
    assert.equal(patched.statusCode, 200);
    assert.equal((await get('/api/campaigns/viral')).json().name, 'Viral, renamed');
    assert.equal((await get(`/api/campaigns/${campaign.id}`)).json().name, 'Viral, renamed');
  });

  test('a new pending donation leaves the public pages cached', async () => {
    // Proves a donation-only change (nothing public moved) does not empty the cache.
    await get('/api/campaigns/viral/donations');
    assert.equal((await donate(t, { campaign_id: 'viral', amount: '1000', currency: 'IDR' })).statusCode, 201);
    assert.equal((await get('/api/campaigns/viral/donations')).headers['x-cache'], 'HIT');
  });

  test('a response to a request with credentials is never stored for others', async () => {
    // Proves staff-only pages (pending donations) never reach an anonymous reader through the cache.
    const url = '/api/campaigns/viral/donations?status=pending';
    const staff = await get(url, bearer(t.staffToken));
    assert.equal(staff.statusCode, 200);
    assert.ok(staff.json().donations.length > 0);
    const anonymous = await get(url);
    assert.equal(anonymous.statusCode, 401);
  });

  test('the counters reach /metrics and cacheStats()', async () => {
    // Proves the observer and Prometheus see hits, misses, loads and invalidations per cache.
    const metrics = (await get('/metrics')).body;
    assert.match(metrics, /amanah_cache_hits_total\{cache="responses"\} [1-9]/);
    assert.match(metrics, /amanah_cache_invalidations_total\{cache="responses"\} [1-9]/);
    assert.match(metrics, /amanah_cache_loads_total\{cache="campaigns"\} [1-9]/);
    assert.match(metrics, /amanah_cache_bytes\{cache="campaign_lists"\} \d+/);
  });
});

describe('response cache on a real socket', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'socket' });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => { await t.close(); });

  test('a hit is answered in front of Fastify with the same bytes and headers, and invalidated the same way', async () => {
    // Proves the fast path: Fastify's request histogram sees only the miss, and a write still invalidates.
    const read = () => fetch(`${base}/api/campaigns/socket`, { headers: { 'accept-encoding': 'identity' } });
    const miss = await read();
    const missBody = await miss.text();
    assert.equal(miss.headers.get('x-cache'), 'MISS');
    const hit = await read();
    assert.equal(hit.headers.get('x-cache'), 'HIT');
    assert.equal(await hit.text(), missBody);
    for (const name of ['etag', 'content-type', 'cache-control', 'content-length']) assert.equal(hit.headers.get(name), miss.headers.get(name), name);
    const notModified = await fetch(`${base}/api/campaigns/socket`, { headers: { 'if-none-match': String(hit.headers.get('etag')) } });
    assert.equal(notModified.status, 304);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /amanah_http_request_duration_seconds_count\{method="GET",route="\/api\/campaigns\/:id",status_code="200"\} 1\n/);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/campaigns/socket', headers: bearer(t.adminToken), payload: { name: 'Socket, renamed' } });
    assert.equal(patched.statusCode, 200);
    const after_ = await read();
    assert.equal(after_.headers.get('x-cache'), 'MISS');
    assert.equal(((await after_.json()) as { name: string }).name, 'Socket, renamed');
  });
});

describe('response cache: off, and the list at 1,000 campaigns', () => {
  test('with AMANAH_CACHE=off no response is cached and every read queries', async () => {
    // Proves the switch the "caching off" benchmark uses.
    const testDatabase = await createTestDatabase();
    const database = countingDatabase(testDatabase.database);
    const config = { ...testDatabase.config, cache: { ...testDatabase.config.cache, enabled: false } };
    const app: FastifyInstance = await buildApp({ config, database });
    try {
      await testDatabase.database.query("insert into campaigns (slug, name, fund, currency, status) values ('off', 'Off', 'general', 'IDR', 'active')");
      const first = await app.inject('/api/campaigns/off');
      const statements = database.statements;
      const second = await app.inject('/api/campaigns/off');
      assert.equal(second.statusCode, 200);
      assert.equal(first.headers['x-cache'], undefined);
      assert.equal(second.headers['x-cache'], undefined);
      assert.equal(database.statements, statements + 1);
    } finally {
      await app.close();
      await testDatabase.drop();
    }
  });

  test('the campaign list serves 1,000 campaigns with totals in the same number of queries as 10', async () => {
    // Proves no N+1 at scale: one statement for a page of 10 and one for a page of 1,000, none on a hit.
    const testDatabase = await createTestDatabase();
    const database = countingDatabase(testDatabase.database);
    const app = await buildApp({ config: testDatabase.config, database });
    const insert = (from: number, to: number) => testDatabase.database.query(
      `insert into campaigns (slug, name, fund, currency, status, raised_minor, donation_count)
       select 'bulk-' || n, 'Bulk ' || n, 'sadaqah', 'IDR', 'active', n * 100, n from generate_series($1::int, $2::int) as n`, [from, to]);
    try {
      await insert(1, 10);
      const cost = async (url: string) => {
        const before_ = database.statements;
        const response = await app.inject(url);
        assert.equal(response.statusCode, 200);
        return { statements: database.statements - before_, campaigns: response.json().campaigns as { raised: string }[] };
      };
      const ten = await cost('/api/campaigns?limit=1000');
      assert.equal(ten.campaigns.length, 10);
      await insert(11, 1_000);
      const thousand = await cost('/api/campaigns?limit=999&status=active');
      assert.equal(thousand.campaigns.length, 999);
      assert.equal(thousand.campaigns[998]!.raised, '999.00');
      assert.equal(thousand.statements, ten.statements);
      assert.equal(thousand.statements, 1);
      assert.equal((await cost('/api/campaigns?limit=999&status=active')).statements, 0);
    } finally {
      await app.close();
      await testDatabase.drop();
    }
  });
});
