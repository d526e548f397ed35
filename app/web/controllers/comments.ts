// Working together on a card: comments (write, edit, delete your own),
// watch / unwatch, the mention picker's JSON, and the card page's panel —
// the one timeline (history and comments) and who watches. Thin: parse, call
// the comment or watcher service, render.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize, msg } from '#app/i18n/message';
import type { CardType } from '#app/services/card-types';
import { typeIn } from '#app/services/card-type-labels';
import type { Card } from '#app/services/cards';
import { COMMENT_MAX } from '#app/services/comments';
import { ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';
import { historyTimeline } from '#app/web/card-history';
import { readerOf } from '#app/web/card-display';
import { commentItem, mergeTimeline, TIMELINE_PAGE, timelinePage } from '#app/web/card-timeline';
import type { CardPanelLoader } from '#app/web/controllers/cards';
import { flash } from '#app/web/flash';
import { id, signedIn, STRICT_ID } from '#app/web/handler';

const CARD = { type: 'text', id: id(msg('cards.errors.noCard'), STRICT_ID) } as const;
const COMMENT = { ...CARD, commentId: id(msg('comments.errors.notFound'), STRICT_ID) } as const;

/** Renders the card page (cards controller's `show`) with `extra` on top, at `status`. */
export type CardPage = (
  req: Request,
  res: Response,
  user: SessionUser,
  typeName: string,
  cardId: number,
  extra?: Record<string, unknown>,
  status?: number,
) => Promise<void>;

export type CommentsDeps = Pick<Services, 'comments' | 'watchers' | 'audit'>;

function bodyOf(req: Request): string {
  const v = (req.body as Record<string, unknown> | undefined)?.body;
  return typeof v === 'string' ? v : '';
}

function errorOf(req: Request, err: ValidationError): string {
  const field = err.fieldTexts.body;
  return field ? localize(req.t, field) : localize(req.t, err.text);
}

export function commentsController({ comments, watchers, audit }: CommentsDeps, cardPage: CardPage) {
  async function panelData(req: Request, user: SessionUser, type: CardType, card: Card) {
    const page = timelinePage(req.query.timeline);
    const reader = readerOf(req, user);
    const [history, found, watching] = await Promise.all([
      audit.history(card, type, page * TIMELINE_PAGE),
      comments.forCard(card.id, page * TIMELINE_PAGE),
      watchers.forCard(card.id),
    ]);
    const timeline = mergeTimeline(
      historyTimeline(typeIn(type, req.locale), history, reader),
      { items: found.rows.map((c) => commentItem(c, user.id)), more: found.more },
      page,
    );
    const base = `/cards/${type.name}/${card.id}`;
    return {
      timeline,
      collab: {
        base,
        canComment: !card.deleted_at,
        max: COMMENT_MAX,
        mentionsUrl: `${base}/mentions.json`,
        watchers: watching,
        watching: watching.some((w) => w.id === user.id),
      },
    };
  }

  return {
    /** The card page's panel: the timeline and the watchers. */
    panel: ((req, user, type, card) => panelData(req, user, type, card)) satisfies CardPanelLoader,

    create: signedIn(CARD, async (req, res, { user, params }) => {
      try {
        const { card, comment } = await comments.add(user, params.type, params.id, bodyOf(req));
        flash(req, req.t('comments.flash.added'));
        res.redirect(303, `/cards/${card.type}/${card.id}#comment-${comment.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        // The text stays in the form, with the reason beside it.
        await cardPage(req, res, user, params.type, params.id, { commentForm: { body: bodyOf(req), error: errorOf(req, err) } }, 400);
      }
    }),

    edit: signedIn(COMMENT, async (req, res, { user, params }) => {
      try {
        const card = await comments.edit(user, params.type, params.id, params.commentId, bodyOf(req));
        flash(req, req.t('comments.flash.edited'));
        res.redirect(303, `/cards/${card.type}/${card.id}#comment-${params.commentId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const commentEdit = { id: params.commentId, body: bodyOf(req), error: errorOf(req, err) };
        await cardPage(req, res, user, params.type, params.id, { commentEdit }, 400);
      }
    }),

    remove: signedIn(COMMENT, async (req, res, { user, params }) => {
      const card = await comments.remove(user, params.type, params.id, params.commentId);
      flash(req, req.t('comments.flash.deleted'), 'info');
      res.redirect(303, `/cards/${card.type}/${card.id}#comment-${params.commentId}`);
    }),

    watch: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await watchers.watch(user, params.type, params.id);
      flash(req, req.t('comments.flash.watching', { number: card.number }));
      res.redirect(303, `/cards/${card.type}/${card.id}#watchers`);
    }),

    unwatch: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await watchers.unwatch(user, params.type, params.id);
      flash(req, req.t('comments.flash.notWatching', { number: card.number }), 'info');
      res.redirect(303, `/cards/${card.type}/${card.id}#watchers`);
    }),

    /** GET …/mentions.json?q=: active users who may read the card (the comment box's picker). */
    mentions: signedIn(CARD, async (req, res, { user, params }) => {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      const users = await comments.mentionChoices(user, params.type, params.id, q);
      res.setHeader('Cache-Control', 'no-store');
      res.json({ users });
    }),
  };
}
