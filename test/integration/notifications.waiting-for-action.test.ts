// "Waiting for your action" (card.waiting): when a card reaches a stage, the
// people who may take a transition from it hear of it — a role the transition
// names, whose scope covers this card (all, or own when it is theirs) — once,
// in the app and by mail as their preference says; never the actor, a
// disabled user or one who cannot read the card. A watcher who may act gets
// "waiting", not also "stage changed". A job delivered twice writes nothing new.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { CardEventPayload } from '#app/services/card-notices';
import { startWorkers } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';
import { startSmtpSink } from '#test/support/smtp-sink';

/** The shipped card types, with a role "buyer" that may approve but read no purchase request, and operators who read all. */
function typesWithBlindBuyer(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-types-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const f of fs.readdirSync(path.join(ROOT, 'conf', 'cardtypes'))) {
    let text = fs.readFileSync(path.join(ROOT, 'conf', 'cardtypes', f), 'utf8');
    if (f === 'purchase-request.yaml') {
      text = text.replace(
        'from: [approval], to: ordering, roles: [approver, manager]',
        'from: [approval], to: ordering, roles: [approver, manager, buyer]',
      );
      text = text.replace(
        /^(\s*)manager: \{ read: all/m,
        '$1buyer: { read: none, create: none, update: none, delete: none, transition: all }\n$1manager: { read: all',
      );
      // Operators read every purchase request here but move only their own: the scope, not reading, decides.
      text = text.replace('operator: { read: own,', 'operator: { read: all,');
      assert.match(text, /operator: \{ read: all, create: all, update: own, delete: none, transition: own \}/);
      assert.match(text, /roles: \[approver, manager, buyer\]/);
      assert.match(text, /buyer: \{ read: none/);
    }
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

async function settle(ctx: AppContext): Promise<void> {
  await eventually(
    async () =>
      (
        await ctx.db.rows<{ n: number }>(
          `select count(*)::int as n from jobs where kind in ('notifications.card_event', 'notifications.mail', 'mail.send') and state in ('waiting', 'queued', 'running')`,
        )
      )[0].n === 0,
    20_000,
    'card event jobs done',
  );
  assert.deepEqual(await ctx.db.rows(`select kind, error from jobs where state = 'failed'`), []);
}

describe('notices: waiting for your action', () => {
  it('on a stage change, to whoever may take the next step and read the card, once; watchers who may act hear it once', async () => {
    const sink = await startSmtpSink();
    const { ctx } = await testContext(
      { SMTP_URL: sink.url, ORBIS_PUBLIC_URL: 'https://orbis.example.com' },
      { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications: { gatherSeconds: 1, digestAfter: 50, burstMinutes: 15 } },
      undefined,
      { cardTypesDir: typesWithBlindBuyer() },
    );
    const runner = await startWorkers(ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));
    const u = (name: string, roles: string[]) =>
      sessionUserFor(ctx, `${name}@example.com`, { roles, name: name[0].toUpperCase() + name.slice(1) });
    const maria = await u('maria', ['manager']); // acts
    const anna = await u('anna', ['manager']); // may act, watches the card
    const anton = await u('anton', ['approver']); // may act, wants it in the app only
    const vera = await u('vera', ['approver']); // may act, disabled
    await u('boris', ['buyer']); // may approve, may not read purchase requests
    const olga = await u('olga', ['operator']); // owner: transitions her own cards, not from "approval"
    await u('oleg', ['operator']); // an operator, not the owner: reads the card, may not move it
    await u('root', []);
    await ctx.db.exec(`update users set is_superuser = true where email = 'root@example.com'`);
    await ctx.services.users.setActive(vera.id, false);
    await ctx.services.notifications.setPreferences(anton.id, { 'card.waiting': 'app' });
    const card = await makePurchase(ctx, olga, { approver: String(anton.id) });
    await ctx.services.watchers.watch(anna, 'purchase_request', card.id);
    await settle(ctx);

    const recipients = async (kind: string) => {
      const rows = await ctx.db.rows<{ name: string; n: number }>(
        `select u.display_name as name, count(*)::int as n from notifications x join users u on u.id = x.user_id
          where x.kind = $1 and x.card_id = $2 group by 1 order by 1`,
        [kind, card.id],
      );
      return Object.fromEntries(rows.map((r) => [r.name, r.n]));
    };

    // Maria submits it: approvers and managers may take it from "approval" (Anton, Anna; not Maria, not the
    // disabled Vera, not Boris who cannot read it, not the superuser who holds no such role, not the operators).
    await ctx.services.cards.transition(maria, 'purchase_request', card.id, 'submit');
    await settle(ctx);
    assert.deepEqual(await recipients('card.waiting'), { Anna: 1, Anton: 1 });
    assert.deepEqual(await recipients('card.stage_changed'), { Olga: 1 }, 'Anna hears of it once, as waiting for her');
    const [n] = await ctx.db.rows<{ title: string; body: string; url: string }>(
      `select title, body, url from notifications where kind = 'card.waiting' and user_id = $1`,
      [anna.id],
    );
    assert.deepEqual(n, {
      title: `Waiting for your action: ${card.number} Laptops`,
      body: 'Maria moved it to Waiting for approval; you may take the next step.',
      url: `/cards/purchase_request/${card.id}`,
    });
    // Mail as each one's preference says: Anna by mail (the default), Anton in the app only.
    await eventually(() => sink.mails.some((m) => m.to.includes('anna@example.com')), 20_000, 'a mail to Anna');
    const toAnna = sink.mails.filter((m) => m.to.includes('anna@example.com'));
    assert.equal(toAnna.length, 1);
    assert.match(toAnna[0].subject, new RegExp(`Waiting for your action: ${card.number}`));
    // (Anton gets a mail of the approval stage's task for him, app/services/task-sla.ts: not of this.)
    const waitingMails = sink.mails.filter((m) => /Waiting for your action/.test(m.subject));
    assert.deepEqual(
      waitingMails.map((m) => m.to.join()),
      ['anna@example.com'],
    );

    // A job delivered again writes nothing new.
    const before = await ctx.db.rows('select id from notifications order by id');
    const jobs = await ctx.db.rows<{ payload: CardEventPayload }>(
      `select payload from jobs where kind = 'notifications.card_event' and payload->>'event' = 'stage_changed'`,
    );
    assert.equal(jobs.length, 1);
    assert.equal((await ctx.services.cardNotices.deliver(jobs[0].payload)).notices, 0);
    assert.deepEqual(await ctx.db.rows('select id from notifications order by id'), before);

    // Anton sends it back to draft: its owner Olga may submit it again (her own card), Oleg may not (not his).
    await ctx.services.cards.transition(anton, 'purchase_request', card.id, 'send_back');
    await settle(ctx);
    const waiting = await recipients('card.waiting');
    assert.equal(waiting.Olga, 1);
    assert.equal(waiting.Oleg, undefined);
    assert.equal(waiting.Anton, 1, 'the actor of the second change hears nothing new');
  });
});
