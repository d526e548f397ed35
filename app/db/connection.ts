// One database handle per process: Sequelize over pg, every connection in UTC
// with the installation's schema first on its search_path, so two
// installations can share one database (DATABASE_SCHEMA).
import crypto from 'node:crypto';
import pg from 'pg';
import { QueryTypes, Sequelize, type Transaction as SequelizeTransaction } from 'sequelize';
import type { Settings } from '#app/config';
import { startEmbedded, type EmbeddedServer } from '#app/db/embedded';
import type { Logger } from '#app/log';
import { poolTypes } from '#app/db/pg-types';

// bigint (int8) ids and counts arrive as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

/**
 * A transaction handed to `db.transaction`'s callback: pass it to rows/exec
 * (and to services that enqueue jobs, which publish after the commit).
 * Sequelize's own transactions fit it too, for model calls (users.create).
 */
export interface Transaction {
  afterCommit(fn: () => unknown): void;
}

/** A transaction on one client of the pg pool. */
class PgTransaction implements Transaction {
  readonly hooks: (() => unknown)[] = [];
  /** Set when the transaction ended: its client may already serve another. */
  finished = false;
  constructor(private readonly pgClient: pg.PoolClient) {}
  get client(): pg.PoolClient {
    if (this.finished) throw new Error('this transaction has ended: a statement ran after its callback returned');
    return this.pgClient;
  }
  afterCommit(fn: () => unknown): void {
    this.hooks.push(fn);
  }
}

/** PostgreSQL refuses a prepared statement whose result changed under it (a migration altered a column). */
function isStalePlan(err: unknown): boolean {
  return (err as { code?: string })?.code === '0A000' && /cached plan must not change result type/.test((err as Error).message);
}

/**
 * A statement run often with the same text (the session read, a card's
 * load and save, a job's insert): prepared once per pooled connection, so
 * PostgreSQL parses and plans it once instead of on every run (≈ 0.14 ms of
 * its CPU for the session read). Only for fixed texts — a connection keeps
 * every statement it prepared — and never with `*` in its result. A migration
 * that changes a result column's type makes each connection fail the
 * statement once ("cached plan must not change result type"); the pool
 * drops a connection after an error, so the next one prepares it afresh.
 */
export class Prepared {
  readonly name: string;
  constructor(readonly text: string) {
    this.name = `orbis_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }
}

export function prepared(text: string): Prepared {
  return new Prepared(text);
}

type Sql = string | Prepared;

function pgQuery(sql: Sql, bind: unknown[] | undefined): pg.QueryConfig {
  return typeof sql === 'string' ? { text: sql, values: bind } : { name: sql.name, text: sql.text, values: bind };
}

export interface Database {
  readonly sequelize: Sequelize;
  readonly url: string;
  readonly schema: string;
  /** Rows of a SELECT (or of a statement with RETURNING). */
  rows<T = Record<string, unknown>>(sql: Sql, bind?: unknown[], transaction?: Transaction | null): Promise<T[]>;
  /** Runs a statement; returns the number of rows it touched. */
  exec(sql: Sql, bind?: unknown[], transaction?: Transaction | null): Promise<number>;
  /** BEGIN … COMMIT on one pooled connection (ROLLBACK when fn throws); afterCommit hooks run after the commit. */
  transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T>;
  /** The rows of a SELECT in batches, through a server-side cursor in a read-only transaction. */
  cursor<T = Record<string, unknown>>(sql: string, bind: unknown[], batch: number): AsyncGenerator<T[]>;
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
    movable: !settings.database.embedded.portFixed,
    portSetting: 'ORBIS_EMBEDDED_PG_PORT (database.embedded.port)',
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
    // Model calls only (accounts); statements and transactions use the pg pools below.
    pool: { max: 2, min: 0, idle: settings.database.idleSeconds * 1000, acquire: 30_000 },
    dialectOptions: { options: connectionOptions(schema), application_name: 'orbis', clientMinMessages: 'ignore' },
    define: { underscored: true, timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' },
  });
  // Statements outside a transaction go straight to a pg pool: Sequelize
  // costs ≈ 0.2 ms of CPU per query even for `select 1`, which is most of a
  // list page's database time (docs/benchmarks.md). Transactions (and the
  // models) stay on Sequelize, so a service passes one `t` either way.
  const newPool = (max: number) => {
    const p = new pg.Pool({
      connectionString: resolved.url,
      options: connectionOptions(schema),
      application_name: 'orbis',
      max,
      idleTimeoutMillis: settings.database.idleSeconds * 1000,
      connectionTimeoutMillis: 30_000,
      types: poolTypes,
    });
    p.on('error', () => undefined); // an idle client's error: the pool replaces it
    return p;
  };
  const pool = newPool(settings.database.poolMax);
  /**
   * A client of the transaction pool, with an 'error' listener while it is
   * checked out (pg-pool listens only while a client is idle: a connection
   * lost mid-transaction would otherwise be an uncaught exception). An error
   * marks the client broken, so release drops it.
   */
  const checkOut = async () => {
    const client = await txPool.connect();
    let lost: Error | undefined;
    const onError = (err: Error) => {
      lost = err;
    };
    client.on('error', onError);
    return {
      client,
      release(err?: Error) {
        client.off('error', onError);
        client.release(err ?? lost);
      },
    };
  };

  // Transactions get their own pool: a transaction that runs a statement
  // outside itself (on `pool`) can then never wait for a client that only
  // another waiting transaction could give back.
  const txPool = newPool(Math.max(2, Math.ceil(settings.database.poolMax / 2)));
  try {
    await sequelize.authenticate();
  } catch (err) {
    await sequelize.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await txPool.end().catch(() => undefined);
    await resolved.embedded?.stop();
    throw new DatabaseUnreachableError(`cannot connect to the database at ${redact(resolved.url)}: ${(err as Error).message}`);
  }
  const db: Database = {
    sequelize,
    url: resolved.url,
    schema,
    async rows(sql, bind, transaction) {
      if (!transaction) return (await pool.query(pgQuery(sql, bind))).rows as never;
      if (transaction instanceof PgTransaction) return (await transaction.client.query(pgQuery(sql, bind))).rows as never;
      const text = typeof sql === 'string' ? sql : sql.text;
      return (await sequelize.query(text, { bind, type: QueryTypes.SELECT, transaction: transaction as SequelizeTransaction, raw: true })) as never;
    },
    async exec(sql, bind, transaction) {
      if (!transaction) return (await pool.query(pgQuery(sql, bind))).rowCount ?? 0;
      if (transaction instanceof PgTransaction) return (await transaction.client.query(pgQuery(sql, bind))).rowCount ?? 0;
      const text = typeof sql === 'string' ? sql : sql.text;
      const [, meta] = (await sequelize.query(text, { bind, transaction: transaction as SequelizeTransaction, raw: true })) as [unknown, { rowCount?: number } | number];
      return typeof meta === 'number' ? meta : (meta?.rowCount ?? 0);
    },
    // On the pg pool, not Sequelize's: a save's six statements cost ≈ 0.2 ms
    // of CPU each through sequelize.query (docs/benchmarks.md, card saves).
    async transaction(fn) {
      const { client, release } = await checkOut();
      const t = new PgTransaction(client);
      let result;
      try {
        await client.query('begin');
        result = await fn(t);
        await client.query('commit');
      } catch (err) {
        t.finished = true;
        // A failed rollback means a broken connection; a stale prepared plan
        // stays broken on this connection: either way the pool drops it.
        const rollback = await client.query('rollback').then(() => undefined, (e: Error) => e);
        release(rollback ?? (isStalePlan(err) ? (err as Error) : undefined));
        throw err;
      }
      t.finished = true;
      release();
      for (const hook of t.hooks) await hook();
      return result;
    },
    async *cursor(sql, bind, batch) {
      const { client, release } = await checkOut();
      let open = false;
      let failure: Error | undefined;
      try {
        await client.query('begin read only');
        open = true;
        await client.query(`declare orbis_cursor no scroll cursor for ${sql}`, bind);
        for (;;) {
          const { rows } = await client.query(`fetch ${Math.max(1, Math.trunc(batch))} from orbis_cursor`);
          if (!rows.length) break;
          yield rows as never;
        }
        await client.query('commit');
        open = false;
      } finally {
        // Also when the consumer stopped early (the CSV download was closed).
        if (open) failure = await client.query('rollback').then(() => undefined, (e: Error) => e);
        release(failure);
      }
    },
    async close() {
      await sequelize.close();
      await pool.end();
      await txPool.end();
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
