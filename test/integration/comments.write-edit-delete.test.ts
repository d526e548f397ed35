// Comments on a card over HTTP: POST /cards/:type/:id/comments (field `body`,
// `_csrf`) answers 303 back to the card; the markdown subset is rendered
// safely (no raw HTML, links only to http/https/mailto with rel="noopener
// nofollow"); bad input (empty, over 20,000 characters, a script tag, a
// javascript: link) gets a clear message with the text kept and writes
// nothing; only a reader may comment; the author edits and deletes their own
// (the old body kept, the timeline says edited / deleted); the timeline
// holds comments and history together, newest first, 50 a page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startTestApp, type TestClient } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';

const PASSWORD = 'correct horse battery';

async function commentRows(ctx: AppContext, cardId: number) {
  return ctx.db.rows<{ id: number; user_id: number; body: string; edited_at: Date | null; deleted_at: Date | null }>(
    'select id, user_id, body, edited_at, deleted_at from card_comments where card_id = $1 order by id',
    [cardId],
  );
}

function textareaOf(html: string): string {
  const m = /<textarea[^>]*id="comment-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html);
  assert.ok(m, 'the comment box is on the page');
  return m[1];
}

async function signedIn(base: { client(): TestClient }, email: string): Promise<TestClient> {
  const c = base.client();
  const r = await c.login(email, PASSWORD);
  assert.equal(r.status, 303, `${email} signs in`);
  return c;
}

describe('comments on a card', () => {
  it('adds a comment (303 back to the card) and renders the markdown subset safely', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const card = await makePurchase(app.ctx, maria);
    const c = await signedIn(app, 'maria@example.com');
    const path = `/cards/purchase_request/${card.id}`;
    const body = [
      '**Urgent**: the *old* quote expired.',
      '',
      '- call [the supplier](https://example.com/quote?a=1&b=2)',
      '- check `price < 1000`',
      '',
      'Raw <img src=x onerror=alert(1)> and <b>bold tag</b> stay text.',
      '[click](http://example.org) but not [this](/admin/users) nor <ftp://example.org>',
    ].join('\n');
    const r = await c.post(`${path}/comments`, { body }, { from: path });
    assert.equal(r.status, 303);
    const [row] = await commentRows(app.ctx, card.id);
    assert.equal(r.location, `${path}#comment-${row.id}`);
    assert.equal(row.body, body);
    assert.equal(row.user_id, maria.id);

    const page = (await c.get(path)).text;
    assert.match(page, /Comment added\./);
    const li = page.slice(page.indexOf(`id="comment-${row.id}"`), page.indexOf('data-testid="comment-delete"'));
    assert.ok(li.length > 100, 'the comment is in the timeline');
    assert.match(li, /Maria Manager/);
    assert.match(li, /<strong>Urgent<\/strong>/);
    assert.match(li, /<em>old<\/em>/);
    assert.match(li, /<li>call <a href="https:\/\/example\.com\/quote\?a=1&amp;b=2" rel="noopener nofollow">the supplier<\/a><\/li>/);
    assert.match(li, /<code>price &lt; 1000<\/code>/);
    assert.match(li, /Raw &lt;img src=x onerror=alert\(1\)&gt; and &lt;b&gt;bold tag&lt;\/b&gt; stay text\./);
    assert.doesNotMatch(li, /<img|<b>/, 'no raw HTML');
    assert.match(li, /<a href="http:\/\/example\.org" rel="noopener nofollow">click<\/a>/);
    assert.match(li, /\[this\]\(\/admin\/users\)/, 'a relative link stays text');
    assert.doesNotMatch(li, /href="\/admin|href="ftp:/);
  });

  it('refuses empty, too long, a script and a javascript: link with a clear message, keeping the text and writing nothing', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'] });
    const card = await makePurchase(app.ctx, maria);
    const c = await signedIn(app, 'maria@example.com');
    const path = `/cards/purchase_request/${card.id}`;
    const cases: Array<[string, string, RegExp]> = [
      ['empty', '   \n  ', /the comment is empty/],
      ['too long', `${'x'.repeat(19_990)} &lt;${'y'.repeat(20)}`, /20,0\d\d characters long; at most 20,000 are allowed/],
      ['script', 'Look: <script>alert("hi")</script> done', /cannot hold a &lt;script&gt; tag/],
      ['script, odd case', 'x <ScRiPt src="//evil.example/x.js"></SCRIPT>', /cannot hold a &lt;script&gt; tag/],
      ['javascript link', 'see [here](javascript:alert(1))', /only to http, https or mailto/],
    ];
    for (const [name, body, reason] of cases) {
      const r = await c.post(`${path}/comments`, { body }, { from: path });
      assert.equal(r.status, 400, name);
      assert.match(r.text, reason, name);
      assert.match(r.text, /data-testid="comment-error"/, name);
      const kept = textareaOf(r.text);
      if (name !== 'empty')
        assert.equal(
          kept,
          body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
          `${name}: kept`,
        );
      assert.match(r.text, /data-testid="card-title"/, `${name}: the card page itself`);
    }
    assert.deepEqual(await commentRows(app.ctx, card.id), [], 'nothing written');
    // A script in code is talk about code, not a script.
    const ok = await c.post(
      `${path}/comments`,
      { body: 'The page had `<script>` in it:\n\n```\n<script>x()</script>\n```' },
      { from: path },
    );
    assert.equal(ok.status, 303);
    const page = (await c.get(path)).text;
    assert.match(page, /<code>&lt;script&gt;<\/code>/);
    assert.match(page, /<pre><code>&lt;script&gt;x\(\)&lt;\/script&gt;\n<\/code><\/pre>/);
    assert.doesNotMatch(page, /<script>x\(\)/);
  });

  it('lets only readers comment, and needs the CSRF token', async () => {
    const app = await startTestApp();
    const olga = await sessionUserFor(app.ctx, 'olga@example.com', { roles: ['operator'] }); // purchase requests: read own
    await sessionUserFor(app.ctx, 'oleg@example.com', { roles: ['operator'] });
    const card = await makePurchase(app.ctx, olga);
    const path = `/cards/purchase_request/${card.id}`;
    const oleg = await signedIn(app, 'oleg@example.com');
    const denied = await oleg.post(`${path}/comments`, { body: 'let me in' }, { from: '/' });
    assert.equal(denied.status, 404, 'a card one may not read does not exist for them');
    const olgaC = await signedIn(app, 'olga@example.com');
    const noToken = await olgaC.post(`${path}/comments`, { body: 'no token' }, { csrf: false });
    assert.equal(noToken.status, 403);
    const gone = await olgaC.post('/cards/purchase_request/999999/comments', { body: 'nowhere' }, { from: '/' });
    assert.equal(gone.status, 404);
    assert.deepEqual(await commentRows(app.ctx, card.id), []);
    const mine = await olgaC.post(`${path}/comments`, { body: 'my own card' }, { from: path });
    assert.equal(mine.status, 303);
  });

  it('edits and deletes one’s own comment only, keeping the old text; the timeline says edited / deleted', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria' });
    await sessionUserFor(app.ctx, 'mark@example.com', { roles: ['manager'], name: 'Mark' });
    const card = await makePurchase(app.ctx, maria);
    const path = `/cards/purchase_request/${card.id}`;
    const c = await signedIn(app, 'maria@example.com');
    await c.post(`${path}/comments`, { body: 'first words' }, { from: path });
    const [{ id }] = await commentRows(app.ctx, card.id);

    const mark = await signedIn(app, 'mark@example.com');
    const markPage = (await mark.get(path)).text;
    assert.doesNotMatch(markPage, new RegExp(`comments/${id}/edit`), 'no edit form for someone else’s comment');
    assert.equal((await mark.post(`${path}/comments/${id}/edit`, { body: 'hijacked' }, { from: path })).status, 403);
    assert.equal((await mark.post(`${path}/comments/${id}/delete`, {}, { from: path })).status, 403);

    const bad = await c.post(`${path}/comments/${id}/edit`, { body: '' }, { from: path });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-testid="comment-edit-error">Write something first/);
    const edited = await c.post(`${path}/comments/${id}/edit`, { body: 'better words' }, { from: path });
    assert.equal(edited.status, 303);
    assert.equal(edited.location, `${path}#comment-${id}`);
    let page = (await c.get(path)).text;
    assert.match(page, /better words/);
    assert.match(page, /data-testid="comment-edited"[^>]*>edited</);
    assert.doesNotMatch(page, /first words/);

    assert.equal((await c.post(`${path}/comments/${id}/delete`, {}, { from: path })).status, 303);
    page = (await c.get(path)).text;
    assert.match(page, /data-testid="comment-deleted">This comment was deleted\./);
    assert.doesNotMatch(page, /better words/);
    assert.equal((await c.post(`${path}/comments/${id}/edit`, { body: 'again' }, { from: path })).status, 404, 'a deleted comment is gone');
    const [row] = await commentRows(app.ctx, card.id);
    assert.ok(row.deleted_at && row.edited_at);
    assert.deepEqual(
      await app.ctx.db.rows('select body, action, replaced_by::int as who from card_comment_revisions where comment_id = $1 order by id', [
        id,
      ]),
      [
        { body: 'first words', action: 'edited', who: maria.id },
        { body: 'better words', action: 'deleted', who: maria.id },
      ],
      'every text it had is kept',
    );
  });

  it('shows comments and history in one timeline, newest first, 50 a page', async () => {
    const app = await startTestApp();
    const maria = await sessionUserFor(app.ctx, 'maria@example.com', { roles: ['manager'] });
    const card = await makePurchase(app.ctx, maria);
    // The card's creation in its history (an hour ago), then 60 comments a minute apart.
    await app.ctx.db.exec(
      `insert into card_history (card_id, version, at, user_id, kind, changes) values ($1, 1, now() - interval '2 hours', $2, 'created', '[]')`,
      [card.id, maria.id],
    );
    await app.ctx.db.exec(
      `insert into card_comments (card_id, user_id, body, created_at)
       select $1, $2, 'note ' || i, now() - interval '1 hour' + i * interval '1 minute' from generate_series(1, 60) i`,
      [card.id, maria.id],
    );
    const c = await signedIn(app, 'maria@example.com');
    const path = `/cards/purchase_request/${card.id}`;
    const entries = (html: string) =>
      [...html.matchAll(/<li class="border-start[^"]*"(?: id="comment-\d+")? data-(?:version="\d*" data-)?kind="(\w+)"/g)].map((m) => m[1]);
    const notes = (html: string) => [...html.matchAll(/<p>(note \d+)<\/p>/g)].map((m) => m[1]);
    const first = (await c.get(path)).text;
    assert.equal(entries(first).length, 50);
    assert.deepEqual(notes(first).slice(0, 2), ['note 60', 'note 59'], 'newest first');
    assert.equal(notes(first).at(-1), 'note 11');
    assert.match(first, /href="\?timeline=2#history"[^>]*>Older</);
    const second = (await c.get(`${path}?timeline=2`)).text;
    assert.deepEqual(entries(second), [...Array(10).fill('comment'), 'created']);
    assert.equal(notes(second)[0], 'note 10');
    assert.match(second, /href="\?timeline=1#history"[^>]*>Newer</);
    assert.doesNotMatch(second, /timeline-older/);
    assert.equal((await c.get(`${path}?timeline=99999`)).status, 200, 'an odd page number is no error');
  });
});
