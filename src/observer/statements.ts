// PostgreSQL's heaviest statements, from pg_stat_statements when the extension is installed in this database
// and loaded by the server (shared_preload_libraries). amanah never requires it: without it, or on PGlite,
// the observer says why the table is empty.
import type { Queryable } from '../db/database.ts';

/** The observer lists this many statements, heaviest total execution time first. */
export const STATEMENTS_SHOWN_MAX = 10;
/** Statement text is cut to this many characters: a 10,000-row VALUES list is not worth shipping. */
const STATEMENT_TEXT_CHARACTERS_MAX = 400;

export interface StatementRow {
  readonly query: string;
  readonly calls: string;
  readonly rows: string;
  readonly totalMs: number;
  readonly meanMs: number;
}

export type Statements =
  | { readonly available: true; readonly statements: readonly StatementRow[] }
  | { readonly available: false; readonly reason: string };

export async function heaviestStatements(database: Queryable): Promise<Statements> {
  const { rows: installed } = await database.query<{ extversion: string }>(
    "select extversion from pg_extension where extname = 'pg_stat_statements'",
  );
  if (installed.length === 0) {
    return { available: false, reason: 'the pg_stat_statements extension is not installed in this database' };
  }
  try {
    // Columns as of pg_stat_statements 1.8 (PostgreSQL 13+); calls and rows are bigint and leave as strings.
    const { rows } = await database.query<{ query: string; calls: bigint; rows: bigint; total_ms: number; mean_ms: number }>(
      `select left(query, ${STATEMENT_TEXT_CHARACTERS_MAX}) as query, calls, rows,
              total_exec_time as total_ms, mean_exec_time as mean_ms
         from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
        order by total_exec_time desc
        limit ${STATEMENTS_SHOWN_MAX}`,
    );
    return {
      available: true,
      statements: rows.map((row) => ({ query: row.query, calls: String(row.calls), rows: String(row.rows), totalMs: row.total_ms, meanMs: row.mean_ms })),
    };
  } catch (error) {
    // Typically "pg_stat_statements must be loaded via shared_preload_libraries".
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
