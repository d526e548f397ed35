// The list of a card type: filters, full-text search, sort and pages, all
// from the URL's query so a link reproduces the view. Scope rules apply here
// exactly as on a single card (lists, search and export alike).
import { fieldType } from '#app/fields/registry';
import { msg, type Text } from '#app/i18n/message';
import type { SearchLanguage } from '#app/config';
import { prepared, type Prepared } from '#app/db/connection';
import type { CardType } from '#app/services/card-types';
import { searchCondition } from '#app/services/search';
import { scopeFor } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';
import { pageNumber, paramReader } from '#app/services/query-params';

export const PAGE_SIZE = 50;

export interface ListQuery {
  q: string;
  stage: string;
  assignee: string;
  sort: string;
  page: number;
  /** Filter values by parameter: the field's name and the suffix its type reads (select: NAME; date: NAME_from, NAME_to). */
  filters: Record<string, string>;
  /** Admins only: the deleted cards instead of the live ones. */
  deleted: boolean;
}

/** Reads a list query from URL parameters, keeping only what the type knows. */
export function parseListQuery(type: CardType, params: Record<string, unknown>): ListQuery {
  const one = paramReader(params);
  const filters: Record<string, string> = {};
  for (const name of type.filters) {
    for (const suffix of fieldType(type.fieldMap.get(name)!).filter!.params)
      if (one(name + suffix)) filters[name + suffix] = one(name + suffix);
  }
  return {
    q: one('q').slice(0, 200),
    stage: one('stage'),
    assignee: one('assignee'),
    sort: one('sort') || '-updated_at',
    page: pageNumber(one('page'), 999_999),
    filters,
    deleted: one('deleted') === '1',
  };
}

/** The query as URL parameters (for links that keep the view). */
export function listQueryParams(q: ListQuery, changes: Partial<Record<string, string | number | null>> = {}): string {
  const p = new URLSearchParams();
  const set = (k: string, v: string | number | null | undefined) => {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  };
  set('q', q.q);
  set('stage', q.stage);
  set('assignee', q.assignee);
  for (const [k, v] of Object.entries(q.filters)) set(k, v);
  if (q.sort !== '-updated_at') set('sort', q.sort);
  if (q.page > 1) set('page', q.page);
  if (q.deleted) set('deleted', '1');
  for (const [k, v] of Object.entries(changes)) {
    p.delete(k);
    set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export interface BuiltQuery {
  where: string;
  /** Parameters of the whole query (where and order by). */
  params: unknown[];
  /** Parameters of the where clause alone (for counting). */
  whereParams: unknown[];
  orderBy: string;
  /** Problems with the query itself (unknown stage, bad date): shown, not fatal. */
  problems: Text[];
}

/** SQL pieces for the list; `c` is cards, `ua` the assignee. */
export function buildListSql(
  type: CardType,
  user: SessionUser,
  q: ListQuery,
  timeZone: string,
  searchLanguage: SearchLanguage = 'simple',
): BuiltQuery {
  const params: unknown[] = [type.name];
  const add = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where = ['c.type = $1', q.deleted && user.isSuperuser ? 'c.deleted_at is not null' : 'c.deleted_at is null'];
  const problems: Text[] = [];
  if (scopeFor(user, type, 'read') === 'own') {
    const u = add(user.id);
    where.push(`(c.owner_id = ${u} or c.assignee_id = ${u})`);
  }
  if (q.stage) {
    if (type.stageMap.has(q.stage)) where.push(`c.stage = ${add(q.stage)}`);
    else problems.push(msg('cards.problems.unknownStage', { stage: q.stage }));
  }
  if (q.assignee === 'me') where.push(`c.assignee_id = ${add(user.id)}`);
  else if (q.assignee === 'none') where.push('c.assignee_id is null');
  else if (/^\d{1,15}$/.test(q.assignee)) where.push(`c.assignee_id = ${add(Number(q.assignee))}`);
  if (q.q) where.push(searchCondition(q.q, searchLanguage, add));
  // Each filter field's type reads its parameters (in the type's filter order, as parseListQuery kept them).
  for (const name of type.filters) {
    const f = type.fieldMap.get(name)!;
    const filter = fieldType(f).filter!;
    for (const suffix of filter.params) {
      const value = q.filters[name + suffix];
      if (value === undefined) continue;
      const r = filter.where(f, suffix, value, `(c.data->>'${f.name}')`, { bind: add, timeZone });
      if ('problem' in r) problems.push(r.problem);
      else where.push(r.sql);
    }
  }
  const whereParams = [...params];
  return { where: where.join(' and '), params, whereParams, orderBy: orderBy(type, q.sort, add), problems };
}

/** A whitelisted ORDER BY for `-column` / `column`; unknown columns fall back to recent first. */
function orderBy(type: CardType, sort: string, add: (v: unknown) => string): string {
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  const dir = desc ? 'desc' : 'asc';
  const nulls = desc ? 'nulls last' : 'nulls first';
  const common: Record<string, () => string> = {
    number: () => 'c.id',
    title: () => 'lower(c.title)',
    stage: () => `array_position(${add(type.stages.map((s) => s.name))}::text[], c.stage)`,
    assignee: () => 'lower(ua.display_name)',
    owner: () => 'c.owner_id',
    due_at: () => 'c.due_at',
    created_at: () => 'c.created_at',
  };
  if (key === 'updated_at') return `c.updated_at ${dir}, c.id ${dir}`;
  if (key in common) return `${common[key]()} ${dir} ${nulls}, c.id ${dir}`;
  const f = type.fieldMap.get(key);
  const expr = f ? fieldType(f).sortSql(`(c.data->>'${f.name}')`) : null;
  if (!expr) return 'c.updated_at desc, c.id desc';
  return `${expr} ${dir} ${nulls}, c.id ${dir}`;
}

/**
 * What a list page reads: id, number, title and stage, the common columns the
 * type shows, and of `data` only the fields that are columns (the others
 * removed in the database: a description of any length is not parsed 50
 * times to show a supplier; `data - keys` reads the value once, where one
 * `data->'field'` per column would decompress a large one each time).
 * Parsing the 15 columns of a full card (50 rows) cost a third more Node CPU
 * than these (docs/benchmarks.md). The assignee stays joined: a list may
 * sort by it. `deletedAt` only on an admin's view of deleted cards.
 */
export function listSelect(type: CardType, deletedAt: boolean): string {
  // Names are checked identifiers (card-types.ts: [a-z][a-z0-9_]*), safe in an array literal.
  const hidden = type.fields.filter((f) => !type.columns.includes(f.name)).map((f) => f.name);
  const cols = ['c.id', 'c.number', 'c.title', 'c.stage', hidden.length ? `c.data - '{${hidden.join(',')}}'::text[] as data` : 'c.data'];
  let from = 'cards c left join users ua on ua.id = c.assignee_id';
  if (type.columns.includes('assignee')) cols.push('ua.display_name as assignee_name');
  for (const time of ['due_at', 'created_at', 'updated_at']) if (type.columns.includes(time)) cols.push(`c.${time}`);
  if (deletedAt) cols.push('c.deleted_at');
  if (type.columns.includes('owner')) {
    cols.push('uo.display_name as owner_name');
    from += ' left join users uo on uo.id = c.owner_id';
  }
  return `${cols.join(', ')} from ${from}`;
}

/**
 * A list page's statement, prepared — PostgreSQL parses and plans it once per
 * connection instead of on every page view (that was half of its CPU for a
 * list page: docs/benchmarks.md) — for the views most page loads are: the
 * first page of live cards in the default order (most recently changed
 * first), for a user who may read every card of the type, with at most a
 * stage and an assignee filter. Indexes serve those in the sort's order for
 * every value alike ((type, stage, updated_at), (type, assignee_id,
 * updated_at)), so one kept plan is right for all of them. Everything else is
 * planned on each run: a full-text term or a field value matches anything
 * from no card to all of them; an own-scope view's `owner = $u or assignee =
 * $u` has no index in the sort's order, so a plan kept for the average user
 * would walk the whole type for a user with few cards; another sort or page
 * is a shape of its own (and with the offset a parameter, PostgreSQL prices a
 * kept plan as if the offset were large and plans every run anyway). That
 * leaves a handful of shapes per type; MAX_LIST_STATEMENTS bounds them per
 * process, as each stays on every pooled connection.
 */
const MAX_LIST_STATEMENTS = 200;
const DEFAULT_SORT = '-updated_at';
const listStatements = new Map<string, Prepared>();

export function listStatement(text: string, q: ListQuery, ownScope: boolean): string | Prepared {
  if (ownScope || q.page !== 1 || q.deleted || q.sort !== DEFAULT_SORT || q.q || Object.keys(q.filters).length) return text;
  let statement = listStatements.get(text);
  if (!statement) {
    if (listStatements.size >= MAX_LIST_STATEMENTS) return text;
    statement = prepared(text);
    listStatements.set(text, statement);
  }
  return statement;
}
