// Changing cards: create, update (optimistic locking), assign, transitions,
// soft delete and restore; reading them is CardReads (app/services/card-reads.ts),
// which this service extends. No Express here. Every change runs in one transaction
// and calls the change hooks inside it, so whatever they enqueue (the audit
// job, an automatic task) commits or rolls back with the change itself.
import { prepared, type Transaction } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import { parseCardForm, parseField, type FieldValue, type FormInput } from '#app/services/card-fields';
import { CardReads, COLUMNS, type Card } from '#app/services/card-reads';
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

export type InTx = { transaction?: Transaction }; // a change in the caller's transaction (a bulk run's step)
export type ChangeHook = (change: CardChange, t: Transaction) => Promise<void>;

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

  /** Checks that need the database: users exist and are active, references are readable (in `t` when called in one). */
  private async checkLinks(
    user: SessionUser,
    type: CardType,
    data: Record<string, FieldValue>,
    assigneeId: number | null,
    errors: Record<string, Text>,
    t?: Transaction,
  ) {
    const userIds = new Map<string, number>();
    const cardIds = new Map<string, number>();
    for (const f of type.fields) {
      const ft = fieldType(f);
      const id = ft.link ? ft.fromStored(data[f.name]) : null;
      if (typeof id === 'number') (ft.link === 'user' ? userIds : cardIds).set(f.name, id);
    }
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
    for (const [name, id] of cardIds) {
      const target = this.types.get(type.fieldMap.get(name)!.to!)!;
      const ref = await this.load(id, t);
      if (!ref || ref.type !== target.name || ref.deleted_at || !canRead(user, target, ref))
        errors[name] = msg('fields.errors.noCardToSee', { type: target.label.toLowerCase() });
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

  /** In the caller's transaction when given (a bulk run records each card's step with its change), else in its own. */
  private within<T>(t: Transaction | undefined, fn: (t: Transaction) => Promise<T>): Promise<T> {
    return t ? fn(t) : this.db.transaction(fn);
  }

  /** The card to change, locked; one the user may not read does not exist for them. */
  private async lockedFor(user: SessionUser, type: CardType, id: number, t: Transaction): Promise<Card> {
    const before = await this.load(id, t, true);
    if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before))
      throw new NotFoundError(msg('cards.errors.noCard'));
    return before;
  }

  private dueAt(type: CardType, stage: string, from = Date.now()): Date | null {
    const ms = type.stageMap.get(stage)?.slaMs;
    return ms ? new Date(from + ms) : null;
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
    const type = this.typeFor(user, typeName);
    if (!can(user, type, 'create')) throw new ForbiddenError(msg('cards.errors.mayNotCreate', { types: type.plural.toLowerCase() }));
    const parsed = parseCardForm(type, input, user.timeZone);
    const assigneeId = this.assigneeOf(input, parsed.errors);
    await this.checkLinks(user, type, parsed.data, assigneeId, parsed.errors, options.transaction);
    if (Object.keys(parsed.errors).length) throw new ValidationError(msg('cards.errors.fieldsNeedAttention'), parsed.errors);
    return this.within(options.transaction, async (t) => {
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
        [
          type.name,
          number,
          parsed.title,
          type.initial,
          assigneeId,
          user.id,
          this.dueAt(type, type.initial),
          JSON.stringify(parsed.data),
          cardSearchText(type, number, parsed.title, parsed.data),
          this.searchLanguage,
        ],
        t,
      );
      const card = (await this.load(id, t))!;
      await this.emit({ kind: 'created', type, card, before: null, after: card, user, source: options.source }, t);
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
      const before = await this.lockedFor(user, type, id, t);
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
      await this.checkLinks(user, type, parsed.data, assigneeId, parsed.errors, t);
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

  /** Gives the card to `assigneeId` (null: to nobody) as the edit form's assignee would; the same assignee changes nothing. */
  async assign(user: SessionUser, typeName: string, id: number, assigneeId: number | null, options: InTx = {}) {
    const type = this.typeFor(user, typeName);
    return this.within(options.transaction, async (t): Promise<Card> => {
      const before = await this.lockedFor(user, type, id, t);
      if (!can(user, type, 'update', before)) throw new ForbiddenError(msg('cards.errors.mayNotEdit'));
      if (before.assignee_id === assigneeId) return before;
      const errors: Record<string, Text> = {};
      await this.checkLinks(user, type, {}, assigneeId, errors, t);
      if (errors.assignee) throw new ValidationError(errors.assignee, errors);
      await this.db.exec('update cards set assignee_id = $2, version = version + 1, updated_at = now() where id = $1', [id, assigneeId], t);
      const after = (await this.load(id, t))!;
      await this.emit({ kind: 'updated', type, card: after, before, after, user }, t);
      return after;
    });
  }

  /** Moves the card along a transition; fields the transition requires may come with it. */
  async transition(user: SessionUser, typeName: string, id: number, name: string, input: FormInput = {}, options: InTx = {}) {
    const type = this.typeFor(user, typeName);
    return this.within(options.transaction, async (t): Promise<Card> => {
      const before = await this.lockedFor(user, type, id, t);
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
      await this.checkLinks(user, type, data, null, errors, t);
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
  async remove(user: SessionUser, typeName: string, id: number, options: InTx = {}): Promise<Card> {
    const type = this.typeFor(user, typeName);
    return this.within(options.transaction, async (t) => {
      const before = await this.lockedFor(user, type, id, t);
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
