// One request as the request log publishes and stores it (request_logs),
// the queue it goes to, and the clamping that makes every entry fit the
// table — shared by the sender (request-log.ts), its spool and the consumer.
import net from 'node:net';

export const REQUEST_LOG_QUEUE = 'requestlog';

/** One request, as published and stored (request_logs). */
export interface RequestLogEntry {
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  durationMs: number;
  userId: number | null;
  ip: string | null;
  requestId: string | null;
  userAgent: string | null;
}

export const MAX_PATH = 2000;
export const MAX_USER_AGENT = 256;
export const MAX_METHOD = 16;
export const MAX_REQUEST_ID = 64;

/** Clamps an entry's fields to what the table takes: the consumer rejects nothing we send. */
export function normalizeEntry(e: RequestLogEntry): RequestLogEntry {
  return {
    at: e.at,
    method: e.method.slice(0, MAX_METHOD),
    path: e.path.slice(0, MAX_PATH),
    status: Number.isInteger(e.status) && e.status >= 0 && e.status <= 999 ? e.status : 0,
    durationMs: Number.isFinite(e.durationMs) && e.durationMs >= 0 ? Math.round(e.durationMs * 100) / 100 : 0,
    userId: Number.isSafeInteger(e.userId) && e.userId! > 0 ? e.userId : null,
    // Behind a proxy the address comes from X-Forwarded-For: keep only real addresses (inet column).
    ip: e.ip && net.isIP(e.ip) ? e.ip : null,
    requestId: e.requestId ? e.requestId.slice(0, MAX_REQUEST_ID) : null,
    userAgent: e.userAgent ? e.userAgent.slice(0, MAX_USER_AGENT) : null,
  };
}
