// The signed-in user as a request knows it, and the one statement that
// reads it (with roles) for the session store, the services and passport.
import { prepared, type Database } from '#app/db/connection';

/** What a request knows about its signed-in user. */
export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  isSuperuser: boolean;
  timeZone: string;
  /** The language the user chose (null: the browser's, else the installation's default). */
  locale: string | null;
  roles: string[];
}

/** One row of sessionUserSql. */
export interface SessionUserRow {
  id: number;
  email: string;
  display_name: string;
  is_superuser: boolean;
  time_zone: string;
  locale: string | null;
  roles: string[];
}

/**
 * The statement that reads an active user with their roles, for the user id
 * given as a SQL expression: `sessionUser` passes a parameter, the session
 * store a column of the session row (one round trip for both, per request).
 */
export function sessionUserSql(idExpr: string): string {
  return `select u.id, u.email, u.display_name, u.is_superuser, u.time_zone, u.locale,
            coalesce(array_agg(r.name order by r.name) filter (where r.name is not null), '{}') as roles
       from users u
       left join user_roles ur on ur.user_id = u.id
       left join roles r on r.id = ur.role_id
      where u.id = ${idExpr} and u.is_active
      group by u.id`;
}

const SESSION_USER = prepared(sessionUserSql('$1'));

export function toSessionUser(u: SessionUserRow): SessionUser {
  return {
    id: u.id,
    email: u.email,
    displayName: u.display_name,
    isSuperuser: u.is_superuser,
    timeZone: u.time_zone,
    locale: u.locale,
    roles: u.roles,
  };
}

/** An active user with roles, as a request knows them (services without the UserService use it too). */
export async function readSessionUser(db: Database, id: number): Promise<SessionUser | null> {
  const rows = await db.rows<SessionUserRow>(SESSION_USER, [id]);
  return rows[0] ? toSessionUser(rows[0]) : null;
}
