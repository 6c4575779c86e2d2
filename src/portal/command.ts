// `amanah erase --email ADDRESS`: an admin erases a donor's personal data on their request (what is erased and
// what is kept: src/portal/erasure.ts and README). Asks for --yes, since it cannot be undone.
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { isAppError } from '../errors.ts';
import { ChangeFeed } from '../events/changes.ts';
import { CLI_ACTOR } from '../audit/queries.ts';
import { eraseDonor } from './erasure.ts';

export const eraseCommand = {
  summary: "Erase a donor's name and email (a pseudonym replaces them; amounts, ledger and receipt numbers stay)",
  usage: 'amanah erase --email ADDRESS --yes [--json]',
  options: {
    help: { type: 'boolean', short: 'h' },
    email: { type: 'string' },
    yes: { type: 'boolean' },
    json: { type: 'boolean' },
  } as const,
  async run(config: Config, values: Record<string, unknown>): Promise<number> {
    const email = typeof values.email === 'string' ? values.email.trim() : '';
    if (!/^[^@\s]+@[^@\s]+$/.test(email) || email.length > 320) {
      console.error('amanah erase: --email takes the donor\'s email address');
      return 2;
    }
    if (values.yes !== true) {
      console.error('amanah erase: this cannot be undone; add --yes to erase');
      return 2;
    }
    const database = await openDatabase(config.database);
    const changes = new ChangeFeed();
    try {
      await migrate(database);
      // Other processes on the database hear the change (caches, live streams) through NOTIFY on commit.
      const result = await eraseDonor(database, changes, { email }, CLI_ACTOR);
      if (values.json === true) console.log(JSON.stringify(result));
      else console.log(`erased donor ${result.donor_id}: ${result.donations} donations now read "${result.pseudonym}"`);
      return 0;
    } catch (error) {
      if (isAppError(error) && error.code === 'donor_not_found') {
        console.error(`amanah erase: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await database.close();
    }
  },
};
