// The console's API and pages: the queue searches by name, email and reference, filters, sorts by amount with a
// keyset that never repeats a row, and labels its count; a donation shows its email, history and import; tokens
// are listed, made with an expiry that authentication honours, and revoked; pages speak Indonesian or English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let campaignId: string;
let otherCampaignId: string;
const ids: string[] = [];

before(async () => {
  t = await createTestApp();
  campaignId = (await createCampaign(t, { slug: 'queue-a', name: 'Queue A', fund: 'zakat' })).id!;
  otherCampaignId = (await createCampaign(t, { slug: 'queue-b', name: 'Queue B' })).id!;
  const gifts = [
    { campaign_id: campaignId, amount: '5000', donor_name: 'Siti Rahma', donor_email: 'siti@example.org', external_ref: 'TRX-1' },
    { campaign_id: campaignId, amount: '25000', donor_name: 'Budi 100%_', external_ref: 'TRX-2' },
    { campaign_id: otherCampaignId, amount: '15000', donor_name: 'عبد الله', donor_email: 'Abd@Example.org' },
    { campaign_id: otherCampaignId, amount: '25000', donor_name: 'Ani' },
  ];
  for (const gift of gifts) {
    const response = await donate(t, { currency: 'IDR', ...gift });
    assert.equal(response.statusCode, 201, response.body);
    ids.push(response.json().id);
  }
});
after(async () => { await t.close(); });

async function queue(query: string) {
  const response = await t.app.inject({ method: 'GET', url: `/api/console/donations?${query}`, headers: bearer(t.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { donations: { id: string; amount: string; email: string | null }[]; count: number; count_exact: boolean; next_cursor: string | null; has_more: boolean };
}

test('search by name (wildcards literal), email (any case), reference, and amount; filters by campaign and fund', async () => {
  assert.deepEqual((await queue('q=siti')).donations.map((d) => d.id), [ids[0]]);
  assert.deepEqual((await queue('q=100%25_')).donations.map((d) => d.id), [ids[1]]);
  assert.deepEqual((await queue('q=%25')).donations.map((d) => d.id), [ids[1]], 'a % is a literal character');
  const email = await queue('q=abd%40example.ORG');
  assert.deepEqual(email.donations.map((d) => d.id), [ids[2]]);
  assert.equal(email.donations[0]!.email, 'Abd@Example.org');
  assert.deepEqual((await queue('q=TRX-2&in=reference')).donations.map((d) => d.id), [ids[1]]);
  assert.deepEqual((await queue('amount=25000&currency=IDR')).donations.map((d) => d.id).sort(), [ids[1], ids[3]].sort());
  assert.deepEqual((await queue(`campaign=${otherCampaignId}`)).donations.map((d) => d.id), [ids[3], ids[2]]);
  assert.deepEqual((await queue('fund=zakat')).donations.map((d) => d.id), [ids[1], ids[0]]);
  const all = await queue('');
  assert.equal(all.count, 4);
  assert.equal(all.count_exact, true);
  const refused = await t.app.inject({ method: 'GET', url: '/api/console/donations?amount=1.234&currency=IDR', headers: bearer(t.staffToken) });
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.json().field, 'amount');
});

test('sorting by amount pages by keyset through every row once, ties broken by id', async () => {
  const seen: string[] = [];
  let after = '';
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await queue(`sort=amount_desc&limit=1${after ? `&after=${after}` : ''}`);
    seen.push(...page.donations.map((d) => d.amount));
    if (!page.has_more) break;
    after = page.next_cursor!;
  }
  assert.deepEqual(seen, ['25000.00', '25000.00', '15000.00', '5000.00']);
});

test('bulk reject needs a reason; the donation page shows email, reference, history and who changed it', async () => {
  const noReason = await t.app.inject({ method: 'POST', url: '/api/console/donations/bulk', headers: bearer(t.staffToken), payload: { ids: [ids[0]], action: 'reject' } });
  assert.equal(noReason.statusCode, 400);
  assert.equal(noReason.json().field, 'reason');
  const rejected = await t.app.inject({ method: 'POST', url: '/api/console/donations/bulk', headers: bearer(t.staffToken), payload: { ids: [ids[0], '999999'], action: 'reject', reason: 'Duplicate' } });
  assert.deepEqual(rejected.json().results, [{ id: ids[0], status: 'rejected' }, { id: '999999', code: 'donation_not_found', detail: 'no donation with id "999999"' }]);
  const detail = await t.app.inject({ method: 'GET', url: `/api/console/donations/${ids[0]}`, headers: bearer(t.staffToken) });
  const body = detail.json();
  assert.equal(body.email, 'siti@example.org');
  assert.equal(body.external_ref, 'TRX-1');
  assert.equal(body.import, null);
  assert.deepEqual(body.history.map((change: { to: string; reason: string | null }) => [change.to, change.reason]), [['pending', null], ['rejected', 'Duplicate']].slice(-body.history.length));
  assert.match(body.history.at(-1).actor, /test staff/);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/console/donations/abc', headers: bearer(t.staffToken) })).json().code, 'donation_not_found');
});

test('tokens: admin lists and makes them; an expired token is refused; last use is recorded; revoke twice is 404', async () => {
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(t.staffToken) })).statusCode, 403);
  const past = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(t.adminToken), payload: { name: 'old', role: 'staff', expires_at: '2020-01-01T00:00:00Z' } });
  assert.equal(past.json().field, 'expires_at');
  const made = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(t.adminToken), payload: { name: 'Kasir', role: 'staff', expires_at: new Date(Date.now() + 3_600_000).toISOString() } });
  assert.equal(made.statusCode, 201, made.body);
  const { id, token } = made.json();
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/session', headers: bearer(token) })).json().role, 'staff');
  const listed = (await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(t.adminToken) })).json().tokens.find((row: { id: string }) => row.id === id);
  assert.ok(listed.last_used_at && listed.expires_at);
  await t.database.query("update api_tokens set expires_at = now() - interval '1 second' where id = $1", [id]);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/session', headers: bearer(token) })).statusCode, 401);
  assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer(t.adminToken) })).statusCode, 204);
  const again = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: bearer(t.adminToken) });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().code, 'token_not_found');
});

test('pages speak Indonesian by default, English from Accept-Language, and remember a ?lang switch', async () => {
  const indonesian = await t.app.inject({ method: 'GET', url: '/console' });
  assert.equal(indonesian.statusCode, 200);
  assert.match(indonesian.body, /<html lang="id">/);
  assert.match(indonesian.body, /Antrean/);
  const english = await t.app.inject({ method: 'GET', url: '/console/campaigns', headers: { 'accept-language': 'en-US,en;q=0.9,id;q=0.5' } });
  assert.match(english.body, /<html lang="en">/);
  const switched = await t.app.inject({ method: 'GET', url: '/console/audit?lang=en', headers: { 'accept-language': 'id' } });
  assert.match(switched.body, /lang="en"/);
  assert.match(String(switched.headers['set-cookie']), /amanah_lang=en/);
  const remembered = await t.app.inject({ method: 'GET', url: '/console/tokens', headers: { cookie: 'amanah_lang=en', 'accept-language': 'id' } });
  assert.match(remembered.body, /API tokens/);
  assert.equal((await t.app.inject({ method: 'GET', url: '/console/donations/x' })).statusCode, 400);
});
