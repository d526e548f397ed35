// Saved views: a name for the list's query string, personal or shared with a
// role; opened from the list's and the board's menu as a plain URL; deleted
// by their maker or an administrator.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

describe('cards: saved views', () => {
  let app: TestApp;
  let maria: TestClient;
  let anna: TestClient;
  let olga: TestClient;
  let admin: TestClient;
  const LIST = '/cards/purchase_request';

  before(async () => {
    app = await startTestApp();
    const m = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['manager'], name: 'Anna Manager' });
    await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    await sessionUserFor(app.ctx, 'root@example.com', { superuser: true, name: 'Root' });
    for (const category of ['it', 'it', 'office']) await makePurchase(app.ctx, m, { category });
    const signed = async (email: string) => {
      const c = app.client();
      await c.login(email, 'correct horse battery');
      return c;
    };
    maria = await signed('maria@example.com');
    anna = await signed('anna@example.com');
    olga = await signed('olga@example.com');
    admin = await signed('root@example.com');
  });

  const views = (html: string) =>
    [...html.matchAll(/data-testid="view">\s*<a [^>]*href="([^"]+)">([^<]+)/g)].map((x) => `${x[2].trim()} ${x[1]}`);

  it("saves the list's query under a name and opens it as that URL, from the list and the board", async () => {
    const page = await maria.get(`${LIST}?category=it&sort=amount&page=2`);
    assert.match(page.text, /name="query" value="\?category=it&amp;sort=amount"/);
    const saved = await maria.post(
      `${LIST}/views`,
      { name: 'IT by amount', query: '?category=it&sort=amount&bogus=1', role: '', where: 'list' },
      { from: LIST },
    );
    assert.equal(saved.status, 303);
    assert.equal(saved.location, `${LIST}?category=it&sort=amount`);
    const opened = await maria.get(saved.location!);
    assert.match(opened.text, /View “IT by amount” saved/);
    assert.match(opened.text, /data-testid="total">2 cards</);
    assert.deepEqual(views(opened.text), ['IT by amount /cards/purchase_request?category=it&amp;sort=amount']);
    assert.deepEqual(views((await maria.get(`${LIST}/board`)).text), [
      'IT by amount /cards/purchase_request/board?category=it&amp;sort=amount',
    ]);
    // Personal: nobody else sees it.
    assert.deepEqual(views((await anna.get(LIST)).text), []);
  });

  it('shares a view with a role its maker holds, and with no other', async () => {
    const shared = await maria.post(
      `${LIST}/views`,
      { name: 'Office', query: '?category=office', role: 'manager', where: 'board' },
      { from: LIST },
    );
    assert.equal(shared.location, `${LIST}/board?category=office`);
    const annas = (await anna.get(LIST)).text;
    assert.match(
      annas,
      /data-testid="view">\s*<a [^>]*href="\/cards\/purchase_request\?category=office">Office <small[^>]*>shared with manager</,
    );
    assert.doesNotMatch((await olga.get(LIST)).text, /category=office">Office/);
    // Anna may open it, not delete it.
    assert.doesNotMatch(annas, /\/views\/\d+\/delete/);
    const refused = await maria.post(`${LIST}/views`, { name: 'Ops', query: '', role: 'approver', where: 'list' }, { from: LIST });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /You do not hold the role approver/);
    assert.match(refused.text, /value="Ops"/);
    const empty = await maria.post(`${LIST}/views`, { name: '  ', query: '?category=it', role: '', where: 'list' }, { from: LIST });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Give the view a name/);
    const twice = await maria.post(`${LIST}/views`, { name: 'office', query: '', role: '', where: 'list' }, { from: LIST });
    assert.match(twice.text, /already have a view called/);
  });

  it('deletes: the maker her own, an administrator any, nobody else', async () => {
    const [{ id: office }] = await app.ctx.db.rows<{ id: number }>(`select id from saved_views where name = 'Office'`);
    const [{ id: it_ }] = await app.ctx.db.rows<{ id: number }>(`select id from saved_views where name = 'IT by amount'`);
    const byAnna = await anna.post(`${LIST}/views/${office}/delete`, { back: LIST }, { from: LIST });
    assert.equal(byAnna.status, 404);
    const byMaria = await maria.post(`${LIST}/views/${it_}/delete`, { back: `${LIST}/board` }, { from: LIST });
    assert.equal(byMaria.status, 303);
    assert.equal(byMaria.location, `${LIST}/board`);
    const byAdmin = await admin.post(`${LIST}/views/${office}/delete`, { back: 'https://evil.example/' }, { from: LIST });
    assert.equal(byAdmin.location, LIST);
    assert.deepEqual(await app.ctx.db.rows(`select id from saved_views`), []);
  });
});
