// Gives every request an id (kept from nginx's X-Request-Id when it looks
// sane), runs the rest of the request inside the log context so every log
// line carries it, and writes one access line when the response is done.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { logContext, type Logger } from '#app/log';

const SANE_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SANE_ID.test(incoming) ? incoming : crypto.randomBytes(9).toString('base64url');
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        reqId: id,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        user: req.user?.id,
      };
      if (res.statusCode >= 500) log.error(line, 'request');
      else log.debug(line, 'request');
    });
    logContext.run({ reqId: id }, () => next());
  };
}
