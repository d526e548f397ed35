// The typed handler wrapper (app/web/handler.ts) on the real app: a signed-in
// user and parsed path parameters for the handler; a parameter that does not
// parse is the 404 page (never a 500); a signed-out request is sent to the
// sign-in page and back, as requireLogin does. Probe routes are mounted
// without requireLogin in front, so the wrapper's own check is what answers.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { msg } from '#app/i18n/message';
import { id, signedIn } from '#app/web/handler';
import type { AppContext } from '#app/context';
import { PASSWORD, serveContext, signedIn as signInClient } from '#test/support/admin';
import { testContext, TestClient } from '#test/support/app';

describe('the signed-in handler', () => {
  let ctx: AppContext;
  let url: string;
  let client: TestClient;

  before(async () => {
    ({ ctx } = await testContext());
    const site = await serveContext(ctx, {
      extend(app) {
        const probe = signedIn({ id: 'id' }, (_req, res, { user, params }) => {
          res.json({ email: user.email, id: params.id, type: typeof params.id });
        });
        app.get('/probe/:id', probe);
        app.post('/probe/:id', probe);
        app.get(
          '/probe/:type/:id',
          signedIn({ type: 'text', id: id(msg('cards.errors.noCard')) }, (_req, res, { params }) => {
            res.json(params);
          }),
        );
      },
    });
    url = site.url;
    client = await signInClient(ctx, url, 'olga@example.com', { superuser: false });
  });

  it('hands the handler the signed-in user and the id as a number', async () => {
    const res = await client.get('/probe/42');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { email: 'olga@example.com', id: 42, type: 'number' });
    const two = await client.get('/probe/purchase_request/7');
    assert.deepEqual(JSON.parse(two.text), { type: 'purchase_request', id: 7 });
  });

  it('answers a non-numeric id with the 404 page, in the route’s words', async () => {
    for (const path of ['/probe/abc', '/probe/1e3', '/probe/-1', `/probe/${'9'.repeat(16)}`]) {
      const res = await client.get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.text, /data-testid="error-message">There is no page at this address\.</, path);
    }
    const card = await client.get('/probe/purchase_request/12ab');
    assert.equal(card.status, 404);
    assert.match(card.text, /data-testid="error-message">There is no such card, or you may not see it\.</);
  });

  it('gives the real pages’ ids the same treatment', async () => {
    const admin = await signInClient(ctx, url, 'root@example.com');
    for (const path of ['/tasks/abc', '/cards/purchase_request/abc', '/admin/users/abc', '/media/abc/original']) {
      const res = await admin.get(path);
      assert.equal(res.status, 404, path);
      assert.match(res.text, /data-testid="error-message">/, path);
    }
  });

  it('sends a signed-out page request to sign in, and back to the page after', async () => {
    const anonymous = new TestClient(url);
    const res = await anonymous.get('/probe/42');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/login');
    const login = await anonymous.login('olga@example.com', PASSWORD);
    assert.equal(login.status, 303);
    assert.equal(login.location, '/probe/42');
  });

  it('answers a signed-out form post 401, running nothing', async () => {
    const anonymous = new TestClient(url);
    const res = await anonymous.post('/probe/42', {}, { from: '/login' });
    assert.equal(res.status, 401);
    assert.deepEqual(JSON.parse(res.text), { error: 'sign in first' });
  });
});
