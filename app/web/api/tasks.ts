// /api/v1/tasks: the caller's tasks (the filters of the tasks page), a new
// task, a task completed — through the task service the pages use.
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import type { Task } from '#app/services/tasks';
import { api } from '#app/web/api/auth';
import { jsonBody, queryOf } from '#app/web/api/input';
import { TaskCreate, TaskQuery } from '#app/web/api/schemas';
import { id } from '#app/web/handler';

const ONE = { id: id(msg('tasks.errors.notFound')) };
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A task as the API answers it (the `Task` schema). */
export function taskJson(t: Task, now = Date.now()) {
  return {
    id: Number(t.id),
    title: t.title,
    description: t.description,
    status: t.status,
    due_at: iso(t.due_at)!,
    overdue: t.status === 'open' && new Date(t.due_at).getTime() <= now,
    closed_at: iso(t.closed_at),
    created_at: iso(t.created_at)!,
    assignee: { id: Number(t.assignee_id), name: t.assignee_name ?? '' },
    creator: t.created_by ? { id: Number(t.created_by), name: t.creator_name ?? '' } : null,
    card: t.card_id ? { id: Number(t.card_id), type: t.card_type ?? '', number: t.card_number ?? '', title: t.card_title ?? '' } : null,
  };
}

export type ApiTasksDeps = Pick<Services, 'tasks'>;

export function apiTasksController({ tasks }: ApiTasksDeps) {
  return {
    list: api(async (req, res, { caller: { user } }) => {
      const q = queryOf(req, TaskQuery);
      const rows = await tasks.list(user, { status: q.status ?? 'open', scope: q.scope ?? 'mine', q: q.q?.trim() ?? '' });
      res.json({ items: rows.map((t) => taskJson(t)) });
    }),

    create: api(async (req, res, { caller: { user } }) => {
      const body = jsonBody(req, TaskCreate);
      // The due time as UTC wall-clock time, read by a caller in UTC (the API's instants carry their offset).
      // A ValidationError becomes a 422 with its fields in the API's error handler (problems.ts).
      const task = await tasks.create(
        { ...user, timeZone: 'UTC' },
        {
          title: body.title,
          description: body.description ?? '',
          assignee: String(body.assignee),
          due_at: new Date(body.due_at).toISOString().slice(0, 19),
          card: body.card ?? '',
        },
      );
      res.status(201).setHeader('Location', `/api/v1/tasks/${task.id}`);
      res.json(taskJson(task));
    }),

    get: api(ONE, async (_req, res, { caller: { user }, params }) => {
      res.json(taskJson(await tasks.getForUser(user, params.id)));
    }),

    complete: api(ONE, async (_req, res, { caller: { user }, params }) => {
      res.json(taskJson(await tasks.complete(user, params.id)));
    }),
  };
}
