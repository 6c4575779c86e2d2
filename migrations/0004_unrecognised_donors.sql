-- A donor amanah can recognise again (by email, or by a donor reference from an import) is a row in donors,
-- shared by all of their donations, and counted once per campaign through campaign_donors. A donor it cannot
-- recognise (a name and nothing else: a cash box, a GDQ donator, an API donation without an email) can never
-- give "again", so a donors row and a campaign_donors row for each such donation were bookkeeping about nobody:
-- the donation now carries the name itself, and counts as one donor of its campaign while it is approved.
--
-- Measured on PostgreSQL 15 on this 2-core machine (1M GDQ-shaped rows, raw COPY): the same donations with a
-- donor row each wrote at 52,456 rows/s (a donor foreign-key check per row); with the name on the donation,
-- 83,047 rows/s. An import also stopped writing two extra rows per donation (writer.ts has its figures).
--
-- Rows written before this migration keep their donors rows; both shapes are read alike
-- (coalesce(d.donor_name, r.display_name)), and both count correctly.
alter table donations
  alter column donor_id drop not null,
  add column donor_name text check (length(donor_name) <= 200),
  add column donor_anonymous boolean,
  -- Either a donor row, or a name and anonymity on the donation: never both, never neither.
  add constraint donations_donor_or_name check (
    (donor_id is null) = (donor_name is not null) and (donor_name is null) = (donor_anonymous is null));

-- Only donations with a donor row are ever looked up by donor; the others would fill the index with nulls.
drop index donations_donor;
create index donations_donor on donations (donor_id) where donor_id is not null;
