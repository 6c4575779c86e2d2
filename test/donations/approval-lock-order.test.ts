// Many status-change batches at once over many campaigns all commit, with totals that equal a recount of the
// donations, and (on PostgreSQL) without a single deadlock: campaigns are locked in one order (issue 10, §8).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Database } from '../../src/db/database.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { writeTransitionBatch, type TargetStatus } from '../../src/donations/donations.ts';
import { AppError } from '../../src/errors.ts';
import { checkImport, runImport, startRun, type ImportRequest } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';

const CAMPAIGNS = 50;
const DONORS = 40;
const DONATIONS = 2_000;
const BATCH_ROWS = 50;

/** A fixed shuffle (a linear congruential generator), so each batch takes its campaigns in another order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed;
  for (let index = copy.length - 1; index > 0; index -= 1) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe('status changes over many campaigns at once', () => {
  let target: TestDatabase;
  let ids: string[];
  before(async () => {
    target = await createTestDatabase();
    const { rows: campaigns } = await target.database.query<{ id: bigint }>(
      `insert into campaigns (slug, name, fund, currency, status)
       select 'lock-order-' || n, 'Lock order ' || n, 'general', 'IDR', 'active' from generate_series(1, $1::int) n returning id`, [CAMPAIGNS]);
    const { rows: donors } = await target.database.query<{ id: bigint }>(
      `insert into donors (display_name, email, anonymous)
       select 'Donor ' || n, 'lock-order-' || n || '@example.org', false from generate_series(1, $1::int) n returning id`, [DONORS]);
    // Every fifth donation has no donors row (a name-only donor); the others' donors recur in every campaign.
    const { rows } = await target.database.query<{ id: bigint }>(
      `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select ($1::bigint[])[1 + n % cardinality($1::bigint[])],
              case when n % 5 = 0 then null else ($2::bigint[])[1 + n % cardinality($2::bigint[])] end,
              'Donor', false, 1000 + n, 'IDR', 'pending', 'api', 'lock-order-' || n, sha256(('lock-order-' || n)::bytea)
         from generate_series(1, $3::int) n returning id`, [campaigns.map((row) => row.id), donors.map((row) => row.id), DONATIONS]);
    ids = rows.map((row) => String(row.id));
  });
  after(async () => { await target.drop(); });

  /**
   * Runs `work` on a pool of its own, closed at the end: a backend reports its deadlocks to the statistics when
   * it ends (or a second or more later), so PostgreSQL has counted them all by the time `deadlocks()` reads.
   */
  async function onOwnPool<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database: Database = target.url === undefined ? target.database : await openPostgres(target.url, target.config.database);
    try {
      return await work(database);
    } finally {
      if (database !== target.database) await database.close();
    }
  }

  /** Runs every batch at once. */
  function runBatches(database: Database, batches: readonly { id: string; to: TargetStatus }[][]): Promise<unknown[][]> {
    const feed = new ChangeFeed();
    return Promise.all(batches.map((batch) => writeTransitionBatch(database, feed,
      batch.map(({ id, to }) => ({ id, to, actor: 'staff:test', reason: to === 'approved' ? null : 'test' })))));
  }

  async function deadlocks(): Promise<bigint> {
    if (target.database.engine !== 'postgres') return 0n;
    // A backend reports its deadlocks when it ends (or within a second): the batches' pool has closed by now.
    const { rows } = await target.database.query<{ deadlocks: bigint }>(
      'select deadlocks from pg_stat_database where datname = current_database()');
    return rows[0]!.deadlocks;
  }

  test('concurrent approval batches, then approvals racing refunds, all commit with exact totals', async () => {
    const deadlocksBefore = await deadlocks();
    // Round one: approve the first three quarters, 30 batches of 50, each in its own shuffled order.
    const first = ids.slice(0, (DONATIONS * 3) / 4);
    const approvals = Array.from({ length: first.length / BATCH_ROWS }, (_, index) =>
      shuffled(first.filter((_id, position) => position % (first.length / BATCH_ROWS) === index), index + 1).map((id) => ({ id, to: 'approved' as const })));
    const answered = await onOwnPool((database) => runBatches(database, approvals));
    for (const outcome of answered.flat()) assert.ok(!(outcome instanceof AppError), `refused: ${String(outcome)}`);
    assert.deepEqual(await findTotalsMismatches(target.database), []);

    // Round two: refund half of those while the last quarter is approved, mixed into the same batches.
    const refunds = first.filter((_id, position) => position % 2 === 0);
    const rest = ids.slice(first.length);
    const mixed = Array.from({ length: 20 }, (_, index) => shuffled([
      ...refunds.filter((_id, position) => position % 20 === index).map((id) => ({ id, to: 'refunded' as const })),
      ...rest.filter((_id, position) => position % 20 === index).map((id) => ({ id, to: 'approved' as const })),
    ], 100 + index));
    const answeredMixed = await onOwnPool((database) => runBatches(database, mixed));
    for (const outcome of answeredMixed.flat()) assert.ok(!(outcome instanceof AppError), `refused: ${String(outcome)}`);

    const { rows: statuses } = await target.database.query<{ status: string; count: bigint }>(
      "select status, count(*) as count from donations where idempotency_key like 'lock-order-%' group by status order by status");
    assert.deepEqual(statuses.map((row) => [row.status, Number(row.count)]), [['approved', DONATIONS - refunds.length], ['refunded', refunds.length]]);
    // The recount `amanah verify` does: raised, donation and donor counts equal the approved donations.
    assert.deepEqual(await findTotalsMismatches(target.database), []);
    const { rows: donorCounts } = await target.database.query<{ wrong: bigint }>(
      `select count(*) as wrong from campaign_donors cd
         full join (select campaign_id, donor_id, count(*) as approved from donations
                     where status = 'approved' and donor_id is not null group by campaign_id, donor_id) a
           using (campaign_id, donor_id)
        where coalesce(cd.approved_count, 0) <> coalesce(a.approved, 0)`);
    assert.equal(donorCounts[0]!.wrong, 0n);
    assert.equal(await deadlocks(), deadlocksBefore, 'PostgreSQL detected a deadlock between the batches');
  });

  test('approved imports into the same campaigns, by the same email donors, while approvals run: no deadlock', async () => {
    const deadlocksBefore = await deadlocks();
    const { rows } = await target.database.query<{ id: bigint }>(
      `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select c.id, r.id, 'Donor', false, 500 + n, 'IDR', 'pending', 'api', 'lock-order-b-' || n, sha256(('lock-order-b-' || n)::bytea)
         from generate_series(1, 1000) n
         join campaigns c on c.slug = 'lock-order-' || (1 + n % $1::int)
         join donors r on r.email = 'lock-order-' || (1 + n % $2::int) || '@example.org'
       returning id`, [CAMPAIGNS, DONORS]);
    const pending = rows.map((row) => String(row.id));
    // Each file names each row's campaign and donor, spread like the approvals: their campaign_donors rows meet.
    const csv = (file: number) => ['campaign,amount,donor_name,donor_email', ...Array.from({ length: 1_000 }, (_, n) =>
      `lock-order-${1 + ((n * 7 + file) % CAMPAIGNS)},${10 + (n % 90)}.00,Donor ${n},lock-order-${1 + ((n * 3 + file) % DONORS)}@example.org`)].join('\n');
    const importFile = async (database: Database, file: number, writeMethod: ImportRequest['writeMethod']) => {
      const request: ImportRequest = {
        campaign: undefined, currency: 'IDR', map: parseMapSpec('campaign=campaign'), status: 'approved', keyColumn: undefined, format: 'csv',
        batchRows: 50, actor: 'test', sourceName: `lock-order-${file}.csv`, bytesTotal: null, writeMethod, writers: 2, options: {},
      };
      const checked = await checkImport(database, request);
      return runImport(database, [Buffer.from(csv(file))], checked, await startRun(database, checked), { feed: new ChangeFeed() });
    };
    const approvals = Array.from({ length: 20 }, (_, index) =>
      shuffled(pending.filter((_id, position) => position % 20 === index), 200 + index).map((id) => ({ id, to: 'approved' as const })));
    const [answered, first, second] = await onOwnPool((database) =>
      Promise.all([runBatches(database, approvals), importFile(database, 1, 'unnest'), importFile(database, 2, 'copy')]));
    for (const outcome of answered.flat()) assert.ok(!(outcome instanceof AppError), `refused: ${String(outcome)}`);
    assert.equal(first.imported + second.imported, 2_000);
    assert.deepEqual(await findTotalsMismatches(target.database), []);
    assert.equal(await deadlocks(), deadlocksBefore, 'PostgreSQL detected a deadlock between imports and approvals');
  });
});
