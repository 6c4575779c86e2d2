// A donation's name and anonymity are the ones given with it, whatever the same donor gives later, and the
// public sees approved donations only, without external_ref, emails or history (issue 10, sections 2 and 3).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';

const SECRET_REF = 'bank-ref-7731-secret';

describe('donation visibility', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    await createCampaign(t, { slug: 'anon-first', currency: 'USD' });
    await createCampaign(t, { slug: 'public-first', currency: 'USD' });
    await createCampaign(t, { slug: 'queue', currency: 'USD' });
  });
  after(async () => {
    assert.deepEqual(await findTotalsMismatches(t.database), []);
    await t.close();
  });

  const approve = async (id: string) => {
    const response = await t.app.inject({ method: 'POST', url: `/api/donations/${id}/approve`, headers: bearer(t.staffToken) });
    assert.equal(response.statusCode, 200, response.body);
  };

  /** Gives and approves; returns the new donation's id. */
  const give = async (slug: string, amount: string, extra: Record<string, unknown>): Promise<string> => {
    const response = await donate(t, { campaign_id: slug, amount, currency: 'USD', donor_email: 'sam@example.org', external_ref: SECRET_REF, ...extra });
    assert.equal(response.statusCode, 201, response.body);
    const id = response.json().id as string;
    await approve(id);
    return id;
  };

  /** Every public surface's text for a campaign, with what each says about donation `id`'s donor. */
  async function publicSurfaces(slug: string, id: string) {
    const one = await t.app.inject(`/api/donations/${id}`);
    assert.equal(one.statusCode, 200);
    const list = await t.app.inject(`/api/campaigns/${slug}/donations`);
    const listed = list.json().donations.find((donation: { id: string }) => donation.id === id);
    const analytics = await t.app.inject(`/api/campaigns/${slug}/analytics`);
    const largest = analytics.json().largest.find((row: { id: string }) => row.id === id);
    const page = await t.app.inject(`/campaigns/${slug}/analytics`);
    const csv = await t.app.inject({ url: `/api/exports/donations.csv?campaign=${slug}`, headers: bearer(t.staffToken) });
    const csvLine = csv.body.split('\n').find((line) => line.startsWith(`${id},`));
    return { one: one.json(), listed, largest, pageHtml: page.body, csvLine: csvLine!, texts: [one.body, list.body, analytics.body, page.body] };
  }

  test('an anonymous gift stays anonymous after the same email gives as "Sam Public", everywhere', async () => {
    // Proves the scenario: the later, named gift changes nothing the earlier one shows.
    const hidden = await give('anon-first', '10.00', { anonymous: true, donor_name: 'Sam Secret' });
    const named = await give('anon-first', '20.00', { donor_name: 'Sam Public' });
    const surfaces = await publicSurfaces('anon-first', hidden);
    assert.equal(surfaces.one.donor_name, null);
    assert.equal(surfaces.one.anonymous, true);
    assert.equal(surfaces.listed.donor_name, null);
    assert.equal(surfaces.largest.donor_name, null);
    assert.ok(!surfaces.csvLine.includes('Sam'), surfaces.csvLine);
    for (const text of surfaces.texts) assert.ok(!text.includes('Sam Secret'), 'the name given anonymously is never shown');
    const later = await publicSurfaces('anon-first', named);
    assert.equal(later.one.donor_name, 'Sam Public');
    assert.equal(later.largest.donor_name, 'Sam Public');
    assert.match(later.csvLine, /Sam Public/);
    // Staff see the flag the donation was given with too, and the one donor behind both gifts.
    const staffRead = (await t.app.inject({ url: `/api/donations/${hidden}`, headers: bearer(t.staffToken) })).json();
    assert.deepEqual([staffRead.donor_name, staffRead.anonymous], [null, true]);
    const summary = (await t.app.inject('/api/campaigns/anon-first/summary')).json();
    assert.deepEqual([summary.count, summary.donor_count], [2, 1]);
  });

  test('a public gift keeps its name after the same email gives anonymously', async () => {
    // Proves the reverse: a later anonymous gift neither hides nor renames the earlier named one.
    const named = await give('public-first', '30.00', { donor_name: 'Sam Public' });
    const hidden = await give('public-first', '40.00', { anonymous: true, donor_name: 'Sam Again' });
    const first = await publicSurfaces('public-first', named);
    assert.deepEqual([first.one.donor_name, first.one.anonymous], ['Sam Public', false]);
    assert.equal(first.listed.donor_name, 'Sam Public');
    assert.equal(first.largest.donor_name, 'Sam Public');
    assert.match(first.csvLine, /Sam Public/);
    const second = await publicSurfaces('public-first', hidden);
    assert.deepEqual([second.one.donor_name, second.one.anonymous], [null, true]);
    assert.equal(second.largest.donor_name, null);
    for (const text of second.texts) assert.ok(!text.includes('Sam Again'));
    assert.ok(!second.csvLine.includes('Sam Again'));
  });

  test('a zakat payment keeps its payer\'s name when the same email later gives anonymously', async () => {
    // Proves the zakat pay-as-donation write path captures the name on the donation, as intake does.
    await createCampaign(t, { slug: 'zakat-names', currency: 'USD', fund: 'zakat' });
    const paid = await t.app.inject({
      method: 'POST', url: '/api/zakat/pay', headers: { 'idempotency-key': `zakat-names-${process.pid}` },
      payload: { campaign_id: 'zakat-names', amount: '25.00', currency: 'USD', donor_name: 'Sam Muzaki', donor_email: 'sam@example.org' },
    });
    assert.equal(paid.statusCode, 201, paid.body);
    await approve(paid.json().id);
    await give('zakat-names', '1.00', { anonymous: true, donor_name: 'Sam Hidden' });
    const read = (await t.app.inject(`/api/donations/${paid.json().id}`)).json();
    assert.deepEqual([read.donor_name, read.anonymous], ['Sam Muzaki', false]);
  });

  test('without a staff token only approved donations are visible, and never external_ref or history', async () => {
    // Proves 404 for pending, rejected and refunded donations (sequential ids cannot read the queue), and the
    // public shape on every public read, cached or not.
    const pending = (await donate(t, { campaign_id: 'queue', amount: '1.00', currency: 'USD', donor_name: 'Queued', external_ref: SECRET_REF })).json().id as string;
    const rejected = (await donate(t, { campaign_id: 'queue', amount: '2.00', currency: 'USD', external_ref: SECRET_REF })).json().id as string;
    const approved = (await donate(t, { campaign_id: 'queue', amount: '3.00', currency: 'USD', donor_email: 'q@example.org', external_ref: SECRET_REF })).json().id as string;
    const refunded = (await donate(t, { campaign_id: 'queue', amount: '4.00', currency: 'USD', external_ref: SECRET_REF })).json().id as string;
    const staffPost = (url: string, payload?: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(t.staffToken), ...(payload ? { payload } : {}) });
    assert.equal((await staffPost(`/api/donations/${rejected}/reject`, { reason: 'test' })).statusCode, 200);
    await approve(approved);
    await approve(refunded);
    assert.equal((await staffPost(`/api/donations/${refunded}/refund`, { reason: 'test' })).statusCode, 200);
    for (const id of [pending, rejected, refunded, '999999999']) {
      const response = await t.app.inject(`/api/donations/${id}`);
      assert.equal(response.statusCode, 404, id);
      assert.equal(response.json().code, 'donation_not_found');
      assert.ok(!response.body.includes('Queued'));
    }
    const visible = await t.app.inject(`/api/donations/${approved}`);
    assert.equal(visible.statusCode, 200);
    assert.equal(visible.json().external_ref, undefined);
    assert.equal((await t.app.inject(`/api/donations/${approved}/history`)).statusCode, 401);
    // Twice: the second answer comes from the response cache, and must be the same public answer.
    for (let round = 0; round < 2; round += 1) {
      const list = await t.app.inject('/api/campaigns/queue/donations');
      assert.deepEqual(list.json().donations.map((donation: { id: string }) => donation.id), [approved]);
      for (const text of [visible.body, list.body]) {
        assert.ok(!text.includes(SECRET_REF), 'no external_ref in a public answer');
        assert.ok(!text.includes('@example.org'), 'no email in a public answer');
      }
      assert.ok(!('external_ref' in list.json().donations[0]));
    }
    // Staff see everything, also where a public answer is cached for the same URL.
    for (const id of [pending, rejected, refunded, approved]) {
      const response = await t.app.inject({ url: `/api/donations/${id}`, headers: bearer(t.staffToken) });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().external_ref, SECRET_REF);
    }
    const staffList = await t.app.inject({ url: '/api/campaigns/queue/donations', headers: bearer(t.staffToken) });
    assert.equal(staffList.json().donations[0].external_ref, SECRET_REF);
    assert.notEqual(staffList.headers['x-cache'], 'HIT');
    assert.equal(staffList.headers['cache-control'], 'private, no-store');
    const pendingList = await t.app.inject({ url: '/api/campaigns/queue/donations?status=pending', headers: bearer(t.staffToken) });
    assert.deepEqual(pendingList.json().donations.map((donation: { id: string; external_ref: string }) => [donation.id, donation.external_ref]), [[pending, SECRET_REF]]);
    // And the public answer after a staff read is still the public one.
    const again = await t.app.inject('/api/campaigns/queue/donations');
    assert.ok(!again.body.includes(SECRET_REF));
    assert.equal((await t.app.inject({ url: `/api/donations/${pending}`, headers: { authorization: 'Bearer nope' } })).statusCode, 401);
  });

  test('over a real socket, the cache in front of Fastify never answers a request that carries a token', async () => {
    // Proves the fast path (a cache hit answered before Fastify sees the request) skips credentialed callers.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const url = `${base}/api/campaigns/queue/donations?limit=10`;
    await fetch(url);
    const hit = await fetch(url);
    assert.equal(hit.headers.get('x-cache'), 'HIT');
    assert.ok(!(await hit.text()).includes(SECRET_REF));
    const staff = await fetch(url, { headers: bearer(t.staffToken) });
    assert.notEqual(staff.headers.get('x-cache'), 'HIT');
    assert.ok((await staff.text()).includes(SECRET_REF), 'staff see external_ref');
  });

  test('the OpenAPI document has a public and a staff donation shape', async () => {
    // Proves the contract says what the answers do: PublicDonation has no external_ref, Donation has it.
    const document = (await t.app.inject('/api/openapi.json')).json();
    const schemas = document.components.schemas;
    assert.ok(schemas.Donation.properties.external_ref);
    assert.equal(schemas.PublicDonation.properties.external_ref, undefined);
    assert.ok(!JSON.stringify(schemas.PublicDonation).includes('email'));
  });
});
