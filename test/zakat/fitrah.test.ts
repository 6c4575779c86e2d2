// Fitrah and fidyah without a database: the price table by region and date, the Eid cutoff (Kemenag's date, the
// Umm al-Qura fallback, before and after 07:00 WIB), the server-side amount and the CLI's output.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  EID_DATES, eidFor, FIDYAH_DAYS_MAX, FITRAH_PEOPLE_MAX, LEDGER_FUND_OF_KIND, parseWhen, PRICE_TABLES, priceTableOn, quote, umalquraDate,
} from '../../src/zakat/fitrah.ts';
import { AppError } from '../../src/errors.ts';

const at = (text: string) => new Date(text);

describe('fitrah and fidyah price tables', () => {
  test('the table is the region\'s latest whose effective_from is not after the date', () => {
    // Proves the lookup by date and region, at each boundary the data holds.
    assert.equal(priceTableOn('jabodetabek', '2021-12-31'), undefined);
    assert.equal(priceTableOn('jabodetabek', '2022-01-01')?.id, 'baznas-sk-10-2022');
    assert.equal(priceTableOn('jabodetabek', '2023-06-01')?.id, 'baznas-sk-10-2022', 'no 2023 decree is held: 2022 stays in effect');
    assert.equal(priceTableOn('jabodetabek', '2025-03-06')?.id, 'baznas-sk-10-2024');
    assert.equal(priceTableOn('jabodetabek', '2025-03-07')?.id, 'baznas-sk-14-2025');
    assert.equal(priceTableOn('jabodetabek', '2026-02-05')?.id, 'baznas-sk-14-2026');
    assert.equal(priceTableOn('bali', '2026-02-05'), undefined);
    const sk2025 = PRICE_TABLES.find((table) => table.id === 'baznas-sk-14-2025')!;
    assert.deepEqual([sk2025.fitrahPerPersonMinor, sk2025.fidyahPerDayMinor, sk2025.riceGrams, sk2025.verified], [4_700_000n, 6_000_000n, 2500n, true]);
    assert.equal(PRICE_TABLES.find((table) => table.id === 'baznas-sk-10-2024')!.verified, false, 'the 2024 figures are marked unverified');
  });

  test('the amount is quantity × the price of the Jakarta date, with the table named', () => {
    // Proves the server-side amount: 4 people in 2025 (Rp47,000) and 3 days of fidyah in 2022 (Rp50,000).
    const fitrah = quote({ kind: 'fitrah', quantity: 4, at: at('2025-03-20T10:00:00+07:00') });
    assert.deepEqual([fitrah.amount, fitrah.unit_price, fitrah.table.id, fitrah.rice_kg, fitrah.rice_liters, fitrah.region],
      ['188000.00', '47000.00', 'baznas-sk-14-2025', '10', '14', 'jabodetabek']);
    assert.equal(fitrah.amountMinor, 18_800_000n);
    const fidyah = quote({ kind: 'fidyah', quantity: 3, region: 'jabodetabek', at: at('2022-04-20T10:00:00+07:00') });
    assert.deepEqual([fidyah.amount, fidyah.table.id, fidyah.recorded_as, fidyah.ledger_fund, fidyah.eid], ['150000.00', 'baznas-sk-10-2022', 'fidyah', 'dskl', undefined]);
    // 2026-02-04 at 20:00 UTC is already 5 February in Jakarta, the 2026 decree's day.
    assert.equal(quote({ kind: 'fidyah', quantity: 1, at: at('2026-02-04T20:00:00Z') }).table.id, 'baznas-sk-14-2026');
    assert.equal(quote({ kind: 'fidyah', quantity: 1, at: at('2026-02-04T16:59:59Z') }).table.id, 'baznas-sk-14-2025');
  });

  test('a bad count or an unknown region is refused by name', () => {
    // Proves the limits and the registered codes.
    const refused = (fn: () => unknown, code: string, field: string) => assert.throws(fn, (error: unknown) =>
      error instanceof AppError && error.code === code && error.extra.field === field);
    refused(() => quote({ kind: 'fitrah', quantity: 0, at: new Date() }), 'invalid_quantity', 'people');
    refused(() => quote({ kind: 'fitrah', quantity: FITRAH_PEOPLE_MAX + 1, at: new Date() }), 'invalid_quantity', 'people');
    refused(() => quote({ kind: 'fidyah', quantity: FIDYAH_DAYS_MAX + 1, at: new Date() }), 'invalid_quantity', 'days');
    refused(() => quote({ kind: 'fidyah', quantity: 1.5, at: new Date() }), 'invalid_quantity', 'days');
    refused(() => quote({ kind: 'fitrah', quantity: 1, region: 'bali', at: new Date() }), 'zakat_region_unknown', 'region');
    refused(() => quote({ kind: 'fitrah', quantity: 1, at: at('2021-06-01T00:00:00Z') }), 'validation_failed', 'at');
    refused(() => parseWhen('2025-02-30', 'at'), 'validation_failed', 'at');
  });
});

describe('the Eid cutoff', () => {
  test('Kemenag\'s date is used where eid-dates.json holds the year, and differs from Umm al-Qura', () => {
    // Proves the data wins over the calendar: 1 Syawal 1446 H is 2025-03-31 in Indonesia, 2025-03-30 by Umm al-Qura.
    assert.deepEqual(umalquraDate('2025-03-30'), { year: 1446, month: 10, day: 1 });
    const eid = eidFor('2025-03-15');
    assert.deepEqual([eid.hijriYear, eid.date, eid.basis, eid.prayerAt.toISOString()], [1446, '2025-03-31', 'kemenag', '2025-03-31T00:00:00.000Z']);
    assert.equal(eidFor('2026-03-01').date, '2026-03-21');
  });

  test('without a row the Umm al-Qura calendar decides, and the answer says so', () => {
    // Proves the fallback: 1448 H has no Kemenag row; and a table with the 1446 row removed falls back to 2025-03-30.
    assert.equal(EID_DATES.has(1448), false);
    const eid = eidFor('2026-12-02');
    assert.deepEqual([eid.hijriYear, eid.date, eid.basis], [1448, '2027-03-09', 'umalqura']);
    assert.match(eid.source, /islamic-umalqura/);
    const without = new Map([...EID_DATES].filter(([year]) => year !== 1446));
    assert.deepEqual([eidFor('2025-03-15', without).date, eidFor('2025-03-15', without).basis], ['2025-03-30', 'umalqura']);
    const answer = quote({ kind: 'fitrah', quantity: 1, at: at('2026-12-02T09:00:00+07:00') });
    assert.deepEqual([answer.eid!.basis, answer.eid!.date, answer.recorded_as], ['umalqura', '2027-03-09', 'fitrah']);
    assert.match(answer.explanation, /Umm al-Qura calendar used/);
  });

  test('before 07:00 WIB on Eid it is fitrah (zakat); from 07:00 it is sadaqah (infak/sedekah), until 1 Muharram', () => {
    // Proves the cutoff instant and what each side is recorded as, with the ledger fund each posts to.
    const before = quote({ kind: 'fitrah', quantity: 2, at: at('2025-03-31T06:59:59+07:00') });
    const after = quote({ kind: 'fitrah', quantity: 2, at: at('2025-03-31T07:00:00+07:00') });
    assert.deepEqual([before.recorded_as, before.ledger_fund], ['fitrah', 'zakat']);
    assert.deepEqual([after.recorded_as, after.ledger_fund], ['sadaqah', 'infak_sedekah']);
    assert.equal(after.amount, before.amount, 'the amount does not change, only what it is recorded as');
    assert.match(after.explanation, /after the Eid al-Fitr prayer of 1 Syawal 1446 H \(2025-03-31, 07:00 WIB.*recorded as sadaqah/);
    // Umm al-Qura's Eid (2025-03-30) is not Indonesia's: that morning is still fitrah.
    assert.equal(quote({ kind: 'fitrah', quantity: 1, at: at('2025-03-30T08:00:00+07:00') }).recorded_as, 'fitrah');
    // Months after Eid, still 1446 H: late. From 1 Muharram 1447 H (2025-06-26 by Umm al-Qura): early for the next Eid.
    assert.equal(quote({ kind: 'fitrah', quantity: 1, at: at('2025-06-20T12:00:00+07:00') }).recorded_as, 'sadaqah');
    const early = quote({ kind: 'fitrah', quantity: 1, at: at('2025-07-01T12:00:00+07:00') });
    assert.deepEqual([early.recorded_as, early.eid!.hijri_year, early.eid!.date], ['fitrah', 1447, '2026-03-21']);
    // A civil date is read as 00:00 WIB: Eid day itself is before the prayer.
    assert.equal(parseWhen('2025-03-31', 'at').toISOString(), '2025-03-30T17:00:00.000Z');
    assert.deepEqual(LEDGER_FUND_OF_KIND, { fitrah: 'zakat', fidyah: 'dskl', sadaqah: 'infak_sedekah' });
  });
});

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const run = (...args: string[]) => {
  const result = spawnSync(process.execPath, [CLI, 'zakat', ...args], { env: { ...process.env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('amanah zakat fitrah|fidyah', () => {
  test('prints the amount, the table, the Eid and what it is recorded as', () => {
    // Proves the CLI prints the quote: before the 1446 H prayer fitrah; after it sadaqah; fidyah by days.
    const before = run('fitrah', '--people', '4', '--region', 'jabodetabek', '--date', '2025-03-31T06:30:00+07:00');
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.stdout, /^4 people\s+188000\.00$/m);
    assert.match(before.stdout, /^price table: SK Ketua BAZNAS No\. 14 Tahun 2025 \(baznas-sk-14-2025\)/m);
    assert.match(before.stdout, /^rice equivalent: 10 kg \(14 l\)$/m);
    assert.match(before.stdout, /^Eid prayer: 2025-03-31T07:00\+07:00 \(1 Syawal 1446 H, Kemenag sidang isbat\)$/m);
    assert.match(before.stdout, /^recorded as: fitrah \(ledger fund zakat\)$/m);
    const late = run('fitrah', '--people', '4', '--date', '2025-03-31T07:30:00+07:00');
    assert.match(late.stdout, /^recorded as: sadaqah \(ledger fund infak_sedekah\)$/m);
    const fidyah = run('fidyah', '--days', '30', '--date', '2024-03-20', '--json');
    const json = JSON.parse(fidyah.stdout);
    assert.deepEqual([json.amount, json.table.id, json.table.verified, json.ledger_fund], ['1800000.00', 'baznas-sk-10-2024', false, 'dskl']);
  });

  test('a bad flag exits 1 naming it', () => {
    // Proves errors speak the CLI's language.
    const zero = run('fitrah', '--people', '0');
    assert.equal(zero.code, 1);
    assert.match(zero.stderr, /--people must be a whole number from 1 to 1000/);
    assert.match(run('fidyah').stderr, /--days is required/);
    assert.match(run('fitrah', '--people', '2', '--region', 'bali').stderr, /--region "bali"/);
    assert.match(run('zakah', '--people', '2').stderr, /the subcommands are "fitrah" and "fidyah"/);
  });
});
