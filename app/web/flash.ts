// Flash messages: a line for the next page the user sees ("PR-000123 saved."),
// carried from a POST to the page its redirect leads to in a signed cookie.
//
// Not in the session: a flash was the only thing most POSTs changed there, so
// each save paid a session write (a statement and a JSON of the session) for
// it; and a request of the same session running at the same time (a page's
// poll) could write its older copy of the session over the one holding the
// message. The cookie is signed, so no one can plant a message, and short-lived.
import type { NextFunction, Request, Response } from 'express';

export type FlashKind = 'success' | 'danger' | 'info' | 'warning';
export interface FlashMessage {
  kind: FlashKind;
  text: string;
}

export const FLASH_COOKIE = 'orbis_flash';
const KINDS = new Set<FlashKind>(['success', 'danger', 'info', 'warning']);
const MAX_MESSAGES = 5;
const MAX_TEXT = 300;
const MAX_COOKIE_CHARS = 3000; // well inside the 4 KB a browser keeps per cookie
const LIFETIME_MS = 10 * 60_000;

/** Messages this request has: those its cookie brought, plus those added here. */
const pending = new WeakMap<Request, FlashMessage[]>();

function incoming(req: Request): FlashMessage[] {
  const raw: unknown = req.signedCookies?.[FLASH_COOKIE];
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((m): m is FlashMessage => typeof m?.text === 'string' && KINDS.has(m?.kind))
    .slice(-MAX_MESSAGES)
    .map((m) => ({ kind: m.kind, text: m.text.slice(0, MAX_TEXT) }));
}

function messagesOf(req: Request): FlashMessage[] {
  let list = pending.get(req);
  if (!list) {
    list = incoming(req);
    pending.set(req, list);
  }
  return list;
}

export function flash(req: Request, text: string, kind: FlashKind = 'success'): void {
  const list = messagesOf(req);
  list.push({ kind, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text });
  while (list.length > MAX_MESSAGES || (list.length > 1 && encodeURIComponent(JSON.stringify(list)).length > MAX_COOKIE_CHARS)) list.shift();
  req.res!.cookie(FLASH_COOKIE, list, { signed: true, httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', maxAge: LIFETIME_MS });
}

/**
 * Offers the messages to templates as `flash`, taken (and the cookie cleared)
 * only when a page renders: a JSON poll (attachments, jobs) or an error page
 * (a 404 for the browser's favicon request) between a POST and its redirect
 * must not eat the message meant for the next page.
 */
export function flashLocals(req: Request, res: Response, next: NextFunction): void {
  let taken: FlashMessage[] | undefined;
  Object.defineProperty(res.locals, 'flash', {
    enumerable: true,
    configurable: true,
    get() {
      if (res.statusCode >= 400) return taken ?? [];
      if (taken === undefined) {
        taken = messagesOf(req).splice(0);
        if (req.signedCookies?.[FLASH_COOKIE] !== undefined || taken.length) {
          if (!res.headersSent) res.clearCookie(FLASH_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
        }
      }
      return taken;
    },
  });
  next();
}
