// Hand-written statements: how their text and values reach a pg client, and
// the type parsers their results are read with.
import crypto from 'node:crypto';
import pg from 'pg';
import { poolTypes } from '#app/db/pg-types';

// bigint (int8) ids and counts arrive as JS numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * A statement run often with the same text (the session read, a card's
 * load and save, a job's insert): prepared once per pooled connection, so
 * PostgreSQL parses and plans it once instead of on every run (≈ 0.14 ms of
 * its CPU for the session read). Only for fixed texts — a connection keeps
 * every statement it prepared — and never with `*` in its result. A migration
 * that changes a result column's type makes each connection fail the
 * statement once ("cached plan must not change result type"); the connection
 * layer then drops that connection, so the next one prepares it afresh.
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

export type Sql = string | Prepared;

/**
 * The query for client.query. `types` is given per query: the connection
 * comes from Sequelize's pool, whose clients parse with Sequelize's own
 * parsers (for model calls); hand-written statements keep pg's, with int8 as
 * a number and the fast timestamptz parser (app/db/pg-types.ts).
 */
export function pgQuery(sql: Sql, bind: unknown[] | undefined): pg.QueryConfig {
  return typeof sql === 'string'
    ? { text: sql, values: bind, types: poolTypes }
    : { name: sql.name, text: sql.text, values: bind, types: poolTypes };
}

/** PostgreSQL refuses a prepared statement whose result changed under it (a migration altered a column). */
export function isStalePlan(err: unknown): boolean {
  return (err as { code?: string })?.code === '0A000' && /cached plan must not change result type/.test((err as Error).message);
}

/**
 * Whether a connection that saw `err` must leave the pool: a stale prepared
 * plan stays stale on that connection, and an error without an SQLSTATE is
 * the connection's own (reset, ended), not the statement's.
 */
export function breaksConnection(err: unknown): boolean {
  return isStalePlan(err) || typeof (err as { code?: unknown })?.code !== 'string' || !/^[0-9A-Z]{5}$/.test((err as { code: string }).code);
}
