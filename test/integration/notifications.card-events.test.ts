// Notices of card events, through the job engine (notifications.card_event
// jobs run by a worker): assigned to you, unassigned, stage changed (to
// watchers), mentioned, commented on a watched card, files added to a watched
// card. Each fires once to the right people — never to the person who acted,
// never to a disabled user, never to one who cannot read the card (anymore);
// a job delivered twice writes nothing new; the mail is in the recipient's
// language and links absolutely to the card; a burst becomes one digest; the
// new kinds are on the preferences page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { CardEventPayload } from '#app/services/card-notices';
import type { Card } from '#app/services/cards';
import type { SessionUser } from '#app/services/users';
import { startWorkers } from '#app/worker/start';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { testContext, TestClient } from '#test/support/app';
import { makePurchase, purchaseInput, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { readMail } from '#test/support/mail-text';
import { eventually } from '#test/support/queue';
import { startSmtpSink, type SmtpSink } from '#test/support/smtp-sink';

const PUBLIC = 'https://orbis.example.com';

interface World {
  ctx: AppContext;
  sink: SmtpSink;
  card: Card;
  /** olga: operator, the card's owner (reads her own cards only). */
  users: Record<'maria' | 'anna' | 'ivan' | 'olga' | 'oleg' | 'gone' | 'anton', SessionUser>;
}

async function world(notifications: Record<string, number> = { gatherSeconds: 1, digestAfter: 50, burstMinutes: 15 }): Promise<World> {
  const sink = await startSmtpSink();
  const { ctx } = await testContext(
    { SMTP_URL: sink.url, ORBIS_PUBLIC_URL: PUBLIC },
    { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications },
  );
  const runner = await startWorkers(ctx, { queues: ['default'] });
  onCleanup(() => runner.stop(2000));
  const u = async (name: string, roles: string[]) =>
    sessionUserFor(ctx, `${name}@example.com`, { roles, name: name[0].toUpperCase() + name.slice(1) });
  const users = {
    maria: await u('maria', ['manager']),
    anna: await u('anna', ['manager']),
    ivan: await u('ivan', ['manager']),
    olga: await u('olga', ['operator']),
    oleg: await u('oleg', ['operator']),
    gone: await u('gone', ['manager']),
    anton: await u('anton', ['approver']),
  };
  const card = await makePurchase(ctx, users.olga, { approver: String(users.anton.id) });
  return { ctx, sink, card, users };
}

/** Waits until every card event job ran; none may fail. */
async function settle(ctx: AppContext): Promise<void> {
  await eventually(
    async () => {
      const [{ n }] = await ctx.db.rows<{ n: number }>(
        `select count(*)::int as n from jobs where kind in ('notifications.card_event', 'notifications.mail', 'mail.send') and state in ('waiting', 'queued', 'running')`,
      );
      return n === 0;
    },
    20_000,
    'card event jobs done',
  );
  const failed = await ctx.db.rows(`select kind, error from jobs where state = 'failed'`);
  assert.deepEqual(failed, []);
}

/** Notices of `kind` per recipient's name. */
async function recipients(w: World, kind: string): Promise<Record<string, number>> {
  const rows = await w.ctx.db.rows<{ name: string; n: number }>(
    `select u.display_name as name, count(*)::int as n from notifications x join users u on u.id = x.user_id
      where x.kind = $1 and x.card_id = $2 group by 1 order by 1`,
    [kind, w.card.id],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

async function setAssignee(w: World, by: SessionUser, assignee: SessionUser | null): Promise<void> {
  const card = await w.ctx.services.cards.getForUser(w.users.maria, 'purchase_request', w.card.id);
  await w.ctx.services.cards.update(
    by,
    'purchase_request',
    card.id,
    purchaseInput({ approver: String(w.users.anton.id), assignee: assignee ? String(assignee.id) : '', version: String(card.version) }),
  );
}

/** Watchers: olga (owner), anna, maria (the actor), gone (disabled), oleg (an operator who cannot read it). */
async function watchersAll(w: World): Promise<void> {
  const { ctx, users, card } = w;
  await ctx.services.watchers.watch(users.anna, 'purchase_request', card.id);
  await ctx.services.watchers.watch(users.maria, 'purchase_request', card.id);
  await ctx.services.watchers.watch(users.gone, 'purchase_request', card.id);
  await ctx.db.exec('insert into card_watchers (card_id, user_id) values ($1, $2)', [card.id, users.oleg.id]);
  await ctx.services.users.setActive(users.gone.id, false);
}

/** Runs every card event job again, as a duplicate delivery would: nothing new may be written. */
async function deliverAgain(w: World): Promise<void> {
  const before = await w.ctx.db.rows('select id from notifications order by id');
  const jobs = await w.ctx.db.rows<{ payload: CardEventPayload }>(`select payload from jobs where kind = 'notifications.card_event'`);
  assert.ok(jobs.length > 0);
  for (const j of jobs) assert.equal((await w.ctx.services.cardNotices.deliver(j.payload)).notices, 0);
  assert.deepEqual(await w.ctx.db.rows('select id from notifications order by id'), before);
}

describe('notices of card events', () => {
  it('assigned and unassigned: to the new and the former assignee, once; never the actor or one who lost access', async () => {
    const w = await world();
    const { maria, anna, ivan, oleg } = w.users;
    // Each change's notices are written before the next change (a later one may take read access away).
    for (const who of [ivan, anna, maria, oleg, ivan]) {
      await setAssignee(w, maria, who);
      await settle(w.ctx);
    }
    // ivan, then anna were unassigned; maria hears nothing of her own moves; oleg, an operator, reads his own cards
    // only: taken off it, he may no longer read it and is not told.
    assert.deepEqual(await recipients(w, 'card.assigned'), { Anna: 1, Ivan: 2, Oleg: 1 });
    assert.deepEqual(await recipients(w, 'card.unassigned'), { Anna: 1, Ivan: 1 });
    const [notice] = await w.ctx.db.rows<{ title: string; body: string; url: string }>(
      `select title, body, url from notifications where kind = 'card.assigned' and user_id = $1`,
      [anna.id],
    );
    assert.deepEqual(notice, {
      title: `Assigned to you: ${w.card.number} Laptops`,
      body: 'Maria assigned it to you.',
      url: `/cards/purchase_request/${w.card.id}`,
    });
    await deliverAgain(w);
  });

  it('stage changed: to the watchers, once, in their language with an absolute link; never the actor, a disabled or a blind watcher', async () => {
    const w = await world();
    const { ctx, users, card } = w;
    await watchersAll(w);
    await ctx.db.exec(`update users set locale = 'ru' where id = $1`, [users.olga.id]);
    await ctx.services.cards.transition(users.maria, 'purchase_request', card.id, 'submit');
    await settle(ctx);
    // Anna, a manager, may take the card on from "approval": she hears of it once, as waiting for her action
    // (test/integration/notifications.waiting-for-action.test.ts).
    assert.deepEqual(await recipients(w, 'card.stage_changed'), { Olga: 1 });
    assert.equal((await recipients(w, 'card.waiting')).Anna, 1);
    await eventually(() => w.sink.mails.length >= 2, 20_000, 'two mails');
    const toOlga = w.sink.mails.filter((m) => m.to.includes('olga@example.com'));
    assert.equal(toOlga.length, 1);
    const mail = readMail(toOlga[0]);
    assert.match(mail.subject, new RegExp(`Карточка ${card.number} на этапе «На согласовании»`));
    assert.match(mail.text, /Maria перевёл\(а\) «Laptops» на этап «На согласовании»/);
    assert.match(mail.text, new RegExp(`^${PUBLIC}/cards/purchase_request/${card.id}$`, 'm'), 'an absolute link to the card');
    const toAnna = w.sink.mails.filter((m) => m.to.includes('anna@example.com'));
    assert.match(toAnna[0].subject, new RegExp(`Waiting for your action: ${card.number}`));
    assert.equal(w.sink.mails.filter((m) => /maria|gone|oleg/.test(m.to.join())).length, 0);
    await deliverAgain(w);
  });

  it('comments: "mentioned" to whom a comment names, "commented" to the other watchers, each once, also after an edit', async () => {
    const w = await world();
    const { ctx, users, card } = w;
    await watchersAll(w);
    const { comment } = await ctx.services.comments.add(
      users.anna,
      'purchase_request',
      card.id,
      '@ivan@example.com and @olga, please look (cc @anna)',
    );
    await settle(ctx);
    assert.deepEqual(await recipients(w, 'card.mentioned'), { Ivan: 1, Olga: 1 });
    assert.deepEqual(await recipients(w, 'card.commented'), { Maria: 1 }, 'olga heard of it as mentioned; anna wrote it');
    await ctx.services.comments.edit(
      users.anna,
      'purchase_request',
      card.id,
      comment.id,
      '@ivan@example.com, @olga and @maria: please look',
    );
    await settle(ctx);
    assert.deepEqual(await recipients(w, 'card.mentioned'), { Ivan: 1, Maria: 1, Olga: 1 }, 'only the newly mentioned hears of the edit');
    assert.deepEqual(await recipients(w, 'card.commented'), { Maria: 1 });
    const [n] = await ctx.db.rows<{ url: string; body: string }>(
      `select url, body from notifications where kind = 'card.mentioned' and user_id = $1`,
      [users.ivan.id],
    );
    assert.equal(n.url, `/cards/purchase_request/${card.id}#comment-${comment.id}`);
    assert.equal(n.body, 'Anna: @ivan@example.com and @olga, please look (cc @anna)');
    await deliverAgain(w);
  });

  it('files added: to the watchers but the one who added them', async () => {
    const w = await world();
    const { ctx, users, card } = w;
    await watchersAll(w);
    await ctx.db.transaction(async (t) => {
      const rows = await ctx.db.rows<{ id: number; created_at: Date; original_name: string }>(
        `insert into media (card_id, original_name, type, size, sha256, state, created_by)
         values ($1, 'quote.pdf', 'application/pdf', 10, repeat('a', 64), 'ready', $2) returning *`,
        [card.id, users.maria.id],
        t,
      );
      await ctx.services.media.recordAdded(t, card, users.maria.id, rows as never);
    });
    await settle(ctx);
    assert.deepEqual(await recipients(w, 'card.attachment_added'), { Anna: 1, Olga: 1 });
    const [n] = await ctx.db.rows<{ body: string }>(`select body from notifications where kind = 'card.attachment_added' limit 1`);
    assert.equal(n.body, 'Maria added quote.pdf.');
    await deliverAgain(w);
  });

  it('gathers a burst of comments into one digest mail', async () => {
    const w = await world({ gatherSeconds: 2, digestAfter: 3, burstMinutes: 15 });
    const { ctx, users, card } = w;
    await ctx.services.watchers.watch(users.maria, 'purchase_request', card.id);
    for (let i = 1; i <= 6; i++) await ctx.services.comments.add(users.anna, 'purchase_request', card.id, `point ${i}`);
    await settle(ctx);
    await eventually(() => w.sink.mails.some((m) => m.to.includes('maria@example.com')), 20_000, 'a mail to maria');
    await new Promise((r) => setTimeout(r, 2500));
    await settle(ctx);
    const toMaria = w.sink.mails.filter((m) => m.to.includes('maria@example.com'));
    assert.equal(toMaria.length, 1, 'one digest');
    assert.match(toMaria[0].subject, /6 new notifications/);
  });

  it('lists the new kinds on the preferences page, and keeps a chosen channel', async () => {
    const { ctx } = await testContext();
    await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'] });
    const server = await listen(createApp(ctx), '127.0.0.1', 0);
    onCleanup(() => server.close(1000));
    const c = new TestClient(server.url);
    await c.login('maria@example.com', 'correct horse battery');
    const page = (await c.get('/notifications/preferences')).text;
    for (const label of [
      'Someone mentioned me in a comment',
      'A comment on a card I watch',
      'A card was assigned to me',
      'A card of mine was assigned to someone else',
      'A card I watch changed stage',
      'Files were added to a card I watch',
      'A card waits for my action',
    ])
      assert.match(page, new RegExp(label), label);
    const saved = await c.post(
      '/notifications/preferences',
      { 'card.commented': 'app', 'card.mentioned': 'digest' },
      { from: '/notifications/preferences' },
    );
    assert.equal(saved.status, 303);
    const maria = (await ctx.services.users.findByEmail('maria@example.com'))!;
    const prefs = await ctx.services.notifications.preferences(maria.id);
    assert.equal(prefs['card.commented'], 'app');
    assert.equal(prefs['card.mentioned'], 'digest');
    assert.equal(prefs['card.assigned'], 'mail');
  });
});
