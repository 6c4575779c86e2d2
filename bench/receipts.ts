// Receipts (issue 15). Two figures, same run, same database:
// 1. approvals/s through the approval batch (writeTransitionBatch, 500 donations a batch over 50 campaigns, 2
//    batches in flight as the group committer runs them) with the receipt-request trigger on vs off, in
//    alternating rounds so drift and load hit both alike (target on/off ≥ 0.9);
// 2. the issuer: receipts issued for every approved donation (100,000 by default), receipts/s and the peak RSS of
//    this process while it issues, with mail queued for each (as with SMTP_URL set).
import { loadavg } from 'node:os';
import type { BenchContext, BenchResult } from './run.ts';
import { ChangeFeed } from '../src/events/changes.ts';
import { writeTransitionBatch, type TransitionRequest } from '../src/donations/donations.ts';
import { drainReceiptRequests } from '../src/receipts/issuer.ts';

export const name = 'receipts';

const CAMPAIGNS = 50;
const BATCH_ROWS = 500;
const BATCHES_IN_FLIGHT = 2;
const ROUNDS = 4;
const SEED_CHUNK_ROWS = 20_000;

const TRIGGER = 'donations_receipt_requests_update';

async function approveAll(context: BenchContext, feed: ChangeFeed, ids: readonly bigint[]): Promise<number> {
  const batches: bigint[][] = [];
  for (let start = 0; start < ids.length; start += BATCH_ROWS) batches.push(ids.slice(start, start + BATCH_ROWS) as bigint[]);
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: BATCHES_IN_FLIGHT }, async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const requests: TransitionRequest[] = batch.map((id) => ({ id: String(id), to: 'approved', actor: 'token:1:bench', reason: null }));
      const outcomes = await writeTransitionBatch(context.database, feed, requests);
      if (outcomes.some((outcome) => outcome instanceof Error)) throw new Error('an approval failed');
    }
  }));
  return ids.length / ((performance.now() - started) / 1000);
}

export async function run(context: BenchContext): Promise<BenchResult> {
  const total = context.integerOption('donations', context.quick ? 10_000 : 100_000, 1_000, 1_000_000);
  const { database } = context;
  const { rows: campaigns } = await database.query<{ id: bigint }>(
    `insert into campaigns (slug, name, fund, currency, status)
     select 'receipts-' || n, 'Receipts campaign ' || n, case when n % 2 = 0 then 'zakat' else 'sadaqah' end, 'IDR', 'active'
       from generate_series(1, $1::int) n returning id`, [CAMPAIGNS]);
  const { rows: donors } = await database.query<{ id: bigint }>(
    `insert into donors (display_name, email) select 'Donor ' || n, 'donor-' || n || '@example.org' from generate_series(1, 1000) n returning id`);
  // In chunks, each well inside the statement timeout.
  for (let start = 0; start < total; start += SEED_CHUNK_ROWS) {
    await database.query(
      `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, status, source, idempotency_key, request_sha256)
       select ($3::bigint[])[1 + n % $4::int], $5::bigint + (n % 1000), 'Donor ' || (n % 1000), false, 1000000 + n * 100, 'IDR', 'pending', 'api',
              'receipts-bench-' || n, '\\x00'
         from generate_series($1::int, $2::int) n`,
      [start + 1, Math.min(total, start + SEED_CHUNK_ROWS), campaigns.map((c) => c.id), CAMPAIGNS, donors[0]!.id]);
  }
  const { rows } = await database.query<{ id: bigint }>(`select id from donations where status = 'pending' order by random()`);
  const ids = rows.map((row) => row.id);
  const feed = new ChangeFeed();
  const loadBefore = loadavg()[0]!;
  const perRound = Math.floor(ids.length / (ROUNDS * 2));
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < ROUNDS * 2; round += 1) {
    const enabled = round % 2 === 1;
    await database.query(`alter table donations ${enabled ? 'enable' : 'disable'} trigger ${TRIGGER}`);
    const rate = await approveAll(context, feed, ids.slice(round * perRound, (round + 1) * perRound));
    (enabled ? on : off).push(rate);
    context.log(`round ${round + 1}: trigger ${enabled ? 'on' : 'off'}, ${Math.round(rate)} approvals/s`);
  }
  await database.query(`alter table donations enable trigger ${TRIGGER}`);
  await approveAll(context, feed, ids.slice(ROUNDS * 2 * perRound));
  // The approvals made with the trigger off get their requests now, so every approved donation is issued.
  await database.query(
    `insert into receipt_requests (donation_id, kind) select d.id, 'issue' from donations d
      where d.status = 'approved' and not exists (select 1 from receipt_requests r where r.donation_id = d.id) order by d.id`);
  const loadMiddle = loadavg()[0]!;
  let rssPeak = process.memoryUsage().rss;
  const rssBefore = rssPeak;
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 50);
  const started = performance.now();
  const issued = await drainReceiptRequests(database, { settings: context.config.receipts, publicUrl: 'https://amanah.example', mail: true });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const { rows: check } = await database.query<{ receipts: bigint; last: bigint; mails: bigint }>(
    `select (select count(*) from receipts) as receipts, (select max(number) from receipts) as last, (select count(*) from email_outbox) as mails`);
  if (Number(check[0]!.receipts) !== total || Number(check[0]!.last) !== total) throw new Error(`issued ${check[0]!.receipts}, last number ${check[0]!.last}, expected ${total}`);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const ratio = mean(on) / mean(off);
  return {
    name,
    workload: `approvals with receipt requests (trigger on): ${Math.round(mean(on)).toLocaleString('en')}/s`,
    reference: `approvals, trigger off, same run: ${Math.round(mean(off)).toLocaleString('en')}/s`,
    ratio,
    target: 0.9,
    figures: {
      donations: total, approvals_per_second_on: Math.round(mean(on)), approvals_per_second_off: Math.round(mean(off)),
      rounds_on: on.map(Math.round).join(' '), rounds_off: off.map(Math.round).join(' '),
      receipts_issued: issued, issue_seconds: Number(seconds.toFixed(2)), receipts_per_second: Math.round(issued / seconds),
      mails_queued: Number(check[0]!.mails), rss_before_mib: Math.round(rssBefore / 2 ** 20), rss_peak_mib: Math.round(rssPeak / 2 ** 20),
      load_before: loadBefore, load_middle: loadMiddle, load_after: loadavg()[0]!,
    },
    notes: 'approval batches of 500 over 50 campaigns, 2 in flight, 4 alternating rounds each; the issuer drains in claims of 1,000 with mail queued',
  };
}
