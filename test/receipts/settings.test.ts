// Receipt and mail settings are validated at start: each bad value names its variable; defaults hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config.ts';

test('receipt settings: defaults, and each bad value refused naming its variable', () => {
  const { receipts } = parseConfig({});
  assert.equal(receipts.prefix, 'AMN');
  assert.equal(receipts.timeZone, 'Asia/Jakarta');
  assert.equal(receipts.smtpUrl, undefined);
  assert.equal(parseConfig({ RECEIPT_PREFIX: 'BAZ-JKT', INSTITUTION_NAME: 'BAZNAS Jakarta' }).receipts.prefix, 'BAZ-JKT');
  const bad: [string, string][] = [
    ['RECEIPT_PREFIX', 'amn/2026'], ['RECEIPT_TIME_ZONE', 'Mars/Olympus'], ['INSTITUTION_NAME', 'two\nlines'],
    ['RECEIPT_ISSUE_INTERVAL_MS', '-1'], ['EMAIL_ATTEMPTS_MAX', '0'], ['SMTP_URL', 'http://mail'], ['MAIL_FROM', 'a@b\r\nBcc: c@d'],
  ];
  for (const [variable, value] of bad) {
    assert.throws(() => parseConfig({ [variable]: value }), (error: unknown) => error instanceof ConfigError && error.variable === variable, variable);
  }
});
