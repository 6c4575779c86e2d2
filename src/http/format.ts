// Wire formats shared by every route: ids are strings, timestamps RFC 3339, amounts decimal strings.
import { AppError } from '../errors.ts';
import { parseRfc3339 } from '../text/timestamp.ts';

export function isoOrNull(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

/** Parses a strict RFC 3339 timestamp in amanah's range (src/text/timestamp.ts); undefined for anything else. */
export function parseTimestamp(text: string): Date | undefined {
  const instant = parseRfc3339(text);
  return typeof instant === 'string' ? undefined : instant;
}

export function isDatabaseId(text: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(text) && BigInt(text) <= 9223372036854775807n;
}

/**
 * A keyset cursor (`before`, `after`): an id as digits, within bigint. The schema only checks digits; a larger
 * number would fail the query's ::bigint cast, so it is refused here by name.
 */
export function parseCursor(text: string | undefined, field: string): bigint | undefined {
  if (text === undefined) return undefined;
  if (text === '0' || isDatabaseId(text)) return BigInt(text);
  throw new AppError('validation_failed', `${field} must be a next_cursor from an earlier page: digits up to 9223372036854775807`, { field });
}
