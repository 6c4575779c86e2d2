-- Two emails are one donor when their email_key() is equal: ASCII letters folded to lower case, every other
-- character as written. The same rule is src/text/text.ts emailKey() in TypeScript.
--
-- Until now donors were unique on lower(email) in SQL and looked up by toLowerCase() in JavaScript. Full
-- Unicode lower-casing is not one function: 'İ' is 'i̇' in JavaScript and 'i' in a PostgreSQL UTF-8 locale (and
-- stays 'İ' in the C locale), a final 'Σ' is 'ς' in JavaScript and 'σ' in PostgreSQL. A donor whose email held
-- such a letter got a row the batch could not find again, and every gift from them failed (issue 10, section 4).
-- translate() is immutable and the same in every locale and on PGlite, so the index means the same everywhere.
--
-- Existing rows: addresses equal under email_key() differ only in ASCII case, so they were equal under lower()
-- too, and the old unique index already kept them apart; the new index builds on any database the old held.
create function email_key(email text) returns text
  language sql immutable strict parallel safe
  return translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');

create unique index donors_email_key_unique on donors (email_key(email)) where email is not null;
drop index donors_email_unique;
