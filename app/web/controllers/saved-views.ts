// Saved views of a card type's list and board: save the current query under
// a name (personal or shared with a role), delete one. Opening a view is a
// plain link to its URL (the menu on the list and the board:
// templates/cards/views-menu.njk). Thin: parse, call the service, redirect.
import type { Request } from 'express';
import type { Services } from '#app/context';
import { localize, localizeAll } from '#app/i18n/message';
import type { CardType } from '#app/services/card-types';
import { typeIn } from '#app/services/card-type-labels';
import { ValidationError } from '#app/services/errors';
import type { SavedViewRow } from '#app/services/saved-views';
import type { SessionUser } from '#app/services/users';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const TYPE = { type: 'text' } as const;
const VIEW = { type: 'text', viewId: id() } as const;

export type SavedViewsDeps = Pick<Services, 'cards' | 'savedViews'>;

/** Where a view opens: the list or the board, with its query. */
function pageOf(type: CardType, where: unknown, query: string): string {
  return `/cards/${type.name}${where === 'board' ? '/board' : ''}${query}`;
}

/** The roles a user may share a view with: their own (an admin: every role the type names). */
export function shareRoles(user: SessionUser, type: CardType): string[] {
  return user.isSuperuser ? Object.keys(type.permissions) : user.roles.filter((r) => Object.hasOwn(type.permissions, r));
}

/** What the views menu of a list or board needs. */
export function viewsMenu(req: Request, user: SessionUser, type: CardType, views: SavedViewRow[], where: 'list' | 'board', query: string) {
  return {
    where,
    query,
    roles: shareRoles(user, type),
    views: views.map((v) => ({ ...v, url: pageOf(type, where, v.query) })),
    back: req.originalUrl,
  };
}

export function savedViewsController({ cards, savedViews }: SavedViewsDeps) {
  return {
    create: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const input = { name: String(body.name ?? ''), query: String(body.query ?? ''), role: String(body.role ?? '') };
      try {
        const view = await savedViews.create(user, type, input);
        flash(req, req.t('views.flash.saved', { name: view.name }));
        res.redirect(303, pageOf(type, body.where, view.query));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('cards/view-save.njk', {
          type: typeIn(type, req.locale),
          input,
          where: body.where === 'board' ? 'board' : 'list',
          roles: shareRoles(user, type),
          message: localize(req.t, err.text),
          errors: localizeAll(req.t, err.fieldTexts),
          back: pageOf(type, body.where, input.query.startsWith('?') ? input.query : ''),
        });
      }
    }),

    remove: signedIn(VIEW, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const name = await savedViews.remove(user, type, params.viewId);
      flash(req, req.t('views.flash.deleted', { name }), 'info');
      const back = String(req.body?.back ?? '');
      res.redirect(303, back.startsWith(`/cards/${type.name}`) && !/[\\\s]/.test(back) ? back : `/cards/${type.name}`);
    }),
  };
}
