// The list of a card type: filters, full-text search, sort and pages, all
// from the URL's query so a link reproduces the view. Scope rules apply here
// exactly as on a single card (lists, search and export alike).
import { msg, type Text } from '#app/i18n/message';
import type { SearchLanguage } from '#app/config';
import type { CardType } from '#app/services/card-types';
import { searchCondition } from '#app/services/search';
import { scopeFor } from '#app/services/permissions';
import { parseDate, zonedToUtc } from '#app/services/time';
import type { SessionUser } from '#app/services/users';

export const PAGE_SIZE = 50;

export interface ListQuery {
  q: string;
  stage: string;
  assignee: string;
  sort: string;
  page: number;
  /** select and boolean filters by field name; date filters as NAME_from / NAME_to. */
  filters: Record<string, string>;
  /** Admins only: the deleted cards instead of the live ones. */
  deleted: boolean;
}

/** Reads a list query from URL parameters, keeping only what the type knows. */
export function parseListQuery(type: CardType, params: Record<string, unknown>): ListQuery {
  const one = (k: string) => {
    const v = params[k];
    return (Array.isArray(v) ? String(v[0] ?? '') : typeof v === 'string' ? v : '').trim();
  };
  const filters: Record<string, string> = {};
  for (const name of type.filters) {
    const f = type.fieldMap.get(name)!;
    if (f.type === 'date' || f.type === 'datetime') {
      for (const suffix of ['_from', '_to']) if (one(name + suffix)) filters[name + suffix] = one(name + suffix);
    } else if (one(name)) filters[name] = one(name);
  }
  const page = Number(one('page'));
  return {
    q: one('q').slice(0, 200),
    stage: one('stage'),
    assignee: one('assignee'),
    sort: one('sort') || '-updated_at',
    page: Number.isInteger(page) && page > 0 && page < 1_000_000 ? page : 1,
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
export function buildListSql(type: CardType, user: SessionUser, q: ListQuery, timeZone: string, searchLanguage: SearchLanguage = 'simple'): BuiltQuery {
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
  for (const [key, value] of Object.entries(q.filters)) {
    const name = key.replace(/_(from|to)$/, '');
    const f = type.fieldMap.get(type.fieldMap.has(key) ? key : name)!;
    if (f.type === 'select') {
      if (f.options!.some((o) => o.value === value)) where.push(`c.data @> ${add(JSON.stringify({ [f.name]: value }))}::jsonb`);
      else problems.push(msg('cards.problems.unknownChoice', { field: f.label, fieldName: f.name, value }));
    } else if (f.type === 'boolean') {
      const on = `c.data @> ${add(JSON.stringify({ [f.name]: true }))}::jsonb`;
      where.push(value === '1' || value === 'true' ? on : `not (${on})`);
    } else {
      const day = parseDate(value);
      if (!day) {
        problems.push(msg('cards.problems.notDate', { field: f.label, fieldName: f.name, value }));
        continue;
      }
      const upper = key.endsWith('_to');
      let bound: string = day;
      if (f.type === 'datetime') {
        const d = zonedToUtc(`${day}T00:00`, timeZone)!;
        bound = (upper ? new Date(d.getTime() + 86_400_000) : d).toISOString();
      }
      where.push(`(c.data->>'${f.name}') ${upper ? (f.type === 'datetime' ? '<' : '<=') : '>='} ${add(bound)}`);
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
  if (!f || f.type === 'images') return 'c.updated_at desc, c.id desc';
  const raw = `(c.data->>'${f.name}')`;
  const expr = f.type === 'number' || f.type === 'decimal' ? `${raw}::numeric` : f.type === 'boolean' ? `${raw}::boolean` : f.type === 'user' || f.type === 'reference' ? `${raw}::bigint` : `lower(${raw})`;
  return `${expr} ${dir} ${nulls}, c.id ${dir}`;
}
