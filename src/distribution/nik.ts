// NIK (Nomor Induk Kependudukan), the 16-digit Indonesian identity number, as Dukcapil encodes it:
// PP KK CC DDMMYY SSSS — province, regency/city and district codes (Kemendagri region codes), the holder's
// birth date (day + 40 for women), and a serial from 0001. No check digit exists, so validation is structural:
// digits only, a province that exists, non-zero regency and district, a calendar date, a non-zero serial.
import { AppError } from '../errors.ts';

/**
 * Kemendagri province codes (Permendagri 72/2019 and its 2022 amendments for the new Papuan provinces: 93 Papua
 * Selatan, 94 Papua Tengah, 95 Papua Pegunungan, 96 Papua Barat Daya). A NIK keeps the code of the province that
 * issued it, so every code ever issued stays valid.
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '16', '17', '18', '19', '21',
  '31', '32', '33', '34', '35', '36',
  '51', '52', '53',
  '61', '62', '63', '64', '65',
  '71', '72', '73', '74', '75', '76',
  '81', '82',
  '91', '92', '93', '94', '95', '96',
]);

/** Women's NIKs add this to the birth day (Dukcapil's encoding): day 41–71. */
export const FEMALE_DAY_OFFSET = 40;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface NikParts {
  readonly province: string;
  readonly regency: string;
  readonly district: string;
  readonly birthDay: number;
  readonly birthMonth: number;
  /** Two digits: the century is not in a NIK. */
  readonly birthYear2: number;
  readonly sex: 'female' | 'male';
  readonly serial: string;
}

/** The reason a NIK is refused, or undefined when it is well formed. */
export function nikProblem(nik: string): string | undefined {
  if (!/^[0-9]{16}$/.test(nik)) return 'a NIK is 16 digits';
  if (!PROVINCE_CODES.has(nik.slice(0, 2))) return `${nik.slice(0, 2)} is not a province code`;
  if (nik.slice(2, 4) === '00') return 'the regency code (digits 3–4) cannot be 00';
  if (nik.slice(4, 6) === '00') return 'the district code (digits 5–6) cannot be 00';
  const encodedDay = Number(nik.slice(6, 8));
  const day = encodedDay > FEMALE_DAY_OFFSET ? encodedDay - FEMALE_DAY_OFFSET : encodedDay;
  const month = Number(nik.slice(8, 10));
  const year2 = Number(nik.slice(10, 12));
  if (month < 1 || month > 12) return `digits 9–10 (${nik.slice(8, 10)}) are not a birth month`;
  // February 29th needs a leap year: 00 is one whichever century (2000), and 04 … 96 are in both.
  const daysMax = month === 2 && year2 % 4 !== 0 ? 28 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysMax || (encodedDay > 31 && encodedDay <= FEMALE_DAY_OFFSET)) {
    return `digits 7–8 (${nik.slice(6, 8)}) are not a birth day of month ${month} (women add 40)`;
  }
  if (nik.slice(12) === '0000') return 'the serial (digits 13–16) cannot be 0000';
  return undefined;
}

/** A well-formed NIK's parts; refuses a malformed one with nik_invalid (the detail never repeats the number). */
export function parseNik(nik: string): NikParts {
  const problem = nikProblem(nik);
  if (problem !== undefined) throw new AppError('nik_invalid', `the NIK is not valid: ${problem}`, { field: 'nik' });
  const encodedDay = Number(nik.slice(6, 8));
  return {
    province: nik.slice(0, 2), regency: nik.slice(2, 4), district: nik.slice(4, 6),
    birthDay: encodedDay > FEMALE_DAY_OFFSET ? encodedDay - FEMALE_DAY_OFFSET : encodedDay,
    birthMonth: Number(nik.slice(8, 10)), birthYear2: Number(nik.slice(10, 12)),
    sex: encodedDay > FEMALE_DAY_OFFSET ? 'female' : 'male', serial: nik.slice(12),
  };
}

/** The NIK as lists show it: the district and birth date (digits 5–12) hidden, e.g. "3171••••••••0002". */
export function maskNik(nik: string): string {
  return `${nik.slice(0, 4)}${'•'.repeat(8)}${nik.slice(12)}`;
}
