// Cards: create, read, list, update (optimistic locking), transitions, soft
// delete and restore. No Express here. Every change runs in one transaction
// and calls the change hooks inside it, so whatever they enqueue (the audit
// job, an automatic task) commits or rolls back with the change itself.
import crypto from 'node:crypto';
import type { Cache } from '#app/cache/cache';
import { prepared, type Database, type Prepared, type Transaction } from '#app/db/connection';
import { parseCardForm, parseField, type FieldValue, type FormInput } from '#app/services/card-fields';
import { buildListSql, PAGE_SIZE, type ListQuery } from '#app/services/card-list';
import { cardSearchText } from '#app/services/search';
import type { SearchLanguage } from '#app/config';
import type { CardType, CardTypes } from '#app/services/card-types';
import { msg, type Text } from '#app/i18n/message';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { allowedTransitions, can, canRead, scopeFor } from '#app/services/permissions';
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

export type ChangeKind = 'created' | 'updated' | 'transitioned' | 'deleted' | 'restored';

export interface CardChange {
  kind: ChangeKind;
  type: CardType;
  card: Card;
  before: Card | null;
  after: Card;
  user: SessionUser;
  transition?: string;
}

export type ChangeHook = (change: CardChange, t: Transaction) => Promise<void>;

/** A card as a list page reads it: what identifies and links it, and the columns the type shows. */
export type ListedCard = Pick<Card, 'id' | 'number' | 'title' | 'stage' | 'data'> &
  Partial<Pick<Card, 'assignee_name' | 'owner_name' | 'due_at' | 'created_at' | 'updated_at' | 'deleted_at'>>;

export interface UserChoice {
  id: number;
  name: string;
}

export interface ListResult {
  rows: ListedCard[];
  total: number;
  page: number;
  pages: number;
  problems: Text[];
}

const COLUMNS = `c.id, c.type, c.number, c.title, c.stage, c.assignee_id, c.owner_id, c.due_at, c.version, c.data,
  c.created_at, c.updated_at, c.deleted_at, ua.display_name as assignee_name, uo.display_name as owner_name`;
const FROM = 'cards c left join users ua on ua.id = c.assignee_id left join users uo on uo.id = c.owner_id';
const LOAD = prepared(`select ${COLUMNS} from ${FROM} where c.id = $1`);
const LOAD_FOR_UPDATE = prepared(`select ${COLUMNS} from ${FROM} where c.id = $1 for update of c`);
// The edit form's save, returning the saved card as `load` reads it (one round trip, not two).
const SAVE_EDIT = prepared(
  `with c as (
     update cards set title = $2, assignee_id = $3, data = $4, search = to_tsvector($6::regconfig, $5), version = version + 1, updated_at = now()
      where id = $1 returning *)
   select ${COLUMNS} from c left join users ua on ua.id = c.assignee_id left join users uo on uo.id = c.owner_id`,
);
const USER_CHOICES_TTL_MS = 10_000;
const USER_CHOICES = prepared('select id, display_name as name from users where is_active order by lower(display_name)');

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
function listSelect(type: CardType, deletedAt: boolean): string {
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

function listStatement(text: string, q: ListQuery, ownScope: boolean): string | Prepared {
  if (ownScope || q.page !== 1 || q.deleted || q.sort !== DEFAULT_SORT || q.q || Object.keys(q.filters).length) return text;
  let statement = listStatements.get(text);
  if (!statement) {
    if (listStatements.size >= MAX_LIST_STATEMENTS) return text;
    statement = prepared(text);
    listStatements.set(text, statement);
  }
  return statement;
}

// Totals of list views (see CardService.total).
const EXACT_COUNT_UP_TO = 1000;
const LARGE_COUNT_TTL_SECONDS = 30;

export class CardService {
  private readonly hooks: ChangeHook[] = [];
  private activeUsers: { at: number; users: Promise<UserChoice[]> } | null = null;

  constructor(
    private readonly db: Database,
    readonly types: CardTypes,
    /** Large list totals, shared by every process of the installation (memcached) or kept per process. */
    private readonly cache: Cache | null = null,
    /** The text search configuration of every card's vector and every list search (search.language). */
    readonly searchLanguage: SearchLanguage = 'simple',
  ) {}

  /** Runs `hook` inside the transaction of every card change. */
  onChange(hook: ChangeHook): void {
    this.hooks.push(hook);
  }

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
  mayRead(user: SessionUser, card: { type: string; owner_id: number; assignee_id: number | null; deleted_at: Date | null }, includeDeleted = false): boolean {
    const type = this.types.get(card.type);
    return Boolean(type && (!card.deleted_at || includeDeleted) && canRead(user, type, card));
  }

  readableTypes(user: SessionUser): CardType[] {
    return this.types.all.filter((t) => canRead(user, t));
  }

  private async load(id: number, t?: Transaction | null, lock = false): Promise<Card | null> {
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

  async list(user: SessionUser, typeName: string, q: ListQuery, timeZone = user.timeZone): Promise<ListResult> {
    const type = this.typeFor(user, typeName);
    const built = buildListSql(type, user, q, timeZone, this.searchLanguage);
    const offset = (q.page - 1) * PAGE_SIZE;
    const countKey = this.cache ? `cards:total:${crypto.createHash('sha256').update(`${built.where}\u0000${JSON.stringify(built.whereParams)}`).digest('base64url')}` : null;
    const [rows, cached] = await Promise.all([
      this.db.rows<ListedCard>(
        listStatement(
          `select ${listSelect(type, q.deleted && user.isSuperuser)} where ${built.where} order by ${built.orderBy} limit ${PAGE_SIZE} offset ${offset}`,
          q,
          scopeFor(user, type, 'read') === 'own',
        ),
        built.params,
      ),
      countKey ? this.cache!.get(countKey) : null,
    ]);
    const total = await this.total(built.where, built.whereParams, { offset, shown: rows.length, cached, countKey });
    return { rows, total, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), problems: built.problems };
  }

  /**
   * The number of cards a list view matches. count(*) visits every match:
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
    const [{ n }] = await this.db.rows<{ n: number }>(`select count(*)::int as n from (select 1 from cards c where ${where} limit ${EXACT_COUNT_UP_TO + 1}) x`, params);
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
    const built = buildListSql(type, user, { q: '', stage: '', assignee: '', sort: '-updated_at', page: 1, filters: {}, deleted: false }, user.timeZone, this.searchLanguage);
    return this.db.rows(`select c.id, c.number || ' · ' || c.title as name from ${FROM} where ${built.where} order by c.updated_at desc limit ${limit}`, built.whereParams);
  }

  /** Checks that need the database: users exist and are active, references are readable (in `t` when called in one). */
  private async checkLinks(user: SessionUser, type: CardType, data: Record<string, FieldValue>, assigneeId: number | null, errors: Record<string, Text>, t?: Transaction) {
    const userIds = new Map<string, number>();
    for (const f of type.fields) if (f.type === 'user' && typeof data[f.name] === 'number') userIds.set(f.name, data[f.name] as number);
    if (assigneeId !== null) userIds.set('assignee', assigneeId);
    if (userIds.size) {
      const found = await this.db.rows<{ id: number; roles: string[] }>(
        `select u.id, coalesce(array_agg(r.name) filter (where r.name is not null), '{}') as roles from users u
           left join user_roles ur on ur.user_id = u.id left join roles r on r.id = ur.role_id
          where u.id = any($1::bigint[]) and u.is_active group by u.id`,
        [[...userIds.values()]],
        t,
      );
      for (const [field, id] of userIds) {
        const u = found.find((x) => x.id === id);
        const role = type.fieldMap.get(field)?.role;
        if (!u) errors[field] = msg('fields.errors.noActiveUser');
        else if (role && !u.roles.includes(role)) errors[field] = msg('fields.errors.needsRole', { role });
      }
    }
    for (const f of type.fields) {
      if (f.type !== 'reference' || typeof data[f.name] !== 'number') continue;
      const target = this.types.get(f.to!)!;
      const ref = await this.load(data[f.name] as number, t);
      if (!ref || ref.type !== target.name || ref.deleted_at || !canRead(user, target, ref)) errors[f.name] = msg('fields.errors.noCardToSee', { type: target.label.toLowerCase() });
    }
  }

  private assigneeOf(input: FormInput, errors: Record<string, Text>): number | null {
    const raw = typeof input.assignee === 'string' ? input.assignee.trim() : '';
    if (!raw) return null;
    if (!/^\d{1,15}$/.test(raw)) {
      errors.assignee = msg('fields.errors.chooseUser');
      return null;
    }
    return Number(raw);
  }


  private async emit(change: CardChange, t: Transaction): Promise<void> {
    for (const hook of this.hooks) await hook(change, t);
  }

  private dueAt(type: CardType, stage: string, from = Date.now()): Date | null {
    const ms = type.stageMap.get(stage)?.slaMs;
    return ms ? new Date(from + ms) : null;
  }

  /**
   * Creates a card. With `options.transaction` it runs inside the caller's
   * transaction (a folder import makes the card and its attachment together).
   */
  async create(user: SessionUser, typeName: string, input: FormInput, options: { transaction?: Transaction } = {}): Promise<Card> {
    const type = this.typeFor(user, typeName);
    if (!can(user, type, 'create')) throw new ForbiddenError(msg('cards.errors.mayNotCreate', { types: type.plural.toLowerCase() }));
    const parsed = parseCardForm(type, input, user.timeZone);
    const assigneeId = this.assigneeOf(input, parsed.errors);
    await this.checkLinks(user, type, parsed.data, assigneeId, parsed.errors, options.transaction);
    if (Object.keys(parsed.errors).length) throw new ValidationError(msg('cards.errors.fieldsNeedAttention'), parsed.errors);
    const inTransaction = <T>(fn: (t: Transaction) => Promise<T>) => (options.transaction ? fn(options.transaction) : this.db.transaction(fn));
    return inTransaction(async (t) => {
      const [{ last_number: n }] = await this.db.rows<{ last_number: number }>(
        `insert into card_counters (type, last_number) values ($1, 1)
         on conflict (type) do update set last_number = card_counters.last_number + 1 returning last_number`,
        [type.name],
        t,
      );
      const number = `${type.prefix}-${String(n).padStart(6, '0')}`;
      const [{ id }] = await this.db.rows<{ id: number }>(
        `insert into cards (type, number, title, stage, assignee_id, owner_id, due_at, data, search)
         values ($1, $2, $3, $4, $5, $6, $7, $8, to_tsvector($10::regconfig, $9)) returning id`,
        [type.name, number, parsed.title, type.initial, assigneeId, user.id, this.dueAt(type, type.initial), JSON.stringify(parsed.data), cardSearchText(type, number, parsed.title, parsed.data), this.searchLanguage],
        t,
      );
      const card = (await this.load(id, t))!;
      await this.emit({ kind: 'created', type, card, before: null, after: card, user }, t);
      return card;
    });
  }

  /** Saves an edit made on version `input.version`; a stale version is a conflict, never an overwrite. */
  async update(user: SessionUser, typeName: string, id: number, input: FormInput): Promise<Card> {
    const type = this.typeFor(user, typeName);
    const parsed = parseCardForm(type, input, user.timeZone);
    const assigneeId = this.assigneeOf(input, parsed.errors);
    const version = Number(input.version);
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before)) throw new NotFoundError(msg('cards.errors.noCard'));
      if (!can(user, type, 'update', before)) throw new ForbiddenError(msg('cards.errors.mayNotEdit'));
      if (!Number.isInteger(version) || version < 1) throw new ValidationError(msg('cards.errors.noVersion'), { version: msg('cards.errors.versionInvalid') });
      if (version !== before.version) {
        throw new ConflictError(msg('cards.errors.changedMeanwhile', { number: before.number }), { stored: before, submitted: { ...parsed, assigneeId }, input });
      }
      await this.checkLinks(user, type, parsed.data, assigneeId, parsed.errors, t);
      if (Object.keys(parsed.errors).length) throw new ValidationError(msg('cards.errors.fieldsNeedAttention'), parsed.errors);
      const data = { ...before.data, ...parsed.data };
      const [after] = await this.db.rows<Card>(SAVE_EDIT, [id, parsed.title, assigneeId, JSON.stringify(data), cardSearchText(type, before.number, parsed.title, data), this.searchLanguage], t);
      await this.emit({ kind: 'updated', type, card: after, before, after, user }, t);
      return after;
    });
  }

  /** Moves the card along a transition; fields the transition requires may come with it. */
  async transition(user: SessionUser, typeName: string, id: number, name: string, input: FormInput = {}): Promise<Card> {
    const type = this.typeFor(user, typeName);
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before)) throw new NotFoundError(msg('cards.errors.noCard'));
      const tr = type.transitions.find((x) => x.name === name);
      if (!tr) throw new ValidationError(msg('cards.errors.noTransition', { name: JSON.stringify(name) }), { transition: msg('cards.errors.unknownTransition') });
      if (!tr.from.includes(before.stage)) {
        const stage = type.stageMap.get(before.stage)?.label ?? before.stage;
        throw new ValidationError(msg('cards.errors.transitionNotFrom', { transition: tr.label, stage }), { transition: msg('cards.errors.notFrom', { stage }) });
      }
      if (!allowedTransitions(user, type, before).some((x) => x.name === tr.name)) throw new ForbiddenError(msg('cards.errors.rolesMayNot', { transition: tr.label }));
      if (input.version !== undefined && Number(input.version) !== before.version) {
        throw new ConflictError(msg('cards.errors.changedMeanwhile', { number: before.number }), { stored: before, input });
      }
      const data = { ...before.data };
      const errors: Record<string, Text> = {};
      for (const fname of tr.requires) {
        const f = type.fieldMap.get(fname)!;
        if (input[fname] !== undefined) {
          const r = parseField({ ...f, required: true }, input[fname], user.timeZone);
          if ('error' in r) errors[fname] = r.error;
          else data[fname] = r.value;
        }
        if (!errors[fname] && (data[fname] == null || data[fname] === '' || data[fname] === false)) errors[fname] = msg('fields.errors.requiredTo', { transition: tr.label.toLowerCase() });
      }
      await this.checkLinks(user, type, data, null, errors, t);
      if (Object.keys(errors).length) throw new ValidationError(msg('cards.errors.transitionNeeds', { transition: tr.label }), errors);
      await this.db.exec(
        `update cards set stage = $2, due_at = $3, data = $4, search = to_tsvector($6::regconfig, $5), version = version + 1, updated_at = now() where id = $1`,
        [id, tr.to, this.dueAt(type, tr.to), JSON.stringify(data), cardSearchText(type, before.number, before.title, data), this.searchLanguage],
        t,
      );
      const after = (await this.load(id, t))!;
      await this.emit({ kind: 'transitioned', type, card: after, before, after, user, transition: tr.name }, t);
      return after;
    });
  }

  /** Soft delete: the card leaves every list; an admin can restore it. */
  async remove(user: SessionUser, typeName: string, id: number): Promise<Card> {
    const type = this.typeFor(user, typeName);
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before)) throw new NotFoundError(msg('cards.errors.noCard'));
      if (!can(user, type, 'delete', before)) throw new ForbiddenError(msg('cards.errors.mayNotDelete'));
      await this.db.exec('update cards set deleted_at = now(), version = version + 1, updated_at = now() where id = $1', [id], t);
      const after = (await this.load(id, t))!;
      await this.emit({ kind: 'deleted', type, card: after, before, after, user }, t);
      return after;
    });
  }

  async restore(user: SessionUser, typeName: string, id: number): Promise<Card> {
    const type = this.typeFor(user, typeName);
    // Only administrators see deleted cards at all: to anyone else they do not exist.
    if (!user.isSuperuser) throw new NotFoundError(msg('cards.errors.noDeletedCard'));
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || !before.deleted_at) throw new NotFoundError(msg('cards.errors.noDeletedCard'));
      await this.db.exec('update cards set deleted_at = null, version = version + 1, updated_at = now() where id = $1', [id], t);
      const after = (await this.load(id, t))!;
      await this.emit({ kind: 'restored', type, card: after, before, after, user }, t);
      return after;
    });
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
      parts.push(`(select ${COLUMNS} from ${FROM} where c.type = $${params.length} and c.deleted_at is null${own} order by c.updated_at desc limit ${limit})`);
    }
    if (!parts.length) return [];
    return this.db.rows<Card>(`select * from (${parts.join(' union all ')}) x where $1::bigint > 0 order by updated_at desc limit ${limit}`, params);
  }
}
