// The live dashboard's words in Indonesian and English, in the console's style (src/console/i18n.ts): one
// English catalogue that names the keys, an Indonesian one of the same type, so a missing word fails the type
// check. The server renders the page with them and hands the same catalogue to client.js as a JSON data block.
import type { Locale } from '../console/i18n.ts';

const en = {
  'page.title': 'amanah: campaign totals', 'page.skip': 'Skip to campaigns', 'lang.switch': 'Bahasa Indonesia',
  'live.offline': 'Live updates start when the page has loaded', 'live.connecting': 'Connecting…', 'live.reconnecting': 'Reconnecting…',
  'live.live': 'Live', 'live.staff': 'Live · staff view',
  'signin.token': 'Staff token', 'signin.submit': 'Sign in', 'signin.out': 'Sign out', 'signin.as': 'Signed in as staff',
  'signin.refused': 'That token was not accepted: check it and try again.', 'signin.ticketRefused': 'That staff token was not accepted.',
  'signin.expired': 'Your staff token is no longer accepted. Sign in again.', 'error.network': 'The server could not be reached; try again.',
  'error.status': 'The server answered {status}.',
  'campaigns.heading': 'Campaigns', 'campaigns.none': 'No campaigns yet. Create one through the API, or start a new database with demo data.',
  'campaign.raised': 'raised', 'campaign.raisedOf': 'raised of {goal}', 'campaign.percent': '{percent}% of goal · ',
  'campaign.donations.one': '{count} donation', 'campaign.donations.other': '{count} donations',
  'campaign.donors.one': '{count} donor', 'campaign.donors.other': '{count} donors',
  'campaign.analytics': 'Analytics', 'campaign.analyticsFor': ' for ',
  'status.draft': 'draft', 'status.closed': 'closed',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infaq', 'fund.sadaqah': 'Sadaqah', 'fund.waqf': 'Waqf', 'fund.general': 'General',
  'imports.heading': 'Imports', 'import.title': 'Import #{id}', 'import.percent': ' · {percent}% of the file', 'import.fileRead': 'Import #{id}: file read',
  'import.counts': '{read} rows read, {rate} rows/s; {imported} imported, {duplicates} duplicates skipped, {rejected} rejected',
  'import.rejects': 'Download the rejected rows',
  'importStatus.receiving': 'receiving', 'importStatus.running': 'running', 'importStatus.succeeded': 'succeeded', 'importStatus.failed': 'failed',
  'queue.heading': 'Pending donations', 'queue.empty': 'No donations are waiting for approval.',
  'queue.more': 'Showing the newest pending donations; more are waiting behind them.',
  'queue.from': ' from ', 'queue.to': ' to ', 'queue.anonymous': 'an anonymous donor', 'queue.approve': 'Approve', 'queue.reject': 'Reject',
  'queue.reasonLabel': 'Reason for rejecting', 'queue.reasonPlaceholder': 'Reason to reject',
  'queue.reasonNeeded': 'Give a reason to reject (pick one from the list or type one).',
  'queue.approved': 'Approved {amount} from {donor}.', 'queue.rejected': 'Rejected {amount} from {donor}.',
  'queue.decidedElsewhere': '{amount} from {donor} was already decided by someone else.',
  'reason.notReceived': 'Payment not received', 'reason.duplicate': 'Duplicate donation', 'reason.fraud': 'Suspected fraud', 'reason.cancel': 'Donor asked to cancel',
  'announce.total': '{name}: {amount} raised', 'announce.more': '{lines}, and {count} more campaigns updated.',
  'footer.docs': 'API docs', 'footer.openapi': 'OpenAPI', 'footer.zakat': 'Zakat calculator',
} as const;

export type DashboardKey = keyof typeof en;
type Catalogue = Readonly<Record<DashboardKey, string>>;

const id: Catalogue = {
  'page.title': 'amanah: total kampanye', 'page.skip': 'Langsung ke kampanye', 'lang.switch': 'English',
  'live.offline': 'Pembaruan langsung dimulai setelah halaman dimuat', 'live.connecting': 'Menghubungkan…', 'live.reconnecting': 'Menghubungkan ulang…',
  'live.live': 'Langsung', 'live.staff': 'Langsung · tampilan staf',
  'signin.token': 'Token staf', 'signin.submit': 'Masuk', 'signin.out': 'Keluar', 'signin.as': 'Masuk sebagai staf',
  'signin.refused': 'Token itu tidak diterima: periksa lalu coba lagi.', 'signin.ticketRefused': 'Token staf itu tidak diterima.',
  'signin.expired': 'Token staf Anda tidak diterima lagi. Silakan masuk kembali.', 'error.network': 'Server tidak dapat dihubungi; coba lagi.',
  'error.status': 'Server menjawab {status}.',
  'campaigns.heading': 'Kampanye', 'campaigns.none': 'Belum ada kampanye. Buat lewat API, atau mulai basis data baru dengan data contoh.',
  'campaign.raised': 'terkumpul', 'campaign.raisedOf': 'terkumpul dari {goal}', 'campaign.percent': '{percent}% dari target · ',
  'campaign.donations.one': '{count} donasi', 'campaign.donations.other': '{count} donasi',
  'campaign.donors.one': '{count} donatur', 'campaign.donors.other': '{count} donatur',
  'campaign.analytics': 'Analitik', 'campaign.analyticsFor': ' untuk ',
  'status.draft': 'draf', 'status.closed': 'ditutup',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infak', 'fund.sadaqah': 'Sedekah', 'fund.waqf': 'Wakaf', 'fund.general': 'Umum',
  'imports.heading': 'Impor', 'import.title': 'Impor #{id}', 'import.percent': ' · {percent}% dari berkas', 'import.fileRead': 'Impor #{id}: berkas terbaca',
  'import.counts': '{read} baris terbaca, {rate} baris/detik; {imported} diimpor, {duplicates} duplikat dilewati, {rejected} ditolak',
  'import.rejects': 'Unduh baris yang ditolak',
  'importStatus.receiving': 'menerima', 'importStatus.running': 'berjalan', 'importStatus.succeeded': 'berhasil', 'importStatus.failed': 'gagal',
  'queue.heading': 'Donasi menunggu', 'queue.empty': 'Tidak ada donasi yang menunggu persetujuan.',
  'queue.more': 'Menampilkan donasi menunggu terbaru; masih ada yang lain di belakangnya.',
  'queue.from': ' dari ', 'queue.to': ' untuk ', 'queue.anonymous': 'donatur anonim', 'queue.approve': 'Setujui', 'queue.reject': 'Tolak',
  'queue.reasonLabel': 'Alasan penolakan', 'queue.reasonPlaceholder': 'Alasan menolak',
  'queue.reasonNeeded': 'Beri alasan untuk menolak (pilih dari daftar atau ketik sendiri).',
  'queue.approved': '{amount} dari {donor} disetujui.', 'queue.rejected': '{amount} dari {donor} ditolak.',
  'queue.decidedElsewhere': '{amount} dari {donor} sudah diputuskan oleh orang lain.',
  'reason.notReceived': 'Pembayaran tidak diterima', 'reason.duplicate': 'Donasi ganda', 'reason.fraud': 'Dugaan penipuan', 'reason.cancel': 'Donatur meminta pembatalan',
  'announce.total': '{name}: {amount} terkumpul', 'announce.more': '{lines}, dan {count} kampanye lain diperbarui.',
  'footer.docs': 'Dokumentasi API', 'footer.openapi': 'OpenAPI', 'footer.zakat': 'Kalkulator zakat',
};

const CATALOGUES: Record<Locale, Catalogue> = { en, id };

/** A message with `{name}` placeholders filled in; an unknown placeholder is left as written. */
export function dashboardText(locale: Locale, key: DashboardKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{([a-z]+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function dashboardCatalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale];
}
