// The job list (app/jobs/index.ts) is the one source of the queue's kinds,
// the workers' handlers and the beat's schedule. Consistency holds by
// construction; this pins it: every kind has its file and a handler, every
// kind file is listed, every schedule entry names a listed kind, and a
// handler is given the services it names and no others.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compileSchedule } from '#app/beat/schedule';
import { bindJobs, defineJob, kindLookup, type JobDeps } from '#app/jobs/define';
import { JOBS, SCHEDULE } from '#app/jobs/index';

const dir = path.resolve(import.meta.dirname, '../../app/jobs');
/** `audit.card_changed` lives in `audit.card-changed.ts`. */
const fileOf = (kind: string) => `${kind.replace(/_/g, '-')}.ts`;

describe('the job list', () => {
  it('has one file per kind, named by the kind, exporting that kind', async () => {
    const kinds = JOBS.map((j) => j.kind);
    assert.equal(new Set(kinds).size, kinds.length, 'no kind twice');
    for (const j of JOBS) {
      const file = path.join(dir, fileOf(j.kind));
      assert.ok(fs.existsSync(file), `${j.kind} is in app/jobs/${fileOf(j.kind)}`);
      const mod = (await import(file)) as { job: unknown };
      assert.equal(mod.job, j, `app/jobs/${fileOf(j.kind)} exports the definition of ${j.kind}`);
    }
    // A kind file (a dotted name) missing from the list would never run.
    const kindFiles = fs.readdirSync(dir).filter((f) => /^[a-z]+\.[a-z-.]+\.ts$/.test(f));
    assert.deepEqual(kindFiles.sort(), kinds.map(fileOf).sort(), 'every kind file is listed in app/jobs/index.ts');
  });

  it('gives every kind a handler, a queue and attempts', () => {
    const lookup = kindLookup(JOBS);
    for (const j of JOBS) {
      assert.equal(typeof j.handler, 'function', `${j.kind} has a handler`);
      assert.ok(lookup.get(j.kind)!.attempts >= 1, `${j.kind} has attempts`);
      assert.ok(
        ['default', 'audit', 'images', 'webhooks', 'recognition'].includes(lookup.get(j.kind)!.queue),
        `${j.kind} is on a job queue`,
      );
    }
  });

  it('makes the schedule of the listed kinds only, and every scheduled kind is in it', () => {
    const kinds = new Set<string>(JOBS.map((j) => j.kind));
    for (const e of SCHEDULE) assert.ok(kinds.has(e.kind), `schedule entry ${e.name} names a defined kind`);
    assert.deepEqual(
      SCHEDULE.map((e) => e.kind),
      JOBS.filter((j) => 'schedule' in j && j.schedule).map((j) => j.kind),
    );
    assert.deepEqual(
      SCHEDULE.map((e) => `${e.name} ${e.cron} ${e.catchUp}`),
      [
        'jobs.sweep * * * * * once',
        'housekeeping.retention 15 3 * * * once',
        'housekeeping.media 45 3 * * * once',
        'tasks.deadlines * * * * * once',
        'reminders.deliver * * * * * once',
        'notifications.daily_digest 0 7 * * * once',
        'mail.fetch * * * * * once',
      ],
      'the schedule as it was when it was a file of its own',
    );
    assert.equal(compileSchedule(SCHEDULE).length, SCHEDULE.length);
  });

  it('hands a handler the services it names, and no others', () => {
    let given: object | null = null;
    const narrow = defineJob({
      kind: 'test.narrow',
      queue: 'default',
      attempts: 1,
      uses: ['db', 'cards'],
      handler: (deps) => {
        given = deps;
        return async () => null;
      },
    });
    const deps = { db: 'the db', cards: 'the cards', users: 'the users', settings: 'the settings' } as unknown as JobDeps;
    const bound = bindJobs([narrow], deps);
    assert.equal(typeof bound.get('test.narrow')!.handler, 'function');
    assert.deepEqual(given, { db: 'the db', cards: 'the cards' });
    defineJob({
      kind: 'test.too_wide',
      queue: 'default',
      attempts: 1,
      uses: ['db'],
      handler(deps) {
        // @ts-expect-error `cards` is not in `uses`, so the handler cannot reach it
        return async () => deps.cards;
      },
    });
  });

  it('refuses a kind defined twice, and a malformed definition', () => {
    const a = defineJob({ kind: 'test.twice', queue: 'default', attempts: 1, uses: [], handler: () => async () => null });
    assert.throws(() => kindLookup([a, a]), /job kind "test.twice" is defined twice/);
    assert.throws(() => defineJob({ ...a, kind: 'Nope' }), /expected area.name/);
    assert.throws(() => defineJob({ ...a, attempts: 0 }), /attempts must be a whole number/);
    assert.throws(() => defineJob({ ...a, backoff: { baseMs: 10, capMs: 5 } }), /backoff/);
  });
});
