-- Issue 12: indexes the console's queue needs at 1M pending donations, each measured (EXPLAIN ANALYZE figures
-- beside the query in src/console/queries.ts and in README, Console). Without them a reference search walked
-- the whole queue (about 0.8 s) and sorting by amount sorted every pending row (about 0.3 s).
create index donations_external_ref on donations (external_ref) where external_ref is not null;
create index donations_status_amount on donations (status, amount_minor, id);
