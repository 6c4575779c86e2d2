-- A donation's display name and anonymity are the donor's choice for that gift, made when it is given, and
-- nothing later changes them. Until now a donor recognised by email (or an import's donor reference) kept them
-- on the shared donors row, which each later gift overwrote: an anonymous gift by sam@example.org showed
-- "Sam Public" once the same email gave again under that name, and a public gift went dark when a later one was
-- anonymous (issue 10, section 2).
--
-- Every donation now carries its own donor_name and donor_anonymous. A donors row only links the gifts of one
-- donor, for counting (campaign_donors, donor_count) and statements; its display_name and anonymous are the last
-- ones given and decide no donation's name.
--
-- The rule of 0004 (a donors row or a name, never both) goes first: the backfill gives rows both.
alter table donations drop constraint donations_donor_or_name;

-- Existing rows keep what they show now: a donation with a donors row takes that row's current name and flag.
update donations d
   set donor_name = r.display_name, donor_anonymous = r.anonymous
  from donors r
 where r.id = d.donor_id and d.donor_name is null;

alter table donations
  alter column donor_name set not null,
  alter column donor_anonymous set not null;
