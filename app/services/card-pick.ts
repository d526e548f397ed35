// Finding a card by what a person types: its number ("PR-000012", any case,
// the zeros optional: "pr-12") or its internal id ("12", what `?card=ID`
// links carry), and the few cards whose number or title matches a search —
// only cards the user may read, so neither a lookup nor the search reveals
// a card's existence to someone who may not see it.
import type { Database } from '#app/db/connection';
import type { CardService } from '#app/services/cards';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export interface PickedCard {
  id: number;
  type: string;
  number: string;
  title: string;
}

const NUMBER = /^([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,15})$/;

/** "pr-12" → "PR-000012" (six digits at least, as numbers are made). */
export function normalNumber(raw: string): string | null {
  const m = NUMBER.exec(raw.trim());
  return m ? `${m[1].toUpperCase()}-${m[2].replace(/^0+(?=\d)/, '').padStart(6, '0')}` : null;
}

/** The readable, not deleted card a form's text names (number or id); null when none. */
export async function findCard(db: Database, cards: CardService, user: SessionUser, raw: string): Promise<PickedCard | null> {
  const s = raw.trim();
  const number = normalNumber(s);
  if (!number && !/^\d{1,15}$/.test(s)) return null;
  const [c] = await db.rows<PickedCard & { owner_id: number; assignee_id: number | null; deleted_at: Date | null }>(
    `select id, type, number, title, owner_id, assignee_id, deleted_at from cards where ${number ? 'number = $1' : 'id = $1'}`,
    [number ?? Number(s)],
  );
  if (!c || !cards.mayRead(user, c)) return null;
  return { id: c.id, type: c.type, number: c.number, title: c.title };
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** Up to `limit` readable cards whose number starts with, or title contains, `q` (newest change first). */
export async function searchCards(db: Database, cards: CardService, user: SessionUser, q: string, limit = 10): Promise<PickedCard[]> {
  const text = q.trim().slice(0, 100);
  if (!text) return [];
  // The title is compared lower-cased on both sides by ICU's Unicode rules,
  // not with ilike: a cluster made with LC_CTYPE=C (the embedded one) folds
  // only ASCII there, so "ноут" would never find "Ноутбуки".
  const params: unknown[] = [user.id, `${likeEscape(normalNumber(text) ?? text)}%`, `%${likeEscape(text)}%`];
  const parts: string[] = [];
  for (const type of cards.readableTypes(user)) {
    params.push(type.name);
    const own = can(user, type, 'read', { owner_id: -1, assignee_id: -1 }) ? '' : ' and (c.owner_id = $1 or c.assignee_id = $1)';
    parts.push(
      `(select c.id, c.type, c.number, c.title, c.updated_at from cards c where c.type = $${params.length} and c.deleted_at is null${own}
         and (c.number ilike $2 or lower(c.title collate "und-x-icu") like lower($3 collate "und-x-icu")) order by c.updated_at desc limit ${limit})`,
    );
  }
  if (!parts.length) return [];
  return db.rows<PickedCard>(
    `select id, type, number, title from (${parts.join(' union all ')}) x where $1::bigint > 0 order by updated_at desc limit ${limit}`,
    params,
  );
}
