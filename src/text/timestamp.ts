// Timestamps as amanah accepts them: RFC 3339 (section 5.6) exactly, a date that exists, within a named range.
// JavaScript's Date parser is lenient in the ways that matter for money records: it moves 2026-02-30 to
// March 2 and T24:00 to the next day, and takes years 0000 and 9999 (year 0000 is not a PostgreSQL date at all,
// so it failed the whole statement). Every field is checked here before a Date is built.

/** The earliest instant any timestamp input may name: the Unix epoch. */
export const TIMESTAMP_MIN = new Date('1970-01-01T00:00:00Z');
/** The latest instant any timestamp input may name (a campaign's end, a report's upper bound). */
export const TIMESTAMP_MAX = new Date('2100-12-31T23:59:59.999Z');
/** The earliest donated_at: amanah keeps records of digital giving; an older date is a typo, not a gift. */
export const DONATED_AT_MIN = new Date('2000-01-01T00:00:00Z');
/** A donation dated further ahead than this is a wrong date, not clock skew or a time zone; 24 hours. */
export const DONATED_AT_FUTURE_SKEW_MS_MAX = 24 * 60 * 60 * 1000;

// date-time = full-date "T" full-time; time-secfrac and time-offset as in RFC 3339. "T" and "Z" may be lower
// case (RFC 3339 5.6, note); seconds are required; a leap second (:60) is refused because no Date holds one.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Why `text` is not an RFC 3339 timestamp in [TIMESTAMP_MIN, TIMESTAMP_MAX], or the instant it names. */
export function parseRfc3339(text: string): Date | string {
  const match = RFC3339.exec(text);
  if (!match) return 'is not an RFC 3339 timestamp with seconds and an offset, e.g. 2026-03-20T19:30:00+07:00';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) return `has month ${match[2]}, which does not exist`;
  if (day < 1 || day > daysInMonth(year, month)) return `names ${match[1]}-${match[2]}-${match[3]}, a day that does not exist`;
  if (hour > 23 || minute > 59 || second > 59) return `has time ${match[4]}:${match[5]}:${match[6]}, which does not exist (hours 00-23, minutes and seconds 00-59)`;
  const offsetHours = match[10] === undefined ? 0 : Number(match[10]);
  const offsetMinutes = match[11] === undefined ? 0 : Number(match[11]);
  if (offsetHours > 23 || offsetMinutes > 59) return `has offset ${match[9]}${match[10]}:${match[11]}, which does not exist`;
  const fractionMs = match[7] === undefined ? 0 : Math.trunc(Number(`0${match[7]}`) * 1000);
  const offsetMs = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second, fractionMs) - offsetMs);
  // Date.UTC maps years 0-99 onto 1900-1999; the range check below refuses them anyway, but never build one.
  if (year < 1000 || instant < TIMESTAMP_MIN || instant > TIMESTAMP_MAX) {
    return `is outside ${TIMESTAMP_MIN.toISOString()} to ${TIMESTAMP_MAX.toISOString()}`;
  }
  return instant;
}

/** Why `text` is not an acceptable donated_at at `now`, or the instant it names. */
export function parseDonatedAt(text: string, now: Date): Date | string {
  const instant = parseRfc3339(text);
  if (typeof instant === 'string') return instant;
  return donatedAtProblem(instant, now) ?? instant;
}

/** Why an instant is not an acceptable donated_at: before DONATED_AT_MIN or beyond now plus the skew. */
export function donatedAtProblem(instant: Date, now: Date): string | undefined {
  if (instant < DONATED_AT_MIN) return `is before ${DONATED_AT_MIN.toISOString()}, the earliest donated_at accepted`;
  if (instant.getTime() > now.getTime() + DONATED_AT_FUTURE_SKEW_MS_MAX) return `is more than 24 hours in the future`;
  return undefined;
}
