// The one registry of errors amanah returns. Each has a stable code (clients branch on it), an HTTP status and
// a title in English (`title`, the problem document's) and in Indonesian (`titleId`, what the pages show a person
// reading Indonesian); the detail names the offending input. Every error leaves as RFC 9457 problem+json, and a
// test checks that each code here is documented in the README and none there is stale. The type below makes a
// code without both titles fail to compile, so no page ever falls back to English for want of a translation.

export const ErrorCodes = {
  validation_failed: { status: 400, title: 'The request is not valid', titleId: 'Permintaan tidak valid' },
  idempotency_key_required: { status: 400, title: 'An Idempotency-Key header is required', titleId: 'Header Idempotency-Key wajib disertakan' },
  invalid_amount: { status: 422, title: 'The amount is not valid', titleId: 'Jumlah tidak valid' },
  invalid_quantity: { status: 422, title: 'The quantity is not valid', titleId: 'Kuantitas tidak valid' },
  campaign_not_zakat: { status: 422, title: 'The campaign is not in the zakat fund', titleId: 'Kampanye ini tidak termasuk dana zakat' },
  campaign_fund_refused: { status: 422, title: 'The campaign\'s fund cannot take this kind of gift', titleId: 'Dana kampanye ini tidak dapat menerima jenis donasi ini' },
  zakat_amount_mismatch: { status: 422, title: 'The amount is not the one the price table gives', titleId: 'Jumlah tidak sesuai dengan tabel harga' },
  zakat_region_unknown: { status: 422, title: 'No price table for that region', titleId: 'Tidak ada tabel harga untuk wilayah itu' },
  currency_mismatch: { status: 422, title: 'The currency is not the campaign currency', titleId: 'Mata uang tidak sama dengan mata uang kampanye' },
  campaign_not_accepting: { status: 422, title: 'The campaign is not accepting donations', titleId: 'Kampanye ini sedang tidak menerima donasi' },
  invalid_status_transition: { status: 422, title: 'The campaign status cannot change that way', titleId: 'Status kampanye tidak dapat berubah seperti itu' },
  total_overflow: { status: 422, title: 'The change would overflow a campaign total', titleId: 'Perubahan ini akan melampaui batas total kampanye' },
  amil_rate_above_cap: { status: 422, title: 'The amil share rate is above its legal cap', titleId: 'Persentase bagian amil melebihi batas yang ditetapkan ketentuan' },
  amil_fund_not_capped: { status: 422, title: 'The fund takes no amil share', titleId: 'Dana ini tidak dipotong bagian amil' },
  nik_invalid: { status: 422, title: 'The NIK is not valid', titleId: 'NIK tidak valid' },
  asnaf_not_allowed: { status: 422, title: 'The disbursement is not to an asnaf its fund may pay', titleId: 'Penyaluran ini tidak kepada asnaf yang boleh dibayar dari dananya' },
  fund_use_not_allowed: { status: 422, title: 'The fund may not be used this way', titleId: 'Dana tidak boleh dipakai seperti ini' },
  mustahik_not_verified: { status: 422, title: 'The mustahik is not verified', titleId: 'Mustahik belum diverifikasi' },
  program_closed: { status: 422, title: 'The program is closed', titleId: 'Program sudah ditutup' },
  statement_too_large: { status: 422, title: 'The statement would cover too many days or gifts', titleId: 'Laporan mencakup terlalu banyak hari atau donasi; pilih periode yang lebih pendek' },
  report_period_too_long: { status: 422, title: 'The report period is longer than a report covers', titleId: 'Periode laporan lebih panjang daripada yang dapat dicakup satu laporan' },
  mail_not_configured: { status: 422, title: 'Mail is not configured (SMTP_URL is unset)', titleId: 'Email belum dikonfigurasi (SMTP_URL belum diisi)' },
  amount_not_chargeable: { status: 422, title: 'The payment provider cannot charge this amount exactly', titleId: 'Penyedia pembayaran tidak dapat menagih jumlah ini dengan tepat' },
  payment_provider_not_configured: { status: 422, title: 'The payment provider is not configured', titleId: 'Penyedia pembayaran belum dikonfigurasi' },
  webhook_signature_invalid: { status: 401, title: 'The webhook signature does not verify', titleId: 'Tanda tangan webhook tidak cocok' },
  payment_not_found: { status: 404, title: 'No such payment', titleId: 'Pembayaran tidak ditemukan' },
  checkout_in_progress: { status: 409, title: 'The checkout is being created by another request', titleId: 'Pembayaran ini sedang dibuat oleh permintaan lain' },
  payment_provider_refused: { status: 502, title: 'The payment provider refused the request', titleId: 'Penyedia pembayaran menolak permintaan ini' },
  payment_provider_unavailable: { status: 503, title: 'The payment provider is unavailable; retry later', titleId: 'Penyedia pembayaran tidak tersedia; coba lagi nanti' },
  unauthorized: { status: 401, title: 'A valid bearer token is required', titleId: 'Diperlukan token yang valid' },
  portal_session_required: { status: 401, title: 'Open your donor page with a sign-in link first', titleId: 'Buka halaman donatur Anda dengan tautan masuk terlebih dahulu' },
  csrf_invalid: { status: 403, title: 'The form is stale or came from another site', titleId: 'Formulir ini sudah usang atau berasal dari situs lain' },
  donor_not_found: { status: 404, title: 'No donor has that email', titleId: 'Tidak ada donatur dengan email itu' },
  magic_link_invalid: { status: 410, title: 'The sign-in link is not valid, already used or expired', titleId: 'Tautan masuk tidak valid, sudah dipakai, atau kedaluwarsa' },
  erasure_not_confirmed: { status: 422, title: 'The erasure was not confirmed', titleId: 'Penghapusan belum dikonfirmasi' },
  forbidden: { status: 403, title: 'The token does not allow this', titleId: 'Token ini tidak mengizinkan tindakan ini' },
  campaign_not_found: { status: 404, title: 'No such campaign', titleId: 'Kampanye tidak ditemukan' },
  donation_not_found: { status: 404, title: 'No such donation', titleId: 'Donasi tidak ditemukan' },
  import_not_found: { status: 404, title: 'No such import', titleId: 'Impor tidak ditemukan' },
  ledger_entry_not_found: { status: 404, title: 'No such ledger entry', titleId: 'Entri buku besar tidak ditemukan' },
  receipt_not_found: { status: 404, title: 'No such receipt', titleId: 'Bukti setor tidak ditemukan' },
  mustahik_not_found: { status: 404, title: 'No such mustahik', titleId: 'Mustahik tidak ditemukan' },
  program_not_found: { status: 404, title: 'No such program', titleId: 'Program tidak ditemukan' },
  disbursement_not_found: { status: 404, title: 'No such disbursement', titleId: 'Penyaluran tidak ditemukan' },
  token_not_found: { status: 404, title: 'No such active token', titleId: 'Token aktif tidak ditemukan' },
  not_found: { status: 404, title: 'No such resource', titleId: 'Tidak ditemukan' },
  method_not_allowed: { status: 405, title: 'The path does not take this method', titleId: 'Alamat ini tidak menerima metode ini' },
  slug_taken: { status: 409, title: 'The slug is already in use', titleId: 'Slug sudah dipakai' },
  idempotency_key_reused: { status: 409, title: 'The Idempotency-Key was used with another request', titleId: 'Idempotency-Key ini sudah dipakai untuk permintaan lain' },
  donation_status_conflict: { status: 409, title: 'The donation is not in a status that allows this', titleId: 'Status donasi tidak mengizinkan tindakan ini' },
  nik_taken: { status: 409, title: 'A mustahik with this NIK is already registered', titleId: 'Mustahik dengan NIK ini sudah terdaftar' },
  mustahik_changed: { status: 409, title: 'The mustahik was changed since this page was loaded; reload it and check again', titleId: 'Data mustahik sudah diubah sejak halaman ini dimuat; muat ulang dan periksa lagi' },
  disbursement_status_conflict: { status: 409, title: 'The disbursement is not in a status that allows this', titleId: 'Status penyaluran tidak mengizinkan tindakan ini' },
  disbursement_maker_is_checker: { status: 409, title: 'The requester of a disbursement cannot approve or reject it', titleId: 'Pengaju penyaluran tidak dapat menyetujui atau menolaknya' },
  fund_balance_insufficient: { status: 409, title: 'The fund\'s available balance does not cover this movement', titleId: 'Saldo dana yang tersedia tidak mencukupi untuk mutasi ini' },
  campaign_currency_locked: { status: 409, title: 'The currency cannot change once the campaign has donations', titleId: 'Mata uang tidak dapat diubah setelah kampanye menerima donasi' },
  profiler_busy: { status: 409, title: 'A profile or heap snapshot is already being taken', titleId: 'Profil atau snapshot heap sedang diambil' },
  request_timeout: { status: 408, title: 'The request did not arrive in time', titleId: 'Permintaan tidak tiba tepat waktu' },
  payload_too_large: { status: 413, title: 'The request body is too large', titleId: 'Isi permintaan terlalu besar' },
  unsupported_media_type: { status: 415, title: 'The content type is not supported', titleId: 'Jenis konten tidak didukung' },
  rate_limited: { status: 429, title: 'Too many requests', titleId: 'Terlalu banyak permintaan; coba lagi nanti' },
  headers_too_large: { status: 431, title: 'The request headers are too large', titleId: 'Header permintaan terlalu besar' },
  overloaded: { status: 503, title: 'The server is overloaded; retry later', titleId: 'Server sedang sibuk; coba lagi nanti' },
  database_unavailable: { status: 503, title: 'The database is unavailable; retry later', titleId: 'Basis data tidak tersedia; coba lagi nanti' },
  internal_error: { status: 500, title: 'Internal error', titleId: 'Kesalahan internal' },
} as const satisfies Record<string, { status: number; title: string; titleId: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** The languages a title exists in; the same two as every page's locale (src/console/i18n.ts). */
export type TitleLocale = 'id' | 'en';

/** A code's title in the reader's language. */
export function errorTitle(code: ErrorCode, locale: TitleLocale): string {
  const entry = ErrorCodes[code];
  return locale === 'id' ? entry.titleId : entry.title;
}

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
