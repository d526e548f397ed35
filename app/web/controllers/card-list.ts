// A card type's list page (filters, sort, search, pages) and its CSV export
// of the same view. Thin: parse the query, call the card service, render.
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import type { Request } from 'express';
import { listQueryParams, parseListQuery, type ListQuery } from '#app/services/card-list';
import { labelOf, problemIn, typeIn } from '#app/services/card-type-labels';
import type { CardType } from '#app/services/card-types';
import type { SessionUser } from '#app/services/users';
import { can } from '#app/services/permissions';
import { columnLabel, displayMaps, listRowsHtml, readerOf } from '#app/web/card-display';
import { signedIn } from '#app/web/handler';
import { streamCsv } from '#app/web/csv-download';
import { viewsMenu } from '#app/web/controllers/saved-views';

/** What the list's bulk form offers (app/web/controllers/card-bulk.ts takes it). */
function bulkForm(req: Request, user: SessionUser, type: CardType, q: ListQuery) {
  return {
    query: listQueryParams(q, { page: null }),
    transitions: can(user, type, 'transition')
      ? type.transitions
          .filter((t) => user.isSuperuser || t.roles.some((r) => user.roles.includes(r)))
          .map((t) => ({ name: t.name, label: labelOf(t, req.locale) }))
      : [],
    canChange: can(user, type, 'update'),
    canDelete: can(user, type, 'delete'),
  };
}

/** A card type's pages. */
const TYPE = { type: 'text' } as const;

export interface CardListDeps extends Pick<Services, 'cards' | 'savedViews'> {
  /** The names of users and cards the rows and the export show. */
  db: Database;
}

export function cardListController({ cards, db, savedViews }: CardListDeps) {
  return {
    list: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const q = parseListQuery(type, req.query as Record<string, unknown>);
      const [result, assignees, views] = await Promise.all([
        cards.list(user, type.name, q),
        cards.userChoices(),
        savedViews.list(user, type),
      ]);
      // Names only for the fields the list shows: no users query when, as
      // usual, no user field is a column (each query is ~0.3 ms of Node CPU).
      const maps = await displayMaps(db, { ...type, fields: type.fields.filter((f) => type.columns.includes(f.name)) }, result.rows);
      const shown = typeIn(type, req.locale);
      res.render('cards/list.njk', {
        type: shown,
        q,
        result: { ...result, problems: result.problems.map((p) => problemIn(p, shown)) },
        // "more than 1,000 cards" (a search's count stops there), the number as the reader writes it.
        totalShown: new Intl.NumberFormat(req.locale).format(result.total),
        columns: type.columns.map((c) => ({
          name: c,
          label: columnLabel(shown, c, req.t),
          sortUrl: listQueryParams(q, { sort: q.sort === c ? `-${c}` : c, page: null }),
          sorted: q.sort === c ? 'asc' : q.sort === `-${c}` ? 'desc' : null,
        })),
        rows: listRowsHtml(
          shown,
          result.rows,
          maps,
          readerOf(req, user),
          q.deleted ? undefined : (n) => req.t('bulk.form.selectRow', { number: n }),
        ),
        bulk: q.deleted ? null : bulkForm(req, user, type, q),
        filterFields: shown.filters.map((n) => shown.fieldMap.get(n)!).map((f) => ({ field: f, control: fieldType(f).filter!.control(f) })),
        assignees,
        canCreate: can(user, type, 'create'),
        pageUrl: (page: number) => listQueryParams(q, { page }),
        viewsMenu: viewsMenu(req, user, type, views, 'list', listQueryParams(q, { page: null })),
        boardUrl: `/cards/${type.name}/board${listQueryParams(q, { page: null, stage: null })}`,
        exportUrl: `/cards/${type.name}/export.csv${listQueryParams(q, { page: null })}`,
      });
    }),

    /** Plain values of every field, streamed (app/services/card-export.ts says the format). */
    exportCsv: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const q = parseListQuery(type, req.query as Record<string, unknown>);
      await streamCsv(res, db, type, user.timeZone, cards.export(user, type.name, q));
    }),
  };
}
