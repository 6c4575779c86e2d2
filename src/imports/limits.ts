// The import's limits and defaults, in a module of their own: `amanah import` checks its flags against them in
// the main thread without loading the pipeline, which runs in the worker thread (worker.ts).

/** Rows per batch, at most; 20,000 GDQ-sized rows are ~3.5 MB of COPY text. */
export const IMPORT_BATCH_ROWS_MAX = 20_000;
/**
 * Rows per batch unless told otherwise. 2,000 measured 16-18% slower than 5,000; 10,000 measured 7% slower in
 * one run and 4% faster in the next (writer.ts's header), and holds twice the rows in memory.
 */
export const IMPORT_BATCH_ROWS_DEFAULT = 5_000;
/** Batches written at once on PostgreSQL (one connection each); measured in writer.ts's header. */
export const IMPORT_WRITERS_DEFAULT = 2;
export const IMPORT_WRITERS_MAX = 8;

/** How batches reach PostgreSQL (writer.ts); PGlite always uses unnest. */
export type WriteMethod = 'copy' | 'staging' | 'unnest';

/** The fastest path on PostgreSQL, by the measurement in writer.ts's header. */
export const IMPORT_WRITE_METHOD_DEFAULT: WriteMethod = 'copy';
