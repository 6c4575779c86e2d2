// Migrations: applied once, recorded, and safe when several processes migrate the same database at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/database.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openPostgres } from '../../src/db/postgres.ts';

test('a migrated database has every migration recorded and migrating again does nothing', async () => {
  // Proves idempotence: the second run applies nothing.
  const { database, drop } = await createTestDatabase();
  try {
    const { rows } = await database.query<{ name: string }>('select name from schema_migrations order by version');
    assert.deepEqual(rows.map((row) => row.name), readMigrations().map((migration) => migration.name));
    assert.deepEqual(await migrate(database), []);
  } finally {
    await drop();
  }
});

test('five connections migrating an empty database at once apply each migration exactly once', async (context) => {
  // Proves the advisory lock serialises concurrent migrators (PostgreSQL only: PGlite is one connection).
  const { database, url, config, drop } = await createTestDatabase();
  if (database.engine !== 'postgres' || url === undefined) {
    await drop();
    context.skip('PGlite has one connection; concurrent migration needs PostgreSQL');
    return;
  }
  try {
    await database.execute('drop schema public cascade; create schema public;');
    const migrators = await Promise.all(Array.from({ length: 5 }, () => openPostgres(url, config.database)));
    const applied = await Promise.all(migrators.map((migrator) => migrate(migrator)));
    await Promise.all(migrators.map((migrator) => migrator.close()));
    assert.equal(applied.flat().length, readMigrations().length);
    assert.equal(applied.filter((names) => names.length > 0).length, 1);
  } finally {
    await drop();
  }
});
