// Saved views: a name for a card list's query string (filters, sort — what
// the list and the board read from the URL), personal or shared with a
// role. A view stores nothing else: opening it is following its URL, so the
// address still carries everything. Whoever made a view may delete it, an
// administrator any; a shared view is seen by the holders of its role.
import type { Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import { listQueryParams, parseListQuery } from '#app/services/card-list';
import type { CardType } from '#app/services/card-types';
import { NotFoundError, ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';

export const VIEW_NAME_MAX = 100;

export interface SavedViewRow {
  id: number;
  name: string;
  query: string;
  role: string | null;
  owner_id: number;
  /** May the reader delete it (theirs, or they are an administrator). */
  mine: boolean;
}

export class SavedViewService {
  constructor(private readonly db: Database) {}

  /** The views of the type the user may open: their own and those shared with a role they hold (an admin: every shared one). */
  async list(user: SessionUser, type: CardType): Promise<SavedViewRow[]> {
    const rows = await this.db.rows<Omit<SavedViewRow, 'mine'>>(
      `select v.id, v.name, v.query, v.role, v.owner_id
         from saved_views v
        where v.card_type = $1 and (v.owner_id = $2 or v.role = any($3::text[]) or ($4 and v.role is not null))
        order by lower(v.name), v.id`,
      [type.name, user.id, user.roles, user.isSuperuser],
    );
    return rows.map((r) => ({ ...r, mine: r.owner_id === user.id || user.isSuperuser }));
  }

  /**
   * Names the query string `query` (as the list's URL has it; read through
   * the list's parser, so only what the type knows is kept, and no page).
   * `role`: '' for a personal view, else a role the user holds (an admin: any).
   */
  async create(user: SessionUser, type: CardType, input: { name: string; query: string; role: string }): Promise<SavedViewRow> {
    const name = input.name.trim();
    const role = input.role.trim();
    const errors: Record<string, ReturnType<typeof msg>> = {};
    if (!name) errors.name = msg('views.errors.nameEmpty');
    else if (name.length > VIEW_NAME_MAX) errors.name = msg('views.errors.nameLong', { max: VIEW_NAME_MAX });
    if (role && !user.roles.includes(role) && !(user.isSuperuser && Object.hasOwn(type.permissions, role)))
      errors.role = msg('views.errors.notYourRole', { role });
    if (!errors.name) {
      const [taken] = await this.db.rows(`select 1 from saved_views where owner_id = $1 and card_type = $2 and lower(name) = lower($3)`, [
        user.id,
        type.name,
        name,
      ]);
      if (taken) errors.name = msg('views.errors.nameTaken', { name });
    }
    if (Object.keys(errors).length) throw new ValidationError(msg('views.errors.notSaved'), errors);
    const q = parseListQuery(type, Object.fromEntries(new URLSearchParams(input.query.replace(/^\?/, ''))));
    const query = listQueryParams({ ...q, page: 1 });
    const [row] = await this.db.rows<{ id: number }>(
      `insert into saved_views (card_type, name, query, owner_id, role) values ($1, $2, $3, $4, $5) returning id`,
      [type.name, name, query, user.id, role || null],
    );
    return { id: row.id, name, query, role: role || null, owner_id: user.id, mine: true };
  }

  /** Deletes a view of the type: its maker's, or any for an admin; otherwise it is not there for them. */
  async remove(user: SessionUser, type: CardType, id: number): Promise<string> {
    const [row] = await this.db.rows<{ name: string }>(
      `delete from saved_views where id = $1 and card_type = $2 and (owner_id = $3 or $4) returning name`,
      [id, type.name, user.id, user.isSuperuser],
    );
    if (!row) throw new NotFoundError(msg('views.errors.noView'));
    return row.name;
  }
}
