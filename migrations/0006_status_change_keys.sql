-- Idempotent status changes (issue 10, section 5). approve, reject and refund accept an Idempotency-Key; the key
-- and a SHA-256 of the request it came with are written on the history row of the change it made, in the same
-- statement (so the same transaction) as the change itself. A retry after a lost answer, a crash in between
-- included, finds the key and answers what the first request answered; the same key with another request is a
-- conflict. A refused request (404, 409) writes nothing, so it stores no key: its retry simply tries again.
--
-- A column on the history rather than a table of its own: the history row is written anyway, so a keyed change
-- costs no extra row, and the unique index is what makes two racing retries of one key a single change. Rows
-- without a key (every change before this migration, and every change made without a key) stay out of the
-- index. Adding nullable columns without a default rewrites nothing.
alter table donation_status_changes
  add column idempotency_key text check (length(idempotency_key) between 1 and 255),
  add column request_sha256 bytea,
  add constraint donation_status_changes_key_with_request check ((idempotency_key is null) = (request_sha256 is null));

create unique index donation_status_changes_idempotency_key
  on donation_status_changes (idempotency_key) where idempotency_key is not null;
