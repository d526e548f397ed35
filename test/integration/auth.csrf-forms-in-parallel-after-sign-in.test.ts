// Login regenerates the session; if the CSRF token were made lazily by the
// first page that needs it, pages opened in parallel right after sign-in would
// each write a different one and most of their forms would fail as expired.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp } from '#test/support/app';

describe('CSRF token after sign-in', () => {
  let app: TestApp;
  let userId: number;
  before(async () => {
    app = await startTestApp();
    userId = (await makeUser(app.ctx, 'ada@example.com')).id;
  });

  it('accepts all 4 forms opened in parallel right after sign-in, 20 times over', async () => {
    const refused: string[] = [];
    for (let round = 0; round < 20; round++) {
      const c = app.client();
      assert.equal((await c.login('ada@example.com', 'correct horse battery')).status, 303);
      const tokens = await Promise.all([1, 2, 3, 4].map(() => c.csrf('/tasks/new')));
      const replies = await Promise.all(
        tokens.map((token, i) =>
          c.post('/tasks', { title: `round ${round} form ${i}`, assignee: String(userId), due_at: '2031-03-04T10:00', _csrf: token }),
        ),
      );
      replies.forEach((r, i) => {
        if (r.status !== 303) refused.push(`round ${round} form ${i}: ${r.status}`);
      });
    }
    assert.deepEqual(refused, [], 'every form was accepted');
    const [{ n }] = await app.ctx.db.rows<{ n: number }>(`select count(*)::int as n from tasks where title like 'round %'`);
    assert.equal(n, 80);
  });
});
