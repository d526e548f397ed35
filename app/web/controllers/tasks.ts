// Task and reminder pages: "my tasks" (groups overdue / today / upcoming,
// filters in the URL), the task form (/tasks/new?card=ID), a task's page,
// complete / reopen / reassign, reminders (set, list, cancel, snooze) and the
// card page's tasks panel. Thin: parse, call a service, render.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { localize, localizeAll, msg } from '#app/i18n/message';
import { findCard, searchCards } from '#app/services/card-pick';
import { ValidationError } from '#app/services/errors';
import { formatRelative } from '#app/services/relative-time';
import { QUICK_CHOICES } from '#app/services/reminders';
import type { Task, TaskFilters } from '#app/services/tasks';
import { utcToZonedInput } from '#app/services/time';
import type { SessionUser } from '#app/services/users';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';
import { formatDateTime } from '#app/web/render';
import type { CardPanelLoader } from '#app/web/controllers/cards';
import type { DashboardPanel } from '#app/web/controllers/dashboard';

// A task's or a reminder's id: a 404 in the task's words before any lookup.
const ONE = { id: id(msg('tasks.errors.notFound')) };

function body(req: Request): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}

/** Back to where the form was (a card page or a task page), never off-site. */
function back(req: Request, fallback: string): string {
  const to = typeof body(req).back === 'string' ? (body(req).back as string) : '';
  return /^\/(?!\/)[\w\-/?=&.]*$/.test(to) ? to : fallback;
}

/** A refused reminder form as one flash line: the message and its field reasons, in the reader's language. */
function failure(req: Request, err: ValidationError): string {
  return `${localize(req.t, err.text)} ${Object.values(localizeAll(req.t, err.fieldTexts)).join('; ')}`;
}

export function parseTaskFilters(q: Request['query']): TaskFilters {
  const status = String(q.status ?? 'open');
  const scope = String(q.scope ?? 'mine');
  return {
    status: (['open', 'done', 'cancelled', 'all'].includes(status) ? status : 'open') as TaskFilters['status'],
    scope: scope === 'created' ? 'created' : 'mine',
    q: String(q.q ?? '')
      .trim()
      .slice(0, 200),
  };
}

/** Splits tasks into overdue / today / upcoming (and closed), by the user's day. */
export function groupTasks(tasks: Task[], now: Date, timeZone: string) {
  const today = utcToZonedInput(now, timeZone).slice(0, 10);
  const groups = { overdue: [] as Task[], today: [] as Task[], upcoming: [] as Task[], closed: [] as Task[] };
  for (const t of tasks) {
    if (t.status !== 'open') groups.closed.push(t);
    else if (new Date(t.due_at) <= now) groups.overdue.push(t);
    else if (utcToZonedInput(t.due_at, timeZone).slice(0, 10) === today) groups.today.push(t);
    else groups.upcoming.push(t);
  }
  return groups;
}

export interface TasksDeps extends Pick<Services, 'tasks' | 'reminders' | 'cards'> {
  /** The card picker's lookups (app/services/card-pick.ts). */
  db: Database;
}

export function tasksController({ tasks, reminders, cards, db }: TasksDeps) {
  async function renderForm(
    user: SessionUser,
    res: Response,
    values: Record<string, string>,
    errors: Record<string, string> = {},
    status = 200,
    message: string | null = null,
  ) {
    // The card the field names (number or id), when the user may read it; the field keeps what was typed.
    const card = values.card && !errors.card ? await findCard(db, cards, user, values.card) : null;
    res.status(status).render('tasks/form.njk', { values, errors, message, card, users: await cards.userChoices() });
  }

  return {
    list: signedIn(async (req, res, { user }) => {
      const filters = parseTaskFilters(req.query);
      const rows = await tasks.list(user, filters);
      const now = new Date();
      res.render('tasks/list.njk', { filters, groups: groupTasks(rows, now, user.timeZone), total: rows.length, now });
    }),

    newForm: signedIn(async (req, res, { user }) => {
      const card = typeof req.query.card === 'string' ? req.query.card : '';
      await renderForm(user, res, { card, assignee: String(user.id), title: '', due_at: '', description: '' });
    }),

    /** GET /tasks/cards.json?q= — the task form's card picker: a few cards the user may read. */
    cardChoices: signedIn(async (req, res, { user }) => {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      const found = await searchCards(db, cards, user, q);
      res.set('Cache-Control', 'no-store').json({ cards: found.map((c) => ({ number: c.number, title: c.title, type: c.type })) });
    }),

    create: signedIn(async (req, res, { user }) => {
      const input = body(req);
      try {
        const task = await tasks.create(user, input);
        flash(req, req.t('tasks.flash.created', { title: task.title }));
        res.redirect(303, task.card_id && task.card_type ? `/cards/${task.card_type}/${task.card_id}` : `/tasks/${task.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const values: Record<string, string> = {};
        for (const k of ['title', 'description', 'assignee', 'due_at', 'card'])
          values[k] = typeof input[k] === 'string' ? (input[k] as string) : '';
        await renderForm(user, res, values, localizeAll(req.t, err.fieldTexts), 400, localize(req.t, err.text));
      }
    }),

    view: signedIn(ONE, async (req, res, { user, params }) => {
      const task = await tasks.getForUser(user, params.id);
      const now = new Date();
      res.render('tasks/view.njk', {
        task,
        canChange: await tasks.canChange(user, task),
        users: await cards.userChoices(),
        reminders: await reminders.list(user, { task: task.id }),
        quick: QUICK_CHOICES,
        overdue: task.status === 'open' && new Date(task.due_at) <= now,
        // "in 2 hours" / "5 minutes ago" next to the due time, in the reader's language.
        dueRelative: formatRelative(task.due_at, now, req.locale),
      });
    }),

    complete: signedIn(ONE, async (req, res, { user, params }) => {
      const task = await tasks.complete(user, params.id);
      flash(req, req.t('tasks.flash.done', { title: task.title }));
      res.redirect(303, back(req, `/tasks/${task.id}`));
    }),

    reopen: signedIn(ONE, async (req, res, { user, params }) => {
      const task = await tasks.reopen(user, params.id);
      flash(req, req.t('tasks.flash.reopened', { title: task.title }));
      res.redirect(303, back(req, `/tasks/${task.id}`));
    }),

    reassign: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      try {
        const task = await tasks.reassign(user, id, body(req).assignee);
        flash(req, req.t('tasks.flash.reassigned', { title: task.title, name: task.assignee_name }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, localize(req.t, err.text), 'danger');
      }
      res.redirect(303, back(req, `/tasks/${id}`));
    }),

    reminderList: signedIn(async (_req, res, { user }) => {
      res.render('tasks/reminders.njk', { reminders: await reminders.list(user), quick: QUICK_CHOICES });
    }),

    reminderCreate: signedIn(async (req, res, { user }) => {
      try {
        const r = await reminders.create(user, body(req));
        flash(req, req.t('reminders.flash.set', { at: formatDateTime(r.remind_at, user.timeZone, req.locale) }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, failure(req, err), 'danger');
      }
      res.redirect(303, back(req, '/reminders'));
    }),

    reminderCancel: signedIn(ONE, async (req, res, { user, params }) => {
      await reminders.cancel(user, params.id);
      flash(req, req.t('reminders.flash.cancelled'));
      res.redirect(303, back(req, '/reminders'));
    }),

    reminderSnooze: signedIn(ONE, async (req, res, { user, params }) => {
      try {
        const r = await reminders.snooze(user, params.id, body(req));
        flash(req, req.t('reminders.flash.snoozed', { at: formatDateTime(r.remind_at, user.timeZone, req.locale) }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, failure(req, err), 'danger');
      }
      res.redirect(303, back(req, '/reminders'));
    }),
  };
}

/** The card page's tasks panel (cards/panel-tasks.njk): its tasks and my reminders on it. */
export function cardTasksPanel({ tasks, reminders }: Pick<Services, 'tasks' | 'reminders'>): CardPanelLoader {
  return async (_req, user, _type, card) => ({
    cardTasks: await tasks.forCard(card.id),
    cardReminders: await reminders.list(user, { card: card.id }),
    reminderQuick: QUICK_CHOICES,
    now: new Date(),
  });
}

/** The dashboard's tasks panel (dashboard-tasks.njk): my overdue and today's tasks, and the 30-day chart. */
export function dashboardTasksPanel({ tasks }: Pick<Services, 'tasks'>): DashboardPanel {
  return async (_req, user) => {
    const open = await tasks.list(user, { status: 'open', scope: 'mine', q: '' }, 200);
    const g = groupTasks(open, new Date(), user.timeZone);
    return { myOverdue: g.overdue, myToday: g.today, overdueChart: overdueChart(await tasks.overduePerDay(user, 30)) };
  };
}

/** A server-rendered bar chart (no script, no CDN): bars, a max label, first and last day. */
export function overdueChart(days: Array<{ day: string; n: number }>) {
  const width = 600;
  const height = 120;
  const max = Math.max(1, ...days.map((d) => d.n));
  const step = width / Math.max(1, days.length);
  return {
    width,
    height,
    max,
    first: days[0]?.day ?? '',
    last: days[days.length - 1]?.day ?? '',
    bars: days.map((d, i) => {
      const h = Math.round((d.n / max) * (height - 20));
      return { x: Math.round(i * step + 1), y: height - h, w: Math.max(1, Math.round(step - 2)), h, day: d.day, n: d.n };
    }),
  };
}
