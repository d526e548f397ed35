// Reminders: "remind me at …" on a task or a card, with quick choices in the
// user's time zone, delivered once by reminders.deliver, listed, cancelled
// and snoozed.
//
// What MUST hold: delivery is state-based and once — ONE statement marks the
// due, undelivered reminders (FOR UPDATE SKIP LOCKED) and writes their
// notices (keyed by reminder and time, so a snoozed reminder notifies again
// at its new time, never twice at one). The notice goes through the same
// recipient checks as every notice: active user, card still readable.
import type { Database } from '#app/db/connection';
import type { CardService } from '#app/services/cards';
import { msg } from '#app/i18n/message';
import { NotFoundError, ValidationError } from '#app/services/errors';
import type { NotificationService } from '#app/services/notifications';
import type { TaskService } from '#app/services/tasks';
import { utcToZonedInput, zonedToUtc } from '#app/services/time';
import type { SessionUser } from '#app/services/users';

// The English labels (the catalogs hold every language's: reminders.quick.*).
export const QUICK_CHOICES = { hour: 'In 1 hour', tomorrow: 'Tomorrow 09:00', monday: 'Next Monday 09:00' } as const;
export type QuickChoice = keyof typeof QUICK_CHOICES;

export interface Reminder {
  id: number;
  user_id: number;
  task_id: number | null;
  card_id: number | null;
  remind_at: Date;
  note: string;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  task_title?: string | null;
  card_type?: string | null;
  card_number?: string | null;
  card_title?: string | null;
}

/** The instant of a quick choice, from `now`, in `timeZone`. */
export function quickTime(choice: QuickChoice, now: Date, timeZone: string): Date {
  if (choice === 'hour') return new Date(now.getTime() + 3600_000);
  const today = utcToZonedInput(now, timeZone).slice(0, 10);
  const d = new Date(`${today}T00:00:00Z`);
  if (choice === 'tomorrow') d.setUTCDate(d.getUTCDate() + 1);
  else d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7)); // the next Monday, never today
  return zonedToUtc(`${d.toISOString().slice(0, 10)}T09:00`, timeZone)!;
}

export interface ReminderInput {
  task?: unknown;
  card?: unknown;
  quick?: unknown;
  remind_at?: unknown;
  note?: unknown;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

const COLUMNS = `r.id, r.user_id, r.task_id, r.card_id, r.remind_at, r.note, r.delivered_at, r.cancelled_at,
  t.title as task_title, c.type as card_type, c.number as card_number, c.title as card_title,
  c.owner_id as card_owner_id, c.assignee_id as card_assignee_id, c.deleted_at as card_deleted_at`;

type ReminderRow = Reminder & { card_owner_id: number | null; card_assignee_id: number | null; card_deleted_at: Date | null };
const FROM = 'reminders r left join tasks t on t.id = r.task_id left join cards c on c.id = coalesce(r.card_id, t.card_id)';

export class ReminderService {
  /** The delivery's "now" (tests inject a simulated clock). */
  clock: () => Date = () => new Date();

  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly tasks: TaskService,
    private readonly notifications: NotificationService,
  ) {}

  /** The time a form asks for: a quick choice, or "remind_at" typed in the user's zone (must be in the future). */
  whenOf(user: SessionUser, input: ReminderInput, now = new Date()): Date {
    const quick = str(input.quick);
    if (quick) {
      if (!(quick in QUICK_CHOICES))
        throw new ValidationError(msg('reminders.errors.when'), {
          quick: msg('reminders.errors.quick', { choices: Object.keys(QUICK_CHOICES).join(', ') }),
        });
      return quickTime(quick as QuickChoice, now, user.timeZone);
    }
    const raw = str(input.remind_at);
    if (!raw) throw new ValidationError(msg('reminders.errors.when'), { remind_at: msg('reminders.errors.whenRequired') });
    const at = zonedToUtc(raw, user.timeZone);
    if (!at)
      throw new ValidationError(msg('reminders.errors.notADateSentence'), { remind_at: msg('reminders.errors.notADate', { value: raw }) });
    if (at.getTime() <= now.getTime())
      throw new ValidationError(msg('reminders.errors.pastSentence'), { remind_at: msg('reminders.errors.past') });
    return at;
  }

  /** Sets a reminder on a task or a card the user may see. */
  async create(user: SessionUser, input: ReminderInput, now = new Date()): Promise<Reminder> {
    const taskRaw = str(input.task);
    const cardRaw = str(input.card);
    let taskId: number | null = null;
    let cardId: number | null = null;
    if (taskRaw) {
      if (!/^\d{1,15}$/.test(taskRaw)) throw new NotFoundError(msg('tasks.errors.notFound'));
      taskId = (await this.tasks.getForUser(user, Number(taskRaw))).id;
    } else if (cardRaw) {
      if (!/^\d{1,15}$/.test(cardRaw)) throw new NotFoundError(msg('reminders.errors.noSuchCard'));
      const [c] = await this.db.rows<{ id: number; type: string; owner_id: number; assignee_id: number | null; deleted_at: Date | null }>(
        'select id, type, owner_id, assignee_id, deleted_at from cards where id = $1',
        [Number(cardRaw)],
      );
      if (!c || !this.cards.mayRead(user, c)) throw new NotFoundError(msg('reminders.errors.noSuchCard'));
      cardId = c.id;
    } else throw new ValidationError(msg('reminders.errors.needsSubject'), { task: msg('reminders.errors.missing') });
    const at = this.whenOf(user, input, now);
    const [{ id }] = await this.db.rows<{ id: number }>(
      'insert into reminders (user_id, task_id, card_id, remind_at, note) values ($1, $2, $3, $4, $5) returning id',
      [user.id, taskId, cardId, at, str(input.note).slice(0, 500)],
    );
    return (await this.get(user, id))!;
  }

  private async get(user: SessionUser, id: number): Promise<Reminder | null> {
    const [r] = await this.db.rows<ReminderRow>(`select ${COLUMNS} from ${FROM} where r.id = $1 and r.user_id = $2`, [id, user.id]);
    return r ? this.visible(user, r) : null;
  }

  /** The user's reminders: pending first (soonest first), then the recently delivered. */
  async list(user: SessionUser, filter: { task?: number; card?: number } = {}): Promise<Reminder[]> {
    const params: unknown[] = [user.id];
    let extra = '';
    if (filter.task) {
      params.push(filter.task);
      extra = ` and r.task_id = $${params.length}`;
    } else if (filter.card) {
      params.push(filter.card);
      extra = ` and r.card_id = $${params.length}`;
    }
    const rows = await this.db.rows<ReminderRow>(
      `select ${COLUMNS} from ${FROM} where r.user_id = $1 and r.cancelled_at is null${extra}
        order by r.delivered_at is not null, case when r.delivered_at is null then r.remind_at end, r.delivered_at desc limit 200`,
      params,
    );
    return rows.map((r) => this.visible(user, r));
  }

  /**
   * A reminder as its owner may see it now: the note is theirs, but the card
   * (and its task) only while they may still read the card — access can be
   * lost after the reminder was set (a role removed, the card reassigned or
   * deleted), as the notices check at delivery.
   */
  private visible(user: SessionUser, r: ReminderRow): Reminder {
    const { card_owner_id: ownerId, card_assignee_id: assigneeId, card_deleted_at: deletedAt, ...reminder } = r;
    if (!r.card_type) return reminder;
    const card = { type: r.card_type, owner_id: ownerId!, assignee_id: assigneeId, deleted_at: deletedAt };
    return this.cards.mayRead(user, card, user.isSuperuser)
      ? reminder
      : { ...reminder, task_title: null, card_type: null, card_number: null, card_title: null };
  }

  async cancel(user: SessionUser, id: number): Promise<void> {
    const n = await this.db.exec(
      'update reminders set cancelled_at = now() where id = $1 and user_id = $2 and cancelled_at is null and delivered_at is null',
      [id, user.id],
    );
    if (!n) throw new NotFoundError(msg('reminders.errors.noPending'));
  }

  /** Snooze: a delivered reminder fires again at a new time. */
  async snooze(user: SessionUser, id: number, input: ReminderInput, now = new Date()): Promise<Reminder> {
    const at = this.whenOf(user, input, now);
    const n = await this.db.exec(
      'update reminders set remind_at = $3, delivered_at = null where id = $1 and user_id = $2 and delivered_at is not null and cancelled_at is null',
      [id, user.id, at],
    );
    if (!n) throw new NotFoundError(msg('reminders.errors.noDelivered'));
    return (await this.get(user, id))!;
  }

  /** Delivers every reminder due by `now`, once each. */
  async deliver(now: Date, batch = 10_000): Promise<{ delivered: number; notices: number }> {
    let delivered = 0;
    let notices = 0;
    for (;;) {
      const r = await this.notifications.write(
        `marked as (
           update reminders r set delivered_at = $1::timestamptz
            where r.id in (select id from reminders where delivered_at is null and cancelled_at is null and remind_at <= $1::timestamptz
                            order by remind_at limit $2 for update skip locked)
              and r.delivered_at is null and r.cancelled_at is null
           returning r.id, r.user_id, r.task_id, r.card_id, r.remind_at, r.note)`,
        `select m.user_id, 'reminder'::text as kind, 'reminder:' || m.id || ':' || extract(epoch from m.remind_at)::bigint as key,
                'Reminder: ' || coalesce(t.title, c.number || ' ' || c.title) as title, m.note as body,
                jsonb_build_object('key', 'notifications.notice.reminder', 'params', jsonb_build_object('subject', coalesce(t.title, c.number || ' ' || c.title), 'note', m.note)) as message,
                case when m.task_id is not null then '/tasks/' || m.task_id else '/cards/' || c.type || '/' || c.id end as url,
                c.id as card_id, m.task_id
           from marked m left join tasks t on t.id = m.task_id left join cards c on c.id = coalesce(m.card_id, t.card_id)`,
        [now.toISOString(), batch],
        null,
        'marked',
      );
      delivered += r.counted;
      notices += r.notices;
      if (r.counted < batch) break;
    }
    return { delivered, notices };
  }
}
