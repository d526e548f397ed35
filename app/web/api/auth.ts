// Who calls the API: `Authorization: Bearer TOKEN`, nothing else — no
// cookie, no session, so no CSRF either (a browser never sends the header
// on its own). Every request reads its token (app/services/api-tokens.ts),
// so a revoked or expired token, or a disabled user's, is refused at once.
// Then the token's scope (`read`: GET and HEAD only), its rate (per token,
// per minute, counted in the installation's cache so every web process
// counts together: 429 with Retry-After), and the caller's language.
//
// Handlers are wrapped by `api(schema, handler)`: they receive the caller
// and the path parameters parsed, as page handlers do (app/web/handler.ts).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Cache } from '#app/cache/cache';
import type { I18n } from '#app/i18n/i18n';
import { msg } from '#app/i18n/message';
import type { TokenCaller, TokenService } from '#app/services/api-tokens';
import { parseParams, type ParamSchema, type ParsedParams } from '#app/web/handler';
import { ApiProblem } from '#app/web/api/problems';

const callers = new WeakMap<Request, TokenCaller>();
const READ_METHODS = new Set(['GET', 'HEAD']);
const WINDOW_SECONDS = 60;

export interface ApiAuthDeps {
  tokens: TokenService;
  cache: Cache;
  i18n: I18n;
  /** api.requestsPerMinute (0: no limit). */
  requestsPerMinute: number;
}

function unauthorized(error: 'missing' | 'invalid'): ApiProblem {
  return new ApiProblem(
    401,
    msg(error === 'missing' ? 'api.errors.noToken' : 'api.errors.badToken'),
    {},
    { 'WWW-Authenticate': error === 'missing' ? 'Bearer realm="orbis"' : 'Bearer realm="orbis", error="invalid_token"' },
  );
}

export function apiAuth({ tokens, cache, i18n, requestsPerMinute }: ApiAuthDeps): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m) return next(unauthorized(header ? 'invalid' : 'missing'));
    const caller = await tokens.authenticate(m[1]);
    if (!caller) return next(unauthorized('invalid'));
    // The caller's language for every message from here on.
    req.locale = i18n.resolve(caller.user.locale, req.get('accept-language'));
    req.t = res.locals.t = i18n.t(req.locale);
    if (!READ_METHODS.has(req.method) && caller.scope !== 'write')
      return next(
        new ApiProblem(
          403,
          msg('api.errors.readOnlyToken'),
          {},
          { 'WWW-Authenticate': 'Bearer realm="orbis", error="insufficient_scope", scope="write"' },
        ),
      );
    if (requestsPerMinute > 0) {
      const window = Math.floor(Date.now() / 1000 / WINDOW_SECONDS);
      const count = await cache.incr(`api:rate:${caller.tokenId}:${window}`, WINDOW_SECONDS + 5);
      const reset = (window + 1) * WINDOW_SECONDS - Math.floor(Date.now() / 1000);
      res.setHeader('RateLimit-Limit', String(requestsPerMinute));
      if (count !== null) res.setHeader('RateLimit-Remaining', String(Math.max(0, requestsPerMinute - count)));
      res.setHeader('RateLimit-Reset', String(reset));
      if (count !== null && count > requestsPerMinute)
        return next(
          new ApiProblem(
            429,
            msg('api.errors.rateLimited', { limit: requestsPerMinute, seconds: reset }),
            {},
            { 'Retry-After': String(reset) },
          ),
        );
    }
    callers.set(req, caller);
    // The request log names the user (the API has no session; this is the only place the user is set).
    req.user = caller.user;
    next();
  };
}

export interface Called<P> {
  caller: TokenCaller;
  params: P;
}

export type ApiHandler<P> = (req: Request, res: Response, called: Called<P>, next: NextFunction) => unknown;

/** An API handler with its caller and parsed path parameters (a parameter that does not parse: 404). */
export function api(handler: ApiHandler<Record<string, never>>): RequestHandler;
export function api<S extends ParamSchema>(schema: S, handler: ApiHandler<ParsedParams<S>>): RequestHandler;
export function api<S extends ParamSchema>(a: S | ApiHandler<Record<string, never>>, b?: ApiHandler<ParsedParams<S>>): RequestHandler {
  const schema = (typeof a === 'function' ? {} : a) as S;
  const handler = (typeof a === 'function' ? a : b) as ApiHandler<ParsedParams<S>>;
  return async (req, res, next) => {
    const caller = callers.get(req);
    if (!caller) return next(unauthorized('missing'));
    await handler(req, res, { caller, params: parseParams(req, schema) }, next);
  };
}
