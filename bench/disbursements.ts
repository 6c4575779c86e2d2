// The concurrent-disbursement race (issue 13): POST /api/distribution/disbursements/:id/approve at 64 clients over
// one campaign's zakat fund that covers half of the requests, through `amanah serve`. Every approval locks the one
// campaign row, checks and reserves the balance, posts its entry, history and audit rows; the half that no longer
// fits is refused with 409 fund_balance_insufficient. Then the checks: exactly the fitting half approved, the fund
// at zero and never below, and `amanah verify`'s ledger checks silent.
//
// REFERENCE, same run, same count, same clients: single-row transactions by node-postgres on one row,
// `update bench_fund set balance_minor = balance_minor - $1 where id = 1 and balance_minor >= $1`, over a balance
// that covers the same half: the least a guarded debit of one shared balance costs, with no HTTP, no ledger, no
// history. The ratio is approvals/s ÷ reference updates/s.
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import pg from 'pg';
import type { BenchContext, BenchResult } from './run.ts';
import { LatencyRecorder, startServerProcess } from './support.ts';
import { createToken } from '../src/auth/tokens.ts';
import { createCampaign } from '../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../src/donations/donations.ts';
import { ChangeFeed } from '../src/events/changes.ts';
import { findLedgerProblems } from '../src/ledger/verify.ts';

export const name = 'disbursements';

const CONNECTIONS = 64;
/** Requests raced; the fund covers half of them. 8,000 at a few hundred approvals/s is under a minute. */
const REQUESTS = 8_000;
const QUICK_REQUESTS = 1_000;
/** Each disbursement: 1,000.00 IDR. */
const AMOUNT_MINOR = 100_000n;
const REQUEST_TIMEOUT_SECONDS = 30;
const LATENCY_SAMPLES_MAX = 100_000;
const ADMIN_TOKEN = 'disbursements-bench-admin-token-0123456789';

/** A zakat campaign whose fund holds `covered` disbursements, and `requests` requested disbursements on it. */
async function prepare(context: BenchContext, requests: number, covered: number): Promise<{ campaignId: bigint; ids: string[] }> {
  const { database } = context;
  const feed = new ChangeFeed();
  const campaign = await createCampaign(database, feed, { slug: 'race', name: 'Disbursement race', fund: 'zakat', currency: 'IDR', status: 'active' });
  const { rows: donation } = await database.query<{ id: bigint }>(
    `insert into donations (campaign_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
     values ($1, 'Muzaki', false, $2, 'IDR', 'api', 'race-fund', '\\x00') returning id`, [campaign.id, AMOUNT_MINOR * BigInt(covered)]);
  await writeTransitionBatch(database, feed, [{ id: String(donation[0]!.id), to: 'approved', actor: 'bench', reason: null }]);
  const { rows: program } = await database.query<{ id: bigint }>(
    `insert into distribution_programs (name, fund, asnaf, created_by) values ('Food aid', 'zakat', '{fakir}', 'bench') returning id`);
  const { rows: mustahik } = await database.query<{ id: bigint }>(
    `insert into mustahik (kind, name, nik, asnaf, region, verification, created_by)
     values ('person', 'Mustahik', '3174055203900002', '{fakir}', 'Jakarta', 'verified', 'bench') returning id`);
  const { rows } = await database.query<{ id: bigint }>(
    `insert into disbursements (program_id, mustahik_id, campaign_id, fund, asnaf, currency, amount_minor, requested_by_token, requested_by)
     select $1::bigint, $2::bigint, $3::bigint, 'zakat', 'fakir', 'IDR', $4::bigint, 'maker', 'token:maker:bench' from generate_series(1, $5::int) order by 1 returning id`,
    [program[0]!.id, mustahik[0]!.id, campaign.id, AMOUNT_MINOR, requests]);
  return { campaignId: campaign.id, ids: rows.map((row) => String(row.id)) };
}

async function race(url: string, token: string, ids: readonly string[], signal: AbortSignal) {
  const latency = new LatencyRecorder(LATENCY_SAMPLES_MAX);
  const statuses = new Map<number, number>();
  let next = 0;
  const instance = autocannon({
    url, connections: CONNECTIONS, amount: ids.length, timeout: REQUEST_TIMEOUT_SECONDS,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, path: `/api/distribution/disbursements/${ids[next++ % ids.length]!}/approve` }) }],
  });
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    latency.record(responseTimeMs);
  });
  const stop = () => instance.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcome = await instance;
  signal.removeEventListener('abort', stop);
  return { statuses, seconds: outcome.duration, latency, errors: outcome.errors };
}

/** `count` guarded single-row debits of one balance covering `covered` of them, at CONNECTIONS clients. */
async function reference(url: string, count: number, covered: number): Promise<{ seconds: number; applied: number }> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('create table bench_fund (id int primary key, balance_minor bigint not null check (balance_minor >= 0))');
  await setup.query('insert into bench_fund values (1, $1)', [String(AMOUNT_MINOR * BigInt(covered))]);
  const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: url, application_name: 'amanah-bench-reference' }));
  await Promise.all(clients.map((client) => client.connect()));
  let next = 0;
  let applied = 0;
  const startedAt = performance.now();
  await Promise.all(clients.map(async (client) => {
    while (next < count) {
      next += 1;
      const result = await client.query('update bench_fund set balance_minor = balance_minor - $1 where id = 1 and balance_minor >= $1', [String(AMOUNT_MINOR)]);
      applied += result.rowCount ?? 0;
    }
  }));
  const seconds = (performance.now() - startedAt) / 1000;
  await Promise.all(clients.map((client) => client.end()));
  await setup.query('drop table bench_fund');
  await setup.end();
  return { seconds, applied };
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const requests = context.quick ? QUICK_REQUESTS : context.integerOption('requests', REQUESTS, 100, 200_000);
  const covered = Math.floor(requests / 2);
  const { campaignId, ids } = await prepare(context, requests, covered);
  const { token } = await createToken(context.database, 'checker', 'staff');
  const server = await startServerProcess(context.repositoryDirectory, {
    DATABASE_URL: context.databaseUrl, LOG_LEVEL: 'warn', AMANAH_SEED_DEMO: 'false', AMANAH_ADMIN_TOKEN: ADMIN_TOKEN,
    AMANAH_SHED_EVENT_LOOP_DELAY_MS: '0',
  });
  let measured: Awaited<ReturnType<typeof race>>;
  try {
    context.log(`racing ${requests} approvals over a fund that covers ${covered}, ${CONNECTIONS} clients`);
    measured = await race(server.url, token, ids, context.signal);
  } finally {
    await server.stop();
  }
  const loadAfterRace = loadavg()[0]!;
  context.log('reference: the same count of guarded single-row updates by node-postgres');
  const referenceRun = await reference(context.databaseUrl, requests, covered);

  const approved = measured.statuses.get(200) ?? 0;
  const refused = measured.statuses.get(409) ?? 0;
  const { rows } = await context.database.query<{ approved: bigint; balance_minor: bigint }>(
    `select (select count(*) from disbursements where campaign_id = $1 and status = 'approved') as approved,
            (select balance_minor from ledger_accounts where campaign_id = $1 and kind = 'fund' and name = 'zakat') as balance_minor`, [campaignId]);
  const problems = await findLedgerProblems(context.database);
  if (approved !== covered || Number(rows[0]!.approved) !== covered || rows[0]!.balance_minor !== 0n || problems.length > 0 || approved + refused !== requests) {
    throw new Error(`the race broke a rule: ${approved} approved (${rows[0]!.approved} in the table), ${refused} refused of ${requests}, fund balance ${rows[0]!.balance_minor}, ledger problems ${JSON.stringify(problems.slice(0, 3))}, other answers ${JSON.stringify([...measured.statuses])}, errors ${measured.errors}`);
  }
  if (referenceRun.applied !== covered) throw new Error(`reference applied ${referenceRun.applied}, expected ${covered}`);
  const rate = requests / measured.seconds;
  const referenceRate = requests / referenceRun.seconds;
  const [p50, p99] = measured.latency.percentiles(50, 99);
  return {
    name,
    workload: `approve race, ${CONNECTIONS} clients: ${Math.round(rate).toLocaleString('en-US')} decisions/s`,
    reference: `guarded single-row update: ${Math.round(referenceRate).toLocaleString('en-US')}/s`,
    ratio: rate / referenceRate,
    figures: {
      requests, approved, refused_fund_balance_insufficient: refused, seconds: Number(measured.seconds.toFixed(2)),
      decisions_per_second: Math.round(rate), p50_ms: p50!, p99_ms: p99!,
      reference_updates_per_second: Math.round(referenceRate), reference_seconds: Number(referenceRun.seconds.toFixed(2)),
      load_1m_after_race: Number(loadAfterRace.toFixed(2)), load_1m_after_reference: Number(loadavg()[0]!.toFixed(2)),
    },
    notes: 'One campaign: every approval and every reference update contends for one row. Decisions are approvals plus refusals.',
  };
}
