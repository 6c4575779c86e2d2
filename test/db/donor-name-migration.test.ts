// Migration 0005: donations written before it keep the name and anonymity they showed (those with a donors
// row take that row's), and from then on every donation must carry its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { sqlState } from '../../src/db/sqlstate.ts';

/** not_null_violation: the code never branches on it, so it has no name in SqlState. */
const NOT_NULL_VIOLATION = '23502';

test('0005 copies each donors row onto its donations, keeps name-only donations, then requires a name on every donation', async () => {
  // Proves "existing rows keep what they show now" and the not-null rule, on a schema migrated only to 0004.
  const { database, drop } = await createTestDatabase();
  try {
    await database.execute('drop schema public cascade; create schema public;');
    await migrate(database, readMigrations().filter((migration) => migration.version <= 4));
    await database.execute(`
      insert into campaigns (slug, name, fund, currency, status) values ('old', 'Old', 'general', 'USD', 'active');
      insert into donors (display_name, email, anonymous) values ('Sam Secret', 'sam@example.org', true), ('Ria', 'ria@example.org', false);
      insert into donations (campaign_id, donor_id, amount_minor, currency, source, idempotency_key, request_sha256)
        select c.id, r.id, 100, 'USD', 'api', 'old-' || r.display_name, '\\x00' from campaigns c, donors r;
      insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
        select id, 'Cash box', false, 200, 'USD', 'manual', 'old-cash', '\\x00' from campaigns;`);
    await migrate(database);
    const { rows } = await database.query<{ idempotency_key: string; donor_name: string; donor_anonymous: boolean }>(
      'select idempotency_key, donor_name, donor_anonymous from donations order by idempotency_key');
    assert.deepEqual(rows.map((row) => ({ ...row })), [
      { idempotency_key: 'old-Ria', donor_name: 'Ria', donor_anonymous: false },
      { idempotency_key: 'old-Sam Secret', donor_name: 'Sam Secret', donor_anonymous: true },
      { idempotency_key: 'old-cash', donor_name: 'Cash box', donor_anonymous: false },
    ]);
    // A later change to the donors row (what a later gift under the email used to do) changes no donation.
    await database.query(`update donors set display_name = 'Sam Public', anonymous = false where email = 'sam@example.org'`);
    const { rows: [sam] } = await database.query<{ donor_name: string; donor_anonymous: boolean }>(
      `select donor_name, donor_anonymous from donations where idempotency_key = 'old-Sam Secret'`);
    assert.deepEqual({ ...sam }, { donor_name: 'Sam Secret', donor_anonymous: true });
    await assert.rejects(
      database.query(`insert into donations (campaign_id, donor_id, amount_minor, currency, source, idempotency_key, request_sha256)
                      select c.id, r.id, 1, 'USD', 'api', 'no-name', '\\x00' from campaigns c, donors r limit 1`),
      (error: unknown) => sqlState(error) === NOT_NULL_VIOLATION);
  } finally {
    await drop();
  }
});
