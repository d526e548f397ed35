// Changing cards: create, update (optimistic locking), transitions, soft
// delete and restore; reading them is CardReads (app/services/card-reads.ts),
// which this service extends. No Express here. Every change runs in one transaction
// and calls the change hooks inside it, so whatever they enqueue (the audit
// job, an automatic task) commits or rolls back with the change itself.
import { Calendar, DEFAULT_CALENDAR, slaDeadline } from '#app/services/work-calendar';
import { prepared, type Transaction } from '#app/db/connection';
import { parseCardForm, parseField, type FieldValue, type FormInput } from '#app/services/card-fields';
import { CardReads, COLUMNS, FROM, type Card } from '#app/services/card-reads';
import { checkLinks, type LinkCheck } from '#app/services/card-links';
import { cardSearchText } from '#app/services/search';
import type { CardType } from '#app/services/card-types';
import { msg, type Text } from '#app/i18n/message';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { allowedTransitions, can, canRead } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export type { Card, ListedCard, ListResult, UserChoice } from '#app/services/card-reads';

export type ChangeKind = 'created' | 'updated' | 'transitioned' | 'deleted' | 'restored';

export interface CardChange {
  kind: ChangeKind;
  type: CardType;
  card: Card;
  before: Card | null;
  after: Card;
  user: SessionUser;
  transition?: string;
  /** Where a new card came from when not typed in ("import:orders.csv"). */
  source?: string;
}

export type ChangeHook = ((change: CardChange, t: Transaction) => Promise<void>) & {
  /** Optional: the same for many new cards at once (an import's batch), in a few statements; without it the hook runs per card. */
  created?: (changes: CardChange[], t: Transaction) => Promise<void>;
};

/** A new card's checked values. */
type NewCard = { title: string; data: Record<string, FieldValue>; assigneeId: number | null };

// The edit form's save, returning the saved card as `load` reads it (one round trip, not two).
const SAVE_EDIT = prepared(
  `with c as (
     update cards set title = $2, assignee_id = $3, data = $4, search = to_tsvector($6::regconfig, $5), version = version + 1, updated_at = now()
      where id = $1 returning *)
   select ${COLUMNS} from c left join users ua on ua.id = c.assignee_id left join users uo on uo.id = c.owner_id`,
);

export class CardService extends CardReads {
  private readonly hooks: ChangeHook[] = [];

  /** Runs `hook` inside the transaction of every card change. */
  onChange(hook: ChangeHook): void {
    this.hooks.push(hook);
  }

  /** Cards by id (any state), for the link checks. */
  private loadMany(ids: number[], t?: Transaction): Promise<Card[]> {
    return this.db.rows<Card>(`select ${COLUMNS} from ${FROM} where c.id = any($1::bigint[])`, [ids], t);
  }

  /** The link checks (app/services/card-links.ts) of one card or many. */
  private links(user: SessionUser, type: CardType, entries: LinkCheck[], t?: Transaction) {
    return checkLinks(this.db, this.types, (ids, tt) => this.loadMany(ids, tt), user, type, entries, t);
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

  private calendar: () => Calendar = () => new Calendar(DEFAULT_CALENDAR);

  /** Where working-time SLAs read the installation's calendar (the context's WorkCalendar). */
  useCalendar(calendar: () => Calendar): void {
    this.calendar = calendar;
  }

  /** New cards' changes: each hook in turn, with its batch form when it has one, else card by card. */
  private async emitCreated(changes: CardChange[], t: Transaction): Promise<void> {
    for (const hook of this.hooks)
      if (hook.created) await hook.created(changes, t);
      else for (const change of changes) await hook(change, t);
  }

  private dueAt(type: CardType, stage: string, from = Date.now()): Date | null {
    const s = type.stageMap.get(stage);
    return s?.slaMs ? slaDeadline(from, s.slaMs, Boolean(s.slaWorking), this.calendar()) : null;
  }

  /**
   * Creates a card. With `options.transaction` it runs inside the caller's
   * transaction (a folder import makes the card and its attachment together);
   * `options.source` goes to its history (a CSV import names its file).
   */
  async create(
    user: SessionUser,
    typeName: string,
    input: FormInput,
    options: { transaction?: Transaction; source?: string } = {},
  ): Promise<Card> {
    const one = (t: Transaction) => this.createMany(user, typeName, [input], { transaction: t, source: options.source });
    const [made] = options.transaction ? await one(options.transaction) : await this.db.transaction(one);
    if ('errors' in made) throw new ValidationError(msg('cards.errors.fieldsNeedAttention'), made.errors);
    return made.card;
  }

  /**
   * Creates many cards of one type in the caller's transaction (a CSV import's
   * batch): the same checks, numbers, rows and change hooks as `create`, in a
   * few statements for all of them. Returns each input's card, or its errors
   * (those inputs make no card; the others are made).
   */
  async createMany(
    user: SessionUser,
    typeName: string,
    inputs: FormInput[],
    options: { transaction: Transaction; source?: string },
  ): Promise<Array<{ card: Card } | { errors: Record<string, Text> }>> {
    const type = this.typeFor(user, typeName);
    if (!can(user, type, 'create')) throw new ForbiddenError(msg('cards.errors.mayNotCreate', { types: type.plural.toLowerCase() }));
    const parsed = inputs.map((input) => {
      const p = parseCardForm(type, input, user.timeZone);
      return { ...p, assigneeId: this.assigneeOf(input, p.errors) };
    });
    await this.links(user, type, parsed, options.transaction);
    const ok = parsed.filter((p) => !Object.keys(p.errors).length);
    const cards = await this.insertNew(user, type, ok, options.transaction, options.source);
    let next = 0;
    return parsed.map((p) => (Object.keys(p.errors).length ? { errors: p.errors } : { card: cards[next++] }));
  }

  /** The rows of checked new cards (numbers from the type's counter, in order) and their change hooks. */
  private async insertNew(user: SessionUser, type: CardType, cards: NewCard[], t: Transaction, source?: string): Promise<Card[]> {
    if (!cards.length) return [];
    const [{ last_number: last }] = await this.db.rows<{ last_number: number }>(
      `insert into card_counters (type, last_number) values ($1, $2)
       on conflict (type) do update set last_number = card_counters.last_number + $2 returning last_number`,
      [type.name, cards.length],
      t,
    );
    const numbers = cards.map((_, i) => `${type.prefix}-${String(Number(last) - cards.length + 1 + i).padStart(6, '0')}`);
    const ids = await this.db.rows<{ id: number }>(
      `insert into cards (type, number, title, stage, assignee_id, owner_id, due_at, data, search)
       select $1, n, title, $4, a, $5, $6, d, to_tsvector($9::regconfig, s)
         from unnest($2::text[], $3::text[], $7::bigint[], $8::jsonb[], $10::text[]) with ordinality as x(n, title, a, d, s, i)
        order by i returning id`,
      [
        type.name,
        numbers,
        cards.map((c) => c.title),
        type.initial,
        user.id,
        this.dueAt(type, type.initial),
        cards.map((c) => c.assigneeId),
        cards.map((c) => JSON.stringify(c.data)),
        this.searchLanguage,
        cards.map((c, i) => cardSearchText(type, numbers[i], c.title, c.data)),
      ],
      t,
    );
    const rows = await this.loadMany(
      ids.map((r) => Number(r.id)),
      t,
    );
    const byNumber = new Map(rows.map((c) => [c.number, c]));
    const made = numbers.map((n) => byNumber.get(n)!);
    await this.emitCreated(
      made.map((card) => ({ kind: 'created', type, card, before: null, after: card, user, source })),
      t,
    );
    return made;
  }

  /** Saves an edit made on version `input.version`; a stale version is a conflict, never an overwrite. */
  async update(user: SessionUser, typeName: string, id: number, input: FormInput): Promise<Card> {
    const type = this.typeFor(user, typeName);
    const parsed = parseCardForm(type, input, user.timeZone);
    const assigneeId = this.assigneeOf(input, parsed.errors);
    const version = Number(input.version);
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before))
        throw new NotFoundError(msg('cards.errors.noCard'));
      if (!can(user, type, 'update', before)) throw new ForbiddenError(msg('cards.errors.mayNotEdit'));
      if (!Number.isInteger(version) || version < 1)
        throw new ValidationError(msg('cards.errors.noVersion'), { version: msg('cards.errors.versionInvalid') });
      if (version !== before.version) {
        throw new ConflictError(msg('cards.errors.changedMeanwhile', { number: before.number }), {
          stored: before,
          submitted: { ...parsed, assigneeId },
          input,
        });
      }
      await this.links(user, type, [{ data: parsed.data, assigneeId, errors: parsed.errors }], t);
      if (Object.keys(parsed.errors).length) throw new ValidationError(msg('cards.errors.fieldsNeedAttention'), parsed.errors);
      const data = { ...before.data, ...parsed.data };
      const [after] = await this.db.rows<Card>(
        SAVE_EDIT,
        [id, parsed.title, assigneeId, JSON.stringify(data), cardSearchText(type, before.number, parsed.title, data), this.searchLanguage],
        t,
      );
      await this.emit({ kind: 'updated', type, card: after, before, after, user }, t);
      return after;
    });
  }

  /** Moves the card along a transition; fields the transition requires may come with it. */
  async transition(user: SessionUser, typeName: string, id: number, name: string, input: FormInput = {}): Promise<Card> {
    const type = this.typeFor(user, typeName);
    return this.db.transaction(async (t) => {
      const before = await this.load(id, t, true);
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before))
        throw new NotFoundError(msg('cards.errors.noCard'));
      // A stale page first: a card moved meanwhile is "changed by someone else", not "cannot go from its new stage".
      if (input.version !== undefined && Number(input.version) !== before.version) {
        throw new ConflictError(msg('cards.errors.changedMeanwhile', { number: before.number }), { stored: before, input });
      }
      const tr = type.transitions.find((x) => x.name === name);
      if (!tr)
        throw new ValidationError(msg('cards.errors.noTransition', { name: JSON.stringify(name) }), {
          transition: msg('cards.errors.unknownTransition'),
        });
      if (!tr.from.includes(before.stage)) {
        const stage = type.stageMap.get(before.stage)?.label ?? before.stage;
        throw new ValidationError(msg('cards.errors.transitionNotFrom', { transition: tr.label, stage }), {
          transition: msg('cards.errors.notFrom', { stage }),
        });
      }
      if (!allowedTransitions(user, type, before).some((x) => x.name === tr.name))
        throw new ForbiddenError(msg('cards.errors.rolesMayNot', { transition: tr.label }));
      const data = { ...before.data };
      const errors: Record<string, Text> = {};
      for (const fname of tr.requires) {
        const f = type.fieldMap.get(fname)!;
        if (input[fname] !== undefined) {
          const r = parseField({ ...f, required: true }, input[fname], user.timeZone);
          if ('error' in r) errors[fname] = r.error;
          else data[fname] = r.value;
        }
        if (!errors[fname] && (data[fname] == null || data[fname] === '' || data[fname] === false))
          errors[fname] = msg('fields.errors.requiredTo', { transition: tr.label.toLowerCase() });
      }
      await this.links(user, type, [{ data, assigneeId: null, errors }], t);
      if (Object.keys(errors).length) throw new ValidationError(msg('cards.errors.transitionNeeds', { transition: tr.label }), errors);
      await this.db.exec(
        `update cards set stage = $2, due_at = $3, data = $4, search = to_tsvector($6::regconfig, $5), version = version + 1, updated_at = now() where id = $1`,
        [
          id,
          tr.to,
          this.dueAt(type, tr.to),
          JSON.stringify(data),
          cardSearchText(type, before.number, before.title, data),
          this.searchLanguage,
        ],
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
      if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before))
        throw new NotFoundError(msg('cards.errors.noCard'));
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
}
