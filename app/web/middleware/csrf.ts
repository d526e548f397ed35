// CSRF: a synchronizer token kept in the session. Every state-changing
// request (anything but GET, HEAD, OPTIONS), the login form included, must
// send it back in the `_csrf` field or the `X-CSRF-Token` header.
//
// What MUST hold: a signed-in session gets its token once, at sign-in
// (issueCsrfToken, in the same response that sets the new session), never
// from the first page that happens to need one: pages opened in parallel
// right after sign-in would each write their own, and all forms but the
// last one's would fail as expired.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { msg } from '#app/i18n/message';
import { ForbiddenError } from '#app/services/errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/** The session's token; made here only for an anonymous session (the login form) or one older than this rule. */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= newToken();
  return req.session.csrfToken;
}

/** A fresh token for a session just made (sign-in regenerates the session). */
export function issueCsrfToken(req: Request): void {
  req.session.csrfToken = newToken();
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Checks the token (for multipart bodies, the header or the query field). */
export function csrfProtection(req: Request, res: Response, next: NextFunction) {
  res.locals.csrfToken = () => csrfToken(req);
  if (SAFE.has(req.method)) return next();
  const expected = req.session.csrfToken;
  const body = req.body as Record<string, unknown> | undefined;
  const sent = req.get('x-csrf-token') ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
  if (!expected || typeof sent !== 'string' || !same(sent, expected)) {
    return next(new ForbiddenError(msg('errors.csrf')));
  }
  next();
}
