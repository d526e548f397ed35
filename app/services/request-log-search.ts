// The request log as admins search it (/admin/requests): filters from the
// URL (so a link reproduces the view), newest first, pages of PAGE_SIZE.
// No count(*): on a table of millions of rows that alone would be slow; one
// extra row tells whether there is a next page.
import { msg, type Text } from '#app/i18n/message';
import type { Database } from '#app/db/connection';
import { zonedToUtc } from '#app/services/time';
import { pageNumber, paramReader, queryString } from '#app/services/query-params';

export const PAGE_SIZE = 50;
const MAX_PAGE = 10_000;

export interface RequestLogQuery {
  /** A user id or an email. */
  user: string;
  /** Text the path contains. */
  q: string;
  /** "404" (exact) or "5xx" (class). */
  status: string;
  /** datetime-local values in the viewer's time zone. */
  from: string;
  to: string;
  page: number;
}

export interface RequestLogRow {
  id: number;
  at: Date;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  user_id: number | null;
  user_email: string | null;
  ip: string | null;
  request_id: string | null;
  user_agent: string | null;
}

export interface RequestLogPage {
  rows: RequestLogRow[];
  page: number;
  hasNext: boolean;
}

export function parseRequestLogQuery(params: Record<string, unknown>): RequestLogQuery {
  const one = paramReader(params);
  return {
    user: one('user').slice(0, 320),
    q: one('q').slice(0, 200),
    status: one('status').slice(0, 10),
    from: one('from').slice(0, 20),
    to: one('to').slice(0, 20),
    page: pageNumber(one('page'), MAX_PAGE),
  };
}

/** The query as URL parameters, with `changes` applied (pagination links). */
export const requestLogParams = (q: RequestLogQuery, changes: Partial<Record<keyof RequestLogQuery, string | number>> = {}): string =>
  queryString(q, changes);

/** `%` and `_` typed by the admin match themselves. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class RequestLogSearch {
  constructor(private readonly db: Database) {}

  /**
   * One page of the log. Field errors (bad status, time or unknown user)
   * are returned, not thrown, keyed by the query parameter, and no rows are
   * read then: a filter that cannot be applied must not look like "no match".
   */
  async search(q: RequestLogQuery, timeZone: string): Promise<{ page: RequestLogPage; errors: Record<string, Text> }> {
    const errors: Record<string, Text> = {};
    const where: string[] = [];
    const bind: unknown[] = [];
    const param = (v: unknown) => {
      bind.push(v);
      return `$${bind.length}`;
    };

    if (q.user) {
      if (/^\d{1,15}$/.test(q.user)) where.push(`r.user_id = ${param(Number(q.user))}`);
      else if (q.user.includes('@')) {
        const [found] = await this.db.rows<{ id: number }>('select id from users where lower(email) = lower($1)', [q.user]);
        if (found) where.push(`r.user_id = ${param(found.id)}`);
        else errors.user = msg('admin.requests.errors.noSuchEmail');
      } else errors.user = msg('admin.requests.errors.user');
    }
    if (q.q) where.push(`r.path ilike ${param(likePattern(q.q))}`);
    if (q.status) {
      const exact = /^([1-5]\d\d)$/.exec(q.status);
      const klass = /^([1-5])xx$/i.exec(q.status);
      if (exact) where.push(`r.status = ${param(Number(exact[1]))}`);
      else if (klass) {
        const base = Number(klass[1]) * 100;
        where.push(`r.status >= ${param(base)} and r.status <= ${param(base + 99)}`);
      } else errors.status = msg('admin.requests.errors.status');
    }
    for (const k of ['from', 'to'] as const) {
      if (!q[k]) continue;
      const at = zonedToUtc(q[k], timeZone);
      if (!at) errors[k] = msg('admin.requests.errors.dateTime', { zone: timeZone });
      else where.push(k === 'from' ? `r.at >= ${param(at)}` : `r.at < ${param(at)}`);
    }
    if (Object.keys(errors).length) return { page: { rows: [], page: q.page, hasNext: false }, errors };

    const limit = param(PAGE_SIZE + 1);
    const offset = param((q.page - 1) * PAGE_SIZE);
    const rows = await this.db.rows<RequestLogRow>(
      `select r.id, r.at, r.method, r.path, r.status, r.duration_ms, r.user_id, u.email as user_email,
              host(r.ip) as ip, r.request_id, r.user_agent
         from request_logs r left join users u on u.id = r.user_id
        ${where.length ? `where ${where.join(' and ')}` : ''}
        order by r.at desc, r.id desc
        limit ${limit} offset ${offset}`,
      bind,
    );
    return { page: { rows: rows.slice(0, PAGE_SIZE), page: q.page, hasNext: rows.length > PAGE_SIZE }, errors };
  }
}
