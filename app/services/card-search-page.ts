// One page of a list view with a search term, at any size of the type
// (docs/benchmarks.md, "Card search at 1,000,000 cards"). In this order:
//
// 1. The matches are looked up, up to `countUpTo` + 1 of them, in no order
//    (first among the first cards of the table, then through the full-text
//    index: see SCAN_FIRST): that is the page's count. A search
//    is never counted past it — an exact count of a common word (35,000 to
//    100,000 cards of a million) visited every match, 1–2 s — so a larger
//    match reads "more than 1,000 cards" and has no last page, only the next.
// 2. When the match is small (at most `countUpTo`), the page's rows are read
//    by those ids (primary key) and sorted: never by walking the recency
//    index and testing each card's vector, which the planner chose for a
//    term it thought common (a quoted phrase is estimated as its words
//    anywhere: 459 cards estimated 2,432) and which read 100,000 cards to
//    find 50 (2–3 s). The view's WHERE is applied again, so a card changed
//    between the two statements is not shown.
// 3. When it is large, the rows are the view's own statement, walking the
//    recency index newest first when the lookup found the match dense, else
//    sorting the matches (see `dense`). One row more than the page tells
//    whether a next page exists.
import type { Database, Transaction } from '#app/db/connection';
import { PAGE_SIZE } from '#app/services/card-list';

// Step 1 in two steps, as neither alone holds for every term. Left to
// itself, the planner reads the table in order (or walks the recency index)
// when it thinks the match common, and stops at the limit: right when it is
// (a common word: 1,001 matches within some thousand cards, 4–40 ms), but a
// phrase, or two words that are each common and seldom together, are
// estimated far above what they match, and then it read every card to find
// the few there are (1–20 s at a million). A bitmap scan of the full-text
// index is right for those, but for a common word it builds a bitmap of
// every match before the first row (100,000 matches: 150–600 ms on a loaded
// machine). So: first the matches among the first SCAN_FIRST cards of the
// table in its order (a common word ends there); only when fewer, the
// bitmap scan, forced for that statement (SET LOCAL: until its transaction
// ends) — the match is then at most some thousands, or it is not common there.
const SCAN_FIRST = 40_000;
const FULL_TEXT_INDEX_ONLY = "select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)";
// The rows of a large match (step 3): walk the recency index, or sort the matches found by a bitmap scan.
const WALK = "select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)";
const NO_WALK = "select set_config('enable_indexscan', 'off', true)";

/** `fn`'s statement planned with `settings` (SET LOCAL, in a transaction of its own), or as the planner likes (null). */
async function withPlan<R>(db: Database, settings: string | null, fn: (t: Transaction | null) => Promise<R>): Promise<R> {
  if (!settings) return fn(null);
  return db.transaction(async (t) => {
    await db.rows(settings, [], t);
    return fn(t);
  });
}

export interface SearchPageSql {
  /** `select … from … where <the view's where>`, without ORDER BY. */
  select: string;
  where: string;
  orderBy: string;
  /** The view's order is the default, most recently changed first (the recency index serves it). */
  newestFirst: boolean;
  /** Parameters of select + orderBy, and of the where alone. */
  params: unknown[];
  whereParams: unknown[];
}

export interface SearchPage<T> {
  rows: T[];
  /** The number of matches, or `countUpTo` when `capped`. */
  total: number;
  /** More than `countUpTo` cards match: `total` is a lower bound. */
  capped: boolean;
  /** Pages of the view; when capped, the pages known so far (this one, and the next when there is one). */
  pages: number;
}

export async function searchPage<T>(db: Database, sql: SearchPageSql, page: number, countUpTo: number): Promise<SearchPage<T>> {
  const offset = (page - 1) * PAGE_SIZE;
  const limit = `limit ${countUpTo + 1}`;
  const first = await db.rows<{ id: number }>(
    `select c.id from (select * from cards limit ${SCAN_FIRST}) c where ${sql.where} ${limit}`,
    sql.whereParams,
  );
  const matches =
    first.length > countUpTo
      ? first
      : await withPlan(db, FULL_TEXT_INDEX_ONLY, (t) =>
          db.rows<{ id: number }>(`select c.id from cards c where ${sql.where} ${limit}`, sql.whereParams, t),
        );
  if (matches.length <= countUpTo) {
    const total = matches.length;
    const rows =
      offset < total
        ? await db.rows<T>(
            `${sql.select} and c.id = any($${sql.params.length + 1}::bigint[]) order by ${sql.orderBy} limit ${PAGE_SIZE} offset ${offset}`,
            [...sql.params, matches.map((m) => m.id)],
          )
        : [];
    return { rows, total, capped: false, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }
  // Dense where the first cards were read (three times the matches this page needs, or 1,001):
  // newest first, the page's matches come within a third of SCAN_FIRST cards. Sparse: sorting the
  // matches costs less than walking to them (at a million cards the two cost alike at about 290
  // matches in the first 40,000). The planner may not know: "кондиц:*" was estimated at 1,077 cards
  // and found 17,437 — a bitmap and a sort of them all, 0.7 s — or the other way round.
  const dense = first.length > countUpTo || first.length >= 3 * (offset + PAGE_SIZE + 1);
  const plan = !dense ? NO_WALK : sql.newestFirst ? WALK : null;
  const rows = await withPlan(db, plan, (t) =>
    db.rows<T>(`${sql.select} order by ${sql.orderBy} limit ${PAGE_SIZE + 1} offset ${offset}`, sql.params, t),
  );
  if (rows.length > PAGE_SIZE) return { rows: rows.slice(0, PAGE_SIZE), total: countUpTo, capped: true, pages: page + 1 };
  // The last page: its rows end the view, and give the exact total (no page past the end shows "0 cards").
  if (rows.length) return { rows, total: offset + rows.length, capped: false, pages: page };
  return { rows, total: countUpTo, capped: true, pages: page };
}
