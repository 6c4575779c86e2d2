-- Issue 12: the queue's search by donor name at 1M pending donations. `donor_name ilike '%…%'` cannot use a
-- b-tree, so a name nobody has walked the whole queue (533 ms at 1M pending, src/console/queries.ts); a trigram
-- GIN index finds the matching rows directly. Partial on pending: that is the queue staff search, rows leave the
-- index as they are decided, and approved donations (which only grow) never pay for it. pg_trgm is a trusted
-- extension (PostgreSQL 13+: a database owner may create it); PGlite loads it from its contrib build
-- (src/db/pglite.ts).
create extension if not exists pg_trgm;
create index donations_pending_name_trgm on donations using gin (donor_name gin_trgm_ops) where status = 'pending';
