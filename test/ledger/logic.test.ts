// The ledger's pure rules: SQL's ledger_fund() and LEDGER_FUND_OF map every campaign fund alike; rates parse to
// basis points and are refused above the caps in amil-caps.json; the balance assertion refuses what the database would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { FUNDS } from '../../src/campaigns/queries.ts';
import { AMIL_CAPS, assertBalanced, LEDGER_FUND_OF, parseAmilRate } from '../../src/ledger/logic.ts';
import { isAppError } from '../../src/errors.ts';

let testDatabase: TestDatabase;
before(async () => { testDatabase = await createTestDatabase(); });
after(() => testDatabase.drop());

test('SQL ledger_fund() maps every campaign fund as LEDGER_FUND_OF does', async () => {
  // Proves the two copies of the mapping (README, Ledger) cannot drift apart.
  const { rows } = await testDatabase.database.query<{ fund: string; ledger: string | null }>(
    'select fund, ledger_fund(fund) as ledger from unnest($1::text[]) as f(fund)', [FUNDS]);
  assert.deepEqual(Object.fromEntries(rows.map((row) => [row.fund, row.ledger])), { ...LEDGER_FUND_OF });
});

test('rates are percentages with two decimals, at most the cap from the data file', () => {
  // Proves parsing to basis points and each refusal's code.
  assert.equal(AMIL_CAPS.get('zakat')!.rateBpMax, 1250);
  assert.equal(AMIL_CAPS.get('infak_sedekah')!.rateBpMax, 2000);
  assert.equal(parseAmilRate('zakat', '12.5'), 1250);
  assert.equal(parseAmilRate('zakat', '0'), 0);
  assert.equal(parseAmilRate('infak_sedekah', '20.00'), 2000);
  const code = (run: () => unknown) => { try { run(); return 'accepted'; } catch (error) { return isAppError(error) ? error.code : 'thrown'; } };
  assert.equal(code(() => parseAmilRate('zakat', '12.51')), 'amil_rate_above_cap');
  assert.equal(code(() => parseAmilRate('infak_sedekah', '20.01')), 'amil_rate_above_cap');
  assert.equal(code(() => parseAmilRate('waqf', '1')), 'amil_fund_not_capped');
  for (const bad of ['-1', '1.234', '1e1', '', ' 5', '5%']) assert.equal(code(() => parseAmilRate('zakat', bad)), 'validation_failed', bad);
});

test('assertBalanced refuses an entry that does not balance per currency, a zero line and a lone line', () => {
  // Proves the code-side assertion that backs the database's deferred check.
  assert.doesNotThrow(() => assertBalanced([{ accountId: 1n, currency: 'IDR', amountMinor: 5n }, { accountId: 2n, currency: 'IDR', amountMinor: -5n }]));
  assert.throws(() => assertBalanced([{ accountId: 1n, currency: 'IDR', amountMinor: 5n }, { accountId: 2n, currency: 'USD', amountMinor: -5n }]), /does not balance/);
  assert.throws(() => assertBalanced([{ accountId: 1n, currency: 'IDR', amountMinor: 0n }, { accountId: 2n, currency: 'IDR', amountMinor: 0n }]), /zero/);
  assert.throws(() => assertBalanced([{ accountId: 1n, currency: 'IDR', amountMinor: 5n }]), /two lines/);
});
