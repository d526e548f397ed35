// A card type's process as a picture (issue 17 item 6): /cards/:type/process
// draws every stage and every (from → to) of every transition, with the
// roles that may take it (by their labels, a relabel seen at once), each
// stage's SLA and the number of cards in it that the reader may read; a
// stage links to the list filtered to it. The card page shows the same
// process read-only with the card's stage highlighted. Readers of the type
// only; in the reader's language.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

describe('the process diagram', () => {
  let app: TestApp;
  let manager: TestClient;
  let cardId: number;
  before(async () => {
    app = await startTestApp();
    const mia = await sessionUserFor(app.ctx, 'mia@example.com', { roles: ['manager'] });
    const olaf = await sessionUserFor(app.ctx, 'olaf@example.com', { roles: ['operator'] });
    for (let i = 0; i < 3; i++) await makePurchase(app.ctx, mia, { title: `Mine ${i}` });
    const alex = await sessionUserFor(app.ctx, 'alex@example.com', { roles: ['approver'] });
    const card = await makePurchase(app.ctx, olaf, { title: 'Olaf’s' });
    cardId = card.id;
    await app.ctx.services.cards.transition(olaf, 'purchase_request', card.id, 'submit', {
      version: String(card.version),
      approver: String(alex.id),
    });
    manager = app.client();
    await manager.login('mia@example.com', PASSWORD);
  });

  const stages = (svg: string) => [...svg.matchAll(/data-stage="([a-z_]+)"/g)].map((m) => m[1]);
  const count = (svg: string, stage: string) => Number(new RegExp(`data-stage="${stage}"[\\s\\S]*?data-count="(\\d+)"`).exec(svg)?.[1]);

  it('draws every stage and transition with its roles, SLA and counts, and links stages to the list', async () => {
    const res = await manager.get('/cards/purchase_request/process');
    assert.equal(res.status, 200);
    const type = app.ctx.services.cards.types.get('purchase_request')!;
    assert.deepEqual(stages(res.text).sort(), type.stages.map((s) => s.name).sort());
    const arrows = [...res.text.matchAll(/data-transition="([a-z_]+)" data-from="([a-z_]+)" data-to="([a-z_]+)"/g)].map(
      (m) => `${m[1]}:${m[2]}>${m[3]}`,
    );
    const expected = type.transitions.flatMap((t) => t.from.map((f) => `${t.name}:${f}>${t.to}`));
    assert.deepEqual(arrows.sort(), expected.sort());
    assert.match(res.text, /data-transition="approve"[\s\S]*?<text[^>]*class="pd-edge-roles"[^>]*>Approver, Manager<\/text>/);
    assert.equal(count(res.text, 'draft'), 3);
    assert.equal(count(res.text, 'approval'), 1);
    assert.match(res.text, /<a href="\/cards\/purchase_request\?stage=approval" data-stage="approval">/);
    const slaStage = type.stages.find((s) => s.sla)!;
    assert.match(res.text, new RegExp(`data-stage="${slaStage.name}"[\\s\\S]*?class="pd-stage-sla"[^>]*>SLA `));
    assert.match(res.text, /<path d="M[\d.]+ [\d.]+ L/, 'arrows are laid out');
  });

  it('counts only the cards the reader may read', async () => {
    const olaf = app.client();
    await olaf.login('olaf@example.com', PASSWORD);
    const svg = (await olaf.get('/cards/purchase_request/process')).text;
    assert.equal(count(svg, 'draft'), 0, 'an operator reads own requests only');
    assert.equal(count(svg, 'approval'), 1);
  });

  it('shows a relabelled role at once, and the page in Russian', async () => {
    await app.ctx.services.roles.update('approver', { label: 'Согласующий', description: '' });
    const ru = app.client();
    ru.headers['accept-language'] = 'ru';
    await ru.login('mia@example.com', PASSWORD);
    const res = await ru.get('/cards/purchase_request/process');
    assert.match(res.text, /class="pd-edge-roles"[^>]*>Согласующий, Manager<\/text>/);
    assert.match(res.text, /Процесс: /);
    assert.match(res.text, /data-count="3">3 карточки</);
  });

  it('shows the process on the card with its stage highlighted, read-only', async () => {
    const res = await manager.get(`/cards/purchase_request/${cardId}`);
    assert.match(res.text, /id="process"/);
    assert.match(res.text, /<g data-stage="approval">\s*<rect[^>]*class="pd-stage[^"]*pd-current"[^>]*aria-current="step"/);
    assert.doesNotMatch(
      res.text,
      /id="card-process-title"[\s\S]*?<a href="\/cards\/purchase_request\?stage=/,
      'no stage links on the card',
    );
    assert.doesNotMatch(res.text, /class="pd-edge-roles"/, 'no role labels on the card: installation data, in any language');
  });

  it('is refused to users who may not read the type', async () => {
    await makeUser(app.ctx, 'nobody@example.com');
    const c = app.client();
    await c.login('nobody@example.com', PASSWORD);
    assert.equal((await c.get('/cards/purchase_request/process')).status, 404);
    assert.equal((await c.get('/cards/no_such_type/process')).status, 404);
  });
});
