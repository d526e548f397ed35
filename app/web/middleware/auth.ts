// passport-local sign-in; every request reloads its user, so a disabled
// user's session stops working at once.
import type { NextFunction, Request, Response } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { UserService } from '#app/services/users';
import { cookieName, type CookieSettings } from '#app/web/cookies';
import { msg } from '#app/i18n/message';
import { ForbiddenError } from '#app/services/errors';
import type { PostgresSessionStore } from '#app/web/middleware/session-store';

export const DEVICE_COOKIE = 'orbis_device';

/** This browser's trusted-device cookie for the throttle (signed; null when absent or tampered with). */
export function deviceCookieOf(req: Request, settings: CookieSettings): string | null {
  return req.signedCookies?.[cookieName(settings, DEVICE_COOKIE)] || null;
}

export interface PassportDeps {
  users: UserService;
  settings: CookieSettings;
}

export function createPassport({ users, settings }: PassportDeps, store?: PostgresSessionStore): passport.PassportStatic {
  // A private instance: two apps in one process never share strategies.
  const pp = new passport.Passport() as unknown as passport.PassportStatic;
  pp.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
      const deviceCookie = deviceCookieOf(req, settings);
      users
        .authenticate(email, password, { ip: req.ip ?? '', deviceCookie, userAgent: req.get('user-agent') ?? null })
        .then((user) => done(null, user), done);
    }),
  );
  pp.serializeUser((user, done) => done(null, (user as Express.User).id));
  // The store usually read the user with the session already (one query a
  // request instead of three); otherwise the user is read here.
  pp.deserializeUser((req: Request, id: unknown, done: (err: unknown, user?: Express.User | false) => void) => {
    if (typeof id !== 'number') return done(null, false);
    const preloaded = store?.takeUser(req.sessionID, id);
    if (preloaded) {
      req.unreadNotices = preloaded.unread;
      return done(null, preloaded.user);
    }
    users.sessionUser(id).then((user) => done(null, user ?? false), done);
  });
  return pp;
}

export function requireLogin(req: Request, res: Response, next: NextFunction) {
  if (req.user) return next();
  if (req.method === 'GET' && req.accepts('html')) {
    req.session.returnTo = req.originalUrl;
    return res.redirect(303, '/login');
  }
  res.status(401).json({ error: req.t('errors.signInFirst') });
}

export function requireSuperuser(req: Request, res: Response, next: NextFunction) {
  if (!req.user) return requireLogin(req, res, next);
  if (!req.user.isSuperuser) return next(new ForbiddenError(msg('errors.adminsOnly')));
  next();
}
