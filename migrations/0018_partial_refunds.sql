-- Partial refunds and expired checkouts (issue 14). Code: src/donations/partial-refund.ts, src/payments/webhooks.ts.
--
-- A partial refund leaves its donation approved and reverses exactly the part refunded: the campaign's total
-- moves down by it and a 'refund' ledger entry credits the clearing account and debits the fund for it (and
-- reverses the amil share of it, below). donations.refunded_minor is what has been reversed so far; it stays
-- under the amount (a refund of the whole, or of the rest, is the status change to 'refunded', which reverses
-- amount_minor - refunded_minor). Each partial reversal is one donation_refunds row naming its entry, so
-- `amanah verify` can match every refund entry to what it reversed.
--
-- AMIL SHARE ROUNDING: the share kept for a donation is always floor((amount - refunded) × rate), the share of
-- what stays, at the rate its receipt recorded; a reversal of refunded R_old → R_new reverses
-- floor((amount - R_old) × rate) - floor((amount - R_new) × rate). So the kept share never exceeds rate × what
-- is kept (the cap holds after every refund), and the reversals of all partials plus the final refund sum to
-- exactly the share the receipt posted.
alter table donations add column refunded_minor bigint not null default 0;
alter table donations add constraint donations_refunded_minor_check check (refunded_minor >= 0 and refunded_minor < amount_minor);

create table donation_refunds (
  id                   bigint generated always as identity primary key,
  donation_id          bigint not null references donations (id),
  entry_id             bigint not null unique references ledger_entries (id),
  amount_minor         bigint not null check (amount_minor > 0),
  share_minor          bigint not null check (share_minor >= 0),
  -- The donation's refunded_minor after this reversal (the provider's total refunded, in minor units).
  refunded_total_minor bigint not null check (refunded_total_minor > 0),
  actor                text not null,
  created_at           timestamptz not null default now()
);
create index donation_refunds_donation on donation_refunds (donation_id);

-- What the provider says it has refunded of a payment so far (provider units): a partial refund event moves it
-- up only, so an older or repeated one changes nothing.
alter table payments add column refunded_units bigint not null default 0 check (refunded_units >= 0);

-- A checkout whose payment expired unpaid: its donation leaves the queue as 'expired' (no totals move). A payment
-- that arrives after all (a late payment) still approves it, from 'expired', with its history saying so.
alter table donations drop constraint donations_status_check;
alter table donations add constraint donations_status_check check (status in ('pending', 'approved', 'rejected', 'refunded', 'expired'));
