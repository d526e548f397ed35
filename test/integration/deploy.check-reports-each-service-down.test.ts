// ./manage.ts check: all OK (exit 0) when everything is up; with each service
// taken away in turn (by pointing at a closed port — the shared servers keep
// running for everyone else) exactly that line turns FAIL with its fix, exit 1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { QUEUES } from '#app/queue/kind';
import { DEAD_LETTERS } from '#app/queue/transport';
import { closedPort, MEMCACHED_SERVERS, memcachedReachable } from '#test/support/cache';
import { onCleanup } from '#test/support/cleanup';
import { lines, manage, ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { tempDir } from '#test/support/deploy';
import { AMQP_URL, testTransport, uniquePrefix } from '#test/support/queue';
import { needs } from '#test/support/servers';
import pg from 'pg';

test('check: every line OK, then each service down in turn names it with its fix', async (t) => {
  if (!needs(t, Boolean(AMQP_URL) && (await memcachedReachable()), 'RabbitMQ (AMQP_URL) and memcached (MEMCACHED_SERVERS)')) return;
  const db = await testDatabase();
  const prefix = uniquePrefix();
  const transport = await testTransport('amqp', { prefix, queues: [...QUEUES, DEAD_LETTERS] });
  await transport.assertQueues(QUEUES);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  onCleanup(() => client.end());
  await client.query(`insert into beat_status (name, holder, heartbeat_at) values ('leader', 'test-beat', now())`);
  const media = tempDir('check-media');
  const env = {
    DATABASE_URL: db.url,
    AMQP_URL: AMQP_URL!,
    MEMCACHED_SERVERS: MEMCACHED_SERVERS.join(','),
    ORBIS_QUEUE_PREFIX: prefix,
    MEDIA_ROOT: media,
    NODE_ENV: 'production',
    SECRET_KEY: 'x'.repeat(40),
  };
  const closed = await closedPort();
  // A copy of the shipped card types with one field's type misspelt.
  const types = tempDir('check-cardtypes');
  for (const f of fs.readdirSync(path.join(ROOT, 'conf', 'cardtypes')))
    fs.copyFileSync(path.join(ROOT, 'conf', 'cardtypes', f), path.join(types, f));
  const brokenType = path.join(types, 'complaint.yaml');
  fs.writeFileSync(brokenType, fs.readFileSync(brokenType, 'utf8').replace(/^prefix: .*$/m, 'prefix: cx'));

  const good = await manage(['check'], env);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  const ok = lines(good.stdout);
  for (const what of [
    'settings valid',
    'broker reachable',
    'cache reachable',
    'media folder writable',
    'image tools present',
    'card types valid (complaint, purchase_request',
    'database reachable and migrated',
    'beat alive',
  ]) {
    assert.ok(
      ok.some((l) => l.startsWith('OK') && l.includes(what)),
      `${what} in:\n${good.stdout}`,
    );
  }
  assert.ok(!ok.some((l) => l.startsWith('FAIL')));

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'database',
      { DATABASE_URL: db.url.replace(/:\d+\//, `:${closed.split(':')[1]}/`) },
      /^FAIL database unreachable: .* — fix: start PostgreSQL or correct DATABASE_URL/,
    ],
    ['broker', { AMQP_URL: `amqp://guest:guest@${closed}` }, /^FAIL broker unreachable: .* — fix: start RabbitMQ/],
    ['cache', { MEMCACHED_SERVERS: closed }, /^FAIL cache unreachable: .* — fix: start memcached/],
    [
      'queues',
      { ORBIS_QUEUE_PREFIX: uniquePrefix() },
      /^FAIL broker reachable, but queue\(s\) not declared: .* — fix: start a worker once/,
    ],
    ['media', { MEDIA_ROOT: `${media}/missing/deeper` }, /^FAIL media folder not writable: .* — fix: create/],
    ['settings', { PORT: 'eighty' }, /^FAIL settings: invalid setting .*PORT/],
    // Once reported as "database unreachable — start PostgreSQL".
    [
      'card types',
      { ORBIS_CARDTYPES_DIR: types },
      new RegExp(
        `^FAIL card types: ${brokenType.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: card type complaint: prefix: "cx" must be 1-6 capital letters — fix: correct the file`,
      ),
    ],
  ];
  await Promise.all(
    cases.map(async ([name, over, expected]) => {
      const r = await manage(['check'], { ...env, ...over });
      assert.equal(r.code, 1, `${name}: exit code\n${r.stdout}`);
      const fails = lines(r.stdout).filter((l) => l.startsWith('FAIL'));
      assert.ok(
        fails.some((l) => expected.test(l)),
        `${name}: expected ${expected} in\n${r.stdout}`,
      );
      // Only the service taken away fails (the database takes the beat line with it).
      assert.equal(fails.length, 1, `${name}: one FAIL line expected\n${r.stdout}`);
    }),
  );

  // The beat silent for 3 minutes, and a migration pending.
  await client.query(`update beat_status set heartbeat_at = now() - interval '3 minutes'`);
  await client.query(`delete from orbis_migrations where name = (select max(name) from orbis_migrations)`);
  const stale = await manage(['check'], env);
  assert.equal(stale.code, 1);
  assert.match(stale.stdout, /^FAIL beat: the beat has been silent for 3 min — fix: start the beat/m);
  assert.match(stale.stdout, /^FAIL database reachable, 1 migration\(s\) pending .* — fix: \.\/manage\.ts db upgrade/m);
});
