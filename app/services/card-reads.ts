// Reading cards: one card for a user (404 unless they may read it), a type's
// list with its total, the CSV export's rows, the choices of user and
// reference fields, the dashboard's counts and recent cards. The changes
// (create, edit, transition, delete) are app/services/cards.ts, on top.
import crypto from 'node:crypto';
import type { Cache } from '#app/cache/cache';
import { prepared, type Database, type Transaction } from '#app/db/connection';
import type { FieldValue } from '#app/fields/field-type';
import { buildListSql, listSelect, listStatement, PAGE_SIZE, type ListQuery } from '#app/services/card-list';
import { searchPage } from '#app/services/card-search-page';
import type { SearchLanguage } from '#app/config';
import type { CardType, CardTypes } from '#app/services/card-types';
import { msg, type Text } from '#app/i18n/message';
import { NotFoundError } from '#app/services/errors';
import { can, canRead, scopeFor } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export interface Card {
  id: number;
  type: string;
  number: string;
  title: string;
  stage: string;
  assignee_id: number | null;
  owner_id: number;
  due_at: Date | null;
  version: number;
  data: Record<string, FieldValue>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  assignee_name?: string | null;
  owner_name?: string | null;
}

/** A card as a list page reads it: what identifies and links it, and the columns the type shows. */
export type ListedCard = Pick<Card, 'id' | 'number' | 'title' | 'stage' | 'data'> &
  Partial<Pick<Card, 'assignee_name' | 'owner_name' | 'due_at' | 'created_at' | 'updated_at' | 'deleted_at'>>;

export interface UserChoice {
  id: number;
  name: string;
}

export interface ListResult {
  rows: ListedCard[];
  /** The view's cards; a search's stops at search.countUpTo (`capped`: "more than 1,000"). */
  total: number;
  capped: boolean;
  page: number;
  /** Pages of the view; when capped, the pages known so far (this one, and the next when there is one). */
  pages: number;
  problems: Text[];
}

export const COLUMNS = `c.id, c.type, c.number, c.title, c.stage, c.assignee_id, c.owner_id, c.due_at, c.version, c.data,
  c.created_at, c.updated_at, c.deleted_at, ua.display_name as assignee_name, uo.display_name as owner_name`;
export const FROM = 'cards c left join users ua on ua.id = c.assignee_id left join users uo on uo.id = c.owner_id';
const LOAD = prepared(`select ${COLUMNS} from ${FROM} where c.id = $1`);
const LOAD_FOR_UPDATE = prepared(`select ${COLUMNS} from ${FROM} where c.id = $1 for update of c`);
const NUMBERED = prepared('select id from cards where type = $1 and number = $2');
const USER_CHOICES_TTL_MS = 10_000;
const USER_CHOICES = prepared('select id, display_name as name from users where is_active order by lower(display_name)');

// Totals of list views (see CardReads.total).
const EXACT_COUNT_UP_TO = 1000;
const LARGE_COUNT_TTL_SECONDS = 30;

export class CardReads {
  private activeUsers: { at: number; users: Promise<UserChoice[]> } | null = null;

  constructor(
    protected readonly db: Database,
    readonly types: CardTypes,
    /** Large list totals, shared by every process of the installation (memcached) or kept per process. */
    private readonly cache: Cache | null = null,
    /** The text search configuration of every card's vector and every list search (search.language). */
    readonly searchLanguage: SearchLanguage = 'simple',
    /** How far a search's list counts its matches (search.countUpTo; app/services/card-search-page.ts). */
    private readonly searchCountUpTo = 1000,
  ) {}

  /** The type, when the user may read it; 404 otherwise (its existence is not revealed). */
  typeFor(user: SessionUser, name: string): CardType {
    const type = this.types.get(name);
    if (!type || !canRead(user, type)) throw new NotFoundError(msg('cards.errors.noType'));
    return type;
  }

  /**
   * Whether the user may read this card row (its type, their scope on it,
   * not deleted unless `includeDeleted`) — for services that hold a card's
   * row, not a type from the URL: tasks, reminders.
   */
  mayRead(
    user: SessionUser,
    card: { type: string; owner_id: number; assignee_id: number | null; deleted_at: Date | null },
    includeDeleted = false,
  ): boolean {
    const type = this.types.get(card.type);
    return Boolean(type && (!card.deleted_at || includeDeleted) && canRead(user, type, card));
  }

  readableTypes(user: SessionUser): CardType[] {
    return this.types.all.filter((t) => canRead(user, t));
  }

  protected async load(id: number, t?: Transaction | null, lock = false): Promise<Card | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null;
    const rows = await this.db.rows<Card>(lock ? LOAD_FOR_UPDATE : LOAD, [id], t);
    return rows[0] ?? null;
  }

  /** A card the user may read, else 404 — for every route that names a card. */
  async getForUser(user: SessionUser, typeName: string, id: number, options: { includeDeleted?: boolean } = {}): Promise<Card> {
    const type = this.typeFor(user, typeName);
    const card = await this.load(id);
    const visibleDeleted = options.includeDeleted && user.isSuperuser;
    if (!card || card.type !== type.name || (card.deleted_at && !visibleDeleted) || !canRead(user, type, card)) {
      throw new NotFoundError(msg('cards.errors.noCard'));
    }
    return card;
  }

  /** The card of the type numbered `number` ("PR-000012"), when the user may read it; 404 otherwise. */
  async getByNumber(user: SessionUser, typeName: string, number: string): Promise<Card> {
    const type = this.typeFor(user, typeName);
    const [row] = await this.db.rows<{ id: number }>(NUMBERED, [type.name, number]);
    if (!row) throw new NotFoundError(msg('cards.errors.noCard'));
    return this.getForUser(user, type.name, row.id);
  }

  /**
   * A list view of the type. `shape`: what a row holds — the list page's
   * columns (`page`), or every column of the card as `load` reads it (`card`:
   * the REST API answers whole cards).
   */
  async list(
    user: SessionUser,
    typeName: string,
    q: ListQuery,
    timeZone = user.timeZone,
    shape: 'page' | 'card' = 'page',
  ): Promise<ListResult> {
    const type = this.typeFor(user, typeName);
    const built = buildListSql(type, user, q, timeZone, this.searchLanguage);
    const deletedAt = q.deleted && user.isSuperuser;
    const select = shape === 'card' ? `${COLUMNS} from ${FROM}` : listSelect(type, deletedAt);
    if (q.q) {
      const sql = { select: `select ${select} where ${built.where}`, newestFirst: q.sort === '-updated_at', ...built };
      return { ...(await searchPage<ListedCard>(this.db, sql, q.page, this.searchCountUpTo)), page: q.page, problems: built.problems };
    }
    const offset = (q.page - 1) * PAGE_SIZE;
    const countKey = this.cache
      ? `cards:total:${crypto
          .createHash('sha256')
          .update(`${built.where}\u0000${JSON.stringify(built.whereParams)}`)
          .digest('base64url')}`
      : null;
    const [rows, cached] = await Promise.all([
      this.db.rows<ListedCard>(
        listStatement(
          `select ${select} where ${built.where} order by ${built.orderBy} limit ${PAGE_SIZE} offset ${offset}`,
          q,
          scopeFor(user, type, 'read') === 'own',
        ),
        built.params,
      ),
      countKey ? this.cache!.get(countKey) : null,
    ]);
    const total = await this.total(built.where, built.whereParams, { offset, shown: rows.length, cached, countKey });
    return { rows, total, capped: false, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), problems: built.problems };
  }

  /**
   * The number of cards a list view without a search term matches (a
   * search's own: app/services/card-search-page.ts). count(*) visits every match:
   * ~4 ms for a 16k-card stage of 100k, on every page view, which capped the
   * list page near 100 views/s on 2 cores (docs/benchmarks.md). So, cheapest
   * first: a page that is not full ends the view, and its rows give the total
   * (no count at all); a large total counted within the last
   * LARGE_COUNT_TTL_SECONDS comes from the installation's cache (memcached:
   * shared by every web process; looked up while the rows are read); else
   * the view is counted up to EXACT_COUNT_UP_TO + 1 (a small view is exact and
   * never cached), and only beyond that in full, once per TTL — "16,667 cards"
   * may lag a few cards behind, and a large view that shrank (a mass move)
   * keeps its old total, and its page count, for up to the TTL.
   */
  private async total(
    where: string,
    params: unknown[],
    page: { offset: number; shown: number; cached: Buffer | string | null; countKey: string | null },
  ): Promise<number> {
    if (page.shown > 0 && page.shown < PAGE_SIZE) return page.offset + page.shown;
    if (page.offset === 0 && page.shown === 0) return 0;
    const cached = page.cached?.toString();
    if (cached && /^\d+$/.test(cached) && Number(cached) >= page.offset + page.shown) return Number(cached);
    const [{ n }] = await this.db.rows<{ n: number }>(
      `select count(*)::int as n from (select 1 from cards c where ${where} limit ${EXACT_COUNT_UP_TO + 1}) x`,
      params,
    );
    if (n <= EXACT_COUNT_UP_TO) return n;
    const [{ total }] = await this.db.rows<{ total: number }>(`select count(*)::int as total from cards c where ${where}`, params);
    if (page.countKey) await this.cache?.set(page.countKey, String(total), LARGE_COUNT_TTL_SECONDS);
    return total;
  }

  /** Every row of the list view, in batches, through a server-side cursor. */
  async *export(user: SessionUser, typeName: string, q: ListQuery, batch = 1000): AsyncGenerator<Card[]> {
    const type = this.typeFor(user, typeName);
    const built = buildListSql(type, user, q, user.timeZone, this.searchLanguage);
    yield* this.db.cursor<Card>(`select ${COLUMNS} from ${FROM} where ${built.where} order by ${built.orderBy}`, built.params, batch);
  }

  /**
   * Users who may be picked for a user field (or as assignee). Every active
   * user — the list page's assignee filter, on every view — is kept for
   * USER_CHOICES_TTL_MS per process (one query a view was ≈ 5% of the list
   * page's throughput); this process's user changes drop it at once
   * (`forgetUserChoices`), another process's show within the TTL.
   */
  async userChoices(role?: string): Promise<UserChoice[]> {
    if (role) {
      return this.db.rows(
        `select u.id, u.display_name as name from users u join user_roles ur on ur.user_id = u.id join roles r on r.id = ur.role_id
          where u.is_active and r.name = $1 order by lower(u.display_name)`,
        [role],
      );
    }
    const now = performance.now();
    if (!this.activeUsers || now - this.activeUsers.at > USER_CHOICES_TTL_MS) {
      const kept = { at: now, users: this.db.rows<UserChoice>(USER_CHOICES) };
      this.activeUsers = kept;
      kept.users.catch(() => {
        if (this.activeUsers === kept) this.activeUsers = null;
      });
    }
    return this.activeUsers.users;
  }

  forgetUserChoices(): void {
    this.activeUsers = null;
  }

  /** Recent cards of `typeName` the user may read, for a reference field. */
  async referenceChoices(user: SessionUser, typeName: string, limit = 300): Promise<{ id: number; name: string }[]> {
    const type = this.types.get(typeName);
    if (!type || !canRead(user, type)) return [];
    const built = buildListSql(
      type,
      user,
      { q: '', stage: '', assignee: '', sort: '-updated_at', page: 1, filters: {}, deleted: false },
      user.timeZone,
      this.searchLanguage,
    );
    return this.db.rows(
      `select c.id, c.number || ' · ' || c.title as name from ${FROM} where ${built.where} order by c.updated_at desc limit ${limit}`,
      built.whereParams,
    );
  }

  /** Counts for the dashboard: the user's cards (owned or assigned) per type and stage. */
  async myCounts(user: SessionUser): Promise<{ type: string; stage: string; n: number }[]> {
    const types = this.readableTypes(user).map((t) => t.name);
    if (!types.length) return [];
    return this.db.rows(
      `select type, stage, count(*)::int as n from cards
        where deleted_at is null and type = any($1::text[]) and (owner_id = $2 or assignee_id = $2)
        group by type, stage`,
      [types, user.id],
    );
  }

  /** Recently changed cards the user may read, across types. */
  async recent(user: SessionUser, limit = 10): Promise<Card[]> {
    const parts: string[] = [];
    const params: unknown[] = [user.id];
    for (const type of this.readableTypes(user)) {
      params.push(type.name);
      const own = can(user, type, 'read', { owner_id: -1, assignee_id: -1 }) ? '' : ' and (c.owner_id = $1 or c.assignee_id = $1)';
      parts.push(
        `(select ${COLUMNS} from ${FROM} where c.type = $${params.length} and c.deleted_at is null${own} order by c.updated_at desc limit ${limit})`,
      );
    }
    if (!parts.length) return [];
    return this.db.rows<Card>(
      `select * from (${parts.join(' union all ')}) x where $1::bigint > 0 order by updated_at desc limit ${limit}`,
      params,
    );
  }
}
