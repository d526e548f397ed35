// The typed handler of a signed-in page: the controller gets the user and
// its path parameters already parsed, by a small schema —
//
//   view: signedIn({ id: id(msg('tasks.errors.notFound')) }, async (req, res, { user, params }) => …)
//
// A signed-out request is answered as requireLogin answers it (a GET for a
// page: remember it, redirect to /login; else 401), so `user` is never
// missing. A parameter that does not parse is a 404 (or what its rule
// throws) before the handler runs: no lookup sees it.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { msg, type Text } from '#app/i18n/message';
import { NotFoundError } from '#app/services/errors';
import type { Origin } from '#app/services/auth-events';
import type { SessionUser } from '#app/services/users';
import { requireLogin } from '#app/web/middleware/auth';

/** Turns one raw path parameter into its value, or throws (a 404 unless it says otherwise). */
export type ParamRule<T> = (raw: string) => T;

/** `'id'`: a number (404 "no such page" otherwise); `'text'`: the string as routed; or a rule. */
export type ParamSpec = 'id' | 'text' | ParamRule<unknown>;
export type ParamSchema = Record<string, ParamSpec>;

export type ParsedParams<S extends ParamSchema> = {
  [K in keyof S]: S[K] extends 'id' ? number : S[K] extends 'text' ? string : S[K] extends ParamRule<infer T> ? T : never;
};

export interface SignedIn<P> {
  user: SessionUser;
  params: P;
}

export type SignedInHandler<P> = (req: Request, res: Response, signed: SignedIn<P>, next: NextFunction) => unknown;

/** Up to 15 digits: every id Orbis hands out fits (and a number beyond is no row). */
const DIGITS = /^\d{1,15}$/;
/** Strict: no leading zero, no 0 (one spelling per URL). */
export const STRICT_ID = /^[1-9]\d{0,14}$/;

/** A row id: `shape` (digits by default) as a number, else NotFoundError(`notFound`). */
export function id(notFound: Text = msg('errors.noPage'), shape: RegExp = DIGITS): ParamRule<number> {
  return (raw) => {
    if (!shape.test(raw)) throw new NotFoundError(notFound);
    return Number(raw);
  };
}

/** A parameter that must match `pattern` (its match, groups included), else NotFoundError(`notFound`). */
export function matching(pattern: RegExp, notFound: Text = msg('errors.noPage')): ParamRule<RegExpExecArray> {
  return (raw) => {
    const m = pattern.exec(raw);
    if (!m) throw new NotFoundError(notFound);
    return m;
  };
}

/** Where a request came from, as the sign-in audit records it. */
export function originOf(req: Request): Origin {
  return { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
}

const byName: Record<'id' | 'text', ParamRule<unknown>> = { id: id(), text: (raw) => raw };

/** Parses `req.params` by the schema, in the schema's order (the first bad one decides the answer). */
export function parseParams<S extends ParamSchema>(req: Request, schema: S): ParsedParams<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const raw = req.params[name];
    const rule = typeof spec === 'string' ? byName[spec] : spec;
    out[name] = rule(typeof raw === 'string' ? raw : '');
  }
  return out as ParsedParams<S>;
}

export function signedIn(handler: SignedInHandler<Record<string, never>>): RequestHandler;
export function signedIn<S extends ParamSchema>(schema: S, handler: SignedInHandler<ParsedParams<S>>): RequestHandler;
export function signedIn<S extends ParamSchema>(
  a: S | SignedInHandler<Record<string, never>>,
  b?: SignedInHandler<ParsedParams<S>>,
): RequestHandler {
  const schema = (typeof a === 'function' ? {} : a) as S;
  const handler = (typeof a === 'function' ? a : b) as SignedInHandler<ParsedParams<S>>;
  return async (req, res, next) => {
    const user = req.user;
    if (!user) return requireLogin(req, res, next);
    await handler(req, res, { user, params: parseParams(req, schema) }, next);
  };
}
