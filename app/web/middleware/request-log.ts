// Records every request in the request log (/admin/requests) when its
// response is done. Mounted right after requestContext, so the duration
// covers the whole app and the request id is known.
//
// Not recorded: static files (/lib/static/…), /favicon.ico and /healthz — a
// page view brings several static requests, browsers ask for the icon on
// their own, and monitors poll /healthz every few seconds; they would drown
// the requests people look for (nginx serves static files in production).
import type { NextFunction, Request, Response } from 'express';
import type { RequestLogBuffer } from '#app/services/request-log';

const SKIP = /^\/(?:lib\/static\/|healthz(?:$|\/)|favicon\.ico$)/;

/** Mailed single-use links carry their token in the path: it is not written to the log. */
const SECRET = /^(\/(?:password\/reset|account\/email)\/)[^/]+/;

/** 499 (nginx's "client closed request"): the client went away before the response was done. */
export const CLIENT_CLOSED = 499;

export function requestLog(buffer: RequestLogBuffer) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!buffer.enabled) return next();
    const path = req.originalUrl.split('?')[0].replace(SECRET, '$1…');
    if (SKIP.test(path)) return next();
    const at = new Date().toISOString();
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      buffer.add({
        at,
        method: req.method,
        path,
        status,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        userId: req.user?.id ?? null,
        ip: req.ip ?? null,
        requestId: req.id ?? null,
        userAgent: req.get('user-agent') ?? null,
      });
    };
    res.once('finish', () => record(res.statusCode));
    res.once('close', () => record(res.writableFinished ? res.statusCode : CLIENT_CLOSED));
    next();
  };
}
