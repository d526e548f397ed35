// A search's list counts its matches up to search.countUpTo (1,000) and no
// further: a larger match reads "more than 1,000 cards" (in the reader's
// language and number format, with the plural of the language), pages on
// with Previous / Page N / Next and no last page, and its last page, when an
// operator gets there, gives the exact total. A view without a search term is
// counted as before (docs/benchmarks.md, "Card search at 1,000,000 cards").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp, type TestClient } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';

/** `n` purchase requests titled `${word} ${g}`, newest first by g, written directly (a bulk load) with the product's vectors. */
async function bulkCards(ctx: AppContext, ownerId: number, word: string, n: number, from: number): Promise<void> {
  await ctx.db.exec(
    `insert into cards (type, number, title, stage, owner_id, data, search, updated_at)
     select 'purchase_request', 'PR-' || lpad(g::text, 6, '0'), $2 || ' ' || g, 'draft', $1, '{}',
            to_tsvector('russian', 'pr-' || lpad(g::text, 6, '0') || ' ' || $5 || ' ' || g), now() - g * interval '1 minute'
       from generate_series($3::int, $3::int + $4::int - 1) g`,
    // Lower-cased here, as the product does (app/services/search.ts): SQL's lower() leaves
    // Cyrillic as it is under the C collation of the embedded PostgreSQL.
    [ownerId, word, from, n, word.toLowerCase()],
  );
}

const total = (html: string) => /data-testid="total">([^<]*)</.exec(html)?.[1];
const titles = (html: string) =>
  [...html.matchAll(/<a href="\/cards\/purchase_request\/\d+">((?:Ноутбук|Принтер) \d+)<\/a>/g)].map((m) => m[1]);
const nextLink = (html: string) => /<li class="page-item( disabled)?"><a class="page-link" href="([^"]*)">(?:Next|Вперёд)<\/a>/.exec(html);
const q = (words: string) => `/cards/purchase_request?q=${encodeURIComponent(words)}`;

describe('a search counts up to 1,000 matches', () => {
  let app: TestApp;
  let c: TestClient;
  let ru: TestClient;
  before(async () => {
    app = await startTestApp({ ORBIS_SEARCH_LANGUAGE: 'russian' });
    const manager: SessionUser = await sessionUserFor(app.ctx, 'manager@example.com', { roles: ['manager'] });
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'] });
    await app.ctx.db.exec("update users set locale = 'ru' where id = $1", [maria.id]);
    await bulkCards(app.ctx, manager.id, 'Ноутбук', 1060, 1);
    await bulkCards(app.ctx, manager.id, 'Принтер', 5, 5001);
    c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
    ru = app.client();
    await ru.login('maria@example.com', 'correct horse battery');
  });
  after(() => app.close());

  it('says "more than 1,000 cards" for a larger match, and pages on without a last page', async () => {
    const p1 = await c.get(q('ноутбуки'));
    assert.equal(p1.status, 200);
    assert.equal(total(p1.text), 'more than 1,000 cards');
    assert.deepEqual(titles(p1.text).slice(0, 3), ['Ноутбук 1', 'Ноутбук 2', 'Ноутбук 3'], 'newest first');
    assert.equal(titles(p1.text).length, 50);
    assert.match(p1.text, /<span class="page-link">Page 1<\/span>/, 'no "of N": the pages are not counted');
    const next = nextLink(p1.text);
    assert.ok(next && !next[1], 'Next is a link');
    assert.equal(next[2], `${q('ноутбуки')}&amp;page=2`);

    const p21 = await c.get(`${q('ноутбуки')}&page=21`);
    assert.equal(total(p21.text), 'more than 1,000 cards');
    assert.deepEqual([titles(p21.text)[0], titles(p21.text).length], ['Ноутбук 1001', 50]);
    assert.ok(!nextLink(p21.text)![1], 'past the 1,000th card there is still a next page');
    assert.match(p21.text, /<a class="page-link" href="\/cards\/purchase_request\?q=[^"]*&amp;page=20">Previous<\/a>/);

    const last = await c.get(`${q('ноутбуки')}&page=22`);
    assert.equal(total(last.text), '1060 cards', 'the last page knows the total');
    assert.deepEqual(
      titles(last.text),
      Array.from({ length: 10 }, (_, i) => `Ноутбук ${1051 + i}`),
    );
    assert.match(last.text, /Page 22 of 22/);
    assert.ok(nextLink(last.text)![1], 'no page after the last');
  });

  it('counts a smaller match exactly, and a view without a search term in full', async () => {
    const small = await c.get(q('принтер'));
    assert.equal(total(small.text), '5 cards');
    assert.deepEqual(titles(small.text), ['Принтер 5001', 'Принтер 5002', 'Принтер 5003', 'Принтер 5004', 'Принтер 5005']);
    const all = await c.get('/cards/purchase_request');
    assert.equal(total(all.text), '1065 cards');
    assert.match(all.text, /Page 1 of 22/);
  });

  it('reads "более 1 000 карточек" to a Russian-speaking operator', async () => {
    const page = await ru.get(q('ноутбук'));
    assert.equal(total(page.text), `более ${new Intl.NumberFormat('ru').format(1000)} карточек`);
    assert.equal(total(page.text), 'более 1\u00a0000 карточек');
    assert.match(page.text, /<span class="page-link">Страница 1<\/span>/);
  });
});

describe('search.countUpTo', () => {
  it('is where the count stops, with the plural of the language', async () => {
    const app = await startTestApp({ ORBIS_SEARCH_LANGUAGE: 'russian' }, { search: { countUpTo: 21 } });
    const manager = await sessionUserFor(app.ctx, 'manager@example.com', { roles: ['manager'] });
    await app.ctx.db.exec("update users set locale = 'ru' where id = $1", [manager.id]);
    await bulkCards(app.ctx, manager.id, 'Принтер', 60, 1);
    await bulkCards(app.ctx, manager.id, 'Ноутбук', 21, 101);
    const c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
    assert.equal(total((await c.get(q('принтеры'))).text), 'более 21 карточки', '"more than 21": the singular genitive');
    assert.equal(total((await c.get(q('ноутбук'))).text), '21 карточка', 'up to the setting: exact');
    // A first page that is not full ends the view: its rows are the total, whatever the setting.
    await bulkCards(app.ctx, manager.id, 'Ноутбук', 2, 201);
    assert.equal(total((await c.get(q('ноутбук'))).text), '23 карточки');
    await app.close();
  });
});
