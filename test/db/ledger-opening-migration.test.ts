// Migrations 0010 and 0011 on an upgraded database: what was approved before the ledger gets an opening entry
// per campaign (clearing per channel, the campaign's ledger fund), each approved donation names it, and
// verify's checks pass; an old donation can then be refunded and a new one approved, and verify still passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';

test('0011 posts opening entries for what 0009 held approved, and verify passes on the upgraded database', async () => {
  // Proves an upgrade needs no manual step: migrate to 0009, write approved donations, migrate on, verify.
  const { database, drop } = await createTestDatabase();
  try {
    await database.execute('drop schema public cascade; create schema public;');
    await migrate(database, readMigrations().filter((migration) => migration.version <= 9));
    await database.execute(`
      insert into campaigns (slug, name, fund, currency, status) values
        ('old-zakat', 'Old zakat', 'zakat', 'IDR', 'active'), ('old-general', 'Old general', 'general', 'USD', 'active'),
        ('old-empty', 'Nothing approved', 'waqf', 'IDR', 'active');
      insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
      select c.id, 'Donor ' || n, false, n * 100, c.currency, s.status, s.source, c.slug || '-' || s.status || '-' || s.source || '-' || n, '\\x00'
        from campaigns c, generate_series(1, 3) n,
             (values ('approved', 'api'), ('approved', 'import'), ('approved', 'manual'), ('pending', 'api'), ('refunded', 'api')) s(status, source)
       where c.slug <> 'old-empty';
      insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
      select id, 'Pending', false, 700, 'IDR', 'pending', 'api', 'empty-pending', '\\x00' from campaigns where slug = 'old-empty';
      update campaigns c set raised_minor = s.raised, donation_count = s.donations, donor_count = s.donations
        from (select campaign_id, sum(amount_minor) as raised, count(*) as donations from donations where status = 'approved' group by campaign_id) s
       where s.campaign_id = c.id;`);
    const applied = await migrate(database);
    assert.ok(applied.includes('0010_ledger.sql') && applied.includes('0011_ledger_opening.sql'), String(applied));
    assert.deepEqual(await findTotalsMismatches(database), []);
    assert.deepEqual(await findLedgerProblems(database), []);

    const { rows: entries } = await database.query<{ slug: string; kind: string; lines: string[] }>(
      `select c.slug, e.kind, array_agg(a.kind || ':' || a.name || ' ' || l.amount_minor order by l.id) as lines
         from ledger_entries e join campaigns c on c.id = e.campaign_id join ledger_lines l on l.entry_id = e.id
         join ledger_accounts a on a.id = l.account_id group by c.slug, e.kind order by c.slug`);
    // 100 + 200 + 300 per channel; general is infak/sedekah; the campaign with nothing approved has no entry.
    assert.deepEqual(entries.map((entry) => ({ ...entry })), [
      { slug: 'old-general', kind: 'opening', lines: ['clearing:api 600', 'clearing:import 600', 'clearing:manual 600', 'fund:infak_sedekah -1800'] },
      { slug: 'old-zakat', kind: 'opening', lines: ['clearing:api 600', 'clearing:import 600', 'clearing:manual 600', 'fund:zakat -1800'] },
    ]);
    const { rows: [unnamed] } = await database.query<{ count: bigint }>(`select count(*) from donations where status = 'approved' and ledger_entry_id is null`);
    assert.equal(unnamed!.count, 0n);

    // After the upgrade: refund an old approved donation (its opening entry posted no amil share) and approve a pending one.
    await database.query(`insert into amil_rates (fund, rate_bp, updated_by) values ('zakat', 1000, 'test')`);
    const oldest = async (status: string) => (await database.query<{ id: bigint }>(
      `select d.id from donations d join campaigns c on c.id = d.campaign_id where c.slug = 'old-zakat' and d.status = $1 and d.source = 'api'
        order by d.id limit 1`, [status])).rows[0];
    const [old, pending] = [await oldest('approved'), await oldest('pending')];
    const feed = new ChangeFeed();
    await writeTransitionBatch(database, feed, [{ id: String(old!.id), to: 'refunded', actor: 'test', reason: 'upgrade test' }]);
    await writeTransitionBatch(database, feed, [{ id: String(pending!.id), to: 'approved', actor: 'test', reason: null }]);
    const { rows: [amil] } = await database.query<{ balance: bigint }>(
      `select coalesce(-sum(balance_minor), 0)::bigint as balance from ledger_accounts where name = 'amil'`);
    assert.equal(amil!.balance, 10n, 'only the new approval (100 at 10%) posts a share; the refund of an opening donation reverses none');
    assert.deepEqual(await findTotalsMismatches(database), []);
    assert.deepEqual(await findLedgerProblems(database), []);
  } finally {
    await drop();
  }
});
