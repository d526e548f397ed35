// Live pages (docs/working-together.md, "Live"): the card page, its edit
// form, the list and the board ask every second whether their card or type
// changed, and fetch the page again only when it did (lib/static/js/live.js).
//
// What MUST hold, and why:
// - A poll costs no statement and none of the pages' middleware: `fastPath`,
//   mounted before them (app/web/app.ts), answers from the process's memory
//   (app/services/live.ts) — the mark, the card's row for the read check, the
//   session's user as a full poll of this process found it. Anything it does
//   not know (a session or card not seen lately, a refusal, a bad cookie)
//   goes the whole way (`typeMark`, `cardMark`): one full poll per page after
//   a change to sessions, users or roles, or to the card. Polls are not in
//   the request log (one a second per open page would drown it), like /healthz.
// - A user who may not read the card (or the type) gets the same 404 as for
//   no card: the mark of a card they cannot see says nothing to them.
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { NotFoundError } from '#app/services/errors';
import { canRead } from '#app/services/permissions';
import { id, signedIn, STRICT_ID } from '#app/web/handler';

export type LiveDeps = Pick<Services, 'cards' | 'live'>;

/** What the fast path needs to read a session cookie as express-session wrote it. */
export interface SessionCookie {
  name: string;
  secret: string;
}

const FAST = /^\/cards\/([a-z][a-z0-9_]{0,62})\/(?:([1-9]\d{0,14})\/)?live\.json$/;

/** The session id in a Cookie header, when its signature holds. */
function sessionIdOf(header: string | undefined, cookie: SessionCookie): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== cookie.name) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
    const sid = cookieParser.signedCookie(value, cookie.secret);
    return typeof sid === 'string' && sid !== value ? sid : null;
  }
  return null;
}

function answer(res: Response, body: unknown): void {
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.end(JSON.stringify(body));
}

const CARD = { type: 'text', id: id(msg('cards.errors.noCard'), STRICT_ID) } as const;

/** The page kinds that are live, by their path under /cards/:type. */
const PAGES: Array<[RegExp, 'card' | 'edit' | 'list' | 'board']> = [
  [/^\/([1-9]\d{0,14})$/, 'card'],
  [/^\/([1-9]\d{0,14})\/edit$/, 'edit'],
  [/^\/?$/, 'list'],
  [/^\/board$/, 'board'],
];

export function liveController({ cards, live }: LiveDeps) {
  return {
    /** Before every other middleware: a poll of a session, type and card this process knows, answered from memory. */
    fastPath(cookie: SessionCookie) {
      return (req: Request, res: Response, next: NextFunction) => {
        if (req.method !== 'GET') return next();
        const m = FAST.exec(req.path);
        if (!m) return next();
        const sid = sessionIdOf(req.headers.cookie, cookie);
        const user = sid ? live.sessionUser(sid) : null;
        const type = user ? cards.types.get(m[1]) : undefined;
        if (!user || !type || !canRead(user, type)) return next();
        live.fromMemory++;
        if (!m[2]) return answer(res, { mark: live.typeMark(type.name) });
        const card = live.keptCard(Number(m[2]));
        if (!card || card.type !== type.name || !cards.mayRead(user, card)) {
          live.fromMemory--;
          return next();
        }
        answer(res, { mark: live.cardMark(card.id, card.type), version: card.version });
      };
    },

    /** GET /cards/:type/live.json: the type's mark (the list, the board). */
    typeMark: signedIn({ type: 'text' }, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      await live.listen();
      live.rememberSession(req.sessionID, user);
      res.set('cache-control', 'no-store').json({ mark: live.typeMark(type.name) });
    }),

    /** GET /cards/:type/:id/live.json: the card's mark and version (the card page, its edit form). */
    cardMark: signedIn(CARD, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      await live.listen();
      const card = await live.card(params.id);
      if (!card || card.type !== type.name || !cards.mayRead(user, card)) throw new NotFoundError(msg('cards.errors.noCard'));
      live.rememberSession(req.sessionID, user);
      res.set('cache-control', 'no-store').json({ mark: live.cardMark(card.id, card.type), version: card.version });
    }),

    /**
     * Before a live page renders (mounted on /cards/:type): what its script
     * polls and the mark it starts from, taken before the page reads its data
     * (a change in between moves the mark, and the page fetches again).
     */
    async page(req: Request, res: Response, next: NextFunction) {
      if (req.method !== 'GET' || !req.user) return next();
      const hit = PAGES.find(([re]) => re.test(req.path));
      if (!hit) return next();
      const [re, mode] = hit;
      const type = typeof req.params.type === 'string' ? req.params.type : '';
      const base = `/cards/${encodeURIComponent(type)}`;
      const cardId = re.exec(req.path)?.[1];
      await live.listen();
      const page = cardId
        ? { mode, url: `${base}/${cardId}/live.json`, mark: live.cardMark(Number(cardId), type) ?? '' }
        : { mode, url: `${base}/live.json`, mark: live.typeMark(type) ?? '' };
      // Read when the page renders: an error page (the 404 of a card the user may not read) is not live and
      // shows no mark, which would tell that the card exists and changed.
      Object.defineProperty(res.locals, 'live', {
        enumerable: true,
        configurable: true,
        get: () => (res.statusCode < 400 ? page : null),
      });
      next();
    },
  };
}
