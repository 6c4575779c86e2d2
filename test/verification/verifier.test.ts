// The verification stage against a real payment provider on loopback that answers correctly, slowly, wrongly or
// not at all, on the engine the run selects. Each test has its own database, so one test's pending donations are
// not another's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, createCampaign, createTestApp, donate, type TestApp } from '../helpers/app.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import type { Database } from '../../src/db/database.ts';
import { ChangeFeed, type ChangeEvent } from '../../src/events/changes.ts';
import { findTotalsMismatches } from '../../src/campaigns/queries.ts';
import { insertDonation } from '../../src/donations/queries.ts';
import { runVerification, type VerificationOptions } from '../../src/verification/verifier.ts';
import { refusingUrl, startProviderServer, type ProviderServer } from './provider-server.ts';

let provider: ProviderServer;
before(async () => { provider = await startProviderServer(); });
after(async () => { await provider.close(); });

interface Fixture {
  test: TestApp;
  database: Database;
  campaignId: string;
  feed: ChangeFeed;
  /** A pending API donation of `amount` IDR carrying the provider reference `reference`. */
  donation(reference: string, amount?: string): Promise<string>;
  close(): Promise<void>;
}

let fixtureSerial = 0;

async function fixture(): Promise<Fixture> {
  const test = await createTestApp();
  const serial = fixtureSerial++;
  const campaign = await createCampaign(test, { slug: `verify-${process.pid}-${serial}`, currency: 'IDR' });
  return {
    test, database: test.database, campaignId: campaign.id!, feed: new ChangeFeed(),
    async donation(reference, amount = '150000') {
      const response = await donate(test, { campaign_id: campaign.id, amount, currency: 'IDR', donor_name: `Donor ${reference}`, external_ref: reference });
      assert.equal(response.statusCode, 201, response.body);
      return response.json().id as string;
    },
    close: () => test.close(),
  };
}

/** References unique to this process and test, so the shared provider server's counts are per test. */
let referenceSerial = 0;
const reference = (label: string) => `${label}-${process.pid}-${referenceSerial++}`;

function options(overrides: Partial<VerificationOptions> = {}): VerificationOptions {
  return { providerUrl: provider.url, concurrency: 50, itemTimeoutMs: 10_000, attemptsMax: 5, ...overrides };
}

async function statusOf(database: Database, id: string): Promise<string> {
  const { rows } = await database.query<{ status: string }>('select status from donations where id = $1', [id]);
  return rows[0]!.status;
}

async function verificationOf(database: Database, id: string) {
  const { rows } = await database.query<{ attempts: number; last_outcome: string; last_error: string | null; claimed_by: string | null }>(
    'select attempts, last_outcome, last_error, claimed_by from payment_verifications where donation_id = $1', [id]);
  return rows[0];
}

async function lastReason(database: Database, id: string): Promise<{ actor: string; reason: string | null }> {
  const { rows } = await database.query<{ actor: string; reason: string | null }>(
    'select actor, reason from donation_status_changes where donation_id = $1 order by id desc limit 1', [id]);
  return rows[0]!;
}

async function raisedMinor(database: Database, campaignId: string): Promise<bigint> {
  const { rows } = await database.query<{ raised_minor: bigint }>('select raised_minor from campaigns where id = $1', [campaignId]);
  return rows[0]!.raised_minor;
}

test('paid answers approve; failed, short and foreign-currency answers reject with the reason; pending waits', async () => {
  // Proves each answer's effect on the donation, its history, the campaign totals and the change feed.
  const f = await fixture();
  try {
    const refs = { paidA: reference('paid'), paidB: reference('paid'), failed: reference('failed'), short: reference('short'), foreign: reference('foreign'), pending: reference('pending') };
    provider.behaviours.set(refs.paidA, { kind: 'paid', amount: '150000', currency: 'IDR' });
    provider.behaviours.set(refs.paidB, { kind: 'paid', amount: '250000.00', currency: 'IDR' });
    provider.behaviours.set(refs.failed, { kind: 'failed' });
    provider.behaviours.set(refs.short, { kind: 'paid', amount: '149999', currency: 'IDR' });
    provider.behaviours.set(refs.foreign, { kind: 'paid', amount: '150000', currency: 'USD' });
    provider.behaviours.set(refs.pending, { kind: 'pending' });
    const ids = {
      paidA: await f.donation(refs.paidA), paidB: await f.donation(refs.paidB, '250000'), failed: await f.donation(refs.failed),
      short: await f.donation(refs.short), foreign: await f.donation(refs.foreign), pending: await f.donation(refs.pending),
    };
    const events: ChangeEvent[] = [];
    f.feed.subscribe((event) => events.push(event));

    const counts = await runVerification(f.database, f.feed, options());

    assert.deepEqual(counts, { claimed: 6, verified: 2, failed: 3, pending: 1, timedOut: 0, errored: 0, superseded: 0, released: 0 });
    assert.equal(await statusOf(f.database, ids.paidA), 'approved');
    assert.equal(await statusOf(f.database, ids.paidB), 'approved');
    for (const id of [ids.failed, ids.short, ids.foreign]) assert.equal(await statusOf(f.database, id), 'rejected');
    assert.equal(await statusOf(f.database, ids.pending), 'pending');
    assert.deepEqual(await lastReason(f.database, ids.paidA), { actor: 'payment-verifier', reason: `provider reports 150000 IDR paid (${refs.paidA})` });
    assert.match((await lastReason(f.database, ids.failed)).reason!, /failed/);
    assert.match((await lastReason(f.database, ids.short)).reason!, /provider reports 149999 IDR paid, the donation is 150000.00 IDR: amount differs/);
    assert.match((await lastReason(f.database, ids.foreign)).reason!, /currency differs/);
    assert.equal((await verificationOf(f.database, ids.pending))?.last_outcome, 'pending');
    // IDR has two decimals in ISO 4217: 150000 + 250000 rupiah is 40,000,000 minor units.
    assert.equal(await raisedMinor(f.database, f.campaignId), 400_000_00n);
    assert.deepEqual(await findTotalsMismatches(f.database), []);
    for (const ref of Object.values(refs)) assert.equal(provider.requests.get(ref), 1, ref);
    const changedDonations = new Set(events.flatMap((event) => (event.donationIds === 'all' ? [] : event.donationIds)));
    for (const id of [ids.paidA, ids.paidB, ids.failed, ids.short, ids.foreign]) assert.ok(changedDonations.has(id), `change feed told of ${id}`);
    assert.ok(events.some((event) => event.campaignIds !== 'all' && event.campaignIds.includes(f.campaignId)));

    // A second run asks nothing: the decided are no longer pending and the pending one waits for its recheck.
    const again = await runVerification(f.database, f.feed, options());
    assert.equal(again.claimed, 0);
  } finally {
    await f.close();
  }
});

test('a slow or silent provider is cut off at the deadline: counted timed out, the request aborted', async () => {
  // Proves the per-item timeout aborts the HTTP request (the server sees the socket close) and does not hold up
  // the other donations, which complete unordered.
  const f = await fixture();
  try {
    const slow = reference('slow');
    const silent = reference('silent');
    const quick = reference('quick');
    provider.behaviours.set(slow, { kind: 'slow', delayMs: 60_000, amount: '150000', currency: 'IDR' });
    provider.behaviours.set(silent, { kind: 'hang' });
    provider.behaviours.set(quick, { kind: 'paid', amount: '150000', currency: 'IDR' });
    const slowId = await f.donation(slow);
    const silentId = await f.donation(silent);
    const quickId = await f.donation(quick);

    const counts = await runVerification(f.database, f.feed, options({ itemTimeoutMs: 300 }));

    assert.deepEqual(counts, { claimed: 3, verified: 1, failed: 0, pending: 0, timedOut: 2, errored: 0, superseded: 0, released: 0 });
    await provider.abandonedOnce(slow);
    await provider.abandonedOnce(silent);
    assert.ok(!provider.abandoned.has(quick));
    assert.equal(await statusOf(f.database, slowId), 'pending');
    assert.equal(await statusOf(f.database, silentId), 'pending');
    assert.equal(await statusOf(f.database, quickId), 'approved');
    const record = await verificationOf(f.database, slowId);
    assert.equal(record?.last_outcome, 'timed_out');
    assert.equal(record?.claimed_by, null);
    assert.match(record?.last_error ?? '', /no answer within 300 ms/);
  } finally {
    await f.close();
  }
});

test('malformed JSON, HTTP 500 and an unknown reference are errors, retried later a bounded number of times', async () => {
  // Proves wrong answers never change a donation, and that retries stop at the attempts limit.
  const f = await fixture();
  try {
    const malformed = reference('malformed');
    const broken = reference('http500');
    const unknown = reference('unknown');
    provider.behaviours.set(malformed, { kind: 'malformed' });
    provider.behaviours.set(broken, { kind: 'status', code: 500 });
    const ids = [await f.donation(malformed), await f.donation(broken), await f.donation(unknown)];
    const retryAtOnce = options({ attemptsMax: 2, retryDelayMs: 0 });

    const first = await runVerification(f.database, f.feed, retryAtOnce);
    const second = await runVerification(f.database, f.feed, retryAtOnce);
    const third = await runVerification(f.database, f.feed, retryAtOnce);

    assert.equal(first.errored, 3);
    assert.equal(second.errored, 3);
    assert.deepEqual(third, { claimed: 0, verified: 0, failed: 0, pending: 0, timedOut: 0, errored: 0, superseded: 0, released: 0 });
    for (const ref of [malformed, broken, unknown]) assert.equal(provider.requests.get(ref), 2, ref);
    for (const id of ids) assert.equal(await statusOf(f.database, id), 'pending');
    assert.match((await verificationOf(f.database, ids[0]!))?.last_error ?? '', /not JSON/);
    assert.match((await verificationOf(f.database, ids[1]!))?.last_error ?? '', /HTTP 500/);
    assert.match((await verificationOf(f.database, ids[2]!))?.last_error ?? '', /does not know this reference/);
    assert.equal((await verificationOf(f.database, ids[0]!))?.attempts, 2);
    assert.deepEqual(await findTotalsMismatches(f.database), []);
  } finally {
    await f.close();
  }
});

test('a provider that refuses connections counts as errored and the donation waits', async () => {
  // Proves "not at all": connection refused is an error to retry, not a failed payment.
  const f = await fixture();
  try {
    const id = await f.donation(reference('refused'));
    const counts = await runVerification(f.database, f.feed, options({ providerUrl: await refusingUrl() }));
    assert.equal(counts.errored, 1);
    assert.equal(await statusOf(f.database, id), 'pending');
    assert.match((await verificationOf(f.database, id))?.last_error ?? '', /unreachable: ECONNREFUSED/);
  } finally {
    await f.close();
  }
});

test('the provider never sees more requests at once than the concurrency, and does see that many', async () => {
  // Proves the bound from the provider's side: it holds requests until four are in flight, then answers them.
  const f = await fixture();
  try {
    const total = 24;
    const refs = Array.from({ length: total }, () => reference('gate'));
    for (const ref of refs) {
      provider.behaviours.set(ref, { kind: 'gate', size: 4, total, amount: '150000', currency: 'IDR' });
      await f.donation(ref);
    }
    const before = provider.inFlightMax;
    provider.inFlightMax = 0;
    const counts = await runVerification(f.database, f.feed, options({ concurrency: 4 }));
    assert.equal(counts.verified, total);
    assert.equal(provider.inFlightMax, 4);
    provider.inFlightMax = Math.max(before, provider.inFlightMax);
    assert.equal(await raisedMinor(f.database, f.campaignId), 150_000_00n * BigInt(total));
  } finally {
    await f.close();
  }
});

test('only API donations are asked about: an imported donation with a reference is left alone', async () => {
  // Proves the source restriction: an import's external_ref is a bank row id, not a provider reference.
  const f = await fixture();
  try {
    const imported = reference('imported');
    provider.behaviours.set(imported, { kind: 'failed' });
    await insertDonation(f.database, {
      campaignId: BigInt(f.campaignId), donor: { name: 'Bank row', anonymous: false }, amountMinor: 150_000n, currency: 'IDR', status: 'pending', source: 'import',
      idempotencyKey: `import-${imported}`, requestSha256: Buffer.alloc(32), externalRef: imported, donatedAt: null,
    });
    const counts = await runVerification(f.database, f.feed, options());
    assert.equal(counts.claimed, 0);
    assert.equal(provider.requests.get(imported), undefined);
  } finally {
    await f.close();
  }
});

test('a donation decided by staff while its check was in flight is left as staff set it', async () => {
  // Proves the verifier's approval checks the status in the same statement: staff's rejection wins the race.
  const f = await fixture();
  try {
    const held = reference('held');
    provider.behaviours.set(held, { kind: 'held', amount: '150000', currency: 'IDR' });
    const id = await f.donation(held);
    const running = runVerification(f.database, f.feed, options());
    await provider.arrived(held);
    const rejected = await f.test.app.inject({
      method: 'POST', url: `/api/donations/${id}/reject`, headers: bearer(f.test.staffToken), payload: { reason: 'donor asked to cancel' },
    });
    assert.equal(rejected.statusCode, 200, rejected.body);
    provider.release(held);
    const counts = await running;
    assert.equal(counts.superseded, 1);
    assert.equal(counts.verified, 0);
    assert.equal(await statusOf(f.database, id), 'rejected');
    assert.equal((await verificationOf(f.database, id))?.last_outcome, 'superseded');
    assert.deepEqual(await findTotalsMismatches(f.database), []);
  } finally {
    await f.close();
  }
});

test('a stopped run aborts its requests and gives its claims back without charging an attempt', async () => {
  // Proves shutdown: in-flight requests are aborted, and the next run can take the donations at once.
  const f = await fixture();
  try {
    const refs = Array.from({ length: 6 }, () => reference('stopped'));
    for (const ref of refs) {
      provider.behaviours.set(ref, { kind: 'hang' });
      await f.donation(ref);
    }
    const stop = new AbortController();
    const running = runVerification(f.database, f.feed, options({ concurrency: 2, signal: stop.signal }));
    await Promise.all(refs.slice(0, 2).map((ref) => provider.arrived(ref)));
    stop.abort();
    const counts = await running;
    assert.equal(counts.claimed, 2);
    assert.equal(counts.released, 2);
    await Promise.all(refs.slice(0, 2).map((ref) => provider.abandonedOnce(ref)));
    const { rows } = await f.database.query<{ attempts: number; claimed_by: string | null }>('select attempts, claimed_by from payment_verifications');
    assert.deepEqual(rows.map((row) => [row.attempts, row.claimed_by]), [[0, null], [0, null]]);
    for (const ref of refs) provider.behaviours.set(ref, { kind: 'paid', amount: '150000', currency: 'IDR' });
    assert.equal((await runVerification(f.database, f.feed, options())).verified, 6);
  } finally {
    await f.close();
  }
});

test('two runners at once never verify one donation twice', async () => {
  // Proves the claims: on PostgreSQL two pools race for the same donations (on PGlite, two runs share the one
  // connection); the provider is asked about each reference exactly once and the totals are right after.
  const f = await fixture();
  const second = f.database.engine === 'postgres' ? await openPostgres(f.test.testDatabase.url!, f.test.testDatabase.config.database) : f.database;
  try {
    const total = 80;
    const refs = Array.from({ length: total }, () => reference('race'));
    for (const ref of refs) {
      // A short delay keeps both runners' requests in flight together, so their claims interleave.
      provider.behaviours.set(ref, { kind: 'slow', delayMs: 5, amount: '150000', currency: 'IDR' });
      await f.donation(ref);
    }
    const [one, two] = await Promise.all([
      runVerification(f.database, f.feed, options({ concurrency: 8 })),
      runVerification(second, new ChangeFeed(), options({ concurrency: 8 })),
    ]);
    assert.equal(one.verified + two.verified, total);
    assert.equal(one.claimed + two.claimed, total);
    for (const ref of refs) assert.equal(provider.requests.get(ref), 1, ref);
    assert.equal(await raisedMinor(f.database, f.campaignId), 150_000_00n * BigInt(total));
    assert.deepEqual(await findTotalsMismatches(f.database), []);
  } finally {
    if (second !== f.database) await second.close();
    await f.close();
  }
});
