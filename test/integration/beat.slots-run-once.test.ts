// The beat fires every slot of every schedule entry exactly once: with two
// beats ticking on one database, across a leader whose connection dies, a
// clock that jumps forward or backwards, and a restart. Driven by an
// injected clock and explicit ticks (simulated minutes, no waiting); every
// assertion reads beat_runs and the jobs' keys in the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBeat, type Beat, type BeatOptions } from '#app/beat/beat';
import { parseCron } from '#app/beat/cron';
import { createLeaderLock, lockName, type LeaderLock } from '#app/beat/leader';
import type { ScheduleEntry } from '#app/beat/schedule';
import { SCHEDULE } from '#app/jobs/index';
import type { AppContext } from '#app/context';
import { testContext } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import type { TestDatabase } from '#test/support/db';
import { eventually } from '#test/support/queue';

const MINUTE = 60_000;

class Clock {
  constructor(public t: number) {}
  now = (): Date => new Date(this.t);
  add(ms: number): void {
    this.t += ms;
  }
}

function beatOn(ctx: AppContext, clock: Clock, options: Omit<BeatOptions, 'now'> = {}): Beat {
  const beat = createBeat(ctx, { now: clock.now, ...options });
  onCleanup(() => beat.stop());
  return beat;
}

async function twoContexts(): Promise<{ a: AppContext; b: AppContext; db: TestDatabase }> {
  const { ctx: a, db } = await testContext();
  const { ctx: b } = await testContext({}, undefined, db);
  return { a, b, db };
}

/** beat_runs of an entry, in slot order, with the key of the job each enqueued. */
async function runs(ctx: AppContext, name: string): Promise<Array<{ slot: string; key: string | null; kind: string | null }>> {
  const rows = await ctx.db.rows<{ slot: Date; key: string | null; kind: string | null }>(
    `select r.slot, j.key, j.kind from beat_runs r left join jobs j on j.id = r.job_id where r.name = $1 order by r.slot`,
    [name],
  );
  return rows.map((r) => ({ slot: r.slot.toISOString(), key: r.key, kind: r.kind }));
}

/** Asserts the entry fired exactly `slots`, each once, each with its job under the beat's key. */
async function assertFiredExactly(ctx: AppContext, name: string, kind: string, slots: string[]): Promise<void> {
  const got = await runs(ctx, name);
  assert.deepEqual(
    got.map((r) => r.slot),
    slots,
    `${name}: slots in beat_runs`,
  );
  for (const r of got) {
    assert.equal(r.key, `beat:${name}:${r.slot}`, `${name}: the run of ${r.slot} points at its job`);
    assert.equal(r.kind, kind);
  }
  const jobs = await ctx.db.rows<{ key: string; n: number }>(
    `select key, count(*)::int as n from jobs where key like $1 group by key order by key`,
    [`beat:${name}:%`],
  );
  assert.deepEqual(
    jobs,
    slots.map((s) => ({ key: `beat:${name}:${s}`, n: 1 })),
    `${name}: one job per slot`,
  );
}

function minutes(fromIso: string, count: number): string[] {
  const t0 = Date.parse(fromIso);
  return Array.from({ length: count }, (_, i) => new Date(t0 + i * MINUTE).toISOString());
}

async function lockHolderPid(ctx: AppContext): Promise<number | null> {
  const [row] = await ctx.db.rows<{ pid: number }>(
    `select l.pid from pg_locks l
      where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
        and l.objsubid = 1 and l.objid::bigint = (hashtext($1)::bigint & 4294967295)`,
    [lockName(ctx.db.schema)],
  );
  return row?.pid ?? null;
}

const EVERY_MINUTE_ALL: ScheduleEntry = { name: 'test.minutely-all', kind: 'jobs.sweep', cron: '* * * * *', catchUp: 'all', payload: {} };
const EVERY_MINUTE_ONCE: ScheduleEntry = {
  name: 'test.minutely-once',
  kind: 'jobs.sweep',
  cron: '* * * * *',
  catchUp: 'once',
  payload: {},
};

describe('beat', () => {
  it('fires every slot of the schedule once with two beats ticking over 200 minutes', async () => {
    const { a, b } = await twoContexts();
    const clock = new Clock(Date.parse('2026-03-01T02:00:30Z'));
    // The second machine's clock runs 20 s behind: still the same minutes.
    const beatA = beatOn(a, clock, { id: 'beat-a' });
    const beatB = createBeat(b, { id: 'beat-b', now: () => new Date(clock.t - 20_000) });
    onCleanup(() => beatB.stop());
    for (let i = 0; i < 200; i++) {
      const [ra, rb] = await Promise.all([beatA.tick(), beatB.tick()]);
      assert.equal(Number(ra.leader) + Number(rb.leader), 1, `exactly one leader at tick ${i}`);
      assert.deepEqual([...ra.errors, ...rb.errors], []);
      clock.add(MINUTE);
    }
    // Every entry of the real schedule: the first run ever fires only the
    // latest slot at or before the start, then each slot as it comes — that
    // is the set of latest slots seen at the 200 ticks, each fired once.
    for (const entry of SCHEDULE) {
      const cron = parseCron(entry.cron);
      const expected = new Set<string>();
      for (let i = 0; i < 200; i++) expected.add(cron.prev(new Date(Date.parse('2026-03-01T02:00:30Z') + i * MINUTE))!.toISOString());
      await assertFiredExactly(a, entry.name, entry.kind, [...expected].sort());
    }
    // The two entries spelled out, so the rule above is checked against known slots.
    assert.deepEqual(
      (await runs(a, 'jobs.sweep')).map((r) => r.slot),
      minutes('2026-03-01T02:00:00Z', 200),
    );
    assert.deepEqual(
      (await runs(a, 'housekeeping.retention')).map((r) => r.slot),
      ['2026-02-28T03:15:00.000Z', '2026-03-01T03:15:00.000Z'],
    );
    const leader = beatA.isLeader ? 'beat-a' : 'beat-b';
    const [status] = await a.db.rows<{ holder: string; heartbeat_at: Date }>(
      `select holder, heartbeat_at from beat_status where name = 'leader'`,
    );
    assert.equal(status.holder, leader);
    assert.ok(Date.now() - status.heartbeat_at.getTime() < 60_000, 'the heartbeat is recent (database time)');
  });

  it('lets the standby take over within two ticks when the leader dies, losing and doubling nothing', async () => {
    const { a, b } = await twoContexts();
    const clock = new Clock(Date.parse('2026-03-01T10:00:05Z'));
    const schedule = [EVERY_MINUTE_ALL];
    const beatA = beatOn(a, clock, { id: 'beat-a', schedule });
    const beatB = beatOn(b, clock, { id: 'beat-b', schedule });
    const tickBoth = async () => {
      const [ra, rb] = await Promise.all([beatA.tick(), beatB.tick()]);
      clock.add(MINUTE);
      return { a: ra.leader, b: rb.leader };
    };
    // A ticks first alone so that it leads.
    assert.equal((await beatA.tick()).leader, true);
    clock.add(MINUTE);
    for (let i = 0; i < 9; i++) assert.deepEqual(await tickBoth(), { a: true, b: false });

    // The leader's lock connection dies (as when its process is killed).
    const pid = await lockHolderPid(a);
    assert.ok(pid, 'the leader holds the advisory lock');
    await a.db.exec('select pg_terminate_backend($1)', [pid]);
    await eventually(() => !beatA.isLeader, 5000, 'the old leader noticing its lost connection');
    // Its process is gone: only B ticks until it leads.
    let ticks = 0;
    for (;;) {
      ticks++;
      const rb = await beatB.tick();
      clock.add(MINUTE);
      if (rb.leader) break;
      assert.ok(ticks < 2, 'the standby took over within two ticks');
    }
    // A comes back (a restarted process): it reconnects as the standby.
    for (let i = 0; i < 5; i++) assert.deepEqual(await tickBoth(), { a: false, b: true });
    let [status] = await a.db.rows<{ holder: string }>(`select holder from beat_status where name = 'leader'`);
    assert.equal(status.holder, 'beat-b');

    // Then B stops gracefully (lock released): A, on standby again, takes over.
    await beatB.stop();
    const ra = await beatA.tick();
    assert.equal(ra.leader, true, 'a graceful stop hands over on the next tick');
    clock.add(MINUTE);
    for (let i = 0; i < 3; i++) (assert.equal((await beatA.tick()).leader, true), clock.add(MINUTE));
    [status] = await a.db.rows<{ holder: string }>(`select holder from beat_status where name = 'leader'`);
    assert.equal(status.holder, 'beat-a');

    const total = (clock.t - Date.parse('2026-03-01T10:00:05Z')) / MINUTE;
    await assertFiredExactly(a, EVERY_MINUTE_ALL.name, 'jobs.sweep', minutes('2026-03-01T10:00:00Z', total));
  });

  it('lets a leader stalled between taking leadership and writing a slot fire nothing once a standby took over', async () => {
    const { a, b } = await twoContexts();
    const clock = new Clock(Date.parse('2026-03-01T11:00:05Z'));
    const schedule = [EVERY_MINUTE_ALL];
    // A's lock, with a hook that runs once between A confirming its
    // leadership and A writing its slots: there A "freezes" while B takes over.
    const real = createLeaderLock(a.db, a.log, { holder: 'beat-a', leaseSeconds: 3 });
    let stall: (() => Promise<void>) | null = null;
    const lock: LeaderLock = {
      get held() {
        return real.held;
      },
      get epoch() {
        return real.epoch;
      },
      async acquire() {
        const ok = await real.acquire();
        const s = stall;
        stall = null;
        if (s) await s();
        return ok;
      },
      lose: (why) => real.lose(why),
      release: () => real.release(),
    };
    const beatA = beatOn(a, clock, { id: 'beat-a', schedule, lock, leaseSeconds: 3 });
    // B's clock runs a minute behind A's while A is stalled, so that 11:01 is
    // still due when A goes on: only the epoch can stop A from firing it.
    const clockB = new Clock(clock.t);
    const beatB = beatOn(b, clockB, { id: 'beat-b', schedule, leaseSeconds: 3 });
    assert.equal((await beatA.tick()).leader, true);
    assert.equal((await beatB.tick()).leader, false);
    clock.add(MINUTE); // 11:01 is due for A
    stall = async () => {
      // A's lease goes stale (as after a freeze longer than the lease): B ends A's lock session and leads.
      await a.db.exec(`update beat_status set heartbeat_at = now() - interval '1 minute' where name = 'leader'`);
      assert.equal((await beatB.tick()).leader, true, 'B takes over the stale lease');
    };
    const ra = await beatA.tick();
    assert.deepEqual(ra.fired, [], 'the stalled leader fires nothing');
    assert.equal(ra.leader, false);
    assert.equal(beatA.isLeader, false);
    assert.deepEqual(
      (await runs(a, EVERY_MINUTE_ALL.name)).map((r) => r.slot),
      ['2026-03-01T11:00:00.000Z'],
    );
    // B, now leading, fires 11:01 and on; A stands by.
    clockB.t = clock.t;
    for (let i = 0; i < 4; i++) {
      const [x, y] = await Promise.all([beatA.tick(), beatB.tick()]);
      assert.deepEqual([x.leader, y.leader], [false, true]);
      clock.add(MINUTE);
      clockB.add(MINUTE);
    }
    await assertFiredExactly(a, EVERY_MINUTE_ALL.name, 'jobs.sweep', minutes('2026-03-01T11:00:00Z', 5));
    const [status] = await a.db.rows<{ holder: string; epoch: number }>(`select holder, epoch from beat_status where name = 'leader'`);
    assert.deepEqual(status, { holder: 'beat-b', epoch: 2 });
  });

  it('after a 10-minute clock jump fires each missed slot once with catchUp all, only the latest with once', async () => {
    const { ctx } = await testContext();
    const clock = new Clock(Date.parse('2026-03-01T12:00:10Z'));
    const beat = beatOn(ctx, clock, { schedule: [EVERY_MINUTE_ALL, EVERY_MINUTE_ONCE] });
    await beat.tick();
    clock.add(MINUTE);
    await beat.tick(); // 12:01
    clock.add(11 * MINUTE); // 12:12: 12:02 … 12:11 were missed
    const res = await beat.tick();
    assert.equal(res.fired.filter((f) => f.name === EVERY_MINUTE_ALL.name).length, 11);
    await beat.tick(); // the same minute again: nothing new
    await assertFiredExactly(ctx, EVERY_MINUTE_ALL.name, 'jobs.sweep', minutes('2026-03-01T12:00:00Z', 13));
    await assertFiredExactly(ctx, EVERY_MINUTE_ONCE.name, 'jobs.sweep', [
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T12:01:00.000Z',
      '2026-03-01T12:12:00.000Z',
    ]);
  });

  it('caps catchUp all at the latest slots', async () => {
    const { ctx } = await testContext();
    const clock = new Clock(Date.parse('2026-03-01T12:00:10Z'));
    const beat = beatOn(ctx, clock, { schedule: [EVERY_MINUTE_ALL], maxCatchUp: 5 });
    await beat.tick();
    clock.add(30 * MINUTE);
    await beat.tick();
    await assertFiredExactly(ctx, EVERY_MINUTE_ALL.name, 'jobs.sweep', ['2026-03-01T12:00:00.000Z', ...minutes('2026-03-01T12:26:00Z', 5)]);
  });

  it('does not re-fire slots after a restart, and catches up what the restart missed', async () => {
    const { ctx, db } = await testContext();
    const clock = new Clock(Date.parse('2026-03-01T08:00:00Z'));
    const schedule = [EVERY_MINUTE_ALL, EVERY_MINUTE_ONCE];
    const first = createBeat(ctx, { now: clock.now, schedule });
    for (let i = 0; i < 5; i++) (await first.tick(), clock.add(MINUTE));
    clock.add(-MINUTE); // the restart happens within the last fired minute
    await first.stop();
    const { ctx: again } = await testContext({}, undefined, db);
    const second = beatOn(again, clock, { schedule });
    const res = await second.tick();
    assert.equal(res.leader, true);
    assert.deepEqual(res.fired, [], 'the slot the first life fired is not fired again');
    clock.add(3 * MINUTE); // 08:07, with 08:05 and 08:06 missed while down
    await second.tick();
    await assertFiredExactly(again, EVERY_MINUTE_ALL.name, 'jobs.sweep', minutes('2026-03-01T08:00:00Z', 8));
    await assertFiredExactly(again, EVERY_MINUTE_ONCE.name, 'jobs.sweep', [
      ...minutes('2026-03-01T08:00:00Z', 5),
      '2026-03-01T08:07:00.000Z',
    ]);
  });

  it('fires nothing twice when the clock goes backwards', async () => {
    const { ctx } = await testContext();
    const clock = new Clock(Date.parse('2026-03-01T09:00:30Z'));
    const beat = beatOn(ctx, clock, { schedule: [EVERY_MINUTE_ALL, EVERY_MINUTE_ONCE] });
    for (let i = 0; i < 6; i++) (await beat.tick(), clock.add(MINUTE)); // 09:00 … 09:05
    clock.add(-36 * MINUTE); // 08:30
    for (let i = 0; i < 36; i++) {
      const res = await beat.tick();
      assert.deepEqual(res.fired, [], `nothing fires at ${clock.now().toISOString()}`);
      clock.add(MINUTE);
    }
    await beat.tick(); // 09:06: the first new slot
    await assertFiredExactly(ctx, EVERY_MINUTE_ALL.name, 'jobs.sweep', minutes('2026-03-01T09:00:00Z', 7));
    await assertFiredExactly(ctx, EVERY_MINUTE_ONCE.name, 'jobs.sweep', minutes('2026-03-01T09:00:00Z', 7));
  });
});
