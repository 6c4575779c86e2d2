-- Issue 12: an append-only log of every staff and admin action (campaign changes, approvals, rejections,
-- refunds, imports, exports, token changes, sign-ins), and token expiry and last use for the console.
--
-- The actor is the token that acted: its id ('env' for AMANAH_ADMIN_TOKEN, 'cli' for the command line) and its
-- name as it was then, so revoking or renaming a token never rewrites history. A row is written in the same
-- transaction (or statement) as the action where the action is one; exports and sign-ins write at the moment.
create table audit_log (
  id              bigint generated always as identity primary key,
  actor_token_id  text not null check (length(actor_token_id) between 1 and 40),
  actor_name      text not null check (length(actor_name) <= 200),
  action          text not null check (action ~ '^[a-z_]{1,40}\.[a-z_]{1,40}$'),
  target          text check (length(target) <= 200),
  detail          jsonb not null default '{}'::jsonb,
  at              timestamptz not null default now()
);
-- The console lists newest first with keyset pagination by id, optionally for one actor or one action.
create index audit_log_actor on audit_log (actor_token_id, id desc);
create index audit_log_action on audit_log (action, id desc);
create index audit_log_at on audit_log (at);

create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'object_not_in_prerequisite_state';
end $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();

-- A token may expire; authentication refuses it after expires_at. last_used_at is refreshed at most once a
-- minute per token (src/auth/tokens.ts), so a busy token costs one small update a minute, not one a request.
alter table api_tokens add column expires_at timestamptz, add column last_used_at timestamptz;
