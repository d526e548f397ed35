// A card type's board: one column per stage, with its count, its WIP limit
// (the stage's `wip`) and its first tiles, for the list's filters (the same
// query and scope rules as the list: app/services/card-list.ts). Each tile
// carries the moves its reader may make: the transitions allowed to them
// from the card's stage, by the stage they lead to.
import type { SearchLanguage } from '#app/config';
import type { Database } from '#app/db/connection';
import type { Text } from '#app/i18n/message';
import { buildListSql, type ListQuery } from '#app/services/card-list';
import type { CardType, StageDef, TransitionDef } from '#app/services/card-types';
import { allowedTransitions } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

/** Tiles a column shows; the rest are behind its "show more" (the list, filtered to the stage). */
export const BOARD_TILES = 50;

export interface BoardTile {
  id: number;
  number: string;
  title: string;
  stage: string;
  version: number;
  due_at: Date | null;
  assignee_name: string | null;
  owner_id: number;
  assignee_id: number | null;
  /** The transitions the reader may take, first one per target stage. */
  moves: TransitionDef[];
}

export interface BoardColumn {
  stage: StageDef;
  count: number;
  overWip: boolean;
  tiles: BoardTile[];
}

/**
 * The board for `q` (its stage and page are the board's own: each column is
 * a stage, showing its first BOARD_TILES cards in the list's order). One
 * grouped count and one indexed query per stage, in parallel.
 */
export async function readBoard(
  db: Database,
  type: CardType,
  user: SessionUser,
  q: ListQuery,
  searchLanguage: SearchLanguage,
): Promise<{ columns: BoardColumn[]; problems: Text[] }> {
  const counts = stageCounts(db, type, user, q, searchLanguage);
  const tiles = type.stages.map((s) => {
    const one = buildListSql(type, user, { ...q, stage: s.name, page: 1, deleted: false }, user.timeZone, searchLanguage);
    return db.rows<Omit<BoardTile, 'moves'>>(
      `select c.id, c.number, c.title, c.stage, c.version, c.due_at, c.owner_id, c.assignee_id, ua.display_name as assignee_name
         from cards c left join users ua on ua.id = c.assignee_id
        where ${one.where} order by ${one.orderBy} limit ${BOARD_TILES}`,
      one.params,
    );
  });
  const { byStage, problems } = await counts;
  const rows = await Promise.all(tiles);
  const columns = type.stages.map((stage, i) => {
    const count = byStage[stage.name] ?? 0;
    return {
      stage,
      count,
      overWip: stage.wip !== undefined && count > stage.wip,
      tiles: rows[i].map((card) => ({ ...card, moves: movesOf(user, type, card) })),
    };
  });
  return { columns, problems };
}

/**
 * How many cards matching `q` (its stage aside) the user may read are in each stage: the list's own conditions, one
 * grouped count (the board's columns, the process page's stages).
 */
export async function stageCounts(
  db: Database,
  type: CardType,
  user: SessionUser,
  q: ListQuery,
  searchLanguage: SearchLanguage,
): Promise<{ byStage: Record<string, number>; problems: Text[] }> {
  const all = buildListSql(type, user, { ...q, stage: '', page: 1, deleted: false }, user.timeZone, searchLanguage);
  const rows = await db.rows<{ stage: string; n: number }>(
    `select c.stage, count(*)::int as n from cards c where ${all.where} group by c.stage`,
    all.whereParams,
  );
  return { byStage: Object.fromEntries(rows.map((r) => [r.stage, r.n])), problems: all.problems };
}

/** The allowed transitions of a card, one per stage they lead to (the first declared wins). */
function movesOf(user: SessionUser, type: CardType, card: Omit<BoardTile, 'moves'>): TransitionDef[] {
  const seen = new Set<string>();
  return allowedTransitions(user, type, card).filter((t) => t.to !== card.stage && !seen.has(t.to) && seen.add(t.to));
}
