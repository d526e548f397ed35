// The hostile requests found against the production layout, one by one: each
// is refused with 400 (415 for a body that is not a form) naming the field,
// and changes nothing. (web.hostile-input-every-route.test.ts sends the
// same kinds of values to every route.)
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { PASSWORD, serveContext, signedIn } from '#test/support/admin';
import { testContext, TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';
import { insertTask } from '#test/support/tasks';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('hostile input is refused with the field named, and changes nothing', () => {
  let ctx: AppContext;
  let url: string;
  let admin: TestClient;
  let token: string;
  let root: SessionUser;
  let cardId: number;
  let taskId: number;

  const counts = async () =>
    (
      await ctx.db.rows<{ c: string }>(
        `select (select count(*) from cards) || '/' || (select count(*) from tasks) || '/' || (select count(*) from reminders) || '/' || (select string_agg(title || data::text, '|' order by id) from cards) as c`,
      )
    )[0].c;

  before(async () => {
    ({ ctx } = await testContext());
    url = (await serveContext(ctx)).url;
    admin = await signedIn(ctx, url, 'root@example.com');
    root = (await ctx.services.users.sessionUser(
      (await ctx.db.rows<{ id: number }>(`select id from users where email = 'root@example.com'`))[0].id,
    ))!;
    const approver = await sessionUserFor(ctx, 'olga@example.com', { roles: ['approver'] });
    cardId = (await makePurchase(ctx, root, { approver: String(approver.id) })).id;
    taskId = await insertTask(ctx, { title: 'Call back', assigneeId: root.id, dueAt: new Date(Date.now() + 86_400_000), cardId });
    token = await admin.csrf('/tasks/new');
  });

  async function refused(what: string, method: string, path: string, field: string, body?: string, headers: Record<string, string> = {}) {
    const before = await counts();
    const res = await admin.request(method, path, body, { 'x-csrf-token': token, ...headers });
    assert.equal(res.status, 400, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
    assert.match(
      res.text,
      new RegExp(`<strong>${field}</strong>: contains a control character \\(U\\+0000, NUL\\)`),
      `${what}: the field and the reason`,
    );
    assert.match(res.text, /nothing was changed/);
    assert.equal(await counts(), before, `${what}: nothing changed`);
  }

  it('refuses a NUL in list searches, the CSV export, card and task fields and a reminder note', async () => {
    await refused('card list', 'GET', '/cards/purchase_request?q=a%00b', 'q');
    await refused('task list', 'GET', '/tasks?q=%00', 'q');
    // The export answers before it streams: a 400, not a 200 cut off.
    await refused('export', 'GET', '/cards/purchase_request/export.csv?q=%00', 'q');
    const card = new URLSearchParams(purchaseInput({ approver: '' }));
    card.delete('title');
    await refused('card title', 'POST', '/cards/purchase_request', 'title', `${card}&title=Lap%00tops`, FORM);
    const [{ version }] = await ctx.db.rows<{ version: number }>('select version from cards where id = $1', [cardId]);
    await refused(
      'card text field',
      'POST',
      `/cards/purchase_request/${cardId}/edit`,
      'description',
      `${new URLSearchParams({ ...purchaseInput(), version: String(version) })}&description=x%00y`,
      FORM,
    );
    await refused(
      'task title',
      'POST',
      '/tasks',
      'title',
      `title=Call%00back&assignee=${root.id}&due_at=2099-01-01T10:00&card=${cardId}`,
      FORM,
    );
    await refused('reminder note', 'POST', '/reminders', 'note', `task=${taskId}&quick=tomorrow&note=see%00this`, FORM);
  });

  it('refuses a NUL in the sign-in email without showing a database error', async () => {
    const c = new TestClient(url);
    const csrf = await c.csrf('/login');
    const res = await c.request('POST', '/login', `email=root%00@example.com&password=${encodeURIComponent(PASSWORD)}&_csrf=${csrf}`, FORM);
    assert.equal(res.status, 400);
    assert.match(res.text, /<strong>email<\/strong>: contains a control character/);
    assert.doesNotMatch(res.text, /invalid byte sequence|UTF8|0x00|postgres/i);
    assert.equal(c.cookies.has('orbis_sid') && (await c.get('/')).status === 200, false, 'not signed in');
  });

  it('refuses bodies that are not forms with 415, and objects or nested lists never reach a field', async () => {
    const before = await counts();
    for (const [type, body] of [
      ['text/xml', '<?xml version="1.0"?><card><title>x</title></card>'],
      ['application/json', JSON.stringify({ ...purchaseInput(), title: { a: 1 } })],
      ['application/json', '['.repeat(20_000) + ']'.repeat(20_000)],
    ]) {
      const res = await admin.request('POST', '/cards/purchase_request', body, { 'x-csrf-token': token, 'content-type': type });
      assert.equal(res.status, 415, `${type}: ${res.status}`);
      assert.match(res.text, /accept forms only/);
    }
    assert.equal(await counts(), before);
    assert.equal((await ctx.db.rows(`select 1 from cards where title like '%object Object%'`)).length, 0);
    // A repeated field is a list; the service reads its last value as before (no "a,b", no 500).
    const ok = await admin.request(
      'POST',
      '/cards/purchase_request',
      `${new URLSearchParams(purchaseInput({ title: 'first' }))}&title=second`,
      { 'x-csrf-token': token, ...FORM },
    );
    assert.equal(ok.status, 303);
    assert.equal((await ctx.db.rows<{ title: string }>('select title from cards order by id desc limit 1'))[0].title, 'second');
  });
});
