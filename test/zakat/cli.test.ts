// `amanah zakat` as a user runs it: a child process per command, printing the breakdown or naming the bad flag.
// The command needs no database, so it runs the same on either engine.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'zakat', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('amanah zakat', () => {
  test('prints the wealth breakdown with the zakat due', () => {
    // Proves a flag per asset reaches the calculator and every line of the breakdown is printed.
    const { code, stdout } = run('--currency', 'IDR', '--basis', 'gold', '--gold-price', '1500000', '--cash', '120000000',
      '--gold-grams', '10', '--debts', '2000000', '--hawl');
    assert.equal(code, 0);
    assert.match(stdout, /^gold \(10\.000 g × 1500000\.00 IDR\/g\)\s+15000000\.00$/m);
    assert.match(stdout, /^debts_due\s+-2000000\.00$/m);
    assert.match(stdout, /^zakatable wealth\s+133000000\.00$/m);
    assert.match(stdout, /^zakat due \(rate 0\.025, rounding half_up\)\s+3325000\.00$/m);
  });

  test('prints income zakat with the BAZNAS table it used, and JSON on request', () => {
    // Proves the income mode picks the table by --date and names it; --json prints the API's answer.
    const { code, stdout } = run('--income', '10000000', '--period', 'month', '--date', '2025-07-01');
    assert.equal(code, 0);
    assert.match(stdout, /^nisab per month\s+7140498\.00$/m);
    assert.match(stdout, /SK Ketua BAZNAS No\. 13 Tahun 2025/);
    const json = JSON.parse(run('--income', '10000000', '--date', '2025-07-01', '--json').stdout);
    assert.deepEqual([json.zakat, json.table.id], ['250000.00', 'baznas-sk-13-2025']);
  });

  test('a bad value exits 1 naming the flag, not the API field', () => {
    // Proves errors speak the CLI's language.
    const missingPrice = run('--cash', '5');
    assert.equal(missingPrice.code, 1);
    assert.match(missingPrice.stderr, /--gold-price is required when --basis is "gold"/);
    const badGrams = run('--gold-price', '1', '--gold-grams', '1.2345');
    assert.match(badGrams.stderr, /--gold-grams: grams "1\.2345" has 4 decimals/);
    const badOther = run('--income', '1', '--other-income', 'x');
    assert.match(badOther.stderr, /^amanah zakat: --other-income: amount "x"/);
  });
});
