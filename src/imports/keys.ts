// Idempotency keys for imported rows: the same row of the same file, imported again (a retry, a resumed run
// after kill -9, the same file uploaded twice), gets the same key, and the donations table's unique key turns
// the second insert into "duplicate skipped".
//
// With a key column (`--key-column`, e.g. a bank transaction id) the key is that value, scoped to the
// campaign: `import:<campaign id>:key:<value>`. Without one, the key is the row's content and its occurrence
// among identical rows of the same file: `import:<campaign id>:row:<first 128 bits of SHA-256 of the row's
// fields, base64url>:<n>`, where n counts 1, 2, 3 … over rows with the same content, in file order.
//
// Why content and occurrence, not position: the most common second file is tomorrow's export of the same account,
// which gained rows at the top (newest first) or the bottom, or came sorted another way. A key that held the row's
// line (the format before migration 0009, `import:<campaign>:<ordinal>:<digest>`) shifted with every row added
// above, so a re-import counted every old row twice. By content, a row keeps its key wherever it moves:
// reordering, prepending or appending rows never duplicates a donation, while a row that truly appears twice
// (two gifts of 10 from "Anonymous" at the same minute) is two donations, occurrences 1 and 2. Migration 0009
// rewrites keys stored in the old format into this one, numbering identical rows of a campaign in their old order,
// so files imported before it are still recognised.
//
// Why not a hash of the whole file as its identity: it is only known after the last byte, and the import must
// write rows while it reads (streaming, and stdin or an upload cannot be read twice); and tomorrow's grown export
// would be a new file, every old row imported a second time: silently doubled money. The trade-offs left, stated
// so users can choose `--key-column` instead:
// - A row edited after a first import (a corrected amount) is a new row; the old one stays until refunded.
// - A file with k copies of a row after one with more copies imports none of them (its k are already there);
//   one with more imports only the extra copies.
// - Two different files in one campaign with identical rows (e.g. two files with no date or reference column,
//   both holding "Anonymous,10") are the same rows: the second file's are counted as duplicates. Rows with a
//   timestamp or a reference make that practically impossible.
// The campaign is part of the key so that one file imported into two campaigns makes donations in both.
//
// Counting occurrences needs to remember every row's content for the whole file, and rows must not be looked up
// in the database one by one (the import runs at 0.86 of raw COPY). OccurrenceCounter keeps a 64-bit fingerprint
// per distinct row in an open-addressed table of typed arrays, 8 bytes a slot at most 3/4 full: 16 MiB for 1M
// rows, 128 MiB for 10M, off the JS heap and free of garbage-collector work; only rows seen again go in a Map with
// their count. Two distinct rows share a 64-bit fingerprint with probability about n^2/2^65 (3e-6 for a 10M-row
// file); the cost then is one row keyed as a second occurrence.
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

/** Slots of the fingerprint table at most: 2^25 slots (256 MiB), enough for 25M distinct rows at 3/4 full. */
export const OCCURRENCE_SLOTS_MAX = 2 ** 25;
const OCCURRENCE_SLOTS_INITIAL = 2 ** 16;

/** Raised when a file has more distinct rows than OCCURRENCE_SLOTS_MAX allows; the message says what to do. */
export class OccurrenceLimitError extends Error {
  constructor() {
    super(`the file has more than ${(OCCURRENCE_SLOTS_MAX * 3) / 4} distinct rows without a key column: import it with --key-column, or in parts`);
    this.name = 'OccurrenceLimitError';
  }
}

/** Counts, for each row content, how often it has been seen so far in one file: 1 the first time, then 2, 3 … */
export class OccurrenceCounter {
  #slots = new Uint32Array(OCCURRENCE_SLOTS_INITIAL * 2);
  #used = 0;
  /** Counts of the contents seen more than once, by digest: repeats are rare, so this stays small. */
  readonly #repeats = new Map<string, number>();

  /** The occurrence of this content, counting this one. */
  next(sha256Hex: string): number {
    const high = Number.parseInt(sha256Hex.slice(0, 8), 16);
    // Odd, so that no fingerprint is the empty slot (0, 0).
    const low = (Number.parseInt(sha256Hex.slice(8, 16), 16) | 1) >>> 0;
    if (this.#insert(high, low)) return 1;
    const digest = sha256Hex.slice(0, 2 * KEY_HASH_BYTES);
    const occurrence = (this.#repeats.get(digest) ?? 1) + 1;
    this.#repeats.set(digest, occurrence);
    return occurrence;
  }

  /** Adds the fingerprint; false if it was there already. */
  #insert(high: number, low: number): boolean {
    const slots = this.#slots;
    const mask = slots.length / 2 - 1;
    // The fingerprint is already uniform (SHA-256): the low bits of its high word are the home slot.
    for (let slot = high & mask; ; slot = (slot + 1) & mask) {
      const at = slot * 2;
      if (slots[at + 1] === 0) {
        slots[at] = high;
        slots[at + 1] = low;
        this.#used += 1;
        if (this.#used * 4 > (mask + 1) * 3) this.#grow();
        return true;
      }
      if (slots[at] === high && slots[at + 1] === low) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const count = old.length; // twice the slots: the new table's slots
    if (count > OCCURRENCE_SLOTS_MAX) throw new OccurrenceLimitError();
    this.#slots = new Uint32Array(count * 2);
    this.#used = 0;
    for (let at = 0; at < old.length; at += 2) {
      if (old[at + 1] !== 0) this.#insert(old[at]!, old[at + 1]!);
    }
  }
}

/** The key of a row without a key column: its content and its occurrence among identical rows of the file. */
export function contentKey(campaignId: bigint, sha256Hex: string, occurrence: number): string {
  // Buffer.from of 16 bytes comes from Node's shared pool: no allocation of its own.
  const digest = Buffer.from(sha256Hex.slice(0, 2 * KEY_HASH_BYTES), 'hex').toString('base64url');
  return `${KEY_PREFIX}:${campaignId}:row:${digest}:${occurrence}`;
}

/**
 * The key format before migration 0009 (position and content), which that migration rewrites; kept so that a
 * test can write what an older amanah wrote and prove those rows are still recognised.
 */
export function legacyPositionKey(campaignId: bigint, ordinal: number, sha256Hex: string): string {
  const digest = Buffer.from(sha256Hex.slice(0, 2 * KEY_HASH_BYTES), 'hex').toString('base64url');
  return `${KEY_PREFIX}:${campaignId}:${ordinal}:${digest}`;
}

export function columnKey(campaignId: bigint, value: string): string {
  return `${KEY_PREFIX}:${campaignId}:key:${value}`;
}
