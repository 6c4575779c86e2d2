// `amanah verify-payments`: one verification pass now, from the command line or a cron job, printing the counts.
// It is safe beside running servers: the claims keep every run on its own donations.
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { ChangeFeed } from '../events/changes.ts';
import { runVerification, verificationOptions, type VerificationCounts } from './verifier.ts';

export function countsLine(counts: VerificationCounts, seconds: number): string {
  return `verified ${counts.verified}, failed ${counts.failed}, pending ${counts.pending}, timed out ${counts.timedOut}, ` +
    `errored ${counts.errored}, superseded ${counts.superseded} (claimed ${counts.claimed}, released ${counts.released}) ` +
    `in ${seconds.toFixed(1)} s`;
}

export const verifyPaymentsCommand = {
  summary: 'Check pending API donations with the payment provider once; approve the paid, reject the failed',
  usage: [
    'amanah verify-payments [--json]',
    '',
    'Asks PAYMENT_PROVIDER_URL about each pending API donation with an external_ref, PAYMENT_VERIFY_CONCURRENCY',
    'at once, each cut off after PAYMENT_VERIFY_TIMEOUT_MS. Timeouts and errors are asked again by a later run.',
  ].join('\n'),
  options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } } as const,
  async run(config: Config, values: Record<string, unknown>): Promise<number> {
    const options = verificationOptions(config.payments);
    if (!options) {
      console.error('amanah verify-payments: set PAYMENT_PROVIDER_URL to the payment provider (see README, Payment verification)');
      return 2;
    }
    const database = await openDatabase(config.database);
    try {
      await migrate(database);
      const started = performance.now();
      const counts = await runVerification(database, new ChangeFeed(), options);
      const seconds = (performance.now() - started) / 1000;
      console.log(values.json === true ? JSON.stringify({ ...counts, seconds }) : countsLine(counts, seconds));
      return 0;
    } finally {
      await database.close();
    }
  },
};
