// Stream tickets on a real database: what a ticket proves, for how long, and what voids it.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createToken, revokeToken, type Principal } from '../../src/auth/tokens.ts';
import { issueTicket, LIVE_TICKET_TTL_MS, verifyTicket } from '../../src/auth/tickets.ts';
import { createTestDatabase, TEST_ADMIN_TOKEN, type TestDatabase } from '../helpers/database.ts';

let testDatabase: TestDatabase;
const adminDigest = createHash('sha256').update(TEST_ADMIN_TOKEN).digest();
before(async () => { testDatabase = await createTestDatabase(); });
after(async () => { await testDatabase.drop(); });

test('a ticket stands for its token until it expires, and not a moment longer', async () => {
  // Proves: verification returns the token's current principal, and expiry is enforced both ways.
  const { id } = await createToken(testDatabase.database, 'ticket staff', 'staff');
  const principal: Principal = { tokenId: id, name: 'ticket staff', role: 'staff' };
  const nowMs = Date.now();
  const { ticket, expiresAt } = await issueTicket(testDatabase.database, principal, adminDigest, nowMs);
  assert.equal(expiresAt.getTime(), nowMs + LIVE_TICKET_TTL_MS);
  assert.deepEqual(await verifyTicket(testDatabase.database, ticket, adminDigest, nowMs + 1), principal);
  assert.equal(await verifyTicket(testDatabase.database, ticket, adminDigest, nowMs + LIVE_TICKET_TTL_MS), undefined);
  // A ticket claiming to live longer than the TTL was not issued here.
  assert.equal(await verifyTicket(testDatabase.database, ticket, adminDigest, nowMs - 1_000), undefined);
});

test('a forged, altered or revoked ticket is refused; the environment admin token has tickets too', async () => {
  // Proves: the MAC binds the token id and expiry, revocation voids tickets at once, and `env` works without a row.
  const { id } = await createToken(testDatabase.database, 'ticket staff 2', 'staff');
  const nowMs = Date.now();
  const { ticket } = await issueTicket(testDatabase.database, { tokenId: id, name: 'x', role: 'staff' }, adminDigest, nowMs);
  const [version, tokenId, expires, mac] = ticket.split('.') as [string, string, string, string];
  assert.equal(await verifyTicket(testDatabase.database, `${version}.${tokenId}.${Number(expires) - 1}.${mac}`, adminDigest, nowMs), undefined);
  assert.equal(await verifyTicket(testDatabase.database, `${version}.${tokenId}.${expires}.${'A'.repeat(43)}`, adminDigest, nowMs), undefined);
  assert.equal(await verifyTicket(testDatabase.database, 'not a ticket', adminDigest, nowMs), undefined);

  const admin = await issueTicket(testDatabase.database, { tokenId: 'env', name: 'AMANAH_ADMIN_TOKEN', role: 'admin' }, adminDigest, nowMs);
  assert.equal((await verifyTicket(testDatabase.database, admin.ticket, adminDigest, nowMs))?.role, 'admin');
  assert.equal(await verifyTicket(testDatabase.database, admin.ticket, undefined, nowMs), undefined, 'no admin token configured, no admin tickets');

  await revokeToken(testDatabase.database, id);
  assert.equal(await verifyTicket(testDatabase.database, ticket, adminDigest, nowMs), undefined);
});
