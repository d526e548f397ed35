// One database handle per process: Sequelize over pg, every connection in UTC
// with the installation's schema first on its search_path, so two
// installations can share one database (DATABASE_SCHEMA).
import pg from 'pg';
import { QueryTypes, Sequelize, type Transaction } from 'sequelize';
import type { Settings } from '#app/config';
import { startEmbedded, type EmbeddedServer } from '#app/db/embedded';
import type { Logger } from '#app/log';

// bigint (int8) ids and counts arrive as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

export interface Database {
  readonly sequelize: Sequelize;
  readonly url: string;
  readonly schema: string;
  /** Rows of a SELECT (or of a statement with RETURNING). */
  rows<T = Record<string, unknown>>(sql: string, bind?: unknown[], transaction?: Transaction | null): Promise<T[]>;
  /** Runs a statement; returns the number of rows it touched. */
  exec(sql: string, bind?: unknown[], transaction?: Transaction | null): Promise<number>;
  transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function connectionOptions(schema: string): string {
  return `-c search_path=${schema} -c TimeZone=UTC`;
}

/** A fresh pg client on the same database (migrations, locks, LISTEN). */
export function rawClient(db: Pick<Database, 'url' | 'schema'>): pg.Client {
  return new pg.Client({ connectionString: db.url, options: connectionOptions(db.schema) });
}

export async function resolveDatabaseUrl(settings: Settings, log?: Logger): Promise<{ url: string; embedded: EmbeddedServer | null }> {
  if (settings.database.url) return { url: settings.database.url, embedded: null };
  const embedded = await startEmbedded({
    dir: settings.database.embedded.dir,
    port: settings.database.embedded.port,
    database: 'orbis',
    log: (line) => log?.info(line),
  });
  return { url: embedded.url, embedded };
}

export async function openDatabase(settings: Settings, log?: Logger, urlOverride?: string): Promise<Database> {
  const resolved = urlOverride ? { url: urlOverride, embedded: null } : await resolveDatabaseUrl(settings, log);
  const schema = settings.database.schema;
  const sequelize = new Sequelize(resolved.url, {
    dialect: 'postgres',
    logging: false,
    timezone: '+00:00',
    // Transactions only (statements outside one use the pg pool below).
    pool: { max: Math.max(2, Math.ceil(settings.database.poolMax / 2)), min: 0, idle: settings.database.idleSeconds * 1000, acquire: 30_000 },
    dialectOptions: { options: connectionOptions(schema), application_name: 'orbis', clientMinMessages: 'ignore' },
    define: { underscored: true, timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' },
  });
  // Statements outside a transaction go straight to a pg pool: Sequelize
  // costs ≈ 0.2 ms of CPU per query even for `select 1`, which is most of a
  // list page's database time (docs/benchmarks.md). Transactions (and the
  // models) stay on Sequelize, so a service passes one `t` either way.
  const pool = new pg.Pool({
    connectionString: resolved.url,
    options: connectionOptions(schema),
    application_name: 'orbis',
    max: settings.database.poolMax,
    idleTimeoutMillis: settings.database.idleSeconds * 1000,
    connectionTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined); // an idle client's error: the pool replaces it
  try {
    await sequelize.authenticate();
  } catch (err) {
    await sequelize.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await resolved.embedded?.stop();
    throw new DatabaseUnreachableError(`cannot connect to the database at ${redact(resolved.url)}: ${(err as Error).message}`);
  }
  const db: Database = {
    sequelize,
    url: resolved.url,
    schema,
    async rows(sql, bind, transaction) {
      if (!transaction) return (await pool.query(sql, bind as unknown[] | undefined)).rows as never;
      return (await sequelize.query(sql, { bind, type: QueryTypes.SELECT, transaction, raw: true })) as never;
    },
    async exec(sql, bind, transaction) {
      if (!transaction) return (await pool.query(sql, bind as unknown[] | undefined)).rowCount ?? 0;
      const [, meta] = (await sequelize.query(sql, { bind, transaction, raw: true })) as [unknown, { rowCount?: number } | number];
      return typeof meta === 'number' ? meta : (meta?.rowCount ?? 0);
    },
    transaction(fn) {
      return sequelize.transaction((t) => fn(t));
    },
    async close() {
      await sequelize.close();
      await pool.end();
      await resolved.embedded?.stop();
    },
  };
  return db;
}

/** The URL with its password hidden, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
