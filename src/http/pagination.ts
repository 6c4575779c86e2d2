// One way to page a list: `limit`, `cursor` (the `next_cursor` of the previous page, opaque to clients) and an
// answer with `next_cursor` and `has_more`. A page is read as limit + 1 rows, so `has_more` is exact without a
// count. The parameters lists had before (`after`, `before`) still work, documented as deprecated: clients
// written against them keep their place.

export const CURSOR_DESCRIPTION = 'The next_cursor of the previous page; omit it for the first page';

/** A query property for the cursor: the same text a page answered as next_cursor. */
export function cursorParameter(pattern: string) {
  return { type: 'string', pattern, description: CURSOR_DESCRIPTION } as const;
}

/** A list's old cursor parameter, kept working; `cursor` wins when both are sent. */
export function deprecatedCursorParameter(pattern: string) {
  return { type: 'string', pattern, deprecated: true, description: 'Deprecated: use cursor (same value)' } as const;
}

/** The answer's paging members, for a list's response schema. */
export const pageProperties = {
  next_cursor: { type: ['string', 'null'], description: 'Pass as cursor for the next page; null on the last page' },
  has_more: { type: 'boolean', description: 'Whether another page follows' },
} as const;

export interface Page<T> { rows: T[]; next_cursor: string | null; has_more: boolean }

/** A page from `limit + 1` rows read: the first `limit`, and the cursor of the last when one more was there. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { rows: page, next_cursor: hasMore && page.length > 0 ? cursorOf(page[page.length - 1]!) : null, has_more: hasMore };
}
