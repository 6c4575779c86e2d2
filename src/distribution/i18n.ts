// The distribution room's words in Indonesian and English: the staff pages' labels, rendered on the server, and the
// few the page script needs (handed to it as JSON), plus Indonesian titles for the refusals its forms can meet.
// A pure module; the locale itself is the console's (negotiateLocale in src/console/i18n.ts).
import { errorTitle, ErrorCodes, type ErrorCode } from '../errors.ts';
import type { Locale } from '../console/i18n.ts';

const en = {
  'room.title': 'Distribution', 'room.nav': 'Distribution', 'room.console': 'Console', 'room.switch': 'Bahasa Indonesia',
  'room.loading': 'Loading…', 'room.signedOut': 'Sign in on the console first; these pages use its staff token.', 'room.signIn': 'Open the console',
  'room.skip': 'Skip to the content',
  'index.heading': 'Distribution', 'index.explain': 'The mustahik registry, the programs that pay them, and disbursements (requested by one staff member, approved by another, then paid).',
  'index.mustahik': 'Mustahik registry', 'index.programs': 'Programs', 'index.disbursements': 'Disbursements', 'index.hawl': 'Hawl: undistributed zakat',
  'any': 'Any', 'apply': 'Show', 'next': 'Next page', 'first': 'First page', 'none': 'None yet.', 'yes': 'yes', 'no': 'no', 'saved': 'Saved.',
  'col.id': 'No.', 'col.name': 'Name', 'col.kind': 'Kind', 'col.nik': 'NIK', 'col.asnaf': 'Asnaf', 'col.region': 'Region',
  'col.verification': 'Verification', 'col.created': 'Registered', 'col.fund': 'Fund', 'col.social': 'Social use', 'col.status': 'Status',
  'col.mustahik': 'Mustahik', 'col.program': 'Program', 'col.campaign': 'Campaign', 'col.amount': 'Amount', 'col.requestedBy': 'Requested by',
  'col.approvedBy': 'Approved by', 'col.reference': 'Reference', 'col.actions': 'Actions', 'col.purpose': 'Note',
  'mustahik.heading': 'Mustahik registry', 'mustahik.privacy': 'Personal data: staff only. NIKs are masked in the list.',
  'mustahik.create': 'Register a mustahik', 'mustahik.submit': 'Register', 'mustahik.created': 'Mustahik registered.',
  'mustahik.verify': 'Mark verified', 'mustahik.verified': 'Mustahik verified.',
  'record.back': 'Back to the mustahik registry', 'record.privacy': 'Personal data: staff only. The NIK is shown in full on this page alone; do not copy it elsewhere.',
  'record.noNik': 'none (an institution)', 'record.notes': 'Evidence notes', 'record.noNotes': 'none', 'record.updated': 'Last changed',
  'record.edit': 'Change this mustahik', 'record.fixed': 'The kind stays as registered. Only the fields you change are sent. A new name or NIK sets verification back to unverified: mark it verified again once the new identity is checked.',
  'record.submit': 'Save changes', 'record.saved': 'Mustahik saved.', 'record.unchanged': 'Nothing to save: no field was changed.',
  'record.disbursements': 'Disbursements to this mustahik', 'record.more': 'Only the newest are shown; the API lists every one.',
  'field.kind': 'Kind', 'field.name': 'Name', 'field.nik': 'NIK (16 digits, people only)', 'field.asnaf': 'Asnaf', 'field.region': 'Region',
  'field.verification': 'Verification', 'field.evidence_notes': 'Evidence notes (optional)', 'field.fund': 'Fund', 'field.social': 'A social use (the only use of non-halal money)',
  'field.campaign_id': 'Campaign (its fund pays)', 'field.program_id': 'Program', 'field.mustahik_id': 'Mustahik (verified)', 'field.asnaf_one': 'Paid as asnaf',
  'field.amount': 'Amount', 'field.purpose': 'Note (optional)', 'field.reference': 'Transfer reference', 'field.reason': 'Reason',
  'kind.person': 'Person', 'kind.institution': 'Institution',
  'verification.unverified': 'unverified', 'verification.verified': 'verified', 'verification.rejected': 'rejected',
  'asnaf.fakir': 'Fakir', 'asnaf.miskin': 'Miskin', 'asnaf.amil': 'Amil', 'asnaf.muallaf': 'Muallaf', 'asnaf.riqab': 'Riqab',
  'asnaf.gharimin': 'Gharimin', 'asnaf.fisabilillah': 'Fisabilillah', 'asnaf.ibnu_sabil': 'Ibnu sabil', 'asnaf.none': 'None (not as zakat)',
  'fund.zakat': 'Zakat', 'fund.infak_sedekah': 'Infak/sedekah', 'fund.amil': 'Amil', 'fund.non_halal': 'Non-halal', 'fund.waqf': 'Wakaf', 'fund.dskl': 'DSKL',
  'programs.heading': 'Programs', 'programs.create': 'Create a program', 'programs.submit': 'Create', 'programs.created': 'Program created.',
  'programs.close': 'Close', 'programs.reopen': 'Reopen', 'programs.saved': 'Program saved.',
  'programStatus.active': 'active', 'programStatus.closed': 'closed',
  'disbursements.heading': 'Disbursements', 'disbursements.request': 'Request a disbursement', 'disbursements.submit': 'Request',
  'disbursements.explain': 'Another staff member or an admin approves a request, never the one who made it. Approval reserves the amount from the campaign\'s fund.',
  'disbursements.requested': 'Disbursement requested.', 'disbursements.approve': 'Approve', 'disbursements.pay': 'Mark paid', 'disbursements.cancel': 'Cancel', 'disbursements.reject': 'Reject',
  'disbursements.approved': 'Disbursement approved.', 'disbursements.paid': 'Disbursement marked paid.', 'disbursements.cancelled': 'Disbursement cancelled.', 'disbursements.rejected': 'Disbursement rejected.',
  'status.requested': 'requested', 'status.approved': 'approved', 'status.paid': 'paid', 'status.rejected': 'rejected', 'status.cancelled': 'cancelled',
  'error.network': 'The server could not be reached; try again.',
} as const;

export type DistributionKey = keyof typeof en;
type Catalogue = Readonly<Record<DistributionKey, string>>;

const id: Catalogue = {
  'room.title': 'Penyaluran', 'room.nav': 'Penyaluran', 'room.console': 'Konsol', 'room.switch': 'English',
  'room.loading': 'Memuat…', 'room.signedOut': 'Masuk di konsol terlebih dahulu; halaman ini memakai token stafnya.', 'room.signIn': 'Buka konsol',
  'room.skip': 'Langsung ke isi',
  'index.heading': 'Penyaluran', 'index.explain': 'Daftar mustahik, program yang menyalurkan kepada mereka, dan penyaluran (diajukan oleh satu staf, disetujui oleh staf lain, lalu dibayar).',
  'index.mustahik': 'Daftar mustahik', 'index.programs': 'Program', 'index.disbursements': 'Penyaluran dana', 'index.hawl': 'Haul: zakat belum tersalurkan',
  'any': 'Semua', 'apply': 'Tampilkan', 'next': 'Halaman berikutnya', 'first': 'Halaman pertama', 'none': 'Belum ada.', 'yes': 'ya', 'no': 'tidak', 'saved': 'Tersimpan.',
  'col.id': 'No.', 'col.name': 'Nama', 'col.kind': 'Jenis', 'col.nik': 'NIK', 'col.asnaf': 'Asnaf', 'col.region': 'Wilayah',
  'col.verification': 'Verifikasi', 'col.created': 'Terdaftar', 'col.fund': 'Dana', 'col.social': 'Penggunaan sosial', 'col.status': 'Status',
  'col.mustahik': 'Mustahik', 'col.program': 'Program', 'col.campaign': 'Kampanye', 'col.amount': 'Jumlah', 'col.requestedBy': 'Diajukan oleh',
  'col.approvedBy': 'Disetujui oleh', 'col.reference': 'Referensi', 'col.actions': 'Tindakan', 'col.purpose': 'Catatan',
  'mustahik.heading': 'Daftar mustahik', 'mustahik.privacy': 'Data pribadi: hanya untuk staf. NIK disamarkan di daftar.',
  'mustahik.create': 'Daftarkan mustahik', 'mustahik.submit': 'Daftarkan', 'mustahik.created': 'Mustahik terdaftar.',
  'mustahik.verify': 'Tandai terverifikasi', 'mustahik.verified': 'Mustahik terverifikasi.',
  'record.back': 'Kembali ke daftar mustahik', 'record.privacy': 'Data pribadi: hanya untuk staf. NIK ditampilkan lengkap hanya di halaman ini; jangan disalin ke tempat lain.',
  'record.noNik': 'tidak ada (lembaga)', 'record.notes': 'Catatan bukti', 'record.noNotes': 'tidak ada', 'record.updated': 'Terakhir diubah',
  'record.edit': 'Ubah data mustahik ini', 'record.fixed': 'Jenis tetap seperti saat didaftarkan. Hanya kolom yang Anda ubah yang dikirim. Nama atau NIK baru mengembalikan verifikasi ke belum diverifikasi: tandai terverifikasi lagi setelah identitas barunya diperiksa.',
  'record.submit': 'Simpan perubahan', 'record.saved': 'Data mustahik tersimpan.', 'record.unchanged': 'Tidak ada yang disimpan: tidak ada kolom yang diubah.',
  'record.disbursements': 'Penyaluran kepada mustahik ini', 'record.more': 'Hanya yang terbaru yang ditampilkan; API memuat semuanya.',
  'field.kind': 'Jenis', 'field.name': 'Nama', 'field.nik': 'NIK (16 angka, hanya perorangan)', 'field.asnaf': 'Asnaf', 'field.region': 'Wilayah',
  'field.verification': 'Verifikasi', 'field.evidence_notes': 'Catatan bukti (opsional)', 'field.fund': 'Dana', 'field.social': 'Penggunaan sosial (satu-satunya penggunaan dana nonhalal)',
  'field.campaign_id': 'Kampanye (dananya yang membayar)', 'field.program_id': 'Program', 'field.mustahik_id': 'Mustahik (terverifikasi)', 'field.asnaf_one': 'Dibayar sebagai asnaf',
  'field.amount': 'Jumlah', 'field.purpose': 'Catatan (opsional)', 'field.reference': 'Referensi transfer', 'field.reason': 'Alasan',
  'kind.person': 'Perorangan', 'kind.institution': 'Lembaga',
  'verification.unverified': 'belum diverifikasi', 'verification.verified': 'terverifikasi', 'verification.rejected': 'ditolak',
  'asnaf.fakir': 'Fakir', 'asnaf.miskin': 'Miskin', 'asnaf.amil': 'Amil', 'asnaf.muallaf': 'Mualaf', 'asnaf.riqab': 'Riqab',
  'asnaf.gharimin': 'Garimin', 'asnaf.fisabilillah': 'Fisabilillah', 'asnaf.ibnu_sabil': 'Ibnu sabil', 'asnaf.none': 'Tidak ada (bukan sebagai zakat)',
  'fund.zakat': 'Zakat', 'fund.infak_sedekah': 'Infak/sedekah', 'fund.amil': 'Amil', 'fund.non_halal': 'Nonhalal', 'fund.waqf': 'Wakaf', 'fund.dskl': 'DSKL',
  'programs.heading': 'Program', 'programs.create': 'Buat program', 'programs.submit': 'Buat', 'programs.created': 'Program dibuat.',
  'programs.close': 'Tutup', 'programs.reopen': 'Buka kembali', 'programs.saved': 'Program tersimpan.',
  'programStatus.active': 'aktif', 'programStatus.closed': 'ditutup',
  'disbursements.heading': 'Penyaluran dana', 'disbursements.request': 'Ajukan penyaluran', 'disbursements.submit': 'Ajukan',
  'disbursements.explain': 'Pengajuan disetujui oleh staf lain atau admin, tidak pernah oleh pengajunya. Persetujuan mencadangkan jumlahnya dari dana kampanye.',
  'disbursements.requested': 'Penyaluran diajukan.', 'disbursements.approve': 'Setujui', 'disbursements.pay': 'Tandai dibayar', 'disbursements.cancel': 'Batalkan', 'disbursements.reject': 'Tolak',
  'disbursements.approved': 'Penyaluran disetujui.', 'disbursements.paid': 'Penyaluran ditandai dibayar.', 'disbursements.cancelled': 'Penyaluran dibatalkan.', 'disbursements.rejected': 'Penyaluran ditolak.',
  'status.requested': 'diajukan', 'status.approved': 'disetujui', 'status.paid': 'dibayar', 'status.rejected': 'ditolak', 'status.cancelled': 'dibatalkan',
  'error.network': 'Server tidak dapat dihubungi; coba lagi.',
};

const CATALOGUES: Record<Locale, Catalogue> = { en, id };

export function distributionText(locale: Locale, key: DistributionKey): string {
  return CATALOGUES[locale][key];
}

/** Every error title in the locale (the registry's, src/errors.ts), for the page script to title a problem's code. */
export function distributionErrorTitles(locale: Locale): Record<string, string> {
  return Object.fromEntries(Object.keys(ErrorCodes).map((code) => [code, errorTitle(code as ErrorCode, locale)]));
}

/** What the page script says itself: its announcements and the network failure. */
export function scriptMessages(locale: Locale): Record<string, string> {
  const keys: readonly DistributionKey[] = ['mustahik.created', 'mustahik.verified', 'record.saved', 'record.unchanged', 'programs.created', 'programs.saved', 'disbursements.requested',
    'disbursements.approved', 'disbursements.paid', 'disbursements.cancelled', 'disbursements.rejected', 'error.network', 'room.loading'];
  return Object.fromEntries(keys.map((key) => [key, CATALOGUES[locale][key]]));
}
