// One database handle per process, one pool, one transaction type.
// Sequelize's pool is the only pool: model calls go through Sequelize, and
// hand-written statements take a connection of the same pool and run on its
// pg client directly (prepared where the text is fixed). `db.transaction` is a
// Sequelize transaction (app/db/transactions.ts), so a service passes one `t`
// to model calls and statements alike. Every connection is in UTC with the
// installation's schema first on its search_path, so two installations can
// share one database (DATABASE_SCHEMA).
import { Sequelize } from 'sequelize';
import type { Settings } from '#app/config';
import { startEmbedded, type EmbeddedServer } from '#app/db/embedded';
import type { Logger } from '#app/log';
import { breaksConnection, pgQuery, type Sql } from '#app/db/statements';
import { connectionOf, refuseInsideTransaction, runTransaction, type PooledClient, type Transaction } from '#app/db/transactions';
import pg from 'pg';

export { prepared, Prepared } from '#app/db/statements';
export { OutsideTransactionError, TransactionEndedError, TransactionRolledBackError, type Transaction } from '#app/db/transactions';

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
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

/** A fresh pg client on the same database, outside the pool (migrations, the beat's lock, LISTEN). */
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
    // The process's only pool: models, statements, transactions and cursors.
    pool: { max: settings.database.poolMax, min: 0, idle: settings.database.idleSeconds * 1000, acquire: 30_000 },
    dialectOptions: { options: connectionOptions(schema), application_name: 'orbis', clientMinMessages: 'ignore' },
    define: { underscored: true, timestamps: true, createdAt: 'created_at', updatedAt: 'updated_at' },
  });
  // Any connection taken inside a transaction's callback (a model call
  // without `t`, the same mistake as a statement without it) is refused
  // before it waits for the pool (app/db/transactions.ts).
  sequelize.addHook('beforePoolAcquire', () => refuseInsideTransaction('a connection was taken (a model call without `transaction`?)'));
  const manager = sequelize.connectionManager;
  const cursorSlots = slots(Math.max(1, settings.database.poolMax - 2));
  /**
   * The pool's side of a connection. Sequelize listens for a client's
   * 'error' for as long as the client lives (a connection lost while checked
   * out marks it invalid and leaves the pool; no uncaught exception), so
   * release only has to drop a connection a statement left unusable.
   */
  const pool = {
    acquire: (options?: { uuid?: string }) => manager.getConnection({ type: 'write', ...options }) as Promise<PooledClient>,
    release(client: PooledClient, err?: unknown) {
      if (client._invalid || client._ending || (err !== undefined && breaksConnection(err))) {
        client._invalid = true;
        void manager.destroyConnection(client as never).catch(() => undefined);
      } else {
        manager.releaseConnection(client as never);
      }
    },
  };
  const run = async (sql: Sql, bind: unknown[] | undefined, transaction: Transaction | null | undefined): Promise<pg.QueryResult> => {
    if (transaction) return connectionOf(transaction).query(pgQuery(sql, bind));
    refuseInsideTransaction('a statement ran');
    const client = await pool.acquire();
    let failure: unknown;
    try {
      return await client.query(pgQuery(sql, bind));
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      pool.release(client, failure);
    }
  };
  try {
    await sequelize.authenticate();
  } catch (err) {
    await sequelize.close().catch(() => undefined);
    await resolved.embedded?.stop();
    throw new DatabaseUnreachableError(`cannot connect to the database at ${redact(resolved.url)}: ${(err as Error).message}`);
  }
  const db: Database = {
    sequelize,
    url: resolved.url,
    schema,
    async rows(sql, bind, transaction) {
      return (await run(sql, bind, transaction)).rows as never;
    },
    async exec(sql, bind, transaction) {
      return (await run(sql, bind, transaction)).rowCount ?? 0;
    },
    transaction: (fn) => runTransaction(sequelize, pool, fn),
    async *cursor(sql, bind, batch) {
      refuseInsideTransaction('a cursor was opened');
      // A cursor holds its connection for a whole download while its reader
      // looks up names on others: at most poolMax - 2 cursors at once, so
      // those lookups (and the pages) always find a connection and a burst
      // of exports waits instead of deadlocking the one pool.
      await cursorSlots.take();
      let client: PooledClient;
      try {
        client = await pool.acquire();
      } catch (err) {
        cursorSlots.give();
        throw err;
      }
      let open = false;
      let failure: unknown;
      try {
        await client.query('begin read only');
        open = true;
        await client.query(pgQuery(`declare orbis_cursor no scroll cursor for ${sql}`, bind));
        for (;;) {
          const { rows } = await client.query(pgQuery(`fetch ${Math.max(1, Math.trunc(batch))} from orbis_cursor`, undefined));
          if (!rows.length) break;
          yield rows as never;
        }
        await client.query('commit');
        open = false;
      } catch (err) {
        failure = err;
        throw err;
      } finally {
        // Also when the consumer stopped early (the CSV download was closed).
        if (open) {
          const rollback = await client.query('rollback').then(
            () => undefined,
            (e: Error) => e,
          );
          failure ??= rollback;
          if (rollback) client._invalid = true;
        }
        pool.release(client, failure);
        cursorSlots.give();
      }
    },
    async close() {
      await sequelize.close();
      await resolved.embedded?.stop();
    },
  };
  return db;
}

/** A counting semaphore: take() waits while `n` are out. */
function slots(n: number): { take(): Promise<void>; give(): void } {
  let free = n;
  const waiting: Array<() => void> = [];
  return {
    async take() {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    },
    give() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
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
