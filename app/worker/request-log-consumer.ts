// Consumes the `requestlog` queue: each message is one batch (a JSON array
// of entries, app/services/request-log.ts) and becomes ONE multi-row INSERT
// (unnest of one array per column). Not a job: no claim, no job row.
//
// What MUST hold:
// - A message is acked only after its INSERT committed (one statement, one
//   transaction: all of the batch or none). A consumer killed before that
//   leaves it unacked and the broker redelivers it. A redelivery after a
//   commit whose ack was lost (or a batch replayed from a web process's
//   spool) inserts nothing twice: (request_id, at) is unique and the
//   INSERT skips what is there (migration 0231).
// - A malformed message (not JSON, not an array of entries) can never
//   succeed: it is dead-lettered at once with an error line, and the
//   batches behind it keep flowing.
// - A database error is not the message's fault: it goes back to the queue
//   after a pause (no hot loop while PostgreSQL is away).
import net from 'node:net';
import type { Database } from '#app/db/connection';
import type { Logger } from '#app/log';
import type { Consumer, Message, Transport } from '#app/queue/transport';
import { MAX_METHOD, MAX_PATH, MAX_REQUEST_ID, MAX_USER_AGENT, REQUEST_LOG_QUEUE, type RequestLogEntry } from '#app/services/request-log';

export interface RequestLogConsumer {
  /** Batches inserted since start. */
  readonly inserted: number;
  stop(): Promise<void>;
}

export class MalformedBatchError extends Error {
  override name = 'MalformedBatchError';
}

const INSERT = `
  insert into request_logs (at, method, path, status, duration_ms, user_id, ip, request_id, user_agent)
  select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[], $5::real[], $6::bigint[], $7::inet[], $8::text[], $9::text[])
  on conflict (request_id, at) do nothing`;

function optString(v: unknown, max: number, field: string, i: number): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > max)
    throw new MalformedBatchError(`entry ${i}: ${field} must be a string of at most ${max} characters`);
  return v;
}

/** The batch's entries, checked field by field; throws MalformedBatchError naming the first bad one. */
export function parseBatch(body: Buffer): RequestLogEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new MalformedBatchError('not JSON');
  }
  if (!Array.isArray(data) || !data.length) throw new MalformedBatchError('not a non-empty array of entries');
  return data.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw new MalformedBatchError(`entry ${i}: not an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.at !== 'string' || Number.isNaN(Date.parse(e.at))) throw new MalformedBatchError(`entry ${i}: at must be an ISO time`);
    const method = optString(e.method, MAX_METHOD, 'method', i);
    const path = optString(e.path, MAX_PATH, 'path', i);
    if (!method || path === null) throw new MalformedBatchError(`entry ${i}: method and path are required`);
    if (!Number.isInteger(e.status) || (e.status as number) < 0 || (e.status as number) > 999)
      throw new MalformedBatchError(`entry ${i}: status must be 0-999`);
    if (typeof e.durationMs !== 'number' || !Number.isFinite(e.durationMs) || e.durationMs < 0)
      throw new MalformedBatchError(`entry ${i}: durationMs must be a number ≥ 0`);
    if (e.userId != null && !(Number.isSafeInteger(e.userId) && (e.userId as number) > 0))
      throw new MalformedBatchError(`entry ${i}: userId must be a positive integer or null`);
    const ip = optString(e.ip, 64, 'ip', i);
    if (ip !== null && !net.isIP(ip)) throw new MalformedBatchError(`entry ${i}: ip is not an address`);
    return {
      at: e.at,
      method,
      path,
      status: e.status as number,
      durationMs: e.durationMs,
      userId: (e.userId as number | null | undefined) ?? null,
      ip,
      requestId: optString(e.requestId, MAX_REQUEST_ID, 'requestId', i),
      userAgent: optString(e.userAgent, MAX_USER_AGENT, 'userAgent', i),
    };
  });
}

/** What the consumer uses. */
export interface RequestLogDeps {
  db: Database;
  log: Logger;
  transport: Transport;
}

export async function insertBatch(ctx: Pick<RequestLogDeps, 'db'>, entries: readonly RequestLogEntry[]): Promise<number> {
  const col = <K extends keyof RequestLogEntry>(k: K) => entries.map((e) => e[k]);
  return ctx.db.exec(INSERT, [
    col('at'),
    col('method'),
    col('path'),
    col('status'),
    col('durationMs'),
    col('userId'),
    col('ip'),
    col('requestId'),
    col('userAgent'),
  ]);
}

export async function startRequestLogConsumer(
  ctx: RequestLogDeps,
  options: { prefetch?: number; retryDelayMs?: number } = {},
): Promise<RequestLogConsumer> {
  const log = ctx.log.child({ queue: REQUEST_LOG_QUEUE });
  const running = new Set<Promise<void>>();
  let stopping = false;
  let inserted = 0;

  const handle = async (message: Message) => {
    let entries: RequestLogEntry[];
    try {
      entries = parseBatch(message.body);
    } catch (err) {
      log.error(
        { error: (err as Error).message, body: message.body.toString('utf8', 0, 200) },
        'request log: malformed batch dead-lettered',
      );
      return message.nack(false);
    }
    try {
      await insertBatch(ctx, entries);
    } catch (err) {
      log.warn(
        { error: (err as Error).message, entries: entries.length },
        'request log: inserting a batch failed; it goes back to the queue',
      );
      await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1000));
      return message.nack(true);
    }
    inserted++;
    message.ack();
  };

  const consumer: Consumer = await ctx.transport.consume(REQUEST_LOG_QUEUE, { prefetch: options.prefetch ?? 20 }, (message) => {
    if (stopping) return message.nack(true);
    const p = handle(message).finally(() => running.delete(p));
    running.add(p);
  });
  log.info({ prefetch: options.prefetch ?? 20 }, 'request log consumer started');

  return {
    get inserted() {
      return inserted;
    },
    async stop() {
      stopping = true;
      await Promise.allSettled([...running]);
      await consumer.cancel();
    },
  };
}
