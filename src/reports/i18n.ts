// The reports' words in Indonesian and English, in the console's style (src/console/i18n.ts): one English
// catalogue that names the keys, an Indonesian one of the same type, so a missing word fails the type check.
import type { Locale } from '../console/i18n.ts';

const en = {
  'reports.title': 'Reports', 'reports.period': 'Period {from} to {to} (to exclusive, UTC)', 'reports.at': 'At {at}',
  'reports.csv': 'CSV', 'reports.json': 'JSON', 'reports.switch': 'Bahasa Indonesia', 'reports.none': 'Nothing was posted.',
  'reports.loading': 'Loading the report…', 'reports.signedOut': 'Sign in to the console first: the report is shown to staff only.', 'reports.signIn': 'Sign in',
  'changes.heading': 'Statement of changes in funds (laporan perubahan dana, PSAK 109)',
  'position.heading': 'Statement of financial position (neraca)', 'trial.heading': 'Trial balance (neraca saldo)',
  'baznas.heading': 'Report to BAZNAS: {period}', 'baznas.h1': 'January to June {year}', 'baznas.annual': 'the year {year}',
  'row.opening': 'Opening balance', 'row.receipts': 'Receipts', 'row.receipts.api': 'Receipts: API and gateways',
  'row.receipts.import': 'Receipts: imports', 'row.receipts.manual': 'Receipts: manual',
  'row.amil_share_in': 'Amil share in', 'row.amil_share_out': 'Amil share out', 'row.refunds': 'Refunds',
  'row.distributions': 'Distributions (tasharruf)', 'row.corrections': 'Corrections (reversing entries)', 'row.other': 'Other',
  'row.closing': 'Closing balance', 'col.item': 'Item', 'col.amount': 'Amount', 'col.account': 'Account', 'col.debit': 'Debit',
  'col.credit': 'Credit', 'col.balance': 'Balance', 'col.asnaf': 'Asnaf', 'col.program': 'Program', 'col.fund': 'Fund',
  'row.total': 'Total', 'position.assets': 'Assets (clearing and cash)', 'position.funds': 'Liabilities and fund balances',
  'dist.byAsnaf': 'Distributions by asnaf', 'dist.byProgram': 'Distributions by program',
  'baznas.collection': 'Collection by fund (net of refunds)', 'baznas.muzaki': 'Muzaki (zakat payers)', 'baznas.mustahik': 'Mustahik (recipients)',
  'fund.zakat': 'Zakat', 'fund.infak_sedekah': 'Infak/sedekah', 'fund.amil': 'Amil', 'fund.non_halal': 'Non-halal',
  'fund.waqf': 'Waqf (wakaf)', 'fund.dskl': 'Other religious social funds (DSKL)',
  'asnaf.fakir': 'Fakir (the destitute)', 'asnaf.miskin': 'Miskin (the poor)', 'asnaf.amil': 'Amil (the collectors)',
  'asnaf.muallaf': 'Muallaf (new Muslims)', 'asnaf.riqab': 'Riqab (freeing captives)', 'asnaf.gharimin': 'Gharimin (the indebted)',
  'asnaf.fisabilillah': 'Fisabilillah (in God\'s cause)', 'asnaf.ibnu_sabil': 'Ibnu sabil (stranded travellers)', 'asnaf.none': 'Not as zakat (social use)',
} as const;

export type ReportKey = keyof typeof en;

const id: Readonly<Record<ReportKey, string>> = {
  'reports.title': 'Laporan', 'reports.period': 'Periode {from} sampai {to} (tanpa {to}, UTC)', 'reports.at': 'Per {at}',
  'reports.csv': 'CSV', 'reports.json': 'JSON', 'reports.switch': 'English', 'reports.none': 'Tidak ada yang dibukukan.',
  'reports.loading': 'Memuat laporan…', 'reports.signedOut': 'Masuk ke konsol dahulu: laporan hanya ditampilkan untuk staf.', 'reports.signIn': 'Masuk',
  'changes.heading': 'Laporan perubahan dana (PSAK 109)',
  'position.heading': 'Laporan posisi keuangan (neraca)', 'trial.heading': 'Neraca saldo',
  'baznas.heading': 'Laporan kepada BAZNAS: {period}', 'baznas.h1': 'Januari sampai Juni {year}', 'baznas.annual': 'tahun {year}',
  'row.opening': 'Saldo awal', 'row.receipts': 'Penerimaan', 'row.receipts.api': 'Penerimaan: API dan gerbang pembayaran',
  'row.receipts.import': 'Penerimaan: impor', 'row.receipts.manual': 'Penerimaan: manual',
  'row.amil_share_in': 'Bagian amil masuk', 'row.amil_share_out': 'Bagian amil keluar', 'row.refunds': 'Pengembalian dana',
  'row.distributions': 'Penyaluran (tasharruf)', 'row.corrections': 'Koreksi (jurnal pembalik)', 'row.other': 'Lainnya',
  'row.closing': 'Saldo akhir', 'col.item': 'Pos', 'col.amount': 'Jumlah', 'col.account': 'Akun', 'col.debit': 'Debit',
  'col.credit': 'Kredit', 'col.balance': 'Saldo', 'col.asnaf': 'Asnaf', 'col.program': 'Program', 'col.fund': 'Dana',
  'row.total': 'Jumlah', 'position.assets': 'Aset (kliring dan kas)', 'position.funds': 'Liabilitas dan saldo dana',
  'dist.byAsnaf': 'Penyaluran menurut asnaf', 'dist.byProgram': 'Penyaluran menurut program',
  'baznas.collection': 'Penghimpunan menurut dana (setelah pengembalian)', 'baznas.muzaki': 'Muzaki', 'baznas.mustahik': 'Mustahik',
  'fund.zakat': 'Zakat', 'fund.infak_sedekah': 'Infak/sedekah', 'fund.amil': 'Amil', 'fund.non_halal': 'Nonhalal',
  'fund.waqf': 'Wakaf', 'fund.dskl': 'Dana sosial keagamaan lainnya (DSKL)',
  'asnaf.fakir': 'Fakir', 'asnaf.miskin': 'Miskin', 'asnaf.amil': 'Amil', 'asnaf.muallaf': 'Muallaf', 'asnaf.riqab': 'Riqab',
  'asnaf.gharimin': 'Gharimin', 'asnaf.fisabilillah': 'Fisabilillah', 'asnaf.ibnu_sabil': 'Ibnu sabil', 'asnaf.none': 'Bukan sebagai zakat (sosial)',
};

const CATALOGUES: Record<Locale, Readonly<Record<ReportKey, string>>> = { en, id };

export function reportText(locale: Locale, key: ReportKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[locale][key].replace(/\{([a-z]+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
