// A card type's board (/cards/:type/board): a column per stage, its cards as
// tiles, each with the moves its reader may make. Thin: parse the list's
// query, read the board (app/services/card-board.ts), render. A move is the
// card page's own transition route (POST /cards/:type/:id/transition, with
// the card's version), so a stale tile gets the usual conflict page.
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { readBoard } from '#app/services/card-board';
import { listQueryParams, parseListQuery } from '#app/services/card-list';
import { labelOf, problemIn, typeIn } from '#app/services/card-type-labels';
import { formatDate } from '#app/services/date-format';
import { signedIn } from '#app/web/handler';
import { viewsMenu } from '#app/web/controllers/saved-views';

const TYPE = { type: 'text' } as const;

export interface CardBoardDeps extends Pick<Services, 'cards' | 'savedViews'> {
  /** The board's queries (counts and tiles per stage). */
  db: Database;
}

export function cardBoardController({ cards, db, savedViews }: CardBoardDeps) {
  return {
    board: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const q = parseListQuery(type, req.query as Record<string, unknown>);
      const [{ columns, problems }, assignees, views] = await Promise.all([
        readBoard(db, type, user, q, cards.searchLanguage),
        cards.userChoices(),
        savedViews.list(user, type),
      ]);
      const shown = typeIn(type, req.locale);
      const now = Date.now();
      const view = listQueryParams({ ...q, stage: '', page: 1, deleted: false });
      res.render('cards/board.njk', {
        type: shown,
        q,
        view,
        back: `/cards/${type.name}/board${view}`,
        viewsMenu: viewsMenu(req, user, type, views, 'board', view),
        problems: problems.map((p) => problemIn(p, shown)),
        columns: columns.map((c) => ({
          ...c,
          stage: shown.stageMap.get(c.stage.name)!,
          moreUrl: `/cards/${type.name}${listQueryParams({ ...q, stage: c.stage.name, page: 1 })}`,
          tiles: c.tiles.map((card) => ({
            ...card,
            due: card.due_at ? formatDate(card.due_at, user.timeZone, req.locale) : '',
            overdue: Boolean(card.due_at && card.due_at.getTime() < now && !type.stageMap.get(card.stage)?.final),
            moves: card.moves.map((m) => ({
              name: m.name,
              to: m.to,
              label: labelOf(m, req.locale),
              toLabel: shown.stageMap.get(m.to)!.label,
              needsForm: m.requires.length > 0,
            })),
          })),
        })),
        filterFields: shown.filters.map((n) => shown.fieldMap.get(n)!).map((f) => ({ field: f, control: fieldType(f).filter!.control(f) })),
        assignees,
      });
    }),
  };
}
