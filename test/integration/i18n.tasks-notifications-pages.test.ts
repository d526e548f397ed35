// A Russian-speaking operator's tasks, reminders and notifications pages are
// Russian: the task list (groups, plural counts), a task's page (relative due
// time), the new-task form refused with field errors, the notifications page
// and its flash — no English catalog text shows. A notice written in an
// English context (an English manager's action, the sweep) is read in the
// reader's language and zone; an old notice without a message stays readable.
// The templates of this area hold no literal that bypasses the catalogs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { projectRoot } from '#app/config';
import { readCatalogs, type Catalog } from '#app/i18n/i18n';
import { formatDateTime } from '#app/services/date-format';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { literalsIn } from '#test/support/literals';
import { insertTask } from '#test/support/tasks';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;
const TEMPLATES = [
  'tasks/form.njk',
  'tasks/list.njk',
  'tasks/macros.njk',
  'tasks/reminders.njk',
  'tasks/view.njk',
  'notifications/list.njk',
  'notifications/preferences.njk',
  'dashboard-tasks.njk',
  'dashboard-alerts.njk',
];

/** What a person reads on a page: text between tags and the attributes read aloud or shown. */
function readable(html: string): string {
  const body = html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ');
  const attrs = [...body.matchAll(/\s(?:title|aria-label|placeholder|label)="([^"]*)"/gi)].map((m) => m[1]);
  return `${body.replace(/<[^>]*>/g, '\n')}\n${attrs.join('\n')}`
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Every English text of these areas without placeholders (the words a Russian page must not show). */
function englishTexts(areas: string[]): string[] {
  const en = readCatalogs(path.join(projectRoot, 'locales')).en;
  const out: string[] = [];
  const walk = (c: Catalog | string) => {
    if (typeof c === 'string') {
      if (!c.includes('{{') && /[A-Za-z]{3}/.test(c)) out.push(c);
    } else Object.values(c).forEach(walk);
  };
  for (const a of areas) walk(en[a]);
  return out;
}

function assertNoEnglish(html: string, where: string) {
  const text = readable(html);
  for (const s of englishTexts(['tasks', 'reminders', 'notifications'])) {
    assert.doesNotMatch(
      text,
      new RegExp(`(^|[^A-Za-z])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z])`),
      `${where} shows the English “${s}”`,
    );
  }
}

describe('tasks and notifications in Russian', () => {
  let app: TestApp;
  let maria: SessionUser;
  let ivanId: number;
  let ivan: TestClient;

  before(async () => {
    app = await startTestApp();
    maria = await sessionUserFor(app.ctx, 'maria@example.com', { name: 'Maria Manager', roles: ['manager'] });
    ivanId = (await sessionUserFor(app.ctx, 'ivan@example.com', { name: 'Иван', roles: ['manager'] })).id;
    await app.ctx.db.exec(`update users set locale = 'ru', time_zone = 'Europe/Moscow' where id = $1`, [ivanId]);
    ivan = app.client();
    ivan.headers['accept-language'] = 'en';
    assert.equal((await ivan.login('ivan@example.com', PASSWORD)).status, 303);
  });

  it('has no literal bypassing the catalogs in the templates of tasks, reminders and notifications', () => {
    for (const file of TEMPLATES) {
      assert.deepEqual(literalsIn(fs.readFileSync(path.join(projectRoot, 'app', 'web', 'templates', file), 'utf8')), [], file);
    }
  });

  it('shows the task list, a task and the dashboard panel in Russian, with plural counts and a relative due time', async () => {
    await insertTask(app.ctx, { title: 'Позвонить поставщику', assigneeId: ivanId, dueAt: new Date(Date.now() - HOUR) });
    await insertTask(app.ctx, { title: 'Сверить счёт', assigneeId: ivanId, dueAt: new Date(Date.now() - 2 * HOUR) });
    const soon = await insertTask(app.ctx, {
      title: 'Согласовать договор',
      assigneeId: ivanId,
      dueAt: new Date(Date.now() + 5 * HOUR + 10 * 60_000),
    });

    const list = await ivan.get('/tasks');
    assert.equal(list.status, 200);
    assert.match(list.text, /<h1 class="h3 mb-0">Мои задачи<\/h1>/);
    assert.match(list.text, /title="2 просроченные задачи" data-testid="count-overdue">2</);
    assert.match(list.text, /title="0 закрытых задач"|title="1 (предстоящая задача|задача на сегодня)"/);
    assert.match(list.text, /<option value="mine" selected>Назначенные мне<\/option>/);
    assert.match(list.text, />просрочено<\/span>/);
    assertNoEnglish(list.text, '/tasks');

    const view = await ivan.get(`/tasks/${soon}`);
    assert.equal(view.status, 200);
    assert.match(view.text, /<dt class="col-sm-4">Срок<\/dt>/);
    assert.match(view.text, /data-testid="task-due-relative">\(через 5 часов\)</);
    assert.match(view.text, />Выполнить<\/button>/);
    assert.match(view.text, />Через час<\/button>/);
    assertNoEnglish(view.text, 'a task');

    const home = await ivan.get('/');
    assert.match(home.text, /Просрочено \(2\)/);
    assert.match(home.text, /Все мои задачи/);
  });

  it('refuses the new-task form with Russian reasons, keeping what was typed', async () => {
    const form = await ivan.get('/tasks/new');
    assert.match(form.text, /<h1 class="h3 mb-3">Новая задача<\/h1>/);
    assertNoEnglish(form.text, 'the new-task form');
    const bad = await ivan.post(
      '/tasks',
      { title: '', assignee: '999999', due_at: '2030-02-30T10:00', card: 'PR-999999' },
      { from: '/tasks/new' },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">Проверьте отмеченные поля\.<\/div>/);
    assert.match(bad.text, /<div class="invalid-feedback">введите название<\/div>/);
    assert.match(bad.text, /<div class="invalid-feedback">нет активного пользователя с таким идентификатором<\/div>/);
    assert.match(bad.text, /<div class="invalid-feedback">«2030-02-30T10:00» — несуществующие дата и время<\/div>/);
    assert.match(bad.text, /<div class="invalid-feedback">среди доступных вам карточек нет PR-999999<\/div>/);
    assert.match(bad.text, /name="due_at" value="2030-02-30T10:00"/);
    assertNoEnglish(bad.text, 'the refused form');
  });

  it('shows notices written in an English context in the reader’s language and zone; old notices as stored', async () => {
    // An English manager assigns work (her request's language is English); the sweep writes the overdue notice.
    const card = await makePurchase(app.ctx, maria, { title: 'Стулья' });
    const task = await app.ctx.services.tasks.create(maria, {
      title: 'Проверить предложение',
      assignee: String(ivanId),
      due_at: '2030-01-07T08:00',
      card: String(card.id),
    });
    const due = new Date('2026-12-05T18:45:00Z');
    await insertTask(app.ctx, { title: 'Оплатить счёт', assigneeId: ivanId, dueAt: due });
    await app.ctx.services.tasks.sweep(new Date(due.getTime() + 60_000));
    await app.ctx.db.exec(
      `insert into notifications (user_id, kind, key, title, body) values ($1, 'task.overdue', 'old-row', 'Overdue: an old notice', 'written before messages')`,
      [ivanId],
    );
    const [stored] = await app.ctx.db.rows<{ title: string }>(`select title from notifications where task_id = $1`, [task.id]);
    assert.equal(stored.title, 'Task for you: Проверить предложение', 'the English text is kept beside the message');

    const page = await ivan.get('/notifications');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1 class="h3 mb-0">Уведомления<\/h1>/);
    assert.match(
      page.text,
      /Задача для вас: Проверить предложение<br><span[^>]*>Maria Manager назначил\(а\) вам эту задачу по карточке PR-\d{6}\.<\/span>/,
    );
    const ruDue = formatDateTime(due, 'Europe/Moscow', 'ru');
    assert.equal(ruDue, '5 дек. 2026 г., 21:45');
    assert.ok(
      page.text.includes(
        `Просрочено: Оплатить счёт<br><span class="small text-body-secondary fw-normal">Срок был ${ruDue} (Europe/Moscow)</span>`,
      ),
      'the overdue notice in Russian, in the reader’s zone',
    );
    assert.match(page.text, /data-testid="notification-age">(сейчас|\d+ (минуту|минуты|минут) назад)</);
    assert.match(page.text, /Overdue: an old notice<br><span[^>]*>written before messages</, 'an old row as stored');
    const shown = page.text.replace(/Overdue: an old notice|written before messages/g, '');
    assertNoEnglish(shown, '/notifications');

    // Maria reads what Ivan's action (a Russian request) told her: English.
    const back = await app.ctx.services.users.sessionUser(ivanId);
    await app.ctx.services.tasks.create(back!, { title: 'Ответить клиенту', assignee: String(maria.id), due_at: '2030-01-07T08:00' });
    const mariaClient = app.client();
    await mariaClient.login('maria@example.com', PASSWORD);
    const hers = await mariaClient.get('/notifications');
    assert.match(hers.text, /Task for you: Ответить клиенту<br><span[^>]*>Иван assigned it to you\.<\/span>/);

    const all = await ivan.post('/notifications/read-all', {}, { from: '/notifications' });
    assert.equal(all.status, 303);
    assert.match((await ivan.get('/notifications')).text, /3 уведомления отмечены прочитанными\./);
    const prefs = await ivan.get('/notifications/preferences');
    assert.match(prefs.text, /<option value="mail" selected>В приложении и по почте<\/option>/);
    assertNoEnglish(prefs.text, 'the preferences');
  });
});
