-- amanah core schema: campaigns with maintained totals, donors, donations as immutable facts with a status
-- history, and API tokens. Once released, a migration is never edited: a change is a new numbered file.

create table campaigns (
  id              bigint generated always as identity primary key,
  slug            text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$' and slug !~ '^[0-9]+$'),
  name            text not null check (length(name) between 1 and 200),
  description     text not null default '' check (length(description) <= 10000),
  fund            text not null check (fund in ('zakat', 'infaq', 'sadaqah', 'waqf', 'general')),
  currency        char(3) not null check (currency ~ '^[A-Z]{3}$'),
  goal_minor      bigint check (goal_minor > 0),
  status          text not null default 'draft' check (status in ('draft', 'active', 'closed')),
  starts_at       timestamptz,
  ends_at         timestamptz,
  -- Maintained totals over approved donations, changed in the same transaction as the status change that
  -- causes them, so reading a total is O(1). `amanah verify` recomputes them from the donations.
  raised_minor    bigint not null default 0 check (raised_minor >= 0),
  donation_count  bigint not null default 0 check (donation_count >= 0),
  donor_count     bigint not null default 0 check (donor_count >= 0),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  check (ends_at is null or starts_at is null or ends_at > starts_at)
);

create table donors (
  id              bigint generated always as identity primary key,
  display_name    text not null check (length(display_name) <= 200),
  email           text check (length(email) <= 320),
  external_ref    text check (length(external_ref) <= 200),
  anonymous       boolean not null default false,
  created_at      timestamptz not null default now()
);
-- A donor who gives an email is one donor across donations and campaigns.
create unique index donors_email_unique on donors (lower(email)) where email is not null;
create unique index donors_external_ref_unique on donors (external_ref) where external_ref is not null;

create table donations (
  id               bigint generated always as identity primary key,
  campaign_id      bigint not null references campaigns (id),
  donor_id         bigint not null references donors (id),
  amount_minor     bigint not null check (amount_minor > 0),
  currency         char(3) not null,
  status           text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'refunded')),
  source           text not null check (source in ('api', 'import', 'manual')),
  -- Exactly once: every way a donation enters carries a key; the same key never makes a second donation.
  idempotency_key  text not null unique check (length(idempotency_key) between 1 and 255),
  -- SHA-256 of the request that made the donation: a replay with another body is a conflict, not a replay.
  request_sha256   bytea not null,
  external_ref     text check (length(external_ref) <= 200),
  donated_at       timestamptz not null default now(),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now()
);
-- The seed's indexes, and "a campaign's recent donations" (newest first, keyset pagination by id).
create index donations_campaign_status on donations (campaign_id, status);
create index donations_donor on donations (donor_id);
create index donations_created_at on donations (created_at);
create index donations_campaign_recent on donations (campaign_id, id desc);

create table donation_status_changes (
  id           bigint generated always as identity primary key,
  donation_id  bigint not null references donations (id),
  from_status  text,
  to_status    text not null,
  actor        text not null,
  reason       text check (length(reason) <= 1000),
  changed_at   timestamptz not null default now()
);
create index donation_status_changes_donation on donation_status_changes (donation_id);

-- How many approved donations each donor has in each campaign: the donor count moves only when this goes
-- from 0 to 1 or from 1 to 0, so it is maintained without a count(distinct) over the donations.
create table campaign_donors (
  campaign_id     bigint not null references campaigns (id),
  donor_id        bigint not null references donors (id),
  approved_count  bigint not null check (approved_count >= 0),
  primary key (campaign_id, donor_id)
);

create table api_tokens (
  id            bigint generated always as identity primary key,
  name          text not null check (length(name) between 1 and 100),
  role          text not null check (role in ('staff', 'admin')),
  secret_sha256 bytea not null,
  created_at    timestamptz not null default now(),
  revoked_at    timestamptz
);
