// A poll killed in the middle of a message leaves nothing, and the next poll
// imports the mail once. `./manage.ts mail fetch --once` runs as a child
// process; the test holds card_counters locked, so the child's transaction
// stops right after its claim (the mail_messages row) and before the card;
// the test sees the claim held (pg_locks) and kills the child with SIGKILL.
// PostgreSQL rolls the transaction back and frees the mailbox's advisory
// lock; the next poll makes exactly one card.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ROOT } from '#test/support/cli';
import { onCleanup } from '#test/support/cleanup';
import { dovecotMissing } from '#test/support/dovecot';
import { complaints, compose, mailWorld } from '#test/support/mail-in';
import { eventually } from '#test/support/queue';

const skip = dovecotMissing();

describe('mail in: a worker killed mid-message', { skip: skip ?? false }, () => {
  it('gives one card after the retry', async () => {
    const w = await mailWorld();
    await w.dovecot.append('complaints', [await compose({ subject: 'Killed', messageId: '<killed@customer.example>', text: 'x' })]);

    const blocker = new pg.Client({ connectionString: w.ctx.db.url });
    await blocker.connect();
    onCleanup(() => blocker.end());
    // pg_stat_activity is read once per transaction: the watcher reads it outside the blocker's.
    const watcher = new pg.Client({ connectionString: w.ctx.db.url });
    await watcher.connect();
    onCleanup(() => watcher.end());
    await blocker.query('begin');
    await blocker.query('lock table card_counters in exclusive mode');

    const child = spawn(path.join(ROOT, 'manage.ts'), ['mail', 'fetch', '--mailbox', 'complaints', '--once'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: w.ctx.db.url, MEDIA_ROOT: w.mediaRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d));
    child.stderr!.on('data', (d: Buffer) => (output += d));
    child.once('exit', (code, signal) => (output += ` [exit ${code ?? signal}]`));
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    // The child's transaction waits for card_counters (making the card's number).
    const pid = await eventually(
      async () => {
        const { rows } = await watcher.query<{ pid: number }>(
          `select a.pid from pg_stat_activity a
            where a.datname = current_database() and a.pid <> pg_backend_pid() and a.wait_event_type = 'Lock'
              and a.query ilike '%card_counters%'`,
        );
        return rows[0]?.pid ?? false;
      },
      120_000, // a loaded machine starts ./manage.ts in 10-30 s
      'the child blocked after its claim',
    ).catch(async (err) => {
      const { rows } = await watcher.query(
        `select pid, wait_event_type, left(query, 80) as q from pg_stat_activity where datname = current_database()`,
      );
      throw new Error(`${(err as Error).message}; child output: ${output}; sessions: ${JSON.stringify(rows)}`);
    });
    const { rows: claim } = await watcher.query(
      `select 1 from pg_locks where pid = $1 and relation = 'mail_messages'::regclass and mode = 'RowExclusiveLock'`,
      [pid],
    );
    assert.equal(claim.length, 1, 'the claim is written in the transaction that makes the card');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    await blocker.query('rollback');
    await eventually(
      async () => (await watcher.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount === 0,
      15_000,
      'the killed backend gone',
    );
    assert.equal((await complaints(w.ctx)).length, 0, 'no card from the killed poll');
    assert.equal((await w.ctx.db.rows('select 1 from mail_messages')).length, 0, 'no claim left by the killed poll');

    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.busy, r.ok, r.imported], [false, true, 1], 'the mailbox is not left locked');
    const cards = await complaints(w.ctx);
    assert.deepEqual(
      cards.map((c) => c.title),
      ['Killed'],
    );
    const again = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.equal(again.imported, 0);
    assert.equal((await complaints(w.ctx)).length, 1);
  });
});
