// `amanah erase --email` as an admin runs it, a child process on the engine the run selects: it refuses without
// --yes (exit 2) and for an unknown email (exit 1), then erases: the donor's gifts carry the pseudonym, the email
// is gone, the amounts stay, and the audit log has one donor.erased row by the command line, without the name.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCliTarget, type CliTarget } from '../helpers/cli-target.ts';

const NAME = 'Bambang Erasable';
const EMAIL = 'bambang.erasable@example.com';
let target: CliTarget;

before(async () => {
  target = await createCliTarget('erase');
  await target.withDatabase(async (database) => {
    const { rows } = await database.query<{ id: bigint }>(`insert into campaigns (slug, name, fund, currency, status) values ('erase-cli', 'Erase', 'sadaqah', 'IDR', 'active') returning id`);
    const donor = await database.query<{ id: bigint }>('insert into donors (display_name, email) values ($1, $2) returning id', [NAME, EMAIL]);
    await database.query(`insert into donations (campaign_id, donor_id, donor_name, donor_anonymous, amount_minor, currency, source, idempotency_key, request_sha256)
                          values ($1, $2, $3, true, 500000, 'IDR', 'api', 'erase-cli-1', '\\x00')`, [rows[0]!.id, donor.rows[0]!.id, NAME]);
  });
});
after(() => target.close());

test('amanah erase asks for --yes, names an unknown email, then erases and audits', async () => {
  const unconfirmed = await target.run(['erase', '--email', EMAIL]);
  assert.equal(unconfirmed.code, 2);
  assert.match(unconfirmed.stderr, /--yes/);
  const unknown = await target.run(['erase', '--email', 'nobody@example.com', '--yes']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no donor/);
  const erased = await target.run(['erase', '--email', EMAIL.toUpperCase(), '--yes', '--json']);
  assert.equal(erased.code, 0, erased.stderr);
  const result = JSON.parse(erased.stdout) as { donations: number; pseudonym: string };
  assert.equal(result.donations, 1);
  assert.match(result.pseudonym, /^Donor erased \d{4}-\d{2}-\d{2} #\d+$/);
  await target.withDatabase(async (database) => {
    const gift = (await database.query<{ donor_name: string; amount_minor: bigint; donor_anonymous: boolean }>('select donor_name, amount_minor, donor_anonymous from donations')).rows[0]!;
    assert.deepEqual(gift, { donor_name: result.pseudonym, amount_minor: 500000n, donor_anonymous: true });
    const donor = (await database.query<{ email: string | null; erased_at: Date | null }>('select email, erased_at from donors')).rows[0]!;
    assert.equal(donor.email, null);
    assert.ok(donor.erased_at);
    const audit = await database.query<{ actor_token_id: string; text: string }>(`select actor_token_id, detail::text as text from audit_log where action = 'donor.erased'`);
    assert.equal(audit.rows.length, 1);
    assert.equal(audit.rows[0]!.actor_token_id, 'cli');
    assert.doesNotMatch(audit.rows[0]!.text, /Bambang|erasable@/i);
  });
  const again = await target.run(['erase', '--email', EMAIL, '--yes']);
  assert.equal(again.code, 1, 'an erased donor is not found again');
});
