// Migrations with umzug, one file per migration under app/db/migrations.
//
// What MUST hold:
// - Each migration and the row that records it commit in one transaction:
//   a failure leaves neither half-applied schema nor a false record.
// - Two `db upgrade` runs at once are safe: a session advisory lock (per
//   schema) serialises them; the second finds nothing pending.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type pg from 'pg';
import { Umzug, type UmzugStorage } from 'umzug';
import { rawClient, type Database } from '#app/db/connection';

export interface MigrationContext {
  client: pg.Client;
  schema: string;
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
}

interface MigrationModule {
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const TABLE = 'orbis_migrations';

function migrationFiles(): { name: string; file: string }[] {
  const ext = /\.(ts|js)$/;
  return fs
    .readdirSync(migrationsDir)
    .filter((f) => ext.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => ({ name: f.replace(ext, ''), file: path.join(migrationsDir, f) }));
}

class ClientStorage implements UmzugStorage<MigrationContext> {
  constructor(private readonly client: pg.Client) {}
  async logMigration({ name }: { name: string }) {
    await this.client.query(`insert into ${TABLE} (name) values ($1)`, [name]);
  }
  async unlogMigration({ name }: { name: string }) {
    await this.client.query(`delete from ${TABLE} where name = $1`, [name]);
  }
  async executed() {
    const r = await this.client.query<{ name: string }>(`select name from ${TABLE} order by name`);
    return r.rows.map((row) => row.name);
  }
}

export interface Migrator {
  status(): Promise<{ executed: string[]; pending: string[] }>;
  /** Applies every pending migration; returns the names applied. */
  upgrade(onApplied?: (name: string) => void): Promise<string[]>;
  /** Reverts the last `steps` migrations (all with Infinity); returns the names reverted. */
  downgrade(steps: number, onReverted?: (name: string) => void): Promise<string[]>;
  close(): Promise<void>;
}

export async function createMigrator(db: Pick<Database, 'url' | 'schema'>): Promise<Migrator> {
  const client = rawClient(db);
  await client.connect();
  const schema = db.schema;
  const ctx: MigrationContext = { client, schema, sql: (text, params) => client.query(text, params as unknown[]) };
  const umzug = new Umzug<MigrationContext>({
    migrations: migrationFiles().map(({ name, file }) => ({
      name,
      up: async ({ context }) => ((await import(pathToFileURL(file).href)) as MigrationModule).up(context),
      down: async ({ context }) => ((await import(pathToFileURL(file).href)) as MigrationModule).down(context),
    })),
    context: ctx,
    storage: new ClientStorage(client),
    logger: undefined,
  });

  const lockKey = `orbis-migrate:${schema}`;
  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    await client.query('select pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      await client.query(`create schema if not exists "${schema}"`);
      await client.query(`create table if not exists ${TABLE} (name text primary key, applied_at timestamptz not null default now())`);
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  }

  // One migration per transaction, its record included.
  async function step(run: () => Promise<{ name: string }[]>): Promise<string | null> {
    await client.query('begin');
    try {
      const done = await run();
      await client.query('commit');
      return done[0]?.name ?? null;
    } catch (err) {
      await client.query('rollback');
      throw err;
    }
  }

  return {
    async status() {
      return locked(async () => ({
        executed: (await umzug.executed()).map((m) => m.name),
        pending: (await umzug.pending()).map((m) => m.name),
      }));
    },
    async upgrade(onApplied) {
      return locked(async () => {
        const applied: string[] = [];
        for (;;) {
          const name = await step(() => umzug.up({ step: 1 }));
          if (!name) return applied;
          applied.push(name);
          onApplied?.(name);
        }
      });
    },
    async downgrade(steps, onReverted) {
      return locked(async () => {
        const reverted: string[] = [];
        while (reverted.length < steps) {
          const name = await step(() => umzug.down({ step: 1 }));
          if (!name) break;
          reverted.push(name);
          onReverted?.(name);
        }
        return reverted;
      });
    },
    async close() {
      await client.end();
    },
  };
}
