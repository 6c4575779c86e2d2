// Numbered plain-SQL migrations from ./migrations, applied in order inside one transaction that first takes a
// transaction-scoped advisory lock: when several processes start at once, one applies and the others wait,
// then find nothing left to do.
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary but fixed: the advisory lock key every amanah process uses for migrations. */
const MIGRATION_LOCK_KEY = 727_001;

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export function readMigrations(directory = MIGRATIONS_DIRECTORY): Migration[] {
  return readdirSync(directory)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(directory + file, 'utf8') }));
}

/** A fingerprint of every migration's text: test databases built from a template are rebuilt when it changes. */
export function migrationsFingerprint(migrations = readMigrations()): string {
  const hash = createHash('sha256');
  for (const migration of migrations) hash.update(migration.name).update(migration.sql);
  return hash.digest('hex').slice(0, 16);
}

/** Applies pending migrations; returns the names applied (empty when the schema was current). */
export async function migrate(database: Database, migrations = readMigrations()): Promise<string[]> {
  return database.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const { rows } = await tx.query<{ version: number }>('select version from schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const names: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.execute(migration.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      names.push(migration.name);
    }
    return names;
  });
}
