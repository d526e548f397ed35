// Flash messages: a line for the next page the user sees ("PR-000123 saved."),
// carried from a POST to the page its redirect leads to in a signed cookie.
//
// Not in the session: a flash was the only thing most POSTs changed there, so
// each save paid a session write (a statement and a JSON of the session) for
// it; and a request of the same session running at the same time (a page's
// poll) could write its older copy of the session over the one holding the
// message. The cookie is signed, so no one can plant a message, short-lived,
// small (nginx's 4 KB header buffer holds it with the rest of a redirect),
// and bound to the user it was written for: a message never shown is not
// shown to the next person who signs in on that browser.
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
const MAX_COOKIE_CHARS = 1500; // encoded; a redirect's headers stay well inside nginx's 4 KB buffer
const LIFETIME_MS = 10 * 60_000;

/** Messages this request has: those its cookie brought, plus those added here. */
const pending = new WeakMap<Request, FlashMessage[]>();

interface FlashCookie {
  /** The user the messages are for (0: nobody signed in). */
  u: number;
  m: FlashMessage[];
}

const owner = (req: Request) => req.user?.id ?? 0;
const cookieOptions = (req: Request) => ({ httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/' });

function incoming(req: Request): FlashMessage[] {
  const cookie = req.signedCookies?.[FLASH_COOKIE] as Partial<FlashCookie> | undefined;
  if (!cookie || cookie.u !== owner(req) || !Array.isArray(cookie.m)) return [];
  return cookie.m
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
  const size = () => encodeURIComponent(JSON.stringify({ u: owner(req), m: list })).length;
  while (list.length > MAX_MESSAGES || (list.length > 1 && size() > MAX_COOKIE_CHARS)) list.shift();
  // One message too large on its own (a long title in a script that encodes to 9 bytes a character): shorten it.
  while (size() > MAX_COOKIE_CHARS) list[0].text = `${list[0].text.slice(0, Math.floor(list[0].text.length * 0.8))}…`;
  const value: FlashCookie = { u: owner(req), m: list };
  req.res!.cookie(FLASH_COOKIE, value, { ...cookieOptions(req), signed: true, maxAge: LIFETIME_MS });
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
          if (!res.headersSent) res.clearCookie(FLASH_COOKIE, cookieOptions(req));
        }
      }
      return taken;
    },
  });
  next();
}
