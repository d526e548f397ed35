// Watchers of a card: the creator, the owner and the assignee watch it by
// themselves; POST /cards/:type/:id/watch and …/unwatch (CSRF, 303 back to
// the card) start and stop it for anyone who may read the card, and an
// explicit "stop watching" is not undone by the next save; the card page
// lists who watches (active readers only: a watcher who lost access or was
// disabled is not shown) with the button for the viewer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startTestApp, type TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

async function watching(ctx: AppContext, cardId: number): Promise<Array<{ user_id: number; watching: boolean }>> {
  return ctx.db.rows('select user_id::int, watching from card_watchers where card_id = $1 order by user_id', [cardId]);
}

function listed(html: string): string[] {
  const m = /<ul class="list-inline mb-0" data-testid="watchers">([\s\S]*?)<\/ul>/.exec(html);
  return m ? [...m[1].matchAll(/<li[^>]*>([^<]*)<\/li>/g)].map((x) => x[1]) : [];
}

async function signedIn(app: { client(): TestClient }, email: string): Promise<TestClient> {
  const c = app.client();
  assert.equal((await c.login(email, PASSWORD)).status, 303);
  return c;
}

describe('watchers of a card', () => {
  it('has the creator, the owner and the assignee watch by themselves', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
    const anna = await sessionUserFor(app.ctx, 'anna@example.com', { roles: ['manager'], name: 'Anna' });
    const ivan = await sessionUserFor(app.ctx, 'ivan@example.com', { roles: ['manager'], name: 'Ivan' });
    const card = await makePurchase(app.ctx, maria, { assignee: String(anna.id) });
    assert.deepEqual(await watching(app.ctx, card.id), [
      { user_id: maria.id, watching: true },
      { user_id: anna.id, watching: true },
    ]);
    // A new assignee watches too; the one before keeps watching.
    await app.ctx.services.cards.update(maria, 'purchase_request', card.id, purchaseInput({ assignee: String(ivan.id), version: '1' }));
    assert.deepEqual(
      (await watching(app.ctx, card.id)).map((w) => w.user_id),
      [maria.id, anna.id, ivan.id],
    );
  });

  it('watches and unwatches through the card page, needs CSRF and read access, and keeps an explicit unwatch', async () => {
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga' }); // reads own cards only
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
    await sessionUserFor(app.ctx, 'oleg@example.com', { roles: ['operator'], name: 'Oleg' });
    const card = await makePurchase(app.ctx, olga);
    const path = `/cards/purchase_request/${card.id}`;

    const m = await signedIn(app, 'maria@example.com');
    let page = (await m.get(path)).text;
    assert.deepEqual(listed(page), ['Olga']);
    assert.match(page, /data-testid="watch">Watch</);
    assert.equal((await m.post(`${path}/watch`, {}, { csrf: false })).status, 403, 'no CSRF token, no watch');
    const w = await m.post(`${path}/watch`, {}, { from: path });
    assert.equal(w.status, 303);
    assert.equal(w.location, `${path}#watchers`);
    page = (await m.get(path)).text;
    assert.deepEqual(listed(page), ['Maria', 'Olga']);
    assert.match(page, /data-testid="unwatch">Stop watching</);

    const o = await signedIn(app, 'olga@example.com');
    assert.equal((await o.post(`${path}/unwatch`, {}, { from: path })).status, 303);
    // Her next save does not make her watch again: she chose not to.
    await app.ctx.services.cards.update(olga, 'purchase_request', card.id, purchaseInput({ title: 'Edited', version: '1' }));
    assert.deepEqual(listed((await m.get(path)).text), ['Maria']);
    assert.deepEqual(await watching(app.ctx, card.id), [
      { user_id: olga.id, watching: false },
      { user_id: maria.id, watching: true },
    ]);

    // Someone who may not read the card cannot watch it: it does not exist for them.
    const oleg = await signedIn(app, 'oleg@example.com');
    assert.equal((await oleg.post(`${path}/watch`, {}, { from: '/' })).status, 404);
    assert.equal((await watching(app.ctx, card.id)).length, 2);
  });

  it('lists only watchers who are active and may still read the card', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'], name: 'Olga' });
    const gone = await sessionUserFor(app.ctx, 'gone@example.com', { roles: ['manager'], name: 'Gone' });
    const card = await makePurchase(app.ctx, maria, { assignee: String(olga.id) });
    await app.ctx.db.exec('insert into card_watchers (card_id, user_id) values ($1, $2)', [card.id, gone.id]);
    const m = await signedIn(app, 'maria@example.com');
    const path = `/cards/purchase_request/${card.id}`;
    assert.deepEqual(listed((await m.get(path)).text), ['Gone', 'Maria', 'Olga']);
    await app.ctx.services.users.setActive(gone.id, false);
    // Olga reads her own cards only: assigned to someone else, she may no longer read it.
    await app.ctx.services.cards.update(maria, 'purchase_request', card.id, purchaseInput({ assignee: '', version: '1' }));
    assert.deepEqual(listed((await m.get(path)).text), ['Maria']);
  });
});
