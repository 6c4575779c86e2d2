// Amounts in words, as a receipt prints them beside the figures: Indonesian "terbilang" and English. The
// integer words come from to-words (maintained, BigInt-exact up to 10^63, an id-ID locale with the Indonesian
// forms "seratus", "seribu", "sebelas"); the currency's major and minor parts are converted separately as
// bigints, so an amount never becomes a float. A bigint column holds at most 9,223,372,036,854,775,807 minor units.
import { ToWords } from 'to-words';
import { currencyExponent } from '../money/index.ts';

const indonesian = new ToWords({ localeCode: 'id-ID' });
const english = new ToWords({ localeCode: 'en-US' });

/** Currency names for the words; others are written by their ISO code. */
const CURRENCY_NAMES: Readonly<Record<string, { id: [string, string]; en: [string, string, string, string] }>> = {
  // id: [major, minor]; en: [major singular, plural, minor singular, plural]
  IDR: { id: ['rupiah', 'sen'], en: ['rupiah', 'rupiah', 'sen', 'sen'] },
  USD: { id: ['dolar Amerika Serikat', 'sen'], en: ['US dollar', 'US dollars', 'cent', 'cents'] },
  EUR: { id: ['euro', 'sen'], en: ['euro', 'euros', 'cent', 'cents'] },
  GBP: { id: ['pound sterling', 'pence'], en: ['pound sterling', 'pounds sterling', 'penny', 'pence'] },
  SGD: { id: ['dolar Singapura', 'sen'], en: ['Singapore dollar', 'Singapore dollars', 'cent', 'cents'] },
  MYR: { id: ['ringgit', 'sen'], en: ['ringgit', 'ringgit', 'sen', 'sen'] },
  SAR: { id: ['riyal', 'halala'], en: ['riyal', 'riyals', 'halala', 'halalas'] },
};

/** The words of a whole number ≥ 0 in one language, in lower case as a sentence continues them. */
export function integerWords(value: bigint, language: 'id' | 'en'): string {
  if (value < 0n) throw new RangeError('integerWords takes a number ≥ 0');
  const words = (language === 'id' ? indonesian : english).convert(value);
  return words.toLowerCase().replace(/\s+/g, ' ').trim();
}

function split(minor: bigint, currency: string): [bigint, bigint] {
  const scale = 10n ** BigInt(currencyExponent(currency));
  return [minor / scale, minor % scale];
}

/** "seratus lima puluh ribu rupiah", "dua dolar Amerika Serikat lima puluh sen". */
export function amountWordsIndonesian(minor: bigint, currency: string): string {
  const [major, fraction] = split(minor, currency);
  const names = CURRENCY_NAMES[currency]?.id ?? [currency, 'sen'];
  const text = `${integerWords(major, 'id')} ${names[0]}`;
  return fraction === 0n ? text : `${text} ${integerWords(fraction, 'id')} ${names[1]}`;
}

/** "one hundred fifty thousand rupiah", "two US dollars and fifty cents". */
export function amountWordsEnglish(minor: bigint, currency: string): string {
  const [major, fraction] = split(minor, currency);
  const names = CURRENCY_NAMES[currency]?.en ?? [currency, currency, 'minor unit', 'minor units'];
  const text = `${integerWords(major, 'en')} ${major === 1n ? names[0] : names[1]}`;
  return fraction === 0n ? text : `${text} and ${integerWords(fraction, 'en')} ${fraction === 1n ? names[2] : names[3]}`;
}
