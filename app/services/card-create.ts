// Making cards, and what every change of a card shares: the change hooks,
// the link checks, the due date of a stage (its SLA, in calendar or working
// time), the locked read of the card to change. CardService
// (app/services/cards.ts) extends this with the other changes; reading is
// CardReads (app/services/card-reads.ts). A new card runs its change hooks in
// its transaction, so whatever they enqueue commits or rolls back with it;
// many new cards (an import's batch) are made in a few statements, with the
// same rows and hooks as one.
import type { Transaction } from '#app/db/connection';
import { parseCardForm, type FieldValue, type FormInput } from '#app/services/card-fields';
import { CardReads, COLUMNS, FROM, type Card } from '#app/services/card-reads';
import { checkLinks, type LinkCheck } from '#app/services/card-links';
import { cardSearchText } from '#app/services/search';
import type { CardType } from '#app/services/card-types';
import { msg, type Text } from '#app/i18n/message';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { can, canRead } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';
import { Calendar, DEFAULT_CALENDAR, slaDeadline } from '#app/services/work-calendar';

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

/** A change in the caller's transaction (a bulk run's step, a folder import's card and file). */
export type InTx = { transaction?: Transaction };

export class CardCreation extends CardReads {
  private readonly hooks: ChangeHook[] = [];

  /** Runs `hook` inside the transaction of every card change. */
  onChange(hook: ChangeHook): void {
    this.hooks.push(hook);
  }

  /** Cards by id (any state), for the link checks. */
  protected loadMany(ids: number[], t?: Transaction): Promise<Card[]> {
    return this.db.rows<Card>(`select ${COLUMNS} from ${FROM} where c.id = any($1::bigint[])`, [ids], t);
  }

  /** The link checks (app/services/card-links.ts) of one card or many. */
  protected links(user: SessionUser, type: CardType, entries: LinkCheck[], t?: Transaction) {
    return checkLinks(this.db, this.types, (ids, tt) => this.loadMany(ids, tt), user, type, entries, t);
  }

  protected assigneeOf(input: FormInput, errors: Record<string, Text>): number | null {
    const raw = typeof input.assignee === 'string' ? input.assignee.trim() : '';
    if (!raw) return null;
    if (!/^\d{1,15}$/.test(raw)) {
      errors.assignee = msg('fields.errors.chooseUser');
      return null;
    }
    return Number(raw);
  }

  protected async emit(change: CardChange, t: Transaction): Promise<void> {
    for (const hook of this.hooks) await hook(change, t);
  }

  private calendar: () => Calendar = () => new Calendar(DEFAULT_CALENDAR);

  /** Where working-time SLAs read the installation's calendar (the context's WorkCalendar). */
  useCalendar(calendar: () => Calendar): void {
    this.calendar = calendar;
  }

  /** In the caller's transaction when given (a bulk run records each card's step with its change), else in its own. */
  protected within<T>(t: Transaction | undefined, fn: (t: Transaction) => Promise<T>): Promise<T> {
    return t ? fn(t) : this.db.transaction(fn);
  }

  /** The card to change, locked; one the user may not read does not exist for them. */
  protected async lockedFor(user: SessionUser, type: CardType, id: number, t: Transaction): Promise<Card> {
    const before = await this.load(id, t, true);
    if (!before || before.type !== type.name || before.deleted_at || !canRead(user, type, before))
      throw new NotFoundError(msg('cards.errors.noCard'));
    return before;
  }

  /** New cards' changes: each hook in turn, with its batch form when it has one, else card by card. */
  private async emitCreated(changes: CardChange[], t: Transaction): Promise<void> {
    for (const hook of this.hooks)
      if (hook.created) await hook.created(changes, t);
      else for (const change of changes) await hook(change, t);
  }

  /** When a card entering `stage` now is due (its SLA on the installation's calendar), or null. */
  dueAt(type: CardType, stage: string, from = Date.now()): Date | null {
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
    const [made] = await this.within(options.transaction, one);
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
}
