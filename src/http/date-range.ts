// A [from, to) range of donated_at as people write it in a query string or a flag: a date alone means its
// midnight in UTC, otherwise an RFC 3339 timestamp (src/text/timestamp.ts: a day that does not exist is
// refused, not moved). Used by exports and analytics.
import { AppError } from '../errors.ts';
import { parseRfc3339 } from '../text/timestamp.ts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function parseBound(text: string, field: 'from' | 'to'): Date {
  const date = parseRfc3339(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (typeof date === 'string') {
    throw new AppError('validation_failed', `${field} must be a date (2025-03-01, midnight UTC) or an RFC 3339 timestamp (2025-03-01T18:00:00+07:00): "${text.slice(0, 40)}" ${date}`, { field });
  }
  return date;
}

export interface DateRange {
  /** Inclusive. */
  from: Date | undefined;
  /** Exclusive. */
  to: Date | undefined;
}

/** Parses and checks a range; either end may be absent. */
export function parseDateRange(from: string | undefined, to: string | undefined): DateRange {
  const range: DateRange = {
    from: from === undefined ? undefined : parseBound(from, 'from'),
    to: to === undefined ? undefined : parseBound(to, 'to'),
  };
  if (range.from && range.to && range.from >= range.to) {
    throw new AppError('validation_failed', 'from must be before to (from is inclusive, to exclusive)', { field: 'to' });
  }
  return range;
}
