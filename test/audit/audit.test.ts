// The audit log records every staff and admin action with its actor, in the action's own transaction or
// statement (a refused action leaves no row), is append-only by trigger, and is listed by keyset and as CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { createToken, revokeToken } from '../../src/auth/tokens.ts';

let t: TestApp;
before(async () => { t = await createTestApp(); });
after(async () => { await t.close(); });

async function audit(query = ''): Promise<{ entries: Record<string, unknown>[]; next_cursor: string | null; has_more: boolean }> {
  const response = await t.app.inject({ method: 'GET', url: `/api/audit${query}`, headers: bearer(t.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

test('campaign create and update, approvals in a batch, token changes, sign-ins and exports each write one row', async () => {
  const campaign = await createCampaign(t, { slug: 'audited', name: 'Audited' });
  const patched = await t.app.inject({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, headers: bearer(t.adminToken), payload: { status: 'closed' } });
  assert.equal(patched.statusCode, 200);
  // A refused change (closed cannot go to draft) rolls back with its audit row.
  const refused = await t.app.inject({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, headers: bearer(t.adminToken), payload: { status: 'draft' } });
  assert.equal(refused.statusCode, 422);
  await t.app.inject({ method: 'PATCH', url: `/api/campaigns/${campaign.id}`, headers: bearer(t.adminToken), payload: { status: 'active' } });
  const ids: string[] = [];
  for (let index = 0; index < 3; index += 1) ids.push((await donate(t, { campaign_id: campaign.id, amount: '1000', currency: 'IDR', donor_name: 'Ani' })).json().id);
  const bulk = await t.app.inject({ method: 'POST', url: '/api/console/donations/bulk', headers: bearer(t.staffToken), payload: { ids, action: 'approve' } });
  assert.equal(bulk.statusCode, 200, bulk.body);
  assert.deepEqual(bulk.json().results.map((result: { status: string }) => result.status), ['approved', 'approved', 'approved']);
  const made = await createToken(t.database, 'made by cli', 'staff');
  assert.equal(await revokeToken(t.database, made.id), true);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/session', headers: bearer(t.staffToken) })).statusCode, 200);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/exports/donations.csv', headers: bearer(t.staffToken) })).statusCode, 200);

  const { entries } = await audit('?limit=200');
  const actions = entries.map((entry) => entry.action).reverse();
  assert.deepEqual(actions.filter((action) => action !== 'donation.approved').slice(-6), ['campaign.update', 'campaign.update', 'token.create', 'token.revoke', 'session.sign_in', 'export.donations']);
  assert.ok(actions.includes('campaign.create'));
  assert.equal(actions.filter((action) => action === 'campaign.update').length, 2, 'the refused change left no row');
  const approvals = entries.filter((entry) => entry.action === 'donation.approved');
  // One row per group-committed batch (the three usually land in one); together they name every donation once.
  assert.ok(approvals.length >= 1 && approvals.length <= ids.length);
  assert.deepEqual(approvals.flatMap((entry) => (entry.detail as { donation_ids: string[] }).donation_ids).sort(), [...ids].sort());
  assert.equal(approvals[0]!.actor_name, 'test staff');
  const revoke = entries.find((entry) => entry.action === 'token.revoke')!;
  assert.equal(revoke.actor_token_id, 'cli');
  assert.equal(revoke.target, `token:${made.id}`);
  const create = entries.find((entry) => entry.action === 'campaign.create')!;
  assert.equal(create.actor_token_id, 'env');
});

test('the log refuses update, delete and truncate', async () => {
  for (const statement of ['update audit_log set action = \'x.y\'', 'delete from audit_log', 'truncate audit_log']) {
    await assert.rejects(t.database.query(statement), /append-only/);
  }
});

test('keyset pages walk the log without repeats, filters apply, and the CSV names the rows and is itself audited', async () => {
  const first = await audit('?limit=2');
  assert.equal(first.entries.length, 2);
  assert.equal(first.has_more, true);
  const second = await audit(`?limit=2&before=${first.next_cursor}`);
  assert.ok(Number(second.entries[0]!.id) < Number(first.entries[1]!.id));
  const filtered = await audit('?action=campaign.update');
  assert.ok(filtered.entries.length === 2 && filtered.entries.every((entry) => entry.action === 'campaign.update'));
  const byActor = await audit('?actor=cli');
  assert.ok(byActor.entries.length >= 2 && byActor.entries.every((entry) => entry.actor_token_id === 'cli'));
  const bad = await t.app.inject({ method: 'GET', url: '/api/audit?from=yesterday', headers: bearer(t.staffToken) });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'validation_failed');
  const csv = await t.app.inject({ method: 'GET', url: '/api/audit.csv?action=campaign.create', headers: bearer(t.staffToken) });
  assert.equal(csv.statusCode, 200);
  assert.match(csv.body, /^id,at,actor_token_id,actor_name,action,target,detail\r\n\d+,/);
  assert.equal((await audit('?action=export.audit')).entries.length, 1);
  assert.equal((await t.app.inject({ method: 'GET', url: '/api/audit' })).statusCode, 401);
});
