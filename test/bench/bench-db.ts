// Databases of their own for the benchmarks, next to the one DATABASE_URL
// names: a fresh one per run (dropped first if a previous run left it),
// migrated unless asked not to, dropped at the end.
import { createMigrator } from '#app/db/migrate';
import { adminStatement, withDatabase } from '#test/support/pg-admin';

/** DATABASE_URL with another database name. */
export function benchDbUrl(name: string): string {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)');
  return withDatabase(base, name);
}

/** One statement on the server's `postgres` database (create, drop). */
function benchAdmin(sql: string): Promise<void> {
  return adminStatement(benchDbUrl('postgres'), sql);
}

/** A fresh database `name`, migrated (unless `migrated: false`); returns its URL. */
export async function createBenchDatabase(name: string, options: { migrated?: boolean } = {}): Promise<string> {
  await dropBenchDatabase(name);
  await benchAdmin(`create database ${name}`);
  const url = benchDbUrl(name);
  if (options.migrated !== false) {
    const migrator = await createMigrator({ url, schema: 'public' });
    await migrator.upgrade();
    await migrator.close();
  }
  return url;
}

export function dropBenchDatabase(name: string): Promise<void> {
  return benchAdmin(`drop database if exists ${name} with (force)`);
}
