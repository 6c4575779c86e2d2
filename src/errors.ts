// The one registry of errors amanah returns. Each has a stable code (clients branch on it), an HTTP status and
// a title; the detail names the offending input. Every error leaves as RFC 9457 problem+json, and a test checks
// that each code here is documented in the README and none there is stale.

export const ErrorCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  idempotency_key_required: { status: 400, title: 'An Idempotency-Key header is required' },
  invalid_amount: { status: 422, title: 'The amount is not valid' },
  invalid_quantity: { status: 422, title: 'The quantity is not valid' },
  campaign_not_zakat: { status: 422, title: 'The campaign is not in the zakat fund' },
  campaign_fund_refused: { status: 422, title: 'The campaign\'s fund cannot take this kind of gift' },
  zakat_amount_mismatch: { status: 422, title: 'The amount is not the one the price table gives' },
  zakat_region_unknown: { status: 422, title: 'No price table for that region' },
  currency_mismatch: { status: 422, title: 'The currency is not the campaign currency' },
  campaign_not_accepting: { status: 422, title: 'The campaign is not accepting donations' },
  invalid_status_transition: { status: 422, title: 'The campaign status cannot change that way' },
  total_overflow: { status: 422, title: 'The change would overflow a campaign total' },
  amil_rate_above_cap: { status: 422, title: 'The amil share rate is above its legal cap' },
  amil_fund_not_capped: { status: 422, title: 'The fund takes no amil share' },
  nik_invalid: { status: 422, title: 'The NIK is not valid' },
  asnaf_not_allowed: { status: 422, title: 'The disbursement is not to an asnaf its fund may pay' },
  fund_use_not_allowed: { status: 422, title: 'The fund may not be used this way' },
  mustahik_not_verified: { status: 422, title: 'The mustahik is not verified' },
  program_closed: { status: 422, title: 'The program is closed' },
  statement_too_large: { status: 422, title: 'The statement would cover too many days or gifts' },
  report_period_too_long: { status: 422, title: 'The report period is longer than a report covers' },
  mail_not_configured: { status: 422, title: 'Mail is not configured (SMTP_URL is unset)' },
  amount_not_chargeable: { status: 422, title: 'The payment provider cannot charge this amount exactly' },
  payment_provider_not_configured: { status: 422, title: 'The payment provider is not configured' },
  webhook_signature_invalid: { status: 401, title: 'The webhook signature does not verify' },
  payment_not_found: { status: 404, title: 'No such payment' },
  checkout_in_progress: { status: 409, title: 'The checkout is being created by another request' },
  payment_provider_refused: { status: 502, title: 'The payment provider refused the request' },
  payment_provider_unavailable: { status: 503, title: 'The payment provider is unavailable; retry later' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  portal_session_required: { status: 401, title: 'Open your donor page with a sign-in link first' },
  csrf_invalid: { status: 403, title: 'The form is stale or came from another site' },
  donor_not_found: { status: 404, title: 'No donor has that email' },
  magic_link_invalid: { status: 410, title: 'The sign-in link is not valid, already used or expired' },
  erasure_not_confirmed: { status: 422, title: 'The erasure was not confirmed' },
  forbidden: { status: 403, title: 'The token does not allow this' },
  campaign_not_found: { status: 404, title: 'No such campaign' },
  donation_not_found: { status: 404, title: 'No such donation' },
  import_not_found: { status: 404, title: 'No such import' },
  ledger_entry_not_found: { status: 404, title: 'No such ledger entry' },
  receipt_not_found: { status: 404, title: 'No such receipt' },
  mustahik_not_found: { status: 404, title: 'No such mustahik' },
  program_not_found: { status: 404, title: 'No such program' },
  disbursement_not_found: { status: 404, title: 'No such disbursement' },
  token_not_found: { status: 404, title: 'No such active token' },
  not_found: { status: 404, title: 'No such resource' },
  method_not_allowed: { status: 405, title: 'The path does not take this method' },
  slug_taken: { status: 409, title: 'The slug is already in use' },
  idempotency_key_reused: { status: 409, title: 'The Idempotency-Key was used with another request' },
  donation_status_conflict: { status: 409, title: 'The donation is not in a status that allows this' },
  nik_taken: { status: 409, title: 'A mustahik with this NIK is already registered' },
  disbursement_status_conflict: { status: 409, title: 'The disbursement is not in a status that allows this' },
  disbursement_maker_is_checker: { status: 409, title: 'The requester of a disbursement cannot approve or reject it' },
  fund_balance_insufficient: { status: 409, title: 'The fund\'s available balance does not cover this movement' },
  campaign_currency_locked: { status: 409, title: 'The currency cannot change once the campaign has donations' },
  profiler_busy: { status: 409, title: 'A profile or heap snapshot is already being taken' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The content type is not supported' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  overloaded: { status: 503, title: 'The server is overloaded; retry later' },
  database_unavailable: { status: 503, title: 'The database is unavailable; retry later' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** An error amanah means to return: it carries its code, a detail and optional extra members. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}, retryAfterSeconds?: number) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.extra = extra;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  /** The request's x-request-id, to find its log lines. */
  request_id?: string;
  [member: string]: unknown;
}

/** The problem document for an error; `type` points at the code's entry in the served error list. */
export function problemOf(error: AppError, instance?: string, requestId?: string): Problem {
  return {
    type: `/docs/errors#error-${error.code}`,
    title: ErrorCodes[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...error.extra,
  };
}
