// Two installations, `dev` and `public`, in ONE database (DATABASE_SCHEMA)
// and one RabbitMQ (each its own queue prefix), as docs/install.md shows.
// What MUST hold: their users and their jobs stay apart — a dev user cannot
// sign in to public, a job enqueued in dev waits in dev's queue untouched by
// public's worker and is run by dev's worker only, and the other way round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppContext } from '#app/context';
import { createMigrator } from '#app/db/migrate';
import { startWorkers } from '#app/worker/start';
import { createApp } from '#app/web/app';
import { listen } from '#app/web/server';
import { makeUser, testContext, TestClient } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';
import { FAST_JOBS, testHandlers } from '#test/support/jobs';
import { AMQP_URL, eventually, testTransport, uniquePrefix } from '#test/support/queue';
import { needs } from '#test/support/servers';

const PASSWORD = 'correct horse battery';

test('dev and public in one database: users and jobs stay apart', async (t) => {
  if (!needs(t, Boolean(AMQP_URL), 'RabbitMQ (AMQP_URL)')) return;
  const db = await testDatabase({ migrated: false });
  const installations = await Promise.all(
    (['dev', 'public'] as const).map(async (schema) => {
      // `./manage.ts db upgrade` with each installation's env file.
      const migrator = await createMigrator({ url: db.url, schema });
      await migrator.upgrade();
      await migrator.close();
      const transport = await testTransport('amqp', { prefix: uniquePrefix() });
      const { ctx } = await testContext({ DATABASE_SCHEMA: schema }, { jobs: FAST_JOBS }, db, { transport });
      await ctx.db.exec('create table test_effects (n integer primary key, runs integer not null default 1)');
      const server = await listen(createApp(ctx), '127.0.0.1', 0);
      onCleanup(() => server.close(1000));
      // Every job a worker of this installation runs, whichever schema it came from.
      const ran: number[] = [];
      const handlers = testHandlers(ctx);
      const effect = handlers['test.effect']!;
      const worker = async () => {
        const runner = await startWorkers(ctx, {
          queues: ['default'],
          handlers: { ...handlers, 'test.effect': async (payload, job) => (ran.push(payload.n), effect(payload, job)) },
        });
        onCleanup(() => runner.stop(2000));
      };
      return { schema, ctx, transport, url: server.url, ran, worker };
    }),
  );
  const [dev, pub] = installations;
  const effects = (ctx: AppContext) => ctx.db.rows<{ n: number; runs: number }>('select n, runs from test_effects order by n');

  // The tables really are two sets in two schemas of the same database.
  const tables = await dev.ctx.db.rows<{ schema: string }>(
    `select table_schema as schema from information_schema.tables where table_name = 'users' order by 1`,
  );
  assert.deepEqual(
    tables.map((r) => r.schema),
    ['dev', 'public'],
  );

  // Users: each installation signs in its own users only.
  await makeUser(dev.ctx, 'dev-only@example.com', { password: PASSWORD });
  await makeUser(pub.ctx, 'public-only@example.com', { password: PASSWORD });
  assert.equal((await new TestClient(dev.url).login('dev-only@example.com', PASSWORD)).status, 303);
  assert.equal((await new TestClient(pub.url).login('public-only@example.com', PASSWORD)).status, 303);
  assert.equal((await new TestClient(pub.url).login('dev-only@example.com', PASSWORD)).status, 401);
  assert.equal((await new TestClient(dev.url).login('public-only@example.com', PASSWORD)).status, 401);
  assert.deepEqual(
    (await pub.ctx.db.rows<{ email: string }>('select email from users')).map((r) => r.email),
    ['public-only@example.com'],
  );

  // Jobs: with only public's worker running, dev's jobs wait in dev's queue.
  await pub.worker();
  for (let n = 1; n <= 5; n++) await dev.ctx.services.jobs.enqueue('test.effect', { n });
  await eventually(async () => (await dev.transport.depth('default')) === 5, 10_000, "dev's 5 messages in dev's queue");
  await new Promise((r) => setTimeout(r, 1500)); // public's worker, consuming all along, had its chance
  assert.equal(await dev.transport.depth('default'), 5, "public's worker took none of dev's messages");
  assert.deepEqual(pub.ran, []);
  assert.deepEqual(await effects(pub.ctx), []);
  assert.deepEqual(await pub.ctx.db.rows('select id from jobs'), []);

  // Dev's worker runs them, each once; public still has nothing.
  await dev.worker();
  await eventually(async () => (await effects(dev.ctx)).length === 5, 15_000, "dev's jobs done");
  assert.deepEqual(
    await effects(dev.ctx),
    [1, 2, 3, 4, 5].map((n) => ({ n, runs: 1 })),
  );
  assert.deepEqual(dev.ran.sort(), [1, 2, 3, 4, 5]);

  // And the other way round, both workers running: public's job is public's only.
  await pub.ctx.services.jobs.enqueue('test.effect', { n: 101 });
  await eventually(async () => (await effects(pub.ctx)).length === 1, 15_000, "public's job done");
  await eventually(
    async () => (await pub.ctx.db.rows<{ state: string }>('select state from jobs'))[0]?.state === 'done',
    5_000,
    "public's job row done",
  );
  assert.deepEqual(await effects(pub.ctx), [{ n: 101, runs: 1 }]);
  assert.deepEqual(pub.ran, [101]);
  assert.deepEqual(dev.ran.sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(
    (await dev.ctx.db.rows<{ state: string }>('select distinct state from jobs')).map((r) => r.state),
    ['done'],
  );
  assert.equal((await dev.ctx.db.rows('select id from jobs')).length, 5);
});
