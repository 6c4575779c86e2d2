-- Payments through real providers (issue 14): one payment per checkout donation, and every provider event
-- stored raw. A payment is written in three steps (donation, provider call, store), so a crash between them is
-- resumed by the retry with the same Idempotency-Key: the row exists from the first step with status
-- 'creating', and `attempt`/`lease_until` make sure only one request at a time talks to the provider for it.
create table payments (
  id                  bigint generated always as identity primary key,
  donation_id         bigint not null unique references donations (id),
  provider            text not null check (provider in ('stripe', 'midtrans', 'xendit')),
  checkout_key        text not null unique,
  request_sha256      bytea not null,
  -- What amanah told the provider to call the payment (Midtrans order_id, Xendit external_id, Stripe
  -- client_reference_id); Midtrans refuses an order_id twice, so a resumed attempt takes a new one.
  reference           text not null,
  attempt             integer not null default 0,
  lease_until         timestamptz,
  -- The provider's own id (Stripe Checkout Session, Midtrans order_id, Xendit invoice id) and, for Stripe,
  -- the PaymentIntent its charges and refunds name.
  provider_payment_id text,
  provider_intent_id  text,
  currency            text not null,
  amount_units        bigint not null check (amount_units > 0),
  status              text not null default 'creating'
                      check (status in ('creating', 'open', 'paid', 'held', 'failed', 'expired', 'refunded')),
  status_reason       text,
  payment_url         text,
  snap_token          text,
  expires_at          timestamptz,
  created_at          timestamptz not null default now(),
  updated_at          timestamptz not null default now()
);

create unique index payments_provider_reference on payments (provider, reference);
create unique index payments_provider_payment on payments (provider, provider_payment_id) where provider_payment_id is not null;
create index payments_provider_intent on payments (provider, provider_intent_id) where provider_intent_id is not null;
create index payments_open on payments (provider, status) where status in ('creating', 'open');

-- Every verified event, raw, once: a provider's redelivery meets the primary key and changes nothing.
create table payment_events (
  provider     text not null,
  event_id     text not null,
  event_type   text not null,
  payment_id   bigint references payments (id),
  body         bytea not null,
  outcome      text not null default 'received',
  received_at  timestamptz not null default now(),
  primary key (provider, event_id)
);

create index payment_events_payment on payment_events (payment_id);
