-- Webhook requests that failed verification (bad or missing signature, unknown token): kept so staff can see
-- an attack or a misconfigured secret. The body is not kept (it is untrusted); its size and hash are.
create table payment_webhook_refusals (
  id           bigint generated always as identity primary key,
  provider     text not null,
  reason       text not null,
  remote       text,
  body_bytes   integer not null,
  body_sha256  bytea not null,
  received_at  timestamptz not null default now()
);
