// The words of the /zakat page's wealth (zakat mal) and income (zakat penghasilan) calculators, their results,
// the pay form and the paid notice, in Indonesian and English. The Indonesian follows BAZNAS's wording (zakat
// mal, zakat penghasilan, nisab, haul, utang jatuh tempo). A pure module: the page (page.ts) fills in amounts
// already formatted for the locale, so every sentence here takes display text, never a number.
import type { Locale } from '../console/i18n.ts';
import type { NisabBasis, IncomePeriod } from './calculator.ts';

const en = {
  campaigns: 'Campaigns', apiDocs: 'API docs',
  wealthLegend: 'Zakat on wealth (zakat mal)', currency: 'Currency (ISO 4217)', nisabBasis: 'Nisab basis',
  goldPrice: 'Gold price per gram', silverPrice: 'Silver price per gram', silverPriceHint: 'needed for a silver nisab or silver held',
  cash: 'Cash and bank balances', goldGrams: 'Gold held (grams)', silverGrams: 'Silver held (grams)',
  investments: 'Investments and shares', businessInventory: 'Business inventory', receivables: 'Receivables expected to be paid',
  debtsDueNow: 'Debts due now', hawl: 'A lunar year (hawl) has passed since the wealth reached nisab', calculate: 'Calculate',
  incomeLegend: 'Zakat on income (zakat penghasilan, rupiah)', period: 'Period', income: 'Gross income of the period (IDR)',
  otherIncome: 'Other income of the period (IDR)', onDate: 'Calculation date', onDateHint: 'today in Jakarta when empty',
  breakdown: 'Breakdown', line: 'Line', amount: 'Amount', how: 'How', zakatable: 'Zakatable wealth', nisab: 'Nisab',
  zakatDue: 'Zakat due', incomeHeading: 'Income zakat',
  payLegend: 'Pay this zakat', campaign: 'Zakat campaign', donorName: 'Your name (optional)', donorEmail: 'Your email (optional)',
  pay: 'Pay zakat',
  note: 'Wealth: 2.5% of assets less debts due, when that reaches the nisab (85 g of gold, BAZNAS\'s convention, or 595 g of silver) and a lunar year has passed. Income: 2.5% of gross income when it reaches BAZNAS\'s nisab for the period, from the decree in effect on the date.',
  lines: {
    cash: 'Cash and bank balances', gold: 'Gold', silver: 'Silver', investments: 'Investments and shares',
    business_inventory: 'Business inventory', receivables: 'Receivables expected to be paid', debts_due: 'Debts due',
  } as Record<string, string>,
  basis: { gold: 'gold', silver: 'silver' } as Record<NisabBasis, string>,
  periods: { month: 'month', year: 'year' } as Record<IncomePeriod, string>,
  amountIn: (currency: string) => `Amount (${currency})`,
  nisabGrams: (grams: string, basis: NisabBasis) => `${grams} g of ${en.basis[basis]}`,
  rateHow: (rate: string) => `rate ${rate}, rounded half-up to the minor unit`,
  incomeOf: (period: IncomePeriod) => `Income of the ${period}`,
  nisabPer: (period: IncomePeriod) => `Nisab per ${period}`,
  table: (title: string, from: string, on: string, source: string) => `Nisab table: ${title}, in effect from ${from} (for ${on}). Source: ${source}`,
  noCampaign: (currency: string) => `No active zakat campaign takes ${currency}, so this zakat cannot be paid here.`,
  paid: (amount: string, campaign: string, id: string) => `Recorded: ${amount} to ${campaign}, donation ${id} (pending until the charity confirms the transfer).`,
  wealthBelow: (wealth: string, nisab: string) => `Zakatable wealth of ${wealth} is below the nisab of ${nisab}: no zakat is due.`,
  wealthNoHawl: (wealth: string, nisab: string) => `Zakatable wealth of ${wealth} reaches the nisab of ${nisab}, but a lunar year (hawl) has not passed: no zakat is due yet.`,
  wealthDue: (wealth: string, nisab: string, zakat: string) => `Zakatable wealth of ${wealth} reaches the nisab of ${nisab} and a lunar year has passed: zakat is 2.5% of it, ${zakat}, rounded half-up to the minor unit.`,
  incomeBelow: (income: string, period: IncomePeriod, nisab: string, table: string) => `Income of ${income} a ${period} is below the nisab of ${nisab} set by ${table}: no zakat is due.`,
  incomeDue: (income: string, period: IncomePeriod, nisab: string, table: string, zakat: string) => `Income of ${income} a ${period} reaches the nisab of ${nisab} set by ${table}: zakat is 2.5% of the gross income, ${zakat}.`,
};

export type ZakatPageText = typeof en;

const BASIS_ID: Record<NisabBasis, string> = { gold: 'emas', silver: 'perak' };
const PERIOD_ID: Record<IncomePeriod, string> = { month: 'bulan', year: 'tahun' };

const id: ZakatPageText = {
  campaigns: 'Kampanye', apiDocs: 'Dokumentasi API',
  wealthLegend: 'Zakat mal (zakat harta)', currency: 'Mata uang (ISO 4217)', nisabBasis: 'Dasar nisab',
  goldPrice: 'Harga emas per gram', silverPrice: 'Harga perak per gram', silverPriceHint: 'wajib diisi bila nisab perak atau memiliki perak',
  cash: 'Uang tunai, tabungan dan deposito', goldGrams: 'Emas yang dimiliki (gram)', silverGrams: 'Perak yang dimiliki (gram)',
  investments: 'Investasi dan saham', businessInventory: 'Persediaan barang dagangan', receivables: 'Piutang yang diperkirakan terbayar',
  debtsDueNow: 'Utang jatuh tempo saat ini', hawl: 'Sudah haul: harta telah mencapai nisab selama satu tahun hijriah', calculate: 'Hitung',
  incomeLegend: 'Zakat penghasilan (rupiah)', period: 'Periode', income: 'Penghasilan bruto dalam periode ini (IDR)',
  otherIncome: 'Pendapatan lain dalam periode ini (IDR)', onDate: 'Tanggal perhitungan', onDateHint: 'hari ini (WIB) bila kosong',
  breakdown: 'Rincian', line: 'Komponen', amount: 'Jumlah', how: 'Keterangan', zakatable: 'Harta wajib zakat', nisab: 'Nisab',
  zakatDue: 'Zakat yang wajib dibayar', incomeHeading: 'Zakat penghasilan',
  payLegend: 'Bayar zakat ini', campaign: 'Kampanye zakat', donorName: 'Nama Anda (opsional)', donorEmail: 'Email Anda (opsional)',
  pay: 'Bayar zakat',
  note: 'Zakat mal: 2,5% dari harta dikurangi utang jatuh tempo, bila jumlahnya mencapai nisab (85 g emas, ketentuan BAZNAS, atau 595 g perak) dan sudah haul (satu tahun hijriah). Zakat penghasilan: 2,5% dari penghasilan bruto bila mencapai nisab BAZNAS untuk periodenya, menurut keputusan yang berlaku pada tanggal perhitungan.',
  lines: {
    cash: 'Uang tunai, tabungan dan deposito', gold: 'Emas', silver: 'Perak', investments: 'Investasi dan saham',
    business_inventory: 'Persediaan barang dagangan', receivables: 'Piutang yang diperkirakan terbayar', debts_due: 'Utang jatuh tempo',
  },
  basis: BASIS_ID,
  periods: PERIOD_ID,
  amountIn: (currency) => `Jumlah (${currency})`,
  nisabGrams: (grams, basis) => `${grams} g ${BASIS_ID[basis]}`,
  rateHow: (rate) => `tarif ${rate}, dibulatkan setengah ke atas ke satuan terkecil`,
  incomeOf: (period) => `Penghasilan per ${PERIOD_ID[period]}`,
  nisabPer: (period) => `Nisab per ${PERIOD_ID[period]}`,
  table: (title, from, on, source) => `Tabel nisab: ${title}, berlaku sejak ${from} (untuk ${on}). Sumber: ${source}`,
  noCampaign: (currency) => `Belum ada kampanye zakat aktif yang menerima ${currency}, jadi zakat ini belum dapat dibayar di sini.`,
  paid: (amount, campaign, donation) => `Tercatat: ${amount} untuk ${campaign}, donasi ${donation} (menunggu sampai lembaga mengonfirmasi transfernya).`,
  wealthBelow: (wealth, nisab) => `Harta wajib zakat sebesar ${wealth} belum mencapai nisab ${nisab}: belum wajib zakat.`,
  wealthNoHawl: (wealth, nisab) => `Harta wajib zakat sebesar ${wealth} telah mencapai nisab ${nisab}, tetapi belum haul (belum genap satu tahun hijriah): zakat belum wajib.`,
  wealthDue: (wealth, nisab, zakat) => `Harta wajib zakat sebesar ${wealth} telah mencapai nisab ${nisab} dan sudah haul: zakatnya 2,5%, yaitu ${zakat}, dibulatkan setengah ke atas ke satuan terkecil.`,
  incomeBelow: (income, period, nisab, table) => `Penghasilan ${income} per ${PERIOD_ID[period]} belum mencapai nisab ${nisab} menurut ${table}: belum wajib zakat.`,
  incomeDue: (income, period, nisab, table, zakat) => `Penghasilan ${income} per ${PERIOD_ID[period]} telah mencapai nisab ${nisab} menurut ${table}: zakatnya 2,5% dari penghasilan bruto, yaitu ${zakat}.`,
};

const TEXT: Record<Locale, ZakatPageText> = { en, id };

export function zakatPageText(locale: Locale): ZakatPageText { return TEXT[locale]; }

