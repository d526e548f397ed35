// Scale-out on one machine, as docs/scaling.md describes it for several:
// two `serve` instances and two `./manage.ts worker --queues audit` processes
// on one database and one queue prefix. 300 card edits split across both
// webs (one session, valid on either) become exactly 300 history rows (plus
// one per card created); both workers took a share of the audit jobs, and
// together they finished every job exactly once (nothing lost, none twice).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { makeUser, testContext, TestClient } from '#test/support/app';
import { makePurchase, purchaseInput } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { freePort, stopChild, tempDir, waitFor } from '#test/support/deploy';
import { AMQP_URL, testTransport, uniquePrefix } from '#test/support/queue';
import { needs } from '#test/support/servers';

const CARDS = 30;
const EDITS_PER_CARD = 10;

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(path.join(ROOT, 'manage.ts'), args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (err += d));
  onCleanup(() => stopChild(child, 'SIGKILL'));
  return { child, stdout: () => out, stderr: () => err };
}

/** The `processed` count of each "worker stopped" line (JSON logs in production). */
function processedCounts(stderr: string): number[] {
  const counts: number[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; processed?: number };
    if (entry.msg === 'worker stopped') counts.push(entry.processed!);
  }
  return counts;
}

test('two serve instances and two workers share 300 card edits: 300 edit history rows, each worker did some, none lost', async (t) => {
  if (!needs(t, Boolean(AMQP_URL), 'RabbitMQ (AMQP_URL)')) return;
  const db = await testDatabase();
  const prefix = uniquePrefix();
  const transport = await testTransport('amqp', { prefix });
  await transport.assertQueues(['audit', 'requestlog', 'default', 'images']);
  const { ctx } = await testContext({}, undefined, db, { transport });
  const admin = await makeUser(ctx, 'root@example.com', { superuser: true, password: 'correct horse battery' });
  const owner = (await ctx.services.users.sessionUser(admin.id))!;
  const cards = [];
  for (let i = 0; i < CARDS; i++) cards.push(await makePurchase(ctx, owner, { title: `card ${i}` }));

  const ports = [await freePort(), await freePort()];
  const env = {
    NODE_ENV: 'production',
    SECRET_KEY: 'scale-out-test-secret-key-0123456789',
    DATABASE_URL: db.url,
    AMQP_URL: AMQP_URL!,
    ORBIS_QUEUE_PREFIX: prefix,
    MEDIA_ROOT: tempDir('scale-media'),
    ORBIS_PUBLIC_URL: `http://127.0.0.1:${ports[0]}`,
    LOG_LEVEL: 'info',
  };
  const webs = ports.map((port) => run(['serve', '--workers', '1', '--host', '127.0.0.1', '--port', String(port)], env));
  const workers = [0, 1].map(() => run(['worker', '--queues', 'audit'], env));
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  for (const [i, base] of bases.entries()) {
    await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 40_000, `web ${i}`).catch((err) => {
      throw new Error(`${(err as Error).message}\n${webs[i].stderr().slice(-2000)}`);
    });
  }

  // Both workers consuming before the first edit, so each can get a share.
  for (const [i, w] of workers.entries()) {
    await waitFor(async () => w.stdout().includes('worker: consuming audit'), 40_000, `worker ${i}`).catch((err) => {
      throw new Error(`${(err as Error).message}\n${w.stderr().slice(-2000)}`);
    });
  }

  // One sign-in on web 0; its session cookie works on web 1 (sessions live in the database).
  const clients = bases.map((b) => new TestClient(b));
  assert.equal((await clients[0].login('root@example.com', 'correct horse battery')).status, 303);
  for (const [k, v] of clients[0].cookies) clients[1].cookies.set(k, v);
  const token = await clients[0].csrf('/');

  // Each card edited 10 times in a row, alternating webs; all cards at once.
  const started = Date.now();
  await Promise.all(
    cards.map(async (card, k) => {
      for (let i = 1; i <= EDITS_PER_CARD; i++) {
        const c = clients[(k + i) % 2];
        const r = await c.post(`/cards/purchase_request/${card.id}/edit`, {
          ...purchaseInput({ title: `card ${k} edit ${i}` }),
          version: String(card.version + i - 1),
          _csrf: token,
        });
        assert.equal(r.status, 303, `card ${k} edit ${i} on web ${(k + i) % 2}: ${r.text.slice(0, 300)}`);
      }
    }),
  );
  const editMs = Date.now() - started;

  // Every change recorded once: creation + 10 edits per card, versions without gaps.
  const total = CARDS * (EDITS_PER_CARD + 1);
  await waitFor(
    async () => Number((await ctx.db.rows<{ n: string }>('select count(*) as n from card_history'))[0].n) === total,
    40_000,
    `${total} history rows`,
  );
  const perCard = await ctx.db.rows<{ card_id: number; n: string; versions: number[] }>(
    'select card_id, count(*) as n, array_agg(version order by version) as versions from card_history group by card_id order by card_id',
  );
  assert.equal(perCard.length, CARDS);
  for (const row of perCard)
    assert.deepEqual(
      row.versions,
      Array.from({ length: EDITS_PER_CARD + 1 }, (_, i) => i + 1),
      `card ${row.card_id}`,
    );
  const edits = await ctx.db.rows<{ n: string }>(`select count(*) as n from card_history where kind <> 'created'`);
  assert.equal(Number(edits[0].n), CARDS * EDITS_PER_CARD);
  await waitFor(
    async () =>
      Number(
        (await ctx.db.rows<{ n: string }>(`select count(*) as n from jobs where kind = 'audit.card_changed' and state = 'done'`))[0].n,
      ) === total,
    10_000,
    'every audit job done',
  );

  // Workers stopped gracefully report how many jobs each finished.
  await Promise.all(workers.map((w) => stopChild(w.child, 'SIGTERM', 30_000)));
  const counts = workers.map((w) => processedCounts(w.stderr()));
  for (const [i, c] of counts.entries())
    assert.equal(c.length, 1, `worker ${i} logged "worker stopped" once:\n${workers[i].stderr().slice(-2000)}`);
  const [a, b] = counts.map((c) => c[0]);
  assert.ok(a > 0 && b > 0, `both workers processed audit jobs (${a} and ${b})`);
  assert.equal(a + b, total, `every job finished exactly once (${a} + ${b})`);
  t.diagnostic(`${CARDS * EDITS_PER_CARD} edits in ${editMs} ms; worker shares ${a} / ${b}`);
  await Promise.all(webs.map((w) => stopChild(w.child, 'SIGTERM', 30_000)));
  for (const w of [...webs, ...workers]) assert.equal(w.child.exitCode, 0, w.stderr().slice(-1000));
});
