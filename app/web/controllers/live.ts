// Live pages (docs/working-together.md, "Live"): the card page, its edit
// form, the list and the board ask every second whether their card or type
// changed, and fetch the page again only when it did (lib/static/js/live.js).
//
// What MUST hold, and why:
// - A poll costs the session read and nothing else: the mark comes from the
//   process's memory (app/services/live.ts), the card's row for the read
//   check too, until the card's next change.
// - A user who may not read the card (or the type) gets the same 404 as for
//   no card: the mark of a card they cannot see says nothing to them.
import type { NextFunction, Request, Response } from 'express';
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { NotFoundError } from '#app/services/errors';
import { id, signedIn, STRICT_ID } from '#app/web/handler';

export type LiveDeps = Pick<Services, 'cards' | 'live'>;

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
    /** GET /cards/:type/live.json: the type's mark (the list, the board). */
    typeMark: signedIn({ type: 'text' }, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      await live.listen();
      res.set('cache-control', 'no-store').json({ mark: live.typeMark(type.name) });
    }),

    /** GET /cards/:type/:id/live.json: the card's mark and version (the card page, its edit form). */
    cardMark: signedIn(CARD, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      await live.listen();
      const card = await live.card(params.id);
      if (!card || card.type !== type.name || !cards.mayRead(user, card)) throw new NotFoundError(msg('cards.errors.noCard'));
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
      const base = `/cards/${encodeURIComponent(String(req.params.type))}`;
      const cardId = re.exec(req.path)?.[1];
      await live.listen();
      const type = String(req.params.type);
      res.locals.live = cardId
        ? { mode, url: `${base}/${cardId}/live.json`, mark: live.cardMark(Number(cardId), type) ?? '' }
        : { mode, url: `${base}/live.json`, mark: live.typeMark(type) ?? '' };
      next();
    },
  };
}
