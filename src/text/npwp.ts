// NPWP (Nomor Pokok Wajib Pajak), the Indonesian taxpayer number a Bukti Setor Zakat carries (PER-6/PJ/2011):
// 15 digits in the old form, often written with dots and dashes (01.234.567.8-901.000), or 16 since 2024, when
// a person's NIK became their NPWP. Pure, so intake, checkout and the tax-ids correction share one rule.

/** The longest NPWP as people write it: 16 digits with separators (the 15-digit form is 20 characters). */
export const NPWP_TEXT_LENGTH_MAX = 24;

/** The NPWP's digits, or undefined when the text is not 15 or 16 digits once dots, dashes and spaces are removed. */
export function npwpDigits(text: string): string | undefined {
  const digits = text.replace(/[.\-\s]/g, '');
  return /^[0-9]{15,16}$/.test(digits) ? digits : undefined;
}
