// The reports on a small dataset whose figures are computed by hand below: approvals before, inside and after a
// period, an import, a refund, the amil share of two funds and a paid disbursement. Proves the statement of
// changes in funds, the trial balance, the financial position and the BAZNAS counts, their identities, that the
// CSV parses back to the JSON's figures and that the pages render in Indonesian and English (both engines).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { bearer, createTestApp, type TestApp } from '../helpers/app.ts';
import { createCampaign } from '../../src/campaigns/campaigns.ts';
import { writeTransitionBatch } from '../../src/donations/donations.ts';
import { ChangeFeed } from '../../src/events/changes.ts';
import { checkImport, runImport, startRun } from '../../src/imports/pipeline.ts';
import { parseMapSpec } from '../../src/imports/mapping.ts';
import { setAmilRate } from '../../src/ledger/queries.ts';
import { findLedgerProblems } from '../../src/ledger/verify.ts';
import { approveDisbursement, insertDisbursement, insertMustahik, insertProgram, payDisbursement } from '../../src/distribution/queries.ts';
import { formatAmount, formatDisplay } from '../../src/money/index.ts';
import { assertReferencesAgree } from '../../bench/reports.ts';

let t: TestApp;
const feed = new ChangeFeed();
let from: Date;
let to: Date;
let serial = 0;
const ids: Record<string, string> = {};
// Report answers are JSON read loosely here: each assertion names the figure it reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const maker = { tokenId: 'maker', name: 'maker' };
const checker = { tokenId: 'checker', name: 'checker' };

/** Inserts pending donations (minor units) and approves them in one batch; a donor email makes a donors row. */
async function approve(campaignId: bigint, gifts: { amount: bigint; source: 'api' | 'manual'; email?: string; tag: string }[]) {
  for (const gift of gifts) {
    let donorId: bigint | null = null;
    if (gift.email) {
      const { rows } = await t.database.query<{ id: bigint }>(
        `insert into donors (display_name, email) values ('Muzaki', $1) on conflict (email_key(email)) where email is not null do update set display_name = excluded.display_name returning id`, [gift.email]);
      donorId = rows[0]!.id;
    }
    const { rows } = await t.database.query<{ id: bigint }>(
      `insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
       values ($1, $2, $3, $4, $5, 'IDR', $6, $7, '\\x00') returning id`,
      [campaignId, donorId, donorId === null ? 'Hamba Allah' : 'Muzaki', donorId === null, gift.amount, gift.source, `reports-${serial++}`]);
    ids[gift.tag] = String(rows[0]!.id);
  }
  await writeTransitionBatch(t.database, feed, gifts.map((gift) => ({ id: ids[gift.tag]!, to: 'approved' as const, actor: 'test', reason: null })));
}

before(async () => {
  t = await createTestApp();
  const db = t.database;
  await setAmilRate(db, 'zakat', 1250, 'test');
  await setAmilRate(db, 'infak_sedekah', 1000, 'test');
  const zakat = await createCampaign(db, feed, { slug: 'zakat-reports', name: 'Zakat', fund: 'zakat', currency: 'IDR', status: 'active' });
  const sadaqah = await createCampaign(db, feed, { slug: 'sedekah-reports', name: 'Sedekah', fund: 'sadaqah', currency: 'IDR', status: 'active' });
  // Before the period: the opening balance.
  await approve(zakat.id, [{ amount: 10_000_000n, source: 'api', email: 'y@example.org', tag: 'd0' }]);
  await sleep(20);
  from = new Date();
  await sleep(20);
  // Inside the period.
  await approve(zakat.id, [
    { amount: 20_000_000n, source: 'api', email: 'x@example.org', tag: 'd1' },
    { amount: 5_000_000n, source: 'api', email: 'Y@example.org', tag: 'd2' },
    { amount: 2_500_000n, source: 'api', email: 'y@example.org', tag: 'd3' },
    { amount: 30_000_000n, source: 'manual', tag: 'd4' },
  ]);
  const checked = await checkImport(db, {
    campaign: 'zakat-reports', currency: 'IDR', map: parseMapSpec(''), status: 'approved', keyColumn: undefined, format: 'csv', batchRows: 100,
    actor: 'test', sourceName: 'zakat.csv', bytesTotal: null, writeMethod: 'copy', writers: 1, options: {},
  });
  await runImport(db, [Buffer.from('amount,donor_name\n10.07,Anisa\n50.00,Budi\n')], checked, await startRun(db, checked), { feed });
  await approve(sadaqah.id, [{ amount: 4_000_000n, source: 'api', tag: 's1' }]);
  await writeTransitionBatch(db, feed, [{ id: ids.d1!, to: 'refunded', actor: 'test', reason: 'asked back' }]);
  const mustahik = await insertMustahik(db, { kind: 'institution', name: 'Panti Asuhan', nik: null, asnaf: ['fakir'], region: 'Jakarta', verification: 'verified', evidenceNotes: null }, maker);
  const program = await insertProgram(db, { name: 'Beasiswa', fund: 'zakat', asnaf: ['fakir'], social: false }, maker);
  const disbursement = await insertDisbursement(db, { programId: program.id, mustahikId: mustahik.id, campaignId: zakat.id, fund: 'zakat', asnaf: 'fakir', currency: 'IDR', amountMinor: 1_000_000n, purpose: null }, maker);
  await approveDisbursement(db, disbursement.id, checker);
  await payDisbursement(db, disbursement.id, 'TRF-1', checker);
  await sleep(20);
  to = new Date();
  await sleep(20);
  // After the period: in no figure of it, but in the position now.
  await approve(zakat.id, [{ amount: 700_000n, source: 'api', tag: 'd5' }]);
});
after(async () => {
  assert.deepEqual(await findLedgerProblems(t.database), []);
  await t.close();
});

const idr = (minor: bigint) => formatAmount(minor, 'IDR');
const period = () => `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;

// The figures by hand (minor units, IDR has two decimals; each share floored per donation at 12.5% or 10%).
const SHARES_IN_PERIOD = 2_500_000n + 625_000n + 312_500n + 3_750_000n + 125n /* 10.07 */ + 625n /* 50.00 */;
const ZAKAT = {
  opening: 10_000_000n - 1_250_000n,
  receipts: 20_000_000n + 5_000_000n + 2_500_000n + 30_000_000n + 1007n + 5000n,
  api: 27_500_000n, import: 6007n, manual: 30_000_000n,
  amilOut: -(SHARES_IN_PERIOD - 2_500_000n), refunds: -20_000_000n, distributions: -1_000_000n,
};
const ZAKAT_CLOSING = ZAKAT.opening + ZAKAT.receipts + ZAKAT.amilOut + ZAKAT.refunds + ZAKAT.distributions;

test('the statement of changes in funds has the hand-computed figures, and opening + movements = closing', async () => {
  const response = await t.app.inject({ url: `/api/reports/changes-in-funds?${period()}`, headers: bearer(t.staffToken) });
  assert.equal(response.statusCode, 200, response.body);
  const funds = response.json().funds as Record<string, Json>[];
  const zakat = funds.find((f) => f.fund === 'zakat')!;
  assert.equal(zakat.opening, idr(ZAKAT.opening));
  assert.deepEqual(zakat.receipts, { total: idr(ZAKAT.receipts), api: idr(ZAKAT.api), import: idr(ZAKAT.import), manual: idr(ZAKAT.manual) });
  assert.equal(zakat.amil_share_out, idr(ZAKAT.amilOut));
  assert.equal(zakat.refunds, idr(ZAKAT.refunds));
  assert.deepEqual(zakat.distributions, { total: idr(-1_000_000n), by_asnaf: [{ asnaf: 'fakir', amount: idr(1_000_000n) }], by_program: [{ program_id: zakat.distributions.by_program[0].program_id, name: 'Beasiswa', amount: idr(1_000_000n) }] });
  assert.equal(zakat.closing, idr(ZAKAT_CLOSING));
  const amil = funds.find((f) => f.fund === 'amil')!;
  assert.equal(amil.opening, idr(1_250_000n));
  assert.equal(amil.amil_share_in, idr(SHARES_IN_PERIOD - 2_500_000n + 400_000n));
  assert.equal(amil.closing, idr(1_250_000n + SHARES_IN_PERIOD - 2_500_000n + 400_000n));
  const infak = funds.find((f) => f.fund === 'infak_sedekah')!;
  assert.deepEqual([infak.opening, infak.receipts.api, infak.amil_share_out, infak.closing], [idr(0n), idr(4_000_000n), idr(-400_000n), idr(3_600_000n)]);
});

test('the trial balance sums to zero and the position balances: assets equal fund balances', async () => {
  const trial = (await t.app.inject({ url: '/api/reports/trial-balance', headers: bearer(t.staffToken) })).json();
  const [total] = trial.totals;
  assert.equal(total.debit, total.credit);
  const kept = 10_000_000n + ZAKAT.receipts + ZAKAT.refunds + 4_000_000n + 700_000n;
  const clearing = trial.accounts.filter((a: Json) => a.account.startsWith('clearing:')).reduce((sum: bigint, a: Json) => sum + BigInt(a.balance.replace('.', '')), 0n);
  assert.equal(clearing, kept);
  const position = (await t.app.inject({ url: '/api/reports/financial-position', headers: bearer(t.staffToken) })).json().positions[0];
  assert.equal(position.assets_total, idr(kept - 1_000_000n));
  assert.equal(position.funds_total, position.assets_total);
  assert.deepEqual(position.assets.find((a: Json) => a.account === 'payout:bank'), { account: 'payout:bank', amount: idr(-1_000_000n) });
  // At the end of the period the position holds what the statement closed with.
  const atTo = (await t.app.inject({ url: `/api/reports/financial-position?at=${encodeURIComponent(to.toISOString())}`, headers: bearer(t.staffToken) })).json().positions[0];
  assert.equal(atTo.funds.find((f: Json) => f.fund === 'zakat').amount, idr(ZAKAT_CLOSING));
});

test('the BAZNAS report counts muzaki (donors rows once, gifts without one each) and mustahik', async () => {
  const year = new Date().getUTCFullYear();
  const report = (await t.app.inject({ url: `/api/reports/baznas?year=${year}`, headers: bearer(t.staffToken) })).json();
  // Y (d0, d2, d3: one donors row by email key), d4, the two imported gifts, d5; X was refunded.
  assert.equal(report.muzaki, '5');
  assert.equal(report.mustahik, '1');
  const zakat = report.collection.find((c: Json) => c.fund === 'zakat');
  assert.equal(zakat.net, idr(10_000_000n + ZAKAT.receipts + ZAKAT.refunds + 700_000n));
  const h1 = (await t.app.inject({ url: '/api/reports/baznas?year=2001&half=h1', headers: bearer(t.staffToken) })).json();
  assert.deepEqual([h1.from, h1.to, h1.muzaki, h1.funds], ['2001-01-01T00:00:00.000Z', '2001-07-01T00:00:00.000Z', '0', []]);
});

test('the bench\'s hand-written references give every figure of the reports on this data (refunds, a disbursement, each channel)', async () => {
  const year = { from: new Date(Date.UTC(new Date().getUTCFullYear(), 0, 1)), to: new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1)) };
  await t.database.transaction(async (tx) => {
    await assertReferencesAgree(tx, { from, to }, to);
    await assertReferencesAgree(tx, year, new Date());
  });
});

test('the CSV parses back to the JSON\'s figures', async () => {
  const json = (await t.app.inject({ url: `/api/reports/changes-in-funds?${period()}`, headers: bearer(t.staffToken) })).json();
  const response = await t.app.inject({ url: `/api/reports/changes-in-funds?${period()}&format=csv`, headers: bearer(t.staffToken) });
  assert.match(response.headers['content-type'] as string, /^text\/csv/);
  const records = parse(response.body, { columns: true }) as Record<string, string>[];
  const zakat = json.funds.find((f: Json) => f.fund === 'zakat');
  const get = (section: string, item: string) => records.find((r) => r.fund === 'zakat' && r.section === section && r.item === item)?.amount;
  assert.equal(get('balance', 'opening'), zakat.opening);
  assert.equal(get('balance', 'closing'), zakat.closing);
  assert.equal(get('receipts_by_channel', 'import'), zakat.receipts.import);
  assert.equal(get('distributions_by_asnaf', 'fakir'), idr(1_000_000n));
  const trial = parse((await t.app.inject({ url: '/api/reports/trial-balance?format=csv', headers: bearer(t.staffToken) })).body, { columns: true }) as Record<string, string>[];
  assert.equal(trial.reduce((sum, r) => sum + BigInt(r.balance!.replace('.', '')), 0n), 0n);
});

test('the pages render their figures in Indonesian and English', async () => {
  for (const [lang, heading, locale] of [['id', 'Laporan perubahan dana', 'id-ID'], ['en', 'Statement of changes in funds', 'en-GB']] as const) {
    const response = await t.app.inject({ url: `/console/reports/changes-in-funds?${period()}&lang=${lang}`, headers: bearer(t.staffToken) });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(response.body, new RegExp(`<html lang="${lang}"`));
    assert.ok(response.body.includes(heading));
    assert.ok(response.body.includes(formatDisplay(ZAKAT_CLOSING, 'IDR', locale)), `closing as ${locale}`);
    for (const name of ['trial-balance', 'financial-position', 'baznas?year=2026']) {
      const other = await t.app.inject({ url: `/console/reports/${name}${name.includes('?') ? '&' : '?'}lang=${lang}`, headers: bearer(t.staffToken) });
      assert.equal(other.statusCode, 200, `${name}: ${other.body}`);
    }
  }
});

test('reports answer staff tokens only, and refuse a bad or too long period with registered codes', async () => {
  for (const url of [`/api/reports/changes-in-funds?${period()}`, '/api/reports/trial-balance']) {
    assert.equal((await t.app.inject({ url })).json().code, 'unauthorized');
  }
  // A browser opening the page sends no token: it gets the shell (no figures) whose script asks again with the
  // console's token; a wrong token on that second request is still refused.
  const shell = await t.app.inject({ url: `/console/reports/changes-in-funds?${period()}&lang=id` });
  assert.equal(shell.statusCode, 200);
  assert.match(shell.body, /<script src="\/console\/reports.js"><\/script>/);
  assert.match(shell.body, /Masuk ke konsol dahulu/);
  assert.doesNotMatch(shell.body, /<table/);
  assert.match(String(shell.headers['content-security-policy']), /script-src 'self'/);
  assert.equal((await t.app.inject({ url: '/console/reports.js' })).statusCode, 200);
  const wrong = await t.app.inject({ url: `/console/reports/changes-in-funds?${period()}`, headers: bearer('amanah_1_not-a-real-token') });
  assert.equal(wrong.json().code, 'unauthorized');
  const refusals = [
    ['from=2026-02-01&to=2026-01-01', 400, 'validation_failed'],
    ['from=2000-01-01&to=2026-01-01', 422, 'report_period_too_long'],
    ['from=2026-02-30&to=2026-03-01', 400, 'validation_failed'],
    ['to=2026-03-01', 400, 'validation_failed'],
  ] as const;
  for (const [query, status, code] of refusals) {
    const response = await t.app.inject({ url: `/api/reports/changes-in-funds?${query}`, headers: bearer(t.staffToken) });
    assert.deepEqual([response.statusCode, response.json().code], [status, code], query);
  }
});
