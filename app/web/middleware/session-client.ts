// What a signed-in session keeps of the browser that signed in: its address,
// user agent and the time of the sign-in. /account lists sessions by it, and
// the session store ends a session auth.sessionMaxHours after that time.
//
// Written by the sign-in itself (app/web/controllers/auth.ts); a session that
// has a user but no such record (made by another way of signing in, or before
// this record existed) gets it on its next request — one session write, once.
import type { NextFunction, Request, Response } from 'express';
import type { SessionClient } from '#app/services/account-sessions';

export function clientOf(req: Request): SessionClient {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, signedInAt: new Date().toISOString() };
}

export function sessionClient(req: Request, _res: Response, next: NextFunction): void {
  if (req.user && !req.session.client) req.session.client = clientOf(req);
  next();
}
