-- Payment verification: a pending donation with a payment provider's reference is checked with the provider
-- before it is approved. This table is the verifier's working state for each such donation: how often it was
-- asked about, which runner holds it now, and what the provider said last. It sits beside donations rather than
-- in them because a donation is an immutable fact with a status history, and this is bookkeeping about asking.

create table payment_verifications (
  donation_id      bigint primary key references donations (id),
  -- Claims since the last definite answer; a donation is not claimed again once this reaches the configured
  -- maximum (it stays pending for a person to decide, with last_error saying why).
  attempts         integer not null default 0 check (attempts >= 0),
  -- The runner that claimed it. A claim is a lease: until next_attempt_at no other runner takes the donation;
  -- past it (the runner died or overran), another may.
  claimed_by       text check (length(claimed_by) <= 200),
  next_attempt_at  timestamptz not null default now(),
  last_outcome     text check (last_outcome in ('verified', 'failed', 'pending', 'timed_out', 'errored', 'superseded')),
  last_error       text check (length(last_error) <= 1000),
  updated_at       timestamptz not null default now()
);

-- The verifier's scan: pending API donations with a provider reference, in id order. Partial, so the index
-- holds only the (few) donations waiting for verification and costs imports and approved donations nothing.
create index donations_verifiable on donations (id)
  where status = 'pending' and external_ref is not null and source = 'api';
