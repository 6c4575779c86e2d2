// Idempotency keys for imported rows: the same row of the same file, imported again (a retry, a resumed run
// after kill -9, the same file uploaded twice), gets the same key, and the donations table's unique key turns
// the second insert into "duplicate skipped".
//
// With a key column (`--key-column`, e.g. a bank transaction id) the key is that value, scoped to the
// campaign: `import:<campaign id>:key:<value>`. Without one, the key is the row's position and content:
// `import:<campaign id>:<ordinal>:<first 128 bits of SHA-256 of the row's fields>`, base64url.
//
// Why not a hash of the whole file as its identity: it is only known after the last byte, and the import must
// write rows while it reads (streaming, and stdin or an upload cannot be read twice). A hash of the first N KiB
// plus the size is streamable for files but not for stdin (no size), and it gives a file that grew by
// appended rows (tomorrow's export of the same account) a new identity, so every old row would be imported a
// second time: silently doubled money. Position plus content behaves better on that common case: the grown
// file re-imports only its new rows. The trade-offs, stated so users can choose `--key-column` instead:
// - A file whose rows were reordered, or had a row inserted or deleted in the middle, shifts the positions
//   of the rows after that point, and those rows import again (they are counted as imported, not skipped).
// - A row edited after a first import (a corrected amount) is a new row; the old one stays until refunded.
// - Two different files in one campaign with the same field values at the same position (e.g. two files
//   with no date or reference column, both starting "Anonymous,10") collide: the second row is counted as a
//   duplicate. Rows with a timestamp or a reference make that practically impossible.
// The campaign is part of the key so that one file imported into two campaigns makes donations in both.
import { hash } from 'node:crypto';
import type { SourceRecord } from './parse.ts';

const KEY_PREFIX = 'import';
/** Bytes of the content hash kept in a key: 128 bits, so two rows at one position never collide by chance. */
const KEY_HASH_BYTES = 16;

/**
 * SHA-256 of what the record says, as 64 hex digits: the CSV fields (not the raw text, so CRLF and LF copies, or
 * another quoting style, agree), joined by U+0000, which a valid record cannot contain; or the JSON line.
 *
 * Hex, not a Buffer: a Buffer per row is an off-heap allocation each, and with a million of them the import's
 * worker spent 4.1 of its 13.7 s in the garbage collector (1M rows, 2026-11-25); the hex is what COPY sends.
 */
export function recordSha256Hex(record: SourceRecord): string {
  const content = record.cells === undefined ? record.raw : record.cells.join('\u0000');
  return hash('sha256', content, 'hex');
}

export function positionKey(campaignId: bigint, ordinal: number, sha256Hex: string): string {
  // Buffer.from of 16 bytes comes from Node's shared pool: no allocation of its own.
  const digest = Buffer.from(sha256Hex.slice(0, 2 * KEY_HASH_BYTES), 'hex').toString('base64url');
  return `${KEY_PREFIX}:${campaignId}:${ordinal}:${digest}`;
}

export function columnKey(campaignId: bigint, value: string): string {
  return `${KEY_PREFIX}:${campaignId}:key:${value}`;
}
