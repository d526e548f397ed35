// A frozen beat leader (SIGSTOP: its lock connection stays open) hands over
// to the standby within two ticks of its lease going stale; the slots keep
// firing, each once; the old leader, woken with SIGCONT, logs that it lost
// leadership and fires nothing. Two real `./manage.ts beat` processes with a
// 1 s tick and a 3 s lease, set through the environment (app/config.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LOCK_ROWS, lockName } from '#app/beat/leader';
import { testContext } from '#test/support/app';
import { ROOT } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';
import { testDatabase } from '#test/support/db';
import { AMQP_URL, eventually, testTransport, transportAvailable, uniquePrefix } from '#test/support/queue';

const TICK_SECONDS = 1;
const LEASE_SECONDS = 3;

interface Beat {
  pid: number;
  out(): string;
  waitFor(re: RegExp, ms?: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<number | null>;
}

function startBeat(env: Record<string, string>): Beat {
  const child = spawn(path.join(ROOT, 'manage.ts'), ['beat'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r((code = c))));
  onCleanup(() => (code === undefined ? (child.kill('SIGCONT'), child.kill('SIGKILL'), exited) : undefined));
  return {
    pid: child.pid!,
    out: () => out,
    async waitFor(re, ms = 60_000) {
      await eventually(
        () => {
          if (code !== undefined) throw new Error(`exited with ${code}`);
          return re.test(out);
        },
        ms,
        `${re} in the beat's output`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${out}`);
      });
    },
    signal: (s) => void child.kill(s),
    async stop() {
      if (code === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
}

const ENQUEUED = /beat: enqueued/g;
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('beat failover', () => {
  it('takes over from a frozen leader within two ticks of its stale lease, and the woken leader fires nothing', async (t) => {
    if (!transportAvailable(t, 'amqp')) return;
    const db = await testDatabase();
    const prefix = uniquePrefix();
    await testTransport('amqp', { prefix }); // deletes the prefix's queues at the end
    const env = {
      DATABASE_URL: db.url,
      AMQP_URL: AMQP_URL!,
      ORBIS_QUEUE_PREFIX: prefix,
      ORBIS_BEAT_TICK_SECONDS: String(TICK_SECONDS),
      ORBIS_BEAT_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const { ctx } = await testContext({}, undefined, db);
    const lease = async () => {
      const [row] = await ctx.db.rows<{ holder: string; epoch: number; pid: number; heartbeat_at: Date }>(
        `select holder, epoch, pid, heartbeat_at from beat_status where name = 'leader'`,
      );
      return row;
    };
    const lockHolders = async () =>
      (await ctx.db.rows<{ pid: number }>(`select l.pid from ${LOCK_ROWS}`, [lockName('public')])).map((r) => r.pid);
    const sweeps = async () =>
      ctx.db.rows<{ key: string; n: number }>(
        `select key, count(*)::int as n from jobs where kind = 'jobs.sweep' group by key order by key`,
      );

    const a = startBeat(env);
    await a.waitFor(/^beat: leading; \d+ scheduled jobs/m);
    const b = startBeat(env);
    await b.waitFor(/^beat: standing by/m);
    const before = await lease();
    assert.match(before.holder, new RegExp(`:${a.pid}:`), 'A leads');
    assert.deepEqual(await lockHolders(), [before.pid], "A's lock session holds the lock");
    // A renews its lease every tick.
    await eventually(async () => (await lease()).heartbeat_at > before.heartbeat_at, 10_000, "A's lease renewed");

    // Freeze A away from a minute's first seconds, so it is not caught
    // between committing a slot and logging it.
    await eventually(
      () => new Date().getUTCSeconds() >= 5 && new Date().getUTCSeconds() <= 45,
      60_000,
      'a quiet second of the minute',
      200,
    );
    a.signal('SIGSTOP');
    onCleanup(() => a.signal('SIGCONT'));
    const aOutFrozen = a.out().length;
    // The lease as A last renewed it: stale LEASE_SECONDS later.
    const frozen = await eventually(
      async () => {
        const l1 = await lease();
        await new Promise((r) => setTimeout(r, 1500));
        const l2 = await lease();
        return l1.heartbeat_at.getTime() === l2.heartbeat_at.getTime() && l2.holder === l1.holder && l1;
      },
      20_000,
      "A's last lease",
    );
    assert.match(frozen.holder, new RegExp(`:${a.pid}:`));

    const taken = await eventually(
      async () => {
        const l = await lease();
        return new RegExp(`:${b.pid}:`).test(l.holder) && l;
      },
      30_000,
      'B taking the lease',
    );
    // B's lease is written by the database clock at the takeover, A's too at
    // its last renewal: the difference is the stale time plus B's ticks.
    const afterStale = (taken.heartbeat_at.getTime() - frozen.heartbeat_at.getTime()) / 1000 - LEASE_SECONDS;
    t.diagnostic(
      `B took over ${afterStale.toFixed(2)} s after A's lease went stale (${(afterStale + LEASE_SECONDS).toFixed(2)} s after its last renewal)`,
    );
    assert.ok(afterStale <= 2 * TICK_SECONDS + 0.5, `B took over ${afterStale.toFixed(2)} s after A's lease went stale (bound: 2 ticks)`);
    assert.equal(Number(taken.epoch), Number(frozen.epoch) + 1, 'the takeover starts a new epoch');
    assert.deepEqual(await lockHolders(), [taken.pid], "B's lock session holds the lock; A's was ended");
    assert.match(b.out(), /beat: the leader's lease is stale/);

    // While A stays frozen, B fires the next minute's slot.
    const firedByB = count(b.out(), ENQUEUED);
    const bOutTaken = b.out().length;
    await eventually(() => count(b.out().slice(bOutTaken), ENQUEUED) > 0, 75_000, 'B firing a slot after the takeover');
    assert.equal(a.out().length, aOutFrozen, 'A, frozen, wrote nothing');

    // A wakes: it finds it no longer leads, says so, and fires nothing.
    const aOutWoken = a.out().length;
    a.signal('SIGCONT');
    await a.waitFor(/beat: leadership lost/, 20_000);
    await new Promise((r) => setTimeout(r, 5 * TICK_SECONDS * 1000));
    assert.equal(count(a.out().slice(aOutWoken), ENQUEUED), 0, `A fired nothing after waking:\n${a.out().slice(aOutWoken)}`);
    const now = await lease();
    assert.match(now.holder, new RegExp(`:${b.pid}:`), 'B still leads');
    assert.equal(now.epoch, taken.epoch);
    assert.ok(now.heartbeat_at > taken.heartbeat_at, 'B keeps renewing its lease');

    // Every slot once: one job per key, each minute, and exactly the fires the two processes logged.
    const jobs = await sweeps();
    assert.ok(
      jobs.every((j) => j.n === 1),
      JSON.stringify(jobs),
    );
    const slots = jobs.map((j) => Date.parse(j.key.replace('beat:jobs.sweep:', '')));
    for (let i = 1; i < slots.length; i++)
      assert.equal(slots[i] - slots[i - 1], 60_000, `consecutive minutes: ${jobs.map((j) => j.key).join(', ')}`);
    const [{ n: runs }] = await ctx.db.rows<{ n: number }>(`select count(*)::int as n from beat_runs`);
    assert.equal(count(a.out(), ENQUEUED) + count(b.out(), ENQUEUED), runs, 'each run in beat_runs was enqueued by exactly one beat');
    assert.ok(count(b.out(), ENQUEUED) > firedByB);

    assert.equal(await b.stop(), 0, b.out());
    assert.equal(await a.stop(), 0, a.out());
  });
});
