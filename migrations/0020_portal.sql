-- The donor's own page (issue 15): magic links and the sessions they open, and erasure.
--
-- A magic link and a session are each `<id>.<secret>`: the id finds the row, the secret's SHA-256 is compared in
-- constant time (src/portal/tokens.ts), as API tokens are (migration 0001). Only the digest is stored, so a copy
-- of this table opens nobody's page. Both name the donors row (one per email key, migration 0007), never the
-- email itself, so erasing the donor leaves no address here; erasure deletes them anyway.
create table portal_magic_links (
  id             bigint generated always as identity primary key,
  donor_id       bigint not null references donors (id),
  secret_sha256  bytea not null check (length(secret_sha256) = 32),
  expires_at     timestamptz not null,
  -- Single use: the redeeming statement sets this where it is null, so two racing clicks open one session.
  used_at        timestamptz,
  created_at     timestamptz not null default now()
);
create index portal_magic_links_donor on portal_magic_links (donor_id);

create table portal_sessions (
  id             bigint generated always as identity primary key,
  donor_id       bigint not null references donors (id),
  secret_sha256  bytea not null check (length(secret_sha256) = 32),
  expires_at     timestamptz not null,
  created_at     timestamptz not null default now()
);
create index portal_sessions_donor on portal_sessions (donor_id);

-- When the donor's personal data was erased (their name is then a pseudonym and their email null).
alter table donors add column erased_at timestamptz;

-- The audit log stays append-only (migration 0014) with one exception: an erasure may rewrite a row's detail,
-- and nothing else of it, to take a donor's name or email out of it (a refund reason, an export's search). The
-- erasing transaction says so with `set local amanah.erasure = 'on'`; every other update, any delete and any
-- truncate is refused as before.
create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and current_setting('amanah.erasure', true) = 'on'
     and new.id = old.id and new.actor_token_id = old.actor_token_id and new.actor_name = old.actor_name
     and new.action = old.action and new.target is not distinct from old.target and new.at = old.at then
    return new;
  end if;
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'object_not_in_prerequisite_state';
end $$;
