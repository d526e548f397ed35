// Issue 17 item 4: a saved version of a card type is used by every process of
// the installation within 2 s, without a restart: two web processes as `serve`
// runs them and a worker, each a process of its own on one database and one
// broker. The web processes serve the new field and take the new transition;
// the worker moves cards into the new stage (a stale worker has no such stage)
// and records the new field's change in the history (a stale worker's audit
// knows only the old fields). A process whose listening connection was cut
// still gets a version saved while it was away, once it reconnects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { TestClient } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { complaintInput, definitionOf, ensureTypeRoles, type Definition } from '#test/support/cardtypes';
import { jobsHarness } from '#test/support/jobs';
import { testContext } from '#test/support/app';
import { AMQP_URL, eventually, transportAvailable, uniquePrefix } from '#test/support/queue';
import { startWebProcess } from '#test/support/web-spawn';
import { spawnWorker } from '#test/support/worker-spawn';

const PASSWORD = 'correct horse battery';

/** Polls `probe` every 50 ms until it holds, up to `ms`; returns how long it took. */
async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The complaint with `stage` in place of `gone` (transitions follow), a new field and a new transition into the new stage. */
function replaceStage(def: Definition, gone: string, stage: string, field: string): Definition {
  const p = def.process;
  p.stages = p.stages.map((s: Definition) => (s.name === gone ? { name: stage, label: { en: `Stage ${stage}`, ru: `Этап ${stage}` } } : s));
  for (const t of p.transitions) {
    t.from = t.from.map((f: string) => (f === gone ? stage : f));
    if (t.to === gone) t.to = stage;
  }
  p.transitions.push({
    name: `to_${stage}`,
    label: { en: `Send to ${stage}`, ru: `Отправить: ${stage}` },
    from: ['new'],
    to: stage,
    roles: ['manager'],
  });
  def.fields.push({ name: field, type: 'string', label: { en: `Field ${field}`, ru: `Поле ${field}` }, max: 200 });
  return def;
}

async function jobOf(ctx: AppContext, key: string) {
  const [job] = await ctx.db.rows<{ state: string; attempts: number; error: string | null; result: { moved: number } | null }>(
    'select state, attempts, error, result from jobs where key = $1',
    [key],
  );
  return job;
}

describe('a saved card type version in every process', () => {
  it('two web processes and a worker use it within 2 s, and a process whose listener was cut gets it on reconnecting', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const prefix = uniquePrefix();
    const h = await jobsHarness('amqp', { prefix });
    const { ctx } = h;
    await ensureTypeRoles(ctx);
    const maria = await sessionUserFor(ctx, 'maria@example.com', { roles: ['manager'], name: 'Maria Manager' });
    const env = { DATABASE_URL: h.db.url, AMQP_URL: AMQP_URL!, ORBIS_QUEUE_PREFIX: prefix };
    const [webA, webB] = await Promise.all([startWebProcess(env), startWebProcess(env)]);
    await spawnWorker({ ...env, WORKER_QUEUES: 'default,audit' });
    const clients = [new TestClient(webA.url), new TestClient(webB.url)];
    for (const c of clients) assert.equal((await c.login('maria@example.com', PASSWORD)).status, 303);

    // Three complaints under investigation, one new.
    const investigating = [];
    for (let i = 0; i < 3; i++) {
      const card = await ctx.services.cards.create(maria, 'complaint', complaintInput({ title: `Complaint ${i}` }));
      investigating.push(await ctx.services.cards.transition(maria, 'complaint', card.id, 'start'));
    }
    const fresh = await ctx.services.cards.create(maria, 'complaint', complaintInput({ title: 'Fresh one' }));
    for (const c of clients) assert.doesNotMatch((await c.get('/cards/complaint/new')).text, /name="root_cause"/);

    // Version 2, saved here: a new field, and `investigating` replaced by `triage` (its cards move there).
    const { def, version } = await definitionOf(ctx, 'complaint');
    const saved = await ctx.services.cardTypeStore.save(replaceStage(def, 'investigating', 'triage', 'root_cause'), {
      expected: version,
      moves: { investigating: 'triage' },
      authorId: maria.id,
      comment: 'triage instead of investigation',
    });
    const took: number[] = [];
    for (const c of clients)
      took.push(
        await within(2000, 'the new field on the form', async () => /name="root_cause"/.test((await c.get('/cards/complaint/new')).text)),
      );
    // The worker: every card of the removed stage in the new one, on the first attempt.
    const moveKey = `cardtypes.move_stages:complaint:${saved.version}`;
    took.push(await within(2000, 'the worker moved the cards', async () => (await jobOf(ctx, moveKey))?.state === 'done'));
    const moveJob = await jobOf(ctx, moveKey);
    assert.equal(moveJob.attempts, 1, `moved at the first attempt (error: ${moveJob.error})`);
    assert.equal(moveJob.result?.moved, 3);
    const stages = await ctx.db.rows<{ stage: string }>('select stage from cards where id = any($1) order by id', [
      investigating.map((c) => c.id),
    ]);
    assert.deepEqual(
      stages.map((s) => s.stage),
      ['triage', 'triage', 'triage'],
    );

    // The new transition, taken in web process B; an edit of the new field there, recorded by the worker's audit.
    const [, b] = clients;
    const moved = await b.post(
      `/cards/complaint/${fresh.id}/transition`,
      { transition: 'to_triage' },
      { from: `/cards/complaint/${fresh.id}` },
    );
    assert.equal(moved.status, 303, moved.text.slice(0, 300));
    const edit = await b.get(`/cards/complaint/${fresh.id}/edit`);
    const v = /name="version" value="(\d+)"/.exec(edit.text)![1];
    const posted = await b.post(
      `/cards/complaint/${fresh.id}/edit`,
      { ...complaintInput({ title: 'Fresh one' }), root_cause: 'A loose screw', version: v },
      { from: `/cards/complaint/${fresh.id}/edit` },
    );
    assert.equal(posted.status, 303, posted.text.slice(0, 300));
    await eventually(
      async () =>
        (
          await ctx.db.rows(`select 1 from card_history where card_id = $1 and version = $2 and changes @> '[{"field":"root_cause"}]'`, [
            fresh.id,
            Number(v) + 1,
          ])
        ).length === 1,
      5000,
      'the worker recorded the new field in the history',
    );

    // Every listening connection cut (both web processes', the worker's, this context's); version 3 saved while they are away.
    const listeners = `select pid from pg_stat_activity where datname = current_database() and query like 'listen %'`;
    const before = await ctx.db.rows<{ pid: number }>(listeners);
    assert.ok(before.length >= 4, `a listener in each process (${before.length})`);
    await ctx.db.exec(`select pg_terminate_backend(pid) from (${listeners}) l`);
    const cut = Date.now();
    const next = await definitionOf(ctx, 'complaint');
    const third = await ctx.services.cardTypeStore.save(replaceStage(next.def, 'triage', 'review', 'cause_code'), {
      expected: next.version,
      moves: { triage: 'review' },
      authorId: maria.id,
    });
    assert.ok(Date.now() - cut < 900, 'saved before any process could listen again (they retry after 1 s)');
    for (const c of clients)
      await within(4000, 'the version saved while away', async () => /name="cause_code"/.test((await c.get('/cards/complaint/new')).text));
    const thirdKey = `cardtypes.move_stages:complaint:${third.version}`;
    await within(4000, 'the worker moved the cards again', async () =>
      ['done', 'failed'].includes((await jobOf(ctx, thirdKey))?.state ?? ''),
    );
    const thirdJob = await jobOf(ctx, thirdKey);
    assert.equal(thirdJob.state, 'done', `the worker knew the new stage (error: ${thirdJob.error})`);
    assert.equal(thirdJob.attempts, 1, `moved at the first attempt, though its listener was away (error: ${thirdJob.error})`);
    assert.equal(thirdJob.result?.moved, 4);
    await eventually(async () => (await ctx.db.rows(listeners)).length >= before.length, 5000, 'every process listens again');
    t.diagnostic(`seen by web A, web B and the worker after ${took.join(', ')} ms`);
  });

  it('a new set of types is in use only with the rights set in the browser: no request sees the declared ones meanwhile', async () => {
    const { ctx } = await testContext();
    await ensureTypeRoles(ctx);
    // The browser took the operator's right to read complaints; the definition still grants it.
    await ctx.services.roles.setRights('operator', { complaint: { read: 'none' } });
    const types = ctx.services.cards.types;
    assert.equal(types.get('complaint')!.permissions.operator.read, 'none');
    assert.equal(types.declared('complaint').operator.read, 'all');
    // What any request would read at the instant each new set goes in use (a save here, or a signal from another process).
    const seen: string[] = [];
    const replace = types.replace.bind(types);
    types.replace = (...args) => {
      replace(...args);
      seen.push(types.get('complaint')!.permissions.operator?.read ?? 'none');
    };
    const { def, version } = await definitionOf(ctx, 'complaint');
    await ctx.services.cardTypeStore.save({ ...def, label: { en: 'Complaint v2', ru: 'Жалоба v2' } }, { expected: version });
    await ctx.services.cardTypeStore.load();
    assert.ok(seen.length >= 2, 'the set was replaced');
    assert.deepEqual(new Set(seen), new Set(['none']), `the operator's read right as each new set went in use: ${seen.join(', ')}`);
    assert.equal(types.get('complaint')!.label, 'Complaint v2');
  });
});
