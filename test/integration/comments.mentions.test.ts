// @mentions in comments: the picker's JSON (GET …/mentions.json?q=) offers
// only active users who may read the card; a mention of someone who may not
// read it is refused with the reason (it would show them the card), one of
// nobody with a clear message, an ambiguous short one asks for the whole
// address — each with the text kept and nothing written; a mention in code is
// no mention; a kept mention is marked in the text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

async function signedIn(app: { client(): TestClient }, email: string): Promise<TestClient> {
  const c = app.client();
  assert.equal((await c.login(email, PASSWORD)).status, 303);
  return c;
}

describe('mentions in comments', () => {
  it('offers only active users who may read the card', async () => {
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    await sessionUserFor(app.ctx, 'oleg@example.com', { roles: ['operator'], name: 'Oleg Other' }); // reads own only
    await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const gone = await sessionUserFor(app.ctx, 'mark@example.com', { roles: ['manager'], name: 'Mark Gone' });
    await app.ctx.services.users.setActive(gone.id, false);
    const card = await makePurchase(app.ctx, olga);
    const c = await signedIn(app, 'olga@example.com');
    const ask = async (q: string) => {
      const r = await c.get(`/cards/purchase_request/${card.id}/mentions.json?q=${encodeURIComponent(q)}`, { accept: 'application/json' });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /json/);
      return (JSON.parse(r.text) as { users: Array<{ handle: string; name: string }> }).users;
    };
    assert.deepEqual(await ask(''), [
      { handle: 'maria@example.com', name: 'Maria Manager' },
      { handle: 'olga@example.com', name: 'Olga Operator' },
    ]);
    assert.deepEqual(await ask('ma'), [{ handle: 'maria@example.com', name: 'Maria Manager' }]);
    assert.deepEqual(await ask('@Manager'), [{ handle: 'maria@example.com', name: 'Maria Manager' }], 'a later word of the name');
    assert.deepEqual(await ask('ole'), [], 'Oleg may not read the card');
    assert.deepEqual(await ask('mark'), [], 'a disabled user is not offered');
    assert.deepEqual(await ask('%'), [], 'a LIKE wildcard is a character');
    const stranger = await signedIn(app, 'oleg@example.com');
    assert.equal((await stranger.get(`/cards/purchase_request/${card.id}/mentions.json?q=`)).status, 404, 'a non-reader learns nothing');
  });

  it('refuses a mention of someone who may not read the card, or of nobody, keeping the text', async () => {
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga Operator' });
    await sessionUserFor(app.ctx, 'oleg@example.com', { roles: ['operator'], name: 'Oleg Other' });
    await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    await sessionUserFor(app.ctx, 'maria@other.example', { roles: ['manager'], name: 'Maria Other' });
    const card = await makePurchase(app.ctx, olga);
    const path = `/cards/purchase_request/${card.id}`;
    const c = await signedIn(app, 'olga@example.com');
    const cases: Array<[string, RegExp]> = [
      [
        'please look, @oleg@example.com',
        /Oleg Other \(@oleg@example\.com\) cannot read PR-000001: mentioning them would show them a card they may not see/,
      ],
      ['ask @nobody@example.com', /Nobody is called @nobody@example\.com: there is no active user with this address/],
      ['ask @ghost', /Nobody is called @ghost/],
      ['ask @maria', /@maria fits several users: write the whole address/],
    ];
    for (const [body, reason] of cases) {
      const r = await c.post(`${path}/comments`, { body }, { from: path });
      assert.equal(r.status, 400, body);
      assert.match(r.text, reason, body);
      assert.match(r.text, new RegExp(`>${body.replace(/[.()]/g, '\\$&')}</textarea>`), `${body}: kept`);
    }
    const [{ n }] = await app.ctx.db.rows<{ n: number }>('select count(*)::int as n from card_comments');
    assert.equal(n, 0, 'nothing written');

    // A whole address, a unique short one, and code that only looks like a mention.
    const ok = await c.post(`${path}/comments`, { body: '@maria@example.com and @olga, see `@oleg@example.com`' }, { from: path });
    assert.equal(ok.status, 303);
    const page = (await c.get(path)).text;
    assert.match(
      page,
      /<span class="mention">@maria@example\.com<\/span> and <span class="mention">@olga<\/span>, see <code>@oleg@example\.com<\/code>/,
    );
  });
});
