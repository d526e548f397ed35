// The one error handler: typed errors become their pages (or JSON for API
// callers). A 500 shows the request id and, outside development, no stack.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '#app/log';
import { NO_REPORTS, type ErrorReporter } from '#app/services/error-report';
import { inEnglish, localize, localizeAll, msg, type Text } from '#app/i18n/message';
import type { Translate } from '#app/i18n/i18n';
import { ConflictError, ForbiddenError, NotFoundError, ThrottledError, ValidationError } from '#app/services/errors';

export function notFound(_req: Request, _res: Response, next: NextFunction) {
  next(new NotFoundError(msg('errors.noPage')));
}

function statusOf(err: unknown): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof ThrottledError) return 429;
  const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
  // body-parser and friends: too large, malformed
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}

export function errorHandler(log: Logger, showStack: boolean, reports: ErrorReporter = NO_REPORTS) {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = statusOf(err);
    // The reader's language (the locale middleware runs first of all).
    const t = (res.locals.t as Translate | undefined) ?? ((key: string) => inEnglish(msg(key)));
    const own = (err as { text?: Text }).text;
    const message =
      status === 500 ? t('errors.server') : own !== undefined ? localize(t, own) : (err as Error).message || t('errors.badRequest');
    const fields = err instanceof ValidationError ? localizeAll(t, err.fieldTexts) : {};
    if (status === 500) {
      log.error({ err, reqId: req.id }, 'unhandled error');
      reports.capture(err, { reqId: req.id, request: { method: req.method, path: req.originalUrl } });
    }
    if (err instanceof ThrottledError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    res.status(status);
    const wantsJson = !req.accepts('html') || req.xhr || req.get('accept')?.startsWith('application/json');
    if (wantsJson) {
      return res.json({ error: message, status, requestId: req.id, ...(err instanceof ValidationError ? { fields } : {}) });
    }
    res.render('errors/error.njk', {
      status,
      message,
      fields,
      requestId: req.id,
      stack: showStack && status === 500 ? (err as Error)?.stack : null,
    });
  };
}
