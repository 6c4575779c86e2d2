// The donor page's words in Indonesian and English. The locale is chosen as on the console (src/console/i18n.ts):
// ?lang= (the switch, remembered in the amanah_lang cookie), the cookie, Accept-Language, else Indonesian.
import { errorTitle, type ErrorCode } from '../errors.ts';
import type { Locale } from '../console/i18n.ts';

export type PortalLocale = Locale;

const en = {
  title: 'Your donations', brand: 'amanah', langSwitch: 'Bahasa Indonesia', langLabel: 'Language',
  signInHeading: 'Open your donor page',
  signInIntro: 'Type the email you gave with your donations. We send a sign-in link to it: no password.',
  email: 'Email', send: 'Send me a link',
  sent: 'If we know that email, a sign-in link is on its way to it. The link works once, for {minutes} minutes.',
  linkHeading: 'Sign in', linkIntro: 'Press the button to open your donor page on this device.', open: 'Open my donor page',
  linkInvalid: 'This link is not valid, already used or expired. Ask for a new one below.',
  signedInAs: 'Signed in as {email}', signOut: 'Sign out',
  gifts: 'Your gifts', giftsNone: 'No gifts yet.', giftsCaption: 'Your gifts, newest first',
  colDate: 'Date', colCampaign: 'Campaign', colFund: 'Fund', colAmount: 'Amount', colStatus: 'Status', colName: 'Name on the gift',
  anonymous: 'anonymous to the public',
  receipts: 'Receipts and statements',
  receiptsHeading: 'Receipts', receiptsNone: 'No receipts yet: a receipt is issued once a gift is received.',
  receiptsCaption: 'Your receipts, newest first', colNumber: 'Number', colIssued: 'Issued', colFile: 'File',
  'receipt.valid': 'valid', 'receipt.refunded': 'void (refunded)', 'receipt.corrected': 'void (replaced by a corrected receipt)',
  receiptPdf: 'PDF of receipt {number}',
  statementHeading: 'Statement', statementIntro: 'Every gift in a period, with totals per fund and currency (currencies are never added together).',
  from: 'From', to: 'To', format: 'Format', formatPdf: 'PDF', formatCsv: 'Table (CSV)', statementDownload: 'Download the statement',
  thisYear: 'This year ({year})', lastYear: 'Last year ({year})',
  csv: 'Download my gifts (CSV)',
  recurring: 'Recurring plans',
  recurringNone: 'Recurring plans will appear here once you have one.',
  erase: 'Erase my personal data',
  eraseIntro: 'Your name and email are removed from every gift and replaced by a pseudonym. The amounts, the books and the receipt numbers stay, because the institution must keep them by law. This cannot be undone, and you will be signed out.',
  eraseConfirm: 'I understand: erase my name and email', eraseButton: 'Erase my data',
  erased: 'Your personal data is erased. Your gifts stay in the books under a pseudonym.',
  signedOut: 'You are signed out.',
  errorHeading: 'Something went wrong', back: 'Back',
  mailSubject: 'Your sign-in link',
  mailIntro: 'Someone (we hope you) asked to open the donor page for this email. Open this link:',
  mailExpiry: 'The link works once, for {minutes} minutes.',
  mailIgnore: 'If you did not ask for it, ignore this message: nothing happens.',
  'status.pending': 'pending', 'status.approved': 'received', 'status.rejected': 'not accepted', 'status.refunded': 'refunded',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infak (infaq)', 'fund.sadaqah': 'Sedekah (sadaqah)', 'fund.waqf': 'Wakaf (waqf)', 'fund.general': 'General',
} as const;

export type PortalKey = keyof typeof en;
type PortalCatalogue = Readonly<Record<PortalKey, string>>;

const id: PortalCatalogue = {
  title: 'Donasi Anda', brand: 'amanah', langSwitch: 'English', langLabel: 'Bahasa',
  signInHeading: 'Buka halaman donatur Anda',
  signInIntro: 'Ketik email yang Anda berikan saat berdonasi. Kami mengirim tautan masuk ke email itu: tanpa kata sandi.',
  email: 'Email', send: 'Kirim tautan',
  sent: 'Jika email itu kami kenal, tautan masuk sedang dikirim ke sana. Tautan berlaku sekali, selama {minutes} menit.',
  linkHeading: 'Masuk', linkIntro: 'Tekan tombol untuk membuka halaman donatur Anda di perangkat ini.', open: 'Buka halaman donatur saya',
  linkInvalid: 'Tautan ini tidak valid, sudah dipakai, atau kedaluwarsa. Minta tautan baru di bawah.',
  signedInAs: 'Masuk sebagai {email}', signOut: 'Keluar',
  gifts: 'Donasi Anda', giftsNone: 'Belum ada donasi.', giftsCaption: 'Donasi Anda, terbaru dulu',
  colDate: 'Tanggal', colCampaign: 'Kampanye', colFund: 'Dana', colAmount: 'Jumlah', colStatus: 'Status', colName: 'Nama pada donasi',
  anonymous: 'anonim bagi publik',
  receipts: 'Bukti dan laporan',
  receiptsHeading: 'Bukti setor', receiptsNone: 'Belum ada bukti setor: bukti diterbitkan setelah donasi diterima.',
  receiptsCaption: 'Bukti setor Anda, terbaru dulu', colNumber: 'Nomor', colIssued: 'Terbit', colFile: 'Berkas',
  'receipt.valid': 'berlaku', 'receipt.refunded': 'batal (dikembalikan)', 'receipt.corrected': 'batal (diganti bukti koreksi)',
  receiptPdf: 'PDF bukti {number}',
  statementHeading: 'Laporan donasi', statementIntro: 'Setiap donasi dalam suatu periode, dengan total per dana dan mata uang (mata uang tidak pernah dijumlahkan).',
  from: 'Dari', to: 'Sampai', format: 'Format', formatPdf: 'PDF', formatCsv: 'Tabel (CSV)', statementDownload: 'Unduh laporan',
  thisYear: 'Tahun ini ({year})', lastYear: 'Tahun lalu ({year})',
  csv: 'Unduh donasi saya (CSV)',
  recurring: 'Donasi rutin',
  recurringNone: 'Donasi rutin akan tampil di sini setelah Anda memilikinya.',
  erase: 'Hapus data pribadi saya',
  eraseIntro: 'Nama dan email Anda dihapus dari setiap donasi dan diganti dengan nama samaran. Jumlah, pembukuan, dan nomor bukti tetap ada karena lembaga wajib menyimpannya menurut hukum. Tindakan ini tidak dapat dibatalkan, dan Anda akan keluar.',
  eraseConfirm: 'Saya mengerti: hapus nama dan email saya', eraseButton: 'Hapus data saya',
  erased: 'Data pribadi Anda telah dihapus. Donasi Anda tetap tercatat dengan nama samaran.',
  signedOut: 'Anda telah keluar.',
  errorHeading: 'Terjadi kesalahan', back: 'Kembali',
  mailSubject: 'Tautan masuk Anda',
  mailIntro: 'Seseorang (semoga Anda) meminta membuka halaman donatur untuk email ini. Buka tautan ini:',
  mailExpiry: 'Tautan berlaku sekali, selama {minutes} menit.',
  mailIgnore: 'Jika Anda tidak memintanya, abaikan pesan ini: tidak ada yang terjadi.',
  'status.pending': 'menunggu', 'status.approved': 'diterima', 'status.rejected': 'tidak diterima', 'status.refunded': 'dikembalikan',
  'fund.zakat': 'Zakat', 'fund.infaq': 'Infak', 'fund.sadaqah': 'Sedekah', 'fund.waqf': 'Wakaf', 'fund.general': 'Umum',
};

const CATALOGUES: Record<PortalLocale, PortalCatalogue> = { en, id };

export function portalText(locale: PortalLocale): PortalCatalogue {
  return CATALOGUES[locale];
}

/** An error's title in the donor's language, from the registry (src/errors.ts). */
export function portalErrorTitle(locale: PortalLocale, code: ErrorCode): string {
  return errorTitle(code, locale);
}

export const PORTAL_CATALOGUES_FOR_TEST = CATALOGUES;
