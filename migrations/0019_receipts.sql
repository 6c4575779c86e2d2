-- Receipts, their numbering and the mail outbox (issue 15). src/receipts/ and src/email/ own these tables.
--
-- The approval writes only a request row (receipt_requests), from a statement trigger on donations, in the
-- approval's own transaction: every way a donation becomes approved or leaves approved (the API, bulk approvals
-- through the group committer, webhooks, imports) writes it, and it costs the hot path one INSERT … SELECT per
-- statement, with no row that two approvals would both update. The issuer (src/receipts/issuer.ts) drains the
-- requests in order, one transaction per claim: it takes the numbers from receipt_counters, inserts the
-- receipts, queues their mail and deletes the requests it handled, all or nothing. A number is therefore taken
-- only by a transaction that also commits its receipt, which is what keeps the sequence without gaps.

-- A donor's tax identifiers as given with the gift (optional; PER-6/PJ/2011 names the NPWP): NPWP 15 digits
-- (the old form) or 16 (the NIK-based form since 2024), NIK 16 digits.
alter table donations
  add column donor_npwp text check (donor_npwp ~ '^[0-9]{15,16}$'),
  add column donor_nik text check (donor_nik ~ '^[0-9]{16}$');

create table receipt_requests (
  id            bigint generated always as identity primary key,
  donation_id   bigint not null,
  kind          text not null check (kind in ('issue', 'void', 'correct')),
  -- For 'correct' (a partial refund): the amount refunded in all so far, in minor units.
  refunded_minor bigint check (refunded_minor > 0),
  requested_at  timestamptz not null default now()
);

-- One row per (prefix, year): the last number issued. Updated only by the issuer, never by an approval.
create table receipt_counters (
  prefix       text not null,
  year         integer not null check (year between 2000 and 9999),
  last_number  bigint not null check (last_number >= 0),
  primary key (prefix, year)
);

create table receipts (
  id              bigint generated always as identity primary key,
  donation_id     bigint not null references donations (id),
  prefix          text not null,
  year            integer not null,
  number          bigint not null check (number > 0),
  -- The code printed under the QR, checked at /receipts/verify/:code (Crockford base32).
  code            text not null unique check (code ~ '^[0-9A-HJKMNP-TV-Z]{10}$'),
  status          text not null default 'valid' check (status in ('valid', 'void')),
  amount_minor    bigint not null check (amount_minor > 0),
  currency        char(3) not null,
  issued_at       timestamptz not null,
  -- Everything the document shows, frozen at issue; the PDF is rendered from it alone. Its SHA-256 over the
  -- canonical JSON text is stored beside it, so an edit would be seen.
  content         jsonb not null,
  content_sha256  bytea not null,
  voided_at       timestamptz,
  void_reason     text check (void_reason in ('refunded', 'corrected')),
  -- A corrected receipt (after a partial refund) names the one it replaces.
  replaces_id     bigint references receipts (id),
  unique (prefix, year, number),
  check ((status = 'void') = (voided_at is not null))
);
create index receipts_donation on receipts (donation_id);
create unique index receipts_one_valid_per_donation on receipts (donation_id) where status = 'valid';

-- Mail to send: written in the issuer's transaction (a receipt) or by a staff request (a statement). The
-- recipient is read from the donor at send time, so an erased donor's address is never kept here.
create table email_outbox (
  id               bigint generated always as identity primary key,
  kind             text not null check (kind in ('receipt', 'statement')),
  receipt_id       bigint references receipts (id),
  -- A statement: whose, and the dates it covers (inclusive).
  donor_id         bigint references donors (id),
  period_from      date,
  period_to        date,
  -- The Message-ID the message carries on every attempt: a receiver that sees a retry after a lost answer
  -- can tell it is the same message.
  message_id       text not null unique,
  attempts         integer not null default 0 check (attempts >= 0),
  next_attempt_at  timestamptz not null default now(),
  lease_until      timestamptz,
  sent_at          timestamptz,
  failed_at        timestamptz,
  last_error       text check (length(last_error) <= 1000),
  created_at       timestamptz not null default now(),
  check ((kind = 'receipt') = (receipt_id is not null)),
  check ((kind = 'statement') = (donor_id is not null and period_from is not null and period_to is not null))
);
create index email_outbox_due on email_outbox (next_attempt_at, id) where sent_at is null and failed_at is null;

create function receipt_requests_of_changes() returns trigger language plpgsql as $$
begin
  -- Approved: issue. Left approved (refunded): void. A partial refund (refunded_minor up, migration 0018,
  -- still approved): a corrected receipt for what stays.
  insert into receipt_requests (donation_id, kind, refunded_minor)
  select n.id,
         case when n.status is distinct from o.status then (case when n.status = 'approved' then 'issue' else 'void' end) else 'correct' end,
         case when n.status = o.status then n.refunded_minor end
    from new_rows n join old_rows o on o.id = n.id
   where (n.status is distinct from o.status and (n.status = 'approved' or o.status = 'approved'))
      or (n.status = 'approved' and o.status = 'approved' and n.refunded_minor > o.refunded_minor)
   order by n.id;
  return null;
end $$;

create function receipt_requests_of_inserts() returns trigger language plpgsql as $$
begin
  insert into receipt_requests (donation_id, kind)
  select n.id, 'issue' from new_rows n where n.status = 'approved' order by n.id;
  return null;
end $$;

create trigger donations_receipt_requests_update after update on donations
  referencing old table as old_rows new table as new_rows
  for each statement execute function receipt_requests_of_changes();

create trigger donations_receipt_requests_insert after insert on donations
  referencing new table as new_rows
  for each statement execute function receipt_requests_of_inserts();
