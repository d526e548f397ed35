// Tasks: create by hand, "my tasks", a card's tasks, complete / reopen /
// reassign and the overdue chart. No Express here. Automatic tasks of a
// stage's SLA are in app/services/task-sla.ts, the deadline sweep in
// app/services/task-deadlines.ts.
//
// What MUST hold: a task on a card is visible to whoever may read the card
// (and to nobody else); a task without a card to its assignee, its creator
// and admins.
import type { Settings } from '#app/config';
import type { Database } from '#app/db/connection';
import { findCard, normalNumber } from '#app/services/card-pick';
import type { CardService } from '#app/services/cards';
import { msg, type Message } from '#app/i18n/message';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import type { NotificationService } from '#app/services/notifications';
import { can } from '#app/services/permissions';
import { sweepDeadlines, type OverdueHook, type SweepResult } from '#app/services/task-deadlines';
import { zonedToUtc } from '#app/services/time';
import { readSessionUser, type SessionUser } from '#app/services/users';

export type { SweepResult } from '#app/services/task-deadlines';

export type TaskStatus = 'open' | 'done' | 'cancelled';

export interface Task {
  id: number;
  title: string;
  description: string;
  card_id: number | null;
  assignee_id: number;
  created_by: number | null;
  due_at: Date;
  status: TaskStatus;
  overdue_at: Date | null;
  closed_at: Date | null;
  created_at: Date;
  assignee_name?: string;
  creator_name?: string | null;
  card_type?: string | null;
  card_number?: string | null;
  card_title?: string | null;
}

export interface TaskInput {
  title?: unknown;
  description?: unknown;
  assignee?: unknown;
  due_at?: unknown;
  card?: unknown;
}

export interface TaskFilters {
  status: 'open' | 'done' | 'cancelled' | 'all';
  /** mine: assigned to me; created: created by me. */
  scope: 'mine' | 'created';
  q: string;
}

const COLUMNS = `t.id, t.title, t.description, t.card_id, t.assignee_id, t.created_by, t.due_at, t.status, t.overdue_at, t.closed_at, t.created_at,
  ua.display_name as assignee_name, uc.display_name as creator_name, c.type as card_type, c.number as card_number, c.title as card_title`;

const FROM =
  'tasks t join users ua on ua.id = t.assignee_id left join users uc on uc.id = t.created_by left join cards c on c.id = t.card_id';

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function idOf(v: unknown): number | null | 'bad' {
  const s = text(v);
  if (!s) return null;
  return /^\d{1,15}$/.test(s) ? Number(s) : 'bad';
}

export class TaskService {
  /** The sweep's "now" (tests inject the beat's simulated clock). */
  clock: () => Date = () => new Date();

  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly notifications: NotificationService,
    private readonly settings: Settings['tasks'],
  ) {}

  private async load(id: number): Promise<Task | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null;
    const [row] = await this.db.rows<Task>(`select ${COLUMNS} from ${FROM} where t.id = $1`, [id]);
    return row ?? null;
  }

  /** May `user` see this task? On a card: the card's read permission. */
  private visible(
    user: SessionUser,
    task: Task,
    card: { type: string; owner_id: number; assignee_id: number | null; deleted_at: Date | null } | null,
  ): boolean {
    if (task.card_id === null) return user.isSuperuser || task.assignee_id === user.id || task.created_by === user.id;
    return card !== null && this.cards.mayRead(user, card, user.isSuperuser);
  }

  private async cardOf(id: number | null) {
    if (id === null) return null;
    const [c] = await this.db.rows<{
      id: number;
      type: string;
      number: string;
      title: string;
      owner_id: number;
      assignee_id: number | null;
      deleted_at: Date | null;
    }>('select id, type, number, title, owner_id, assignee_id, deleted_at from cards where id = $1', [id]);
    return c ?? null;
  }

  /** A task the user may see, else 404 (its existence is not revealed). */
  async getForUser(user: SessionUser, id: number): Promise<Task> {
    const task = await this.load(id);
    if (!task || !this.visible(user, task, await this.cardOf(task.card_id))) throw new NotFoundError(msg('tasks.errors.notFound'));
    return task;
  }

  /** May the user change the task (complete, reopen, reassign)? */
  async canChange(user: SessionUser, task: Task): Promise<boolean> {
    if (user.isSuperuser || task.assignee_id === user.id || task.created_by === user.id) return true;
    const card = await this.cardOf(task.card_id);
    const type = card && this.cards.types.get(card.type);
    return Boolean(card && type && can(user, type, 'update', card));
  }

  /** Validates a task form; field errors name the field, nothing is written on error. */
  async create(user: SessionUser, input: TaskInput): Promise<Task> {
    const errors: Record<string, Message> = {};
    const title = text(input.title);
    if (!title) errors.title = msg('tasks.errors.titleRequired');
    else if (title.length > 300) errors.title = msg('tasks.errors.titleTooLong', { max: 300 });
    const description = text(input.description).slice(0, 20_000);
    const dueRaw = text(input.due_at);
    let due: Date | null = null;
    if (!dueRaw) errors.due_at = msg('tasks.errors.dueRequired');
    else if (!(due = zonedToUtc(dueRaw, user.timeZone))) errors.due_at = msg('tasks.errors.notADate', { value: dueRaw });
    const assigneeId = idOf(input.assignee);
    // The card by its number ("PR-000012") or its id (`?card=ID` links); unknown and unreadable read the same.
    const cardRaw = text(input.card);
    let card: Awaited<ReturnType<TaskService['cardOf']>> = null;
    if (cardRaw) {
      const found = await findCard(this.db, this.cards, user, cardRaw);
      card = found ? await this.cardOf(found.id) : null;
      if (!card)
        errors.card =
          normalNumber(cardRaw) || /^\d{1,15}$/.test(cardRaw)
            ? msg('tasks.errors.noSuchCard', { card: cardRaw.slice(0, 40) })
            : msg('tasks.errors.cardFormat');
    }
    if (assigneeId === null) errors.assignee = msg('tasks.errors.assigneeRequired');
    else if (assigneeId === 'bad') errors.assignee = msg('tasks.errors.assigneeFromList');
    else {
      const assignee = await this.db.rows<{ id: number }>('select id from users where id = $1 and is_active', [assigneeId]);
      if (!assignee.length) errors.assignee = msg('tasks.errors.noActiveUser');
      else if (card) {
        const who = await readSessionUser(this.db, assigneeId);
        if (!who || !this.cards.mayRead(who, card)) errors.assignee = msg('tasks.errors.assigneeCannotSee', { card: card.number });
      }
    }
    if (Object.keys(errors).length) throw new ValidationError(msg('tasks.errors.invalid'), errors);
    const [{ id }] = await this.db.rows<{ id: number }>(
      'insert into tasks (title, description, card_id, assignee_id, created_by, due_at) values ($1, $2, $3, $4, $5, $6) returning id',
      [title, description, card?.id ?? null, assigneeId, user.id, due],
    );
    const task = (await this.load(id))!;
    await this.noticeAssigned(user, task, 'created');
    return task;
  }

  /** "A task was assigned to me": to the assignee, unless they assigned it to themselves. */
  private async noticeAssigned(by: SessionUser, task: Task, occasion: string): Promise<void> {
    if (task.assignee_id === by.id) return;
    await this.notifications.notify({
      userId: task.assignee_id,
      kind: 'task.assigned',
      key: `task.assigned:${task.id}:${task.assignee_id}:${occasion}`,
      title: `Task for you: ${task.title}`,
      body: `${by.displayName || by.email} assigned it to you${task.card_number ? ` on ${task.card_number}` : ''}.`,
      message: task.card_number
        ? msg('notifications.notice.assignedOnCard', { task: task.title, by: by.displayName || by.email, card: task.card_number })
        : msg('notifications.notice.assigned', { task: task.title, by: by.displayName || by.email }),
      url: `/tasks/${task.id}`,
      cardId: task.card_id,
      taskId: task.id,
    });
  }

  /** The user's tasks with filters, each visible to them (a task on a card they lost access to is left out). */
  async list(user: SessionUser, f: TaskFilters, limit = 500): Promise<Task[]> {
    const params: unknown[] = [user.id];
    const where = [f.scope === 'created' ? 't.created_by = $1' : 't.assignee_id = $1'];
    if (f.status !== 'all') {
      params.push(f.status);
      where.push(`t.status = $${params.length}`);
    }
    if (f.q) {
      params.push(`%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      where.push(`(t.title ilike $${params.length} or c.number ilike $${params.length})`);
    }
    const rows = await this.db.rows<Task & { c_owner: number | null; c_assignee: number | null; c_deleted: Date | null }>(
      `select ${COLUMNS}, c.owner_id as c_owner, c.assignee_id as c_assignee, c.deleted_at as c_deleted from ${FROM}
        where ${where.join(' and ')} order by t.due_at, t.id limit ${limit}`,
      params,
    );
    return rows.filter((t) =>
      this.visible(
        user,
        t,
        t.card_id ? { type: t.card_type!, owner_id: t.c_owner!, assignee_id: t.c_assignee, deleted_at: t.c_deleted } : null,
      ),
    );
  }

  /** A card's tasks (the caller already checked the card is readable). */
  async forCard(cardId: number): Promise<Task[]> {
    return this.db.rows<Task>(`select ${COLUMNS} from ${FROM} where t.card_id = $1 order by t.status = 'open' desc, t.due_at, t.id`, [
      cardId,
    ]);
  }

  private async change(user: SessionUser, id: number, sql: string, params: unknown[]): Promise<Task> {
    const task = await this.getForUser(user, id);
    if (!(await this.canChange(user, task))) throw new ForbiddenError(msg('tasks.errors.mayNotChange'));
    await this.db.exec(sql, [id, ...params]);
    return (await this.load(id))!;
  }

  complete(user: SessionUser, id: number): Promise<Task> {
    return this.change(
      user,
      id,
      `update tasks set status = 'done', closed_at = now(), updated_at = now() where id = $1 and status = 'open'`,
      [],
    );
  }

  reopen(user: SessionUser, id: number): Promise<Task> {
    return this.change(
      user,
      id,
      `update tasks set status = 'open', closed_at = null, updated_at = now() where id = $1 and status <> 'open'`,
      [],
    );
  }

  /** A new assignee starts with a clean slate: the sweep notices them afresh (due soon / overdue). */
  async reassign(user: SessionUser, id: number, assignee: unknown): Promise<Task> {
    const task = await this.getForUser(user, id);
    if (!(await this.canChange(user, task))) throw new ForbiddenError(msg('tasks.errors.mayNotChange'));
    const assigneeId = idOf(assignee);
    if (assigneeId === null || assigneeId === 'bad')
      throw new ValidationError(msg('tasks.errors.chooseAssignee'), { assignee: msg('tasks.errors.assigneeFromList') });
    const who = await readSessionUser(this.db, assigneeId);
    if (!who) throw new ValidationError(msg('tasks.errors.noActiveUserSentence'), { assignee: msg('tasks.errors.noActiveUser') });
    const card = await this.cardOf(task.card_id);
    if (card && !this.cards.mayRead(who, card, true))
      throw new ValidationError(msg('tasks.errors.assigneeCannotSeeSentence', { card: card.number }), {
        assignee: msg('tasks.errors.assigneeCannotSee', { card: card.number }),
      });
    const [{ at }] = await this.db.rows<{ at: Date }>(
      `update tasks set assignee_id = $2, due_soon_notified_at = null, overdue_notified_at = null, escalated_at = null, updated_at = now() where id = $1 returning updated_at as at`,
      [id, assigneeId],
    );
    const changed = (await this.load(id))!;
    if (task.assignee_id !== assigneeId) await this.noticeAssigned(user, changed, `reassigned-${at.getTime()}`);
    return changed;
  }

  private readonly overdueHooks: OverdueHook[] = [];

  /** Hears of tasks the sweep finds overdue for the first time, in the transaction that marks them (webhooks). */
  onOverdue(hook: OverdueHook): void {
    this.overdueHooks.push(hook);
  }

  /** The deadline sweep at `now` (app/services/task-deadlines.ts). */
  sweep(now: Date, batch = 20_000): Promise<SweepResult> {
    return sweepDeadlines(this.notifications, this.settings, now, batch, { db: this.db, hooks: this.overdueHooks });
  }

  /** Overdue tasks of the user per day over the last `days` days (the dashboard chart), in the user's zone. */
  async overduePerDay(user: SessionUser, days = 30): Promise<Array<{ day: string; n: number }>> {
    return this.db.rows(
      `with d as (
         select (gs::date)::text as day, ((gs + interval '1 day') at time zone $2) as day_end
           from generate_series((now() at time zone $2)::date - ($3::int - 1), (now() at time zone $2)::date, interval '1 day') gs)
       select d.day, (select count(*)::int from tasks t
                       where t.assignee_id = $1 and t.overdue_at is not null and t.due_at < least(d.day_end, now())
                         and (t.closed_at is null or t.closed_at > least(d.day_end, now()))) as n
         from d order by d.day`,
      [user.id, user.timeZone, days],
    );
  }
}
