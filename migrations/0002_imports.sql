-- Bulk imports: one row per run (CLI or HTTP), with progress counters that move in the same transaction as each
-- batch of donations, so what a run reports is exactly what it committed, and a run survives the process that
-- started it. Rejected rows are kept with the run so the rejects file can be downloaded from any process.

create table imports (
  id            bigint generated always as identity primary key,
  -- The campaign named by --campaign; null when a campaign column names each row's campaign.
  campaign_id   bigint references campaigns (id),
  -- receiving: an upload is arriving; running: rows are being written; then succeeded or failed.
  status        text not null default 'running' check (status in ('receiving', 'running', 'succeeded', 'failed')),
  format        text not null check (format in ('csv', 'ndjson')),
  source_name   text not null check (length(source_name) <= 1000),
  -- The options the run was started with (mapping, currency, status, key column), as given.
  options       jsonb not null default '{}',
  actor         text not null check (length(actor) <= 300),
  bytes_total   bigint check (bytes_total >= 0),
  bytes_read    bigint not null default 0 check (bytes_read >= 0),
  rows_read     bigint not null default 0 check (rows_read >= 0),
  imported      bigint not null default 0 check (imported >= 0),
  duplicates    bigint not null default 0 check (duplicates >= 0),
  rejected      bigint not null default 0 check (rejected >= 0),
  error         text check (length(error) <= 2000),
  started_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  finished_at   timestamptz
);
create index imports_campaign on imports (campaign_id, id desc);

create table import_rejects (
  import_id      bigint not null references imports (id) on delete cascade,
  line_number    bigint not null check (line_number > 0),
  original_line  text not null,
  reason         text not null check (length(reason) <= 1000),
  primary key (import_id, line_number)
);

-- Which run made an imported donation: its provenance (who ran it, from which file, with which options). A
-- donation imported as approved was born approved, so it has no status change to put in the history (an API
-- donation's creation is not in the history either); this link is where an auditor looks instead. No foreign
-- key: its check would cost a lookup per imported row, and runs are never deleted.
alter table donations add column import_id bigint;
