// Changing cards: update (optimistic locking), assign, transitions, soft
// delete and restore; making them and what every change shares is
// CardCreation (app/services/card-create.ts), reading them CardReads
// (app/services/card-reads.ts). No Express here. Every change runs in one
// transaction (or the caller's) and calls the change hooks inside it, so
// whatever they enqueue (the audit job, an automatic task) commits or rolls
// back with the change itself.
import { prepared } from '#app/db/connection';
import { parseCardForm, parseField, type FormInput } from '#app/services/card-fields';
import { COLUMNS, type Card } from '#app/services/card-reads';
import { CardCreation, type InTx } from '#app/services/card-create';
import { cardSearchText } from '#app/services/search';
import { msg, type Text } from '#app/i18n/message';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { allowedTransitions, can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export type { Card, ListedCard, ListResult, UserChoice } from '#app/services/card-reads';
export type { CardChange, ChangeHook, ChangeKind, InTx } from '#app/services/card-create';

// The edit form's save, returning the saved card as `load` reads it (one round trip, not two).
const SAVE_EDIT = prepared(
  `with c as (
     update cards set title = $2, assignee_id = $3, data = $4, search = to_tsvector($6::regconfig, $5), version = version + 1, updated_at = now()
      where id = $1 returning *)
   select ${COLUMNS} from c left join users ua on ua.id = c.assignee_id left join users uo on uo.id = c.owner_id`,
);

const isEmpty = (v: unknown) => v == null || v === '' || (Array.isArray(v) && v.length === 0);

export class CardService extends CardCreation {
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
      await this.links(user, type, [{ data: parsed.data, assigneeId, errors: parsed.errors }], t);
      // A field required since the card was saved (a new version of its type): say so, not only "required".
      for (const f of type.fields)
        if (f.required && parsed.errors[f.name] && isEmpty(input[f.name]) && isEmpty(before.data[f.name]))
          parsed.errors[f.name] = msg('fields.errors.requiredSinceTypeChanged');
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
      await this.links(user, type, [{ data: {}, assigneeId, errors }], t);
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
