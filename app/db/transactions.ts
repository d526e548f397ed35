// The one transaction type: Sequelize's. `db.transaction` begins it on a
// connection of Sequelize's pool, so model calls (`{ transaction: t }`) and
// hand-written statements (`db.rows(sql, bind, t)`) share one `t` and one
// connection. BEGIN and COMMIT are sent on that connection directly rather
// than through sequelize.query (measured in docs/benchmarks.md, "The database
// layer"); the Transaction object is Sequelize's own, so everything that takes
// one takes it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { Transaction as SequelizeTransaction, type Sequelize } from 'sequelize';
import { isStalePlan } from '#app/db/statements';

export type Transaction = SequelizeTransaction;

/** Sequelize's pooled connection: a pg client with Sequelize's marks. */
export type PooledClient = pg.Client & { uuid?: string; _invalid?: boolean; _ending?: boolean };

/** The connection of each open transaction; a transaction that ended is not here. */
const connections = new WeakMap<Transaction, PooledClient>();

/** Marks the async context of a transaction's callback with its transaction. */
const inCallback = new AsyncLocalStorage<Transaction>();

export class TransactionEndedError extends Error {
  override name = 'TransactionEndedError';
}

export class TransactionRolledBackError extends Error {
  override name = 'TransactionRolledBackError';
}

/**
 * A statement, cursor or transaction started without `t` inside an open
 * transaction's callback. It would take a second connection while the
 * transaction holds one: with the pool exhausted by such transactions, each
 * waits for a connection only another could give back, and all hang. It
 * would also not see the transaction's own uncommitted writes.
 */
export class OutsideTransactionError extends Error {
  override name = 'OutsideTransactionError';
}

/** The connection `t` runs on; throws once `t` has ended (its connection may serve another by then). */
export function connectionOf(t: Transaction): PooledClient {
  const client = connections.get(t);
  if (!client)
    throw new TransactionEndedError(
      'this transaction has ended (or was not begun by db.transaction): a statement ran after its callback returned',
    );
  return client;
}

/** Throws when called inside an open transaction's callback: `what` must take that transaction. */
export function refuseInsideTransaction(what: string): void {
  const open = inCallback.getStore();
  if (open && connections.has(open)) {
    throw new OutsideTransactionError(
      `${what} inside a transaction's callback without its transaction: pass \`t\` (a second connection can deadlock the pool)`,
    );
  }
}

interface Pool {
  acquire(options?: { uuid?: string }): Promise<PooledClient>;
  release(client: PooledClient, err?: unknown): void;
}

/**
 * BEGIN … COMMIT on one pooled connection (ROLLBACK when fn throws);
 * afterCommit hooks run after a successful commit only.
 */
export async function runTransaction<T>(sequelize: Sequelize, pool: Pool, fn: (t: Transaction) => Promise<T>): Promise<T> {
  refuseInsideTransaction('a transaction began');
  const t = new SequelizeTransaction(sequelize, {});
  const hooks: ((t: Transaction) => unknown)[] = [];
  // Own list: Sequelize's commit() runs its hooks even when the commit failed.
  t.afterCommit = (hook) => void hooks.push(hook as (t: Transaction) => unknown);
  // What sequelize.query reads for a model call given `{ transaction: t }`.
  const internal = t as unknown as { id: string; connection: PooledClient; finished?: string };
  const client = await pool.acquire({ uuid: internal.id });
  internal.connection = client;
  client.uuid = internal.id;
  connections.set(t, client);
  let result: T;
  try {
    await client.query('begin');
    result = await inCallback.run(t, () => fn(t));
    // PostgreSQL answers COMMIT of a transaction a failed statement aborted
    // with ROLLBACK and no error: the callback caught that statement's error
    // and returned. Nothing was written, so say so (and run no hooks).
    const { command } = await client.query('commit');
    if (command !== 'COMMIT')
      throw new TransactionRolledBackError('the transaction was rolled back: a statement in it failed and its callback went on');
  } catch (err) {
    connections.delete(t);
    internal.finished = 'rollback';
    const rollback = await client.query('rollback').then(
      () => undefined,
      (e: Error) => e,
    );
    client.uuid = undefined;
    // A failed rollback means a broken connection, and a stale prepared plan
    // stays stale on it: the pool drops it. An application's error (a
    // validation, a conflict) rolled back cleanly: the connection stays.
    pool.release(client, rollback ?? (isStalePlan(err) ? err : undefined));
    throw err;
  }
  connections.delete(t);
  internal.finished = 'commit';
  client.uuid = undefined;
  pool.release(client);
  for (const hook of hooks) await hook(t);
  return result;
}
