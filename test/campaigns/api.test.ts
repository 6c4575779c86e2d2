// Campaign API: create, read by id or slug, patch, list with totals in a constant number of queries.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, type TestApp } from '../helpers/app.ts';
import { countingDatabase } from '../helpers/database.ts';

describe('campaigns API', () => {
  let test_: TestApp & { database: { statements: number } };
  before(async () => { test_ = await createTestApp(countingDatabase) as typeof test_; });
  after(async () => { await test_.close(); });

  test('an admin creates a campaign and anyone reads it by id or slug', async () => {
    // Proves the create response, the Location header and both lookups return the same campaign shape.
    const response = await test_.app.inject({
      method: 'POST', url: '/api/campaigns', headers: bearer(test_.adminToken),
      payload: { slug: 'ramadan-1448', name: 'Ramadan 1448', fund: 'zakat', currency: 'IDR', goal: '1000000000.00' },
    });
    assert.equal(response.statusCode, 201);
    const created = response.json();
    assert.equal(response.headers.location, `/api/campaigns/${created.id}`);
    assert.deepEqual(Object.keys(created).sort(), ['created_at', 'currency', 'description', 'donation_count', 'donor_count', 'ends_at',
      'fund', 'goal', 'id', 'name', 'raised', 'slug', 'starts_at', 'status', 'updated_at']);
    assert.equal(created.status, 'draft');
    assert.equal(created.goal, '1000000000.00');
    assert.equal(created.raised, '0.00');
    assert.equal(typeof created.id, 'string');
    const byId = await test_.app.inject(`/api/campaigns/${created.id}`);
    const bySlug = await test_.app.inject('/api/campaigns/ramadan-1448');
    assert.deepEqual(byId.json(), created);
    assert.deepEqual(bySlug.json(), created);
  });

  test('writes need an admin token; staff and strangers are refused with problem details', async () => {
    // Proves 401 without a token, 401 for an unknown token, 403 for a staff token.
    const payload = { slug: 'nope', name: 'Nope', fund: 'general', currency: 'USD' };
    const none = await test_.app.inject({ method: 'POST', url: '/api/campaigns', payload });
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(none.json().code, 'unauthorized');
    const unknown = await test_.app.inject({ method: 'POST', url: '/api/campaigns', payload, headers: bearer('amanah_1_' + 'x'.repeat(43)) });
    assert.equal(unknown.statusCode, 401);
    const staff = await test_.app.inject({ method: 'POST', url: '/api/campaigns', payload, headers: bearer(test_.staffToken) });
    assert.equal(staff.statusCode, 403);
    assert.equal(staff.json().code, 'forbidden');
  });

  test('bad campaign input is refused with the field named and nothing written', async () => {
    // Proves validation of slug, currency, goal and window, and that a taken slug is a 409.
    const cases: [Record<string, unknown>, number, string][] = [
      [{ slug: 'Bad Slug' }, 400, 'validation_failed'],
      [{ slug: '12345' }, 400, 'validation_failed'],
      [{ slug: 'ok-1', currency: 'XYZ' }, 400, 'validation_failed'],
      [{ slug: 'ok-2', goal: '1,000.00' }, 400, 'validation_failed'],
      [{ slug: 'ok-3', goal: '10.001' }, 422, 'invalid_amount'],
      [{ slug: 'ok-4', starts_at: '2026-03-02T00:00:00Z', ends_at: '2026-03-01T00:00:00Z' }, 400, 'validation_failed'],
      [{ slug: 'ok-5', starts_at: 'yesterday' }, 400, 'validation_failed'],
      [{ slug: 'ramadan-1448' }, 409, 'slug_taken'],
    ];
    for (const [body, status, code] of cases) {
      const response = await test_.app.inject({
        method: 'POST', url: '/api/campaigns', headers: bearer(test_.adminToken),
        payload: { name: 'X', fund: 'general', currency: 'USD', ...body },
      });
      assert.equal(response.statusCode, status, JSON.stringify(body) + response.body);
      assert.equal(response.json().code, code);
    }
    const list = await test_.app.inject('/api/campaigns');
    assert.equal(list.json().campaigns.filter((campaign: { slug: string }) => campaign.slug.startsWith('ok-')).length, 0);
  });

  test('patch changes fields and follows the status rules', async () => {
    // Proves draft → active → closed → active works, closed → draft does not, and currency locks once donated to.
    const id = 'ramadan-1448';
    const patch = (payload: Record<string, unknown>) => test_.app.inject({ method: 'PATCH', url: `/api/campaigns/${id}`, headers: bearer(test_.adminToken), payload });
    assert.equal((await patch({ status: 'active', name: 'Ramadan 1448 H' })).json().name, 'Ramadan 1448 H');
    assert.equal((await patch({ status: 'closed' })).json().status, 'closed');
    const back = await patch({ status: 'draft' });
    assert.equal(back.statusCode, 422);
    assert.equal(back.json().code, 'invalid_status_transition');
    assert.equal((await patch({ status: 'active' })).json().status, 'active');
    assert.equal((await patch({ currency: 'USD' })).json().goal, '1000000000.00');
    assert.equal((await patch({ currency: 'IDR' })).json().currency, 'IDR');
    const donation = await test_.app.inject({ method: 'POST', url: '/api/donations', headers: { 'idempotency-key': 'patch-lock' }, payload: { campaign_id: id, amount: '5000', currency: 'IDR' } });
    assert.equal(donation.statusCode, 201);
    const locked = await patch({ currency: 'USD' });
    assert.equal(locked.statusCode, 409);
    assert.equal(locked.json().code, 'campaign_currency_locked');
    assert.equal((await test_.app.inject({ method: 'PATCH', url: '/api/campaigns/missing', headers: bearer(test_.adminToken), payload: { name: 'x' } })).statusCode, 404);
  });

  test('the campaign list costs the same number of queries for 3 campaigns as for 60', async () => {
    // Proves there is no N+1: totals are columns, read by one query per page.
    const count = async () => {
      const before_ = test_.database.statements;
      const response = await test_.app.inject('/api/campaigns?limit=1000');
      assert.equal(response.statusCode, 200);
      return { statements: test_.database.statements - before_, campaigns: response.json().campaigns.length };
    };
    const few = await count();
    for (let index = 0; index < 60; index += 1) await createCampaign(test_, { slug: `bulk-${index}` });
    const many = await count();
    assert.ok(many.campaigns > few.campaigns + 59);
    assert.equal(many.statements, few.statements);
    assert.equal(many.statements, 1);
  });

  test('the list pages with a cursor and filters by fund and status', async () => {
    // Proves next_cursor walks every campaign exactly once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: { json(): { campaigns: { id: string }[]; next_cursor: string | null } } = await test_.app.inject(`/api/campaigns?limit=7${cursor ? `&after=${cursor}` : ''}`);
      const page: { campaigns: { id: string }[]; next_cursor: string | null } = response.json();
      seen.push(...page.campaigns.map((campaign: { id: string }) => campaign.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.length >= 61);
    const zakat = (await test_.app.inject('/api/campaigns?fund=zakat')).json().campaigns;
    assert.deepEqual(zakat.map((campaign: { slug: string }) => campaign.slug), ['ramadan-1448']);
    assert.equal((await test_.app.inject('/api/campaigns?limit=0')).statusCode, 400);
  });
});
