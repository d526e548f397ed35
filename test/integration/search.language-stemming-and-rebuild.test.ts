import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { parseListQuery } from '#app/services/card-list';
import { startWorkers } from '#app/worker/start';
import type { SessionUser } from '#app/services/users';
import { testContext } from '#test/support/app';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';

async function titlesFound(ctx: AppContext, user: SessionUser, q: string): Promise<string[]> {
  const type = ctx.services.cards.types.get('purchase_request')!;
  const result = await ctx.services.cards.list(user, 'purchase_request', parseListQuery(type, { q }));
  return result.rows.map((r) => r.title).sort();
}

const TITLES = ['Ноутбуки для офиса', 'Laptops for the team', 'Стулья в переговорную', 'Printer toner'];

describe('search in the installation language', () => {
  it('stems Russian and English words under `russian`, and matches the last word as a prefix', async () => {
    const { ctx } = await testContext({ ORBIS_SEARCH_LANGUAGE: 'russian' });
    const admin = await sessionUserFor(ctx, 'admin@example.com', { superuser: true });
    for (const title of TITLES) await makePurchase(ctx, admin, { title });
    assert.deepEqual(await titlesFound(ctx, admin, 'ноутбуков'), ['Ноутбуки для офиса'], 'another case of the same word');
    assert.deepEqual(await titlesFound(ctx, admin, 'ноутбук'), ['Ноутбуки для офиса']);
    assert.deepEqual(await titlesFound(ctx, admin, 'lapt'), ['Laptops for the team'], 'a prefix of the last word');
    assert.deepEqual(await titlesFound(ctx, admin, 'laptop'), ['Laptops for the team'], 'English stems under russian too');
    assert.deepEqual(await titlesFound(ctx, admin, 'офис ноут'), ['Ноутбуки для офиса'], 'every word, the last as a prefix');
    assert.deepEqual(await titlesFound(ctx, admin, 'стул'), ['Стулья в переговорную']);
    assert.deepEqual(await titlesFound(ctx, admin, '"для офиса"'), ['Ноутбуки для офиса'], 'a quoted phrase');
    assert.deepEqual(await titlesFound(ctx, admin, 'toner -printer'), [], 'an excluded word is not made a prefix');
    assert.deepEqual(await titlesFound(ctx, admin, "o'reilly\\ :* & | !"), [], 'operators and quotes are data');
  });

  it('stems English under `english` and finds nothing by another case of a Russian word under `simple`', async () => {
    const english = (await testContext({ ORBIS_SEARCH_LANGUAGE: 'english' })).ctx;
    const a = await sessionUserFor(english, 'admin@example.com', { superuser: true });
    for (const title of TITLES) await makePurchase(english, a, { title });
    assert.deepEqual(await titlesFound(english, a, 'laptop team'), ['Laptops for the team']);
    assert.deepEqual(await titlesFound(english, a, 'lapt'), ['Laptops for the team']);
    const simple = (await testContext({ ORBIS_SEARCH_LANGUAGE: 'simple' })).ctx;
    const b = await sessionUserFor(simple, 'admin@example.com', { superuser: true });
    for (const title of TITLES) await makePurchase(simple, b, { title });
    assert.deepEqual(await titlesFound(simple, b, 'ноутбуков'), [], 'simple does not stem');
  });

  describe('changing the language', () => {
    let before_: AppContext;
    let after: AppContext;
    let admin: SessionUser;
    before(async () => {
      const first = await testContext({ ORBIS_SEARCH_LANGUAGE: 'simple' });
      before_ = first.ctx;
      admin = await sessionUserFor(before_, 'admin@example.com', { superuser: true });
      for (let i = 0; i < 30; i++) await makePurchase(before_, admin, { title: `Ноутбуки партия ${i}` });
      after = (await testContext({ ORBIS_SEARCH_LANGUAGE: 'russian' }, undefined, first.db)).ctx;
    });

    it('enqueues one rebuild, however many processes start, runs it with progress, and then finds by stems', async () => {
      // A word before the last is matched whole: its stem is not in a simple vector.
      assert.deepEqual(await titlesFound(after, admin, 'ноутбуков партия'), [], 'the vectors are still simple ones');
      const [id, again] = await Promise.all([
        after.services.search.ensureLanguage(after.services.jobs),
        after.services.search.ensureLanguage(after.services.jobs),
      ]);
      assert.ok((id === null) !== (again === null), `exactly one enqueued (${id}, ${again})`);
      assert.equal(await after.services.search.ensureLanguage(after.services.jobs), null, 'not while one is under way');
      assert.deepEqual(await before_.services.search.state(), { language: 'simple', building: 'russian', generation: 1 });
      const runner = await startWorkers(after);
      onCleanup(() => runner.stop(2000));
      const jobId = id ?? again;
      let job: { state: string; progress_current: number | null; progress_total: number | null } | undefined;
      for (let i = 0; i < 200; i++) {
        [job] = await after.db.rows('select state, progress_current, progress_total from jobs where id = $1', [jobId]);
        if (job?.state === 'done' || job?.state === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(job?.state, 'done');
      assert.equal(Number(job?.progress_current), 30);
      assert.equal(Number(job?.progress_total), 30);
      assert.deepEqual(await after.services.search.state(), { language: 'russian', building: null, generation: 1 });
      assert.equal((await titlesFound(after, admin, 'ноутбуков партия')).length, 30);
      assert.equal(await after.services.search.ensureLanguage(after.services.jobs), null, 'built in the setting: nothing to do');
    });
  });
});
