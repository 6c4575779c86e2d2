-- Zakat fitrah and fidyah donations (issue 13). A donation made through /api/zakat/fitrah or /api/zakat/fidyah
-- records what it was asked as, what it is recorded as (a fitrah that arrives after the Eid prayer is sadaqah),
-- how many people or days it pays for, the region and the price table row (src/zakat/fitrah-prices.json) its
-- amount was computed from, and the ledger fund its receipt posts to. Every other donation leaves all six null
-- and posts to its campaign's ledger fund (ledger_fund(), migration 0010), as before.
--
-- ledger_fund overrides the campaign's fund for this donation only: fitrah posts to zakat, fidyah to dskl, a
-- late fitrah (sadaqah) to infak_sedekah, whatever campaign took it. The approval statement
-- (src/donations/queries.ts changeStatus) posts one entry per campaign and ledger fund, so an entry stays in one
-- fund and records one amil rate, which a refund reverses.
--
-- Nullable columns without defaults: no table rewrite. The checks are validated against existing rows (all null).
alter table donations
  add column asked_kind text check (asked_kind in ('fitrah', 'fidyah')),
  add column kind text check (kind in ('fitrah', 'fidyah', 'sadaqah')),
  add column kind_quantity integer check (kind_quantity between 1 and 100000),
  add column kind_region text check (length(kind_region) between 1 and 64),
  add column price_table_id text check (length(price_table_id) between 1 and 64),
  add column ledger_fund text check (ledger_fund in ('zakat', 'infak_sedekah', 'dskl')),
  add constraint donations_kind_complete check (
    (asked_kind is null and kind is null and kind_quantity is null and kind_region is null and price_table_id is null and ledger_fund is null)
    or (asked_kind is not null and kind is not null and kind_quantity is not null and kind_region is not null
        and price_table_id is not null and ledger_fund is not null
        and (kind = asked_kind or (asked_kind = 'fitrah' and kind = 'sadaqah')))
  );

-- Reports count fitrah and fidyah per kind, region and table; a partial index, so ordinary donations cost nothing.
create index donations_kind on donations (asked_kind, kind, kind_region, price_table_id) where asked_kind is not null;
