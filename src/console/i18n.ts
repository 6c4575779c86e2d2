// The console's languages: Indonesian and English message catalogues, a pure module (no I/O), used by the
// server to render pages and handed to the client script as JSON so both say the same words.
//
// The locale is, in order: ?lang= (the switch, which also sets the cookie), the amanah_lang cookie, then the
// first supported language in Accept-Language, else Indonesian (most of the users speak it).
import { ErrorCodes, errorTitle, type ErrorCode } from '../errors.ts';

export type Locale = 'id' | 'en';
export const LOCALES: readonly Locale[] = ['id', 'en'];
export const DEFAULT_LOCALE: Locale = 'id';
export const LOCALE_COOKIE = 'amanah_lang';
/** BCP 47 tags for Intl: currency and numbers in the viewer's locale, one way on every console page. */
export const INTL_LOCALE: Record<Locale, string> = { id: 'id-ID', en: 'en-GB' };
/** An Accept-Language header past this many entries is read only this far: the header is untrusted input. */
const ACCEPT_LANGUAGE_ENTRIES_MAX = 20;

const en = {
  'console.title': 'Staff console',
  'nav.queue': 'Queue', 'nav.campaigns': 'Campaigns', 'nav.audit': 'Audit log', 'nav.tokens': 'Tokens', 'nav.dashboard': 'Dashboard',
  'nav.label': 'Console', 'lang.label': 'Language', 'lang.switch': 'Bahasa Indonesia',
  'nav.reports': 'Reports', 'nav.hawl': 'Zakat hawl', 'nav.distribution': 'Distribution',
  'queue.new.one': '{count} new pending donation', 'queue.new.other': '{count} new pending donations',
  'queue.new.more': 'More than {count} new pending donations', 'queue.show': 'Show',
  'queue.decidedElsewhere': '{status} (decided elsewhere)', 'queue.changedElsewhere': 'changed elsewhere',
  'queue.decidedCount': '{count} on this page decided elsewhere',
  'campaigns.analytics': 'Analytics',
  'reports.heading': 'Reports', 'reports.changes': 'Statement of changes in funds (PSAK 109)', 'reports.trial': 'Trial balance',
  'reports.position': 'Statement of financial position', 'reports.baznas': 'BAZNAS report', 'reports.now': 'As of now',
  'reports.open': 'Open', 'reports.to': 'To (not included)', 'reports.year': 'Year', 'reports.half': 'Period',
  'reports.half.annual': 'Whole year', 'reports.half.h1': 'January to June', 'reports.zakat': 'Zakat and distribution',
  'reports.analytics': 'Analytics', 'reports.analyticsNote': "Each campaign's analytics page is linked from Campaigns.",
  'signin.token': 'Staff token', 'signin.submit': 'Sign in', 'signin.out': 'Sign out', 'signin.as': 'Signed in as {name} ({role})',
  'signin.needed': 'Sign in with a staff or admin token to use the console.',
  'role.staff': 'staff', 'role.admin': 'admin',
  'queue.heading': 'Donations', 'queue.search': 'Search', 'queue.searchIn': 'Search in', 'queue.in.name': 'Donor name',
  'queue.in.email': 'Email', 'queue.in.reference': 'Reference or key', 'queue.amount': 'Amount', 'queue.currency': 'Currency',
  'queue.campaign': 'Campaign', 'queue.fund': 'Fund', 'queue.source': 'Source', 'queue.status': 'Status', 'queue.from': 'From',
  'queue.to': 'To', 'queue.sort': 'Sort', 'queue.apply': 'Apply', 'queue.any': 'Any',
  'sort.newest': 'Newest first', 'sort.oldest': 'Oldest first', 'sort.amount_desc': 'Largest amount', 'sort.amount_asc': 'Smallest amount',
  'queue.count.exact': '{count} matching', 'queue.count.estimate': 'More than {count} matching (not counted further)',
  'queue.empty': 'No donations match.', 'queue.more': 'Next page', 'queue.first': 'First page',
  'queue.select': 'Select', 'queue.selectAll': 'Select all on this page', 'queue.reason': 'Reason (needed to reject)',
  'queue.approve': 'Approve selected', 'queue.reject': 'Reject selected', 'queue.done': '{ok} changed, {failed} refused',
  'queue.none': 'Select at least one donation.',
  'col.donor': 'Donor', 'col.email': 'Email', 'col.amount': 'Amount', 'col.campaign': 'Campaign', 'col.source': 'Source',
  'col.status': 'Status', 'col.date': 'Donated', 'col.reference': 'Reference', 'col.name': 'Name', 'col.role': 'Role',
  'col.created': 'Created', 'col.lastUsed': 'Last used', 'col.expires': 'Expires', 'col.actor': 'Actor', 'col.action': 'Action',
  'col.target': 'Target', 'col.detail': 'Detail', 'col.at': 'When', 'col.slug': 'Slug', 'col.raised': 'Raised', 'col.actions': 'Actions',
  'donation.heading': 'Donation {id}', 'donation.history': 'Status history', 'donation.import': 'Import',
  'donation.key': 'Idempotency key', 'donation.anonymous': 'anonymous to the public', 'donation.refund': 'Refund',
  'donation.refundReason': 'Reason for the refund', 'donation.none': 'none',
  'campaigns.heading': 'Campaigns', 'campaigns.create': 'New campaign', 'campaigns.edit': 'Edit campaign', 'campaigns.save': 'Save',
  'campaigns.publish': 'Publish', 'campaigns.close': 'Close', 'campaigns.reopen': 'Reopen', 'campaigns.saved': 'Saved.',
  'field.slug': 'Slug', 'field.name': 'Name', 'field.description': 'Description', 'field.fund': 'Fund', 'field.currency': 'Currency',
  'field.goal': 'Goal (optional)', 'field.starts_at': 'Starts (optional)', 'field.ends_at': 'Ends (optional)',
  'tokens.heading': 'API tokens', 'tokens.create': 'Create a token', 'tokens.name': 'Name', 'tokens.role': 'Role',
  'tokens.expires': 'Expires (optional)', 'tokens.revoke': 'Revoke', 'tokens.revoked': 'revoked', 'tokens.never': 'never',
  'tokens.created': 'Copy this token now; it is not shown again:', 'tokens.adminOnly': 'Only an admin token can manage tokens.',
  'audit.heading': 'Audit log', 'audit.actor': 'Actor token id', 'audit.action': 'Action', 'audit.csv': 'Download CSV',
  'status.pending': 'pending', 'status.approved': 'approved', 'status.rejected': 'rejected', 'status.refunded': 'refunded',
  'status.draft': 'draft', 'status.active': 'active', 'status.closed': 'closed',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infak (infaq)', 'fund.sadaqah': 'Sedekah (sadaqah)', 'fund.waqf': 'Wakaf (waqf)', 'fund.general': 'General',
  'source.api': 'API', 'source.import': 'Import', 'source.manual': 'Manual',
  'error.network': 'The server could not be reached; try again.', 'error.field': '{field}: {message}',
} as const;

export type MessageKey = keyof typeof en;
type Catalogue = Readonly<Record<MessageKey, string>>;

const id: Catalogue = {
  'console.title': 'Konsol staf',
  'nav.queue': 'Antrean', 'nav.campaigns': 'Kampanye', 'nav.audit': 'Log audit', 'nav.tokens': 'Token', 'nav.dashboard': 'Dasbor',
  'nav.label': 'Konsol', 'lang.label': 'Bahasa', 'lang.switch': 'English',
  'nav.reports': 'Laporan', 'nav.hawl': 'Haul zakat', 'nav.distribution': 'Penyaluran',
  'queue.new.one': '{count} donasi baru menunggu', 'queue.new.other': '{count} donasi baru menunggu',
  'queue.new.more': 'Lebih dari {count} donasi baru menunggu', 'queue.show': 'Tampilkan',
  'queue.decidedElsewhere': '{status} (diputuskan di tempat lain)', 'queue.changedElsewhere': 'diubah di tempat lain',
  'queue.decidedCount': '{count} di halaman ini diputuskan di tempat lain',
  'campaigns.analytics': 'Analitik',
  'reports.heading': 'Laporan', 'reports.changes': 'Laporan perubahan dana (PSAK 109)', 'reports.trial': 'Neraca saldo',
  'reports.position': 'Laporan posisi keuangan', 'reports.baznas': 'Laporan BAZNAS', 'reports.now': 'Per saat ini',
  'reports.open': 'Buka', 'reports.to': 'Sampai (tidak termasuk)', 'reports.year': 'Tahun', 'reports.half': 'Periode',
  'reports.half.annual': 'Setahun penuh', 'reports.half.h1': 'Januari sampai Juni', 'reports.zakat': 'Zakat dan penyaluran',
  'reports.analytics': 'Analitik', 'reports.analyticsNote': 'Halaman analitik tiap kampanye ditautkan dari Kampanye.',
  'signin.token': 'Token staf', 'signin.submit': 'Masuk', 'signin.out': 'Keluar', 'signin.as': 'Masuk sebagai {name} ({role})',
  'signin.needed': 'Masuk dengan token staf atau admin untuk memakai konsol.',
  'role.staff': 'staf', 'role.admin': 'admin',
  'queue.heading': 'Donasi', 'queue.search': 'Cari', 'queue.searchIn': 'Cari di', 'queue.in.name': 'Nama donatur',
  'queue.in.email': 'Email', 'queue.in.reference': 'Referensi atau kunci', 'queue.amount': 'Jumlah', 'queue.currency': 'Mata uang',
  'queue.campaign': 'Kampanye', 'queue.fund': 'Dana', 'queue.source': 'Sumber', 'queue.status': 'Status', 'queue.from': 'Dari',
  'queue.to': 'Sampai', 'queue.sort': 'Urutan', 'queue.apply': 'Terapkan', 'queue.any': 'Semua',
  'sort.newest': 'Terbaru dulu', 'sort.oldest': 'Terlama dulu', 'sort.amount_desc': 'Jumlah terbesar', 'sort.amount_asc': 'Jumlah terkecil',
  'queue.count.exact': '{count} cocok', 'queue.count.estimate': 'Lebih dari {count} cocok (tidak dihitung lebih lanjut)',
  'queue.empty': 'Tidak ada donasi yang cocok.', 'queue.more': 'Halaman berikutnya', 'queue.first': 'Halaman pertama',
  'queue.select': 'Pilih', 'queue.selectAll': 'Pilih semua di halaman ini', 'queue.reason': 'Alasan (wajib untuk menolak)',
  'queue.approve': 'Setujui yang dipilih', 'queue.reject': 'Tolak yang dipilih', 'queue.done': '{ok} berubah, {failed} ditolak',
  'queue.none': 'Pilih sedikitnya satu donasi.',
  'col.donor': 'Donatur', 'col.email': 'Email', 'col.amount': 'Jumlah', 'col.campaign': 'Kampanye', 'col.source': 'Sumber',
  'col.status': 'Status', 'col.date': 'Tanggal donasi', 'col.reference': 'Referensi', 'col.name': 'Nama', 'col.role': 'Peran',
  'col.created': 'Dibuat', 'col.lastUsed': 'Terakhir dipakai', 'col.expires': 'Kedaluwarsa', 'col.actor': 'Pelaku', 'col.action': 'Tindakan',
  'col.target': 'Sasaran', 'col.detail': 'Rincian', 'col.at': 'Waktu', 'col.slug': 'Slug', 'col.raised': 'Terkumpul', 'col.actions': 'Tindakan',
  'donation.heading': 'Donasi {id}', 'donation.history': 'Riwayat status', 'donation.import': 'Impor',
  'donation.key': 'Kunci idempotensi', 'donation.anonymous': 'anonim bagi publik', 'donation.refund': 'Kembalikan dana',
  'donation.refundReason': 'Alasan pengembalian dana', 'donation.none': 'tidak ada',
  'campaigns.heading': 'Kampanye', 'campaigns.create': 'Kampanye baru', 'campaigns.edit': 'Ubah kampanye', 'campaigns.save': 'Simpan',
  'campaigns.publish': 'Terbitkan', 'campaigns.close': 'Tutup', 'campaigns.reopen': 'Buka kembali', 'campaigns.saved': 'Tersimpan.',
  'field.slug': 'Slug', 'field.name': 'Nama', 'field.description': 'Deskripsi', 'field.fund': 'Dana', 'field.currency': 'Mata uang',
  'field.goal': 'Target (opsional)', 'field.starts_at': 'Mulai (opsional)', 'field.ends_at': 'Berakhir (opsional)',
  'tokens.heading': 'Token API', 'tokens.create': 'Buat token', 'tokens.name': 'Nama', 'tokens.role': 'Peran',
  'tokens.expires': 'Kedaluwarsa (opsional)', 'tokens.revoke': 'Cabut', 'tokens.revoked': 'dicabut', 'tokens.never': 'tidak pernah',
  'tokens.created': 'Salin token ini sekarang; token tidak ditampilkan lagi:', 'tokens.adminOnly': 'Hanya token admin yang dapat mengelola token.',
  'audit.heading': 'Log audit', 'audit.actor': 'Id token pelaku', 'audit.action': 'Tindakan', 'audit.csv': 'Unduh CSV',
  'status.pending': 'menunggu', 'status.approved': 'disetujui', 'status.rejected': 'ditolak', 'status.refunded': 'dikembalikan',
  'status.draft': 'draf', 'status.active': 'aktif', 'status.closed': 'ditutup',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infak', 'fund.sadaqah': 'Sedekah', 'fund.waqf': 'Wakaf', 'fund.general': 'Umum',
  'source.api': 'API', 'source.import': 'Impor', 'source.manual': 'Manual',
  'error.network': 'Server tidak dapat dihubungi; coba lagi.', 'error.field': '{field}: {message}',
};

const CATALOGUES: Record<Locale, Catalogue> = { en, id };

/** A message with `{name}` placeholders filled in; an unknown placeholder is left as written. */
export function translate(locale: Locale, key: MessageKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{([a-z]+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function catalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale];
}

/** Every error title in the locale (from the registry), for the client script to show a problem's `code` in the viewer's language. */
export function errorTitles(locale: Locale): Record<string, string> {
  return Object.fromEntries(Object.keys(ErrorCodes).map((code) => [code, errorTitle(code as ErrorCode, locale)]));
}

function isLocale(text: string | undefined): text is Locale {
  return text === 'id' || text === 'en';
}

/** The first supported language in an Accept-Language header, by quality then order; undefined if none. */
export function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header.split(',').slice(0, ACCEPT_LANGUAGE_ENTRIES_MAX).map((part, index) => {
    const [tag = '', ...parameters] = part.trim().split(';');
    const q = parameters.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)).find(Boolean);
    return { language: tag.trim().toLowerCase().split('-')[0], quality: q ? Number(q[1]) : 1, index };
  }).filter((entry) => entry.quality > 0).sort((a, b) => b.quality - a.quality || a.index - b.index);
  // "in" is the withdrawn ISO 639 code for Indonesian that old Android and Java still send.
  const found = ranked.map((entry) => (entry.language === 'in' ? 'id' : entry.language)).find(isLocale);
  return found;
}

/** The viewer's locale: the switch, then the cookie, then Accept-Language, then Indonesian. */
export function negotiateLocale(query: string | undefined, cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (isLocale(query)) return query;
  if (isLocale(cookie)) return cookie;
  return fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE;
}

/** The amanah_lang value in a Cookie header, if it names a locale. */
export function localeCookie(header: string | undefined): string | undefined {
  const match = /(?:^|;\s*)amanah_lang=([a-z]{2})(?:;|$)/.exec(header ?? '');
  return match?.[1];
}
