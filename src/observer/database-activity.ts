// The observer's database panel, what LiveDashboard's users look for beside the heaviest statements: the
// queries running now and for how long, the locks that make one backend wait for another, and how much room
// each table and its indexes take. Read on each snapshot (every 10 s from the page), three catalogue queries.
//
// Query text is shown cut short and with its literals blanked: pg_stat_activity holds the text as the client
// sent it, and a statement sent with its values inline (psql, a migration, another tool) would carry a donor's
// name or email into the page. amanah's own statements send values as parameters ($1), and those are never read.
//
// PGlite is one backend inside this process: the observer's own query is the only one running, and it can
// neither hold nor wait for another backend's lock, so those two tables say so instead of showing themselves.
// Sizes work the same on both engines.
import type { Database } from '../db/database.ts';

/** At most this many rows per table: the longest-running queries, the waits, the largest tables and indexes. */
export const ACTIVITY_ROWS_MAX = 20;
/** Query text is cut to this many characters after its literals are blanked. */
export const QUERY_TEXT_CHARACTERS_MAX = 300;
/** How much of the text is read from PostgreSQL before blanking (a literal cut in half is blanked to the end). */
const QUERY_TEXT_READ_MAX = 4_000;

/** 'it''s' → '…', E'…' too; an unterminated literal (the text was cut) is blanked to its end. Numbers stay. */
export function redactQuery(text: string): string {
  const blanked = text.replace(/'(?:[^']|'')*('|$)/g, (_literal, close: string) => (close === "'" ? "'…'" : "'…"));
  // Dollar-quoted bodies ($$…$$, $tag$…$tag$) are literals too; $1 (a parameter placeholder) is not.
  const dollars = blanked.replace(/\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?\$\1\$/g, () => '$$…$$');
  const cut = dollars.length > QUERY_TEXT_CHARACTERS_MAX ? `${dollars.slice(0, QUERY_TEXT_CHARACTERS_MAX)}…` : dollars;
  return cut.replace(/\s+/g, ' ').trim();
}

export interface RunningQuery {
  readonly pid: number;
  readonly state: string;
  readonly application: string;
  readonly seconds: number;
  readonly transaction_seconds: number | null;
  readonly wait: string | null;
  readonly query: string;
}

export interface LockWait {
  readonly pid: number;
  readonly mode: string;
  readonly lock_type: string;
  readonly relation: string | null;
  readonly waiting_seconds: number;
  readonly blocked_by: number[];
  readonly query: string;
  readonly blocking_query: string;
}

export interface RelationSize {
  readonly name: string;
  readonly kind: 'table' | 'index';
  readonly table: string;
  readonly total_bytes: number;
  readonly table_bytes: number;
  readonly index_bytes: number;
  readonly rows_estimate: number;
}

export type Panel<Rows> =
  | { readonly available: true; readonly rows: readonly Rows[] }
  | { readonly available: false; readonly reason: string };

export interface DatabaseActivity {
  readonly engine: string;
  readonly running: Panel<RunningQuery>;
  readonly locks: Panel<LockWait>;
  readonly sizes: Panel<RelationSize>;
}

const ONE_BACKEND = 'PGlite is one backend inside this process: nothing else can run beside the observer or hold a lock it waits for';

async function panel<Rows>(read: () => Promise<readonly Rows[]>): Promise<Panel<Rows>> {
  try {
    return { available: true, rows: await read() };
  } catch (error) {
    // Typically a role without pg_read_all_stats: the panel says so, the snapshot still answers.
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function running(database: Database): Promise<RunningQuery[]> {
  const { rows } = await database.query<{ pid: number; state: string; application: string; seconds: number; transaction_seconds: number | null; wait: string | null; query: string }>(
    `select pid, state, application_name as application,
            extract(epoch from now() - query_start)::float8 as seconds,
            extract(epoch from now() - xact_start)::float8 as transaction_seconds,
            case when wait_event is null then null else wait_event_type || ': ' || wait_event end as wait,
            left(query, ${QUERY_TEXT_READ_MAX}) as query
       from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and backend_type = 'client backend' and state is distinct from 'idle'
      order by query_start nulls last
      limit ${ACTIVITY_ROWS_MAX}`,
  );
  return rows.map((row) => ({ ...row, query: redactQuery(row.query ?? '') }));
}

async function locks(database: Database): Promise<LockWait[]> {
  // One row per backend waiting for a lock it has not been granted, with the backends that block it
  // (pg_blocking_pids, which follows the wait queue as well as the holders).
  const { rows } = await database.query<{ pid: number; mode: string; lock_type: string; relation: string | null; waiting_seconds: number; blocked_by: number[]; query: string; blocking_query: string | null }>(
    `select waiting.pid, waiting.mode, waiting.locktype as lock_type, waiting.relation::regclass::text as relation,
            extract(epoch from now() - coalesce(waiting.waitstart, activity.query_start))::float8 as waiting_seconds,
            pg_blocking_pids(waiting.pid) as blocked_by,
            left(activity.query, ${QUERY_TEXT_READ_MAX}) as query,
            (select left(blocker.query, ${QUERY_TEXT_READ_MAX}) from pg_stat_activity blocker
              where blocker.pid = (pg_blocking_pids(waiting.pid))[1]) as blocking_query
       from pg_locks waiting
       join pg_stat_activity activity on activity.pid = waiting.pid
      where not waiting.granted and activity.datname = current_database()
      order by waiting_seconds desc nulls last
      limit ${ACTIVITY_ROWS_MAX}`,
  );
  return rows.map((row) => ({ ...row, query: redactQuery(row.query ?? ''), blocking_query: redactQuery(row.blocking_query ?? '') }));
}

async function sizes(database: Database): Promise<RelationSize[]> {
  // Tables with their indexes and TOAST (pg_total_relation_size), then each index on its own, largest first.
  const { rows } = await database.query<{ name: string; kind: 'table' | 'index'; table: string; total_bytes: string; table_bytes: string; index_bytes: string; rows_estimate: string }>(
    `select c.relname as name, case c.relkind when 'i' then 'index' else 'table' end as kind,
            coalesce(parent.relname, c.relname) as table,
            pg_total_relation_size(c.oid)::text as total_bytes,
            pg_relation_size(c.oid)::text as table_bytes,
            case when c.relkind = 'i' then '0' else pg_indexes_size(c.oid)::text end as index_bytes,
            greatest(c.reltuples, 0)::bigint::text as rows_estimate
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       left join pg_index i on i.indexrelid = c.oid
       left join pg_class parent on parent.oid = i.indrelid
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'm', 'i')
        -- The largest tables and the largest indexes, each up to the limit: indexes are seldom the largest.
        and c.oid in (select oid from (select c2.oid, row_number() over (partition by c2.relkind = 'i' order by pg_total_relation_size(c2.oid) desc) as rank
                                         from pg_class c2 join pg_namespace n2 on n2.oid = c2.relnamespace
                                        where n2.nspname = current_schema() and c2.relkind in ('r', 'p', 'm', 'i')) ranked
                       where rank <= ${ACTIVITY_ROWS_MAX})
      order by (c.relkind = 'i'), pg_total_relation_size(c.oid) desc, c.relname`,
  );
  return rows.map((row) => ({
    name: row.name, kind: row.kind, table: row.table, total_bytes: Number(row.total_bytes), table_bytes: Number(row.table_bytes),
    index_bytes: Number(row.index_bytes), rows_estimate: Number(row.rows_estimate),
  }));
}

export async function databaseActivity(database: Database): Promise<DatabaseActivity> {
  const onPglite = database.engine === 'pglite';
  const [runningPanel, locksPanel, sizesPanel] = await Promise.all([
    onPglite ? { available: false as const, reason: ONE_BACKEND } : panel(() => running(database)),
    onPglite ? { available: false as const, reason: ONE_BACKEND } : panel(() => locks(database)),
    panel(() => sizes(database)),
  ]);
  return { engine: database.engine, running: runningPanel, locks: locksPanel, sizes: sizesPanel };
}
