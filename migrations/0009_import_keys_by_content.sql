-- Import keys without a key column no longer hold the row's position (src/imports/keys.ts): a file that gained
-- rows at the top, or came sorted another way, re-imported every old row. Keys stored in the old format,
-- import:<campaign>:<ordinal>:<digest>, become import:<campaign>:row:<digest>:<n>, where n numbers the donations
-- of one campaign with the same content 1, 2, 3 … in the order they were imported (run, then line). A file
-- imported before this migration is then recognised however its rows are ordered: its first copy of a row matches
-- occurrence 1, a second copy occurrence 2. Only import rows are touched: an API client's Idempotency-Key may be
-- any text, and is left as it was sent.
with old as (
  select id,
         split_part(idempotency_key, ':', 2) as campaign,
         split_part(idempotency_key, ':', 4) as digest,
         row_number() over (
           partition by split_part(idempotency_key, ':', 2), split_part(idempotency_key, ':', 4)
           order by import_id nulls first, split_part(idempotency_key, ':', 3)::bigint, id
         ) as occurrence
  from donations
  where source = 'import' and idempotency_key ~ '^import:[0-9]+:[0-9]+:[A-Za-z0-9_-]{22}$'
)
update donations d
set idempotency_key = 'import:' || old.campaign || ':row:' || old.digest || ':' || old.occurrence
from old
where d.id = old.id;
