-- Distribution (tasharruf, issue 13): the mustahik registry, programs, disbursements and their history, and the
-- ledger accounts and entry kinds a disbursement posts. Code: src/distribution/.
--
-- TABLES AND COLUMNS (src/reports reads these; they do not change without need):
--   mustahik (id, kind 'person'|'institution', name, nik [people: 16 digits; institutions: null], asnaf text[],
--     region, verification 'unverified'|'verified'|'rejected', evidence_notes, created_by, created_at, updated_at).
--     Personal data: staff-only, never logged, never in a public answer.
--   distribution_programs (id, name, fund [ledger fund], asnaf text[] [the asnaf it serves], social [a social use,
--     the only use of non_halal money], status 'active'|'closed', created_by, created_at).
--   disbursements (id, program_id, mustahik_id, campaign_id [whose fund account it draws on], fund [= its
--     program's], asnaf [null: not paid as zakat], currency, amount_minor, status
--     'requested'|'approved'|'paid'|'rejected'|'cancelled', purpose, requested_by_token/requested_by,
--     approved_by_token/approved_by/approved_at, paid_at, payment_reference, reservation_entry_id [posted at
--     approval], ledger_entry_id [posted at payment: the distribution PSAK 109 recognises], release_entry_id
--     [posted when an approved disbursement is cancelled], created_at).
--   disbursement_history (id, disbursement_id, from_status, to_status, actor_token_id, actor_name, reason, at).
--   A report of distributions by asnaf and program: disbursements where status = 'paid', by paid_at.
--
-- LEDGER. A disbursement draws on one campaign's fund account (ledger_accounts are per campaign, migration 0010):
-- the requester names the campaign whose money it spends, so the approval locks that campaign's row, the lock
-- every receipt posting of that campaign already takes first (changeStatus's LOCK ORDER), and adds no new lock
-- to order. Two account kinds are added, per campaign like the others:
--   reserved:<fund> (credit-normal, negative like a fund account): what approvals have committed and not yet
--     paid. It is still the fund's money: PSAK 109 recognises a distribution when it is handed over, so a fund's
--     balance in a statement of changes in funds is fund:<fund> + reserved:<fund>. The AVAILABLE balance, the
--     one approvals check and that never goes negative, is fund:<fund> alone.
--   payout:bank (debit-normal; negative: the net paid out): the bank or cash the institution pays mustahik from.
--     Not a clearing account: `amanah verify` reads clearing accounts as what campaigns raised.
-- Entries (ledger_entries.kind), each naming its campaign:
--   disbursement_reserve (approval): debit fund:<fund>, credit reserved:<fund>, the amount.
--   disbursement_payment (paid): debit reserved:<fund>, credit payout:bank, the amount.
--   disbursement_release (an approved disbursement cancelled): debit reserved:<fund>, credit fund:<fund>.

-- Migrations run in one transaction: 0011's opening entries leave deferred balance checks pending, and PostgreSQL
-- refuses to ALTER a table with pending trigger events (55006). Run them now; the entries balance.
set constraints all immediate;

alter table ledger_entries drop constraint ledger_entries_kind_check;
alter table ledger_entries add constraint ledger_entries_kind_check check (kind in (
  'opening', 'approval', 'import', 'refund', 'reversal',
  'disbursement_reserve', 'disbursement_payment', 'disbursement_release'));

alter table ledger_accounts drop constraint ledger_accounts_kind_check;
alter table ledger_accounts add constraint ledger_accounts_kind_check check (kind in ('fund', 'clearing', 'reserved', 'payout'));
alter table ledger_accounts drop constraint ledger_accounts_check;
alter table ledger_accounts add constraint ledger_accounts_check check (
  (kind in ('fund', 'reserved') and name in ('zakat', 'infak_sedekah', 'amil', 'non_halal', 'waqf', 'dskl'))
  or (kind = 'clearing' and name in ('api', 'import', 'manual'))
  or (kind = 'payout' and name = 'bank'));
-- Back to their declared timing for what the rest of this transaction writes.
set constraints ledger_entries_balance, ledger_lines_balance deferred;

-- The eight asnaf of QS at-Taubah 9:60, the only recipients of zakat.
create function distribution_asnaf() returns text[] language sql immutable parallel safe as $$
  select array['fakir', 'miskin', 'amil', 'muallaf', 'riqab', 'gharimin', 'fisabilillah', 'ibnu_sabil']
$$;

create table mustahik (
  id              bigint generated always as identity primary key,
  kind            text not null check (kind in ('person', 'institution')),
  name            text not null check (length(name) between 1 and 200),
  -- NIK (Nomor Induk Kependudukan): validated in code (src/distribution/nik.ts: province code, birth date);
  -- every person has one here, an institution none.
  nik             char(16) check (nik ~ '^[0-9]{16}$'),
  asnaf           text[] not null check (asnaf <@ distribution_asnaf() and cardinality(asnaf) <= 8),
  region          text not null check (length(region) between 1 and 200),
  verification    text not null default 'unverified' check (verification in ('unverified', 'verified', 'rejected')),
  evidence_notes  text check (length(evidence_notes) <= 4000),
  created_by      text not null check (length(created_by) <= 300),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  check ((kind = 'person') = (nik is not null))
);
-- One person is registered once: a second row for the same NIK would let one person be paid twice by two names.
create unique index mustahik_nik on mustahik (nik) where nik is not null;

create table distribution_programs (
  id          bigint generated always as identity primary key,
  name        text not null check (length(name) between 1 and 200),
  fund        text not null check (fund in ('zakat', 'infak_sedekah', 'amil', 'non_halal', 'waqf', 'dskl')),
  asnaf       text[] not null check (asnaf <@ distribution_asnaf() and cardinality(asnaf) <= 8),
  social      boolean not null default false,
  status      text not null default 'active' check (status in ('active', 'closed')),
  created_by  text not null check (length(created_by) <= 300),
  created_at  timestamptz not null default now(),
  -- Zakat goes only to the asnaf: a zakat program names the ones it serves. Non-halal money goes only to social
  -- uses and never as zakat: its program is social and serves no asnaf.
  check (fund <> 'zakat' or cardinality(asnaf) > 0),
  check (fund <> 'non_halal' or (social and cardinality(asnaf) = 0))
);

create table disbursements (
  id                    bigint generated always as identity primary key,
  program_id            bigint not null references distribution_programs (id),
  mustahik_id           bigint not null references mustahik (id),
  campaign_id           bigint not null references campaigns (id),
  fund                  text not null check (fund in ('zakat', 'infak_sedekah', 'amil', 'non_halal', 'waqf', 'dskl')),
  asnaf                 text check (asnaf = any (distribution_asnaf())),
  currency              char(3) not null check (currency ~ '^[A-Z]{3}$'),
  amount_minor          bigint not null check (amount_minor > 0),
  status                text not null default 'requested' check (status in ('requested', 'approved', 'paid', 'rejected', 'cancelled')),
  purpose               text check (length(purpose) <= 1000),
  requested_by_token    text not null check (length(requested_by_token) between 1 and 40),
  requested_by          text not null check (length(requested_by) <= 300),
  approved_by_token     text check (length(approved_by_token) between 1 and 40),
  approved_by           text check (length(approved_by) <= 300),
  approved_at           timestamptz,
  paid_at               timestamptz,
  payment_reference     text check (length(payment_reference) between 1 and 200),
  reservation_entry_id  bigint references ledger_entries (id),
  ledger_entry_id       bigint references ledger_entries (id),
  release_entry_id      bigint references ledger_entries (id),
  created_at            timestamptz not null default now(),
  check (fund <> 'zakat' or asnaf is not null),
  check (fund <> 'non_halal' or asnaf is null),
  -- Maker and checker are two tokens, in the database as in code.
  check (approved_by_token is null or approved_by_token <> requested_by_token),
  check (status not in ('approved', 'paid') or (approved_at is not null and reservation_entry_id is not null)),
  check (status <> 'paid' or (paid_at is not null and payment_reference is not null and ledger_entry_id is not null))
);
create index disbursements_status on disbursements (status, id);
create index disbursements_campaign on disbursements (campaign_id, id);
create index disbursements_mustahik on disbursements (mustahik_id, id);
create index disbursements_paid_at on disbursements (paid_at) where status = 'paid';

create table disbursement_history (
  id               bigint generated always as identity primary key,
  disbursement_id  bigint not null references disbursements (id),
  from_status      text,
  to_status        text not null,
  actor_token_id   text not null check (length(actor_token_id) between 1 and 40),
  actor_name       text not null check (length(actor_name) <= 300),
  reason           text check (length(reason) <= 1000),
  at               timestamptz not null default now()
);
create index disbursement_history_of on disbursement_history (disbursement_id, id);
