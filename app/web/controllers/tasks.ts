// Task and reminder pages: "my tasks" (groups overdue / today / upcoming,
// filters in the URL), the task form (/tasks/new?card=ID), a task's page,
// complete / reopen / reassign, reminders (set, list, cancel, snooze) and the
// card page's tasks panel. Thin: parse, call a service, render.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { localize, localizeAll, msg } from '#app/i18n/message';
import { findCard, searchCards } from '#app/services/card-pick';
import type { Card } from '#app/services/cards';
import type { CardType } from '#app/services/card-types';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { formatRelative } from '#app/services/relative-time';
import { QUICK_CHOICES } from '#app/services/reminders';
import type { Task, TaskFilters } from '#app/services/tasks';
import { utcToZonedInput } from '#app/services/time';
import { flash } from '#app/web/flash';
import { formatDateTime } from '#app/web/render';

function idParam(req: Request): number {
  const id = String(req.params.id);
  if (!/^\d{1,15}$/.test(id)) throw new NotFoundError(msg('tasks.errors.notFound'));
  return Number(id);
}

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
    q: String(q.q ?? '').trim().slice(0, 200),
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

export function tasksController(ctx: AppContext) {
  const { tasks, reminders, cards } = ctx.services;

  async function renderForm(req: Request, res: Response, values: Record<string, string>, errors: Record<string, string> = {}, status = 200, message: string | null = null) {
    // The card the field names (number or id), when the user may read it; the field keeps what was typed.
    const card = values.card && !errors.card ? await findCard(ctx.db, cards, req.user!, values.card) : null;
    res.status(status).render('tasks/form.njk', { values, errors, message, card, users: await cards.userChoices() });
  }

  return {
    async list(req: Request, res: Response) {
      const user = req.user!;
      const filters = parseTaskFilters(req.query);
      const rows = await tasks.list(user, filters);
      const now = new Date();
      res.render('tasks/list.njk', { filters, groups: groupTasks(rows, now, user.timeZone), total: rows.length, now });
    },

    async newForm(req: Request, res: Response) {
      const card = typeof req.query.card === 'string' ? req.query.card : '';
      await renderForm(req, res, { card, assignee: String(req.user!.id), title: '', due_at: '', description: '' });
    },

    /** GET /tasks/cards.json?q= — the task form's card picker: a few cards the user may read. */
    async cardChoices(req: Request, res: Response) {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      const found = await searchCards(ctx.db, cards, req.user!, q);
      res.set('Cache-Control', 'no-store').json({ cards: found.map((c) => ({ number: c.number, title: c.title, type: c.type })) });
    },

    async create(req: Request, res: Response) {
      const input = body(req);
      try {
        const task = await tasks.create(req.user!, input);
        flash(req, req.t('tasks.flash.created', { title: task.title }));
        res.redirect(303, task.card_id && task.card_type ? `/cards/${task.card_type}/${task.card_id}` : `/tasks/${task.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const values: Record<string, string> = {};
        for (const k of ['title', 'description', 'assignee', 'due_at', 'card']) values[k] = typeof input[k] === 'string' ? (input[k] as string) : '';
        await renderForm(req, res, values, localizeAll(req.t, err.fieldTexts), 400, localize(req.t, err.text));
      }
    },

    async view(req: Request, res: Response) {
      const user = req.user!;
      const task = await tasks.getForUser(user, idParam(req));
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
    },

    async complete(req: Request, res: Response) {
      const task = await tasks.complete(req.user!, idParam(req));
      flash(req, req.t('tasks.flash.done', { title: task.title }));
      res.redirect(303, back(req, `/tasks/${task.id}`));
    },

    async reopen(req: Request, res: Response) {
      const task = await tasks.reopen(req.user!, idParam(req));
      flash(req, req.t('tasks.flash.reopened', { title: task.title }));
      res.redirect(303, back(req, `/tasks/${task.id}`));
    },

    async reassign(req: Request, res: Response) {
      const id = idParam(req);
      try {
        const task = await tasks.reassign(req.user!, id, body(req).assignee);
        flash(req, req.t('tasks.flash.reassigned', { title: task.title, name: task.assignee_name }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, localize(req.t, err.text), 'danger');
      }
      res.redirect(303, back(req, `/tasks/${id}`));
    },

    async reminderList(req: Request, res: Response) {
      res.render('tasks/reminders.njk', { reminders: await reminders.list(req.user!), quick: QUICK_CHOICES });
    },

    async reminderCreate(req: Request, res: Response) {
      try {
        const r = await reminders.create(req.user!, body(req));
        flash(req, req.t('reminders.flash.set', { at: formatDateTime(r.remind_at, req.user!.timeZone, req.locale) }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, failure(req, err), 'danger');
      }
      res.redirect(303, back(req, '/reminders'));
    },

    async reminderCancel(req: Request, res: Response) {
      await reminders.cancel(req.user!, idParam(req));
      flash(req, req.t('reminders.flash.cancelled'));
      res.redirect(303, back(req, '/reminders'));
    },

    async reminderSnooze(req: Request, res: Response) {
      try {
        const r = await reminders.snooze(req.user!, idParam(req), body(req));
        flash(req, req.t('reminders.flash.snoozed', { at: formatDateTime(r.remind_at, req.user!.timeZone, req.locale) }));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        flash(req, failure(req, err), 'danger');
      }
      res.redirect(303, back(req, '/reminders'));
    },
  };
}

/** The card page's tasks panel (cards/panel-tasks.njk): its tasks and my reminders on it. */
export async function cardTasksPanel(ctx: AppContext, req: Request, _type: CardType, card: Card): Promise<Record<string, unknown>> {
  return {
    cardTasks: await ctx.services.tasks.forCard(card.id),
    cardReminders: await ctx.services.reminders.list(req.user!, { card: card.id }),
    reminderQuick: QUICK_CHOICES,
    now: new Date(),
  };
}

/** The dashboard's tasks panel (dashboard-tasks.njk): my overdue and today's tasks, and the 30-day chart. */
export async function dashboardTasksPanel(ctx: AppContext, req: Request): Promise<Record<string, unknown>> {
  const user = req.user!;
  const open = await ctx.services.tasks.list(user, { status: 'open', scope: 'mine', q: '' }, 200);
  const g = groupTasks(open, new Date(), user.timeZone);
  return { myOverdue: g.overdue, myToday: g.today, overdueChart: overdueChart(await ctx.services.tasks.overduePerDay(user, 30)) };
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
