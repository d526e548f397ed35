// The Express app of one installation, built from its context (nothing runs
// on import). Order matters: request id first (so every log line has it),
// then security headers, static files, body, session, user, CSRF, the input
// guard (every query and form value checked once), routes.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import session from 'express-session';
import type { AppContext } from '#app/context';
import type { Logger } from '#app/log';
import { cookieName, secureCookies, SESSION_COOKIE } from '#app/web/cookies';
import { createPassport } from '#app/web/middleware/auth';
import { csrfProtection } from '#app/web/middleware/csrf';
import { flashLocals } from '#app/web/flash';
import { localeMiddleware } from '#app/web/middleware/locale';
import { inputGuard } from '#app/web/middleware/input-guard';
import { errorHandler, notFound } from '#app/web/middleware/errors';
import { requestContext } from '#app/web/middleware/request-context';
import { requestLog } from '#app/web/middleware/request-log';
import { liveController } from '#app/web/controllers/live';
import { noStore, securityHeaders } from '#app/web/middleware/security-headers';
import { sessionClient } from '#app/web/middleware/session-client';
import { PostgresSessionStore } from '#app/web/middleware/session-store';
import { createTemplates } from '#app/web/render';
import { mountRoutes } from '#app/web/routes';
import { apiRouter } from '#app/web/api/router';

export { cookieName, secureCookies, SESSION_COOKIE } from '#app/web/cookies';

/**
 * Secure cookies are not set on a request that reached Orbis over plain HTTP
 * (express-session drops them): sign-in then silently fails. Said once, with
 * the fix, instead.
 */
function warnPlainHttp(log: Logger, publicUrl: string | null) {
  let warned = false;
  return (req: express.Request, _res: express.Response, next: express.NextFunction) => {
    if (!warned && !req.secure) {
      warned = true;
      log.warn(
        { publicUrl },
        'a request reached Orbis over plain HTTP, but Orbis is set up for HTTPS (secure cookies will not be set): let the proxy send X-Forwarded-Proto (deploy/nginx/orbis.conf), or set server.publicUrl to the http:// address',
      );
    }
    next();
  };
}

export interface AppOptions {
  /** Mounts more handlers after the routes, before the 404 handler (tests, plugins). */
  extend?: (app: Express) => void;
}

/**
 * The web side's composition root: the one place that reads the context and
 * hands each part what it needs (routes.ts builds the controllers from it).
 */
export function createApp(ctx: AppContext, options: AppOptions = {}): Express {
  const { settings } = ctx;
  const https = secureCookies(settings);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback'); // nginx on the same machine
  app.set('view engine', 'njk');
  const templates = createTemplates(settings);
  templates.express(app);

  // Live pages' polls of what this process already knows: answered first, from memory, with no request id,
  // log line or session read (app/web/controllers/live.ts); anything else goes on.
  app.use(liveController(ctx.services).fastPath({ name: cookieName(settings, SESSION_COOKIE), secret: settings.secretKey }));
  app.use(requestContext(ctx.log));
  app.use(requestLog(ctx.services.requestLog));
  const locale = localeMiddleware(ctx.i18n);
  app.use(locale);
  app.use(securityHeaders({ https }));

  const staticOptions = { maxAge: settings.env === 'production' ? '7d' : 0, fallthrough: true, index: false } as const;
  app.use('/lib/static/vendor/bootstrap', express.static(path.join(settings.root, 'node_modules', 'bootstrap', 'dist'), staticOptions));
  app.use('/lib/static', express.static(path.join(settings.root, 'lib', 'static'), staticOptions));

  app.use(noStore);
  if (https) app.use(warnPlainHttp(ctx.log, settings.server.publicUrl));

  // The REST API: bearer tokens, JSON, problem details — none of the pages'
  // session, forms and CSRF below (app/web/api/router.ts).
  app.use('/api/v1', apiRouter({ services: ctx.services, cache: ctx.cache, i18n: ctx.i18n, settings, log: ctx.log, errors: ctx.errors }));

  // Forms only (the API above reads its own JSON): what else
  // comes is refused by the input guard below, unparsed.
  app.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }));
  app.use(cookieParser(settings.secretKey));
  const maxAge = settings.auth.sessionHours * 3600 * 1000;
  const store = new PostgresSessionStore(ctx.db, maxAge, settings.auth.sessionMaxHours * 3600 * 1000);
  app.use(
    session({
      name: cookieName(settings, SESSION_COOKIE),
      secret: settings.secretKey,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: https, path: '/', maxAge },
    }),
  );
  const passport = createPassport({ users: ctx.services.users, settings }, store);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(sessionClient);
  app.use(locale);
  app.use((req, res, next) => {
    res.locals.user = req.user ?? null;
    res.locals.path = req.path;
    res.locals.requestId = req.id;
    next();
  });
  app.use(flashLocals);
  app.use(csrfProtection);
  app.use(inputGuard);

  mountRoutes(app, { services: ctx.services, db: ctx.db, cache: ctx.cache, i18n: ctx.i18n, settings, passport, log: ctx.log });
  options.extend?.(app);

  app.use(notFound);
  app.use(errorHandler(ctx.log, settings.env === 'development', ctx.errors));
  return app;
}
