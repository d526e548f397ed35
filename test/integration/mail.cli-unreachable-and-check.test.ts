// A mailbox that refuses the login or cannot be reached: its state (failing,
// the error) and a growing wait before the next try (1, 2 … minutes; the
// beat's poll skips it meanwhile), back to ok once it works; never a crash.
// And the shell: ./manage.ts mail add / list / fetch --once / remove, each
// mistake one line and exit 1, and ./manage.ts check naming the failing
// mailboxes.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { lines, manage } from '#test/support/cli';
import { dovecotMissing } from '#test/support/dovecot';
import { mailboxInput, mailWorld } from '#test/support/mail-in';

const skip = dovecotMissing();

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('mail in: unreachable mailboxes, the command line and check', { skip: skip ?? false }, () => {
  it('marks a refused login and an unreachable server failing, backs off, recovers', async () => {
    const w = await mailWorld({ mailbox: { password: 'wrong password' } });
    const dead = await w.ctx.services.mailboxes.create(mailboxInput(w.dovecot, { name: 'dead', port: await closedPort() }));
    const poll = w.ctx.services.mailPoll;

    const [login, down] = await poll.pollDue();
    assert.deepEqual([login.ok, down.ok], [false, false]);
    assert.match(login.error!, /^login refused/);
    assert.match(down.error!, /^cannot reach the server \(ECONNREFUSED/);
    const state = async (id: number) =>
      (
        await w.ctx.db.rows<{ state: string; failures: number; wait: number; last_error: string }>(
          `select state, failures, round(extract(epoch from next_poll_at - now()) / 60)::int as wait, last_error from mailboxes where id = $1`,
          [id],
        )
      )[0];
    assert.deepEqual(await state(dead), { state: 'failing', failures: 1, wait: 1, last_error: down.error });
    assert.deepEqual((await poll.pollDue()).length, 0, 'not due again within its wait');
    await poll.poll(dead);
    assert.deepEqual([(await state(dead)).failures, (await state(dead)).wait], [2, 2]);
    await poll.poll(dead);
    assert.deepEqual([(await state(dead)).failures, (await state(dead)).wait], [3, 4]);

    await w.ctx.services.mailboxes.update(w.mailboxId, mailboxInput(w.dovecot, { password: '' }));
    assert.equal((await state(w.mailboxId)).state, 'new', 'an edit tries again at once');
    await w.ctx.db.exec(`update mailboxes set password_sealed = $2 where id = $1`, [
      w.mailboxId,
      w.ctx.services.mailboxes.box.seal('p@ss w/rd#1', `mailbox:${w.mailboxId}`),
    ]);
    const fixed = await poll.poll(w.mailboxId);
    assert.equal(fixed.ok, true);
    assert.deepEqual([(await state(w.mailboxId)).state, (await state(w.mailboxId)).failures], ['ok', 0]);
    await w.ctx.db.exec(`update mailboxes set password_sealed = $2 where id = $1`, [
      w.mailboxId,
      w.ctx.services.mailboxes.box.seal('wrong again', `mailbox:${w.mailboxId}`),
    ]);
    await poll.poll(w.mailboxId);

    // The commands below take 10-30 s to start on a loaded machine: the waits must outlast them.
    await w.ctx.db.exec(`update mailboxes set next_poll_at = now() + interval '1 hour' where state = 'failing'`);
    const env = { DATABASE_URL: w.ctx.db.url, MEDIA_ROOT: w.mediaRoot };
    const [badType, badUrl, added] = await Promise.all([
      manage(['mail', 'add', '--name', 'x', '--url', w.dovecot.url('other'), '--type', 'nosuch'], env),
      manage(['mail', 'add', '--name', 'y', '--url', 'http://u:p@host/INBOX', '--type', 'complaint'], env),
      manage(
        [
          'mail',
          'add',
          '--name',
          'other',
          '--url',
          w.dovecot.url('other'),
          '--type',
          'complaint',
          '--map',
          'customer=sender',
          '--map',
          'details=body',
          '--set',
          'channel=email',
          '--set',
          'severity=low',
        ],
        env,
      ),
    ]);
    for (const [res, message] of [
      [badType, /^error: card_type: Choose a card type\.$/],
      [badUrl, /^error: --url: expected imap:\/\/USER:PASSWORD@HOST:PORT\/FOLDER or imaps:\/\/…, not "http:\/\/u:…@host\/INBOX"$/],
    ] as const) {
      assert.equal(res.code, 1, res.stdout);
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assert.match(res.stderr.trim(), message);
    }
    assert.equal(added.code, 0, added.stderr);

    const [all, fetched, check, list] = await Promise.all([
      manage(['mail', 'fetch', '--once'], env),
      manage(['mail', 'fetch', '--mailbox', 'complaints', '--once'], env),
      manage(['check'], env),
      manage(['mail', 'list'], env),
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^other: 0 new message\(s\)/m);
    assert.match(all.stdout, /^dead: failing \(cannot reach the server .*\); next try .* UTC \(mail fetch --mailbox dead tries now\)$/m);
    assert.equal(fetched.code, 1, fetched.stdout);
    assert.match(fetched.stdout, /^complaints: FAILED — login refused/m);
    // The poll's warning is a log line (LOG_LEVEL=warn); the command's error is one line.
    assert.deepEqual(
      lines(fetched.stderr).filter((l) => l.startsWith('error:')),
      ['error: a mailbox could not be read (see the line above)'],
    );
    assert.match(check.stdout, /^FAIL mailbox complaints: login refused.* — fix: correct the server, user or password on \/admin\/mail/m);
    assert.match(check.stdout, /^FAIL mailbox dead: cannot reach the server \(ECONNREFUSED/m);
    assert.match(list.stdout, /^dead {2}imap:\/\/complaints@127\.0\.0\.1:\d+\/INBOX {2}→ complaint {2}failing \(cannot reach the server/m);
    assert.ok(!list.stdout.includes('wrong') && !list.stdout.includes('p@ss'), 'no password in the list');

    const [removed, missing] = await Promise.all([manage(['mail', 'remove', 'dead'], env), manage(['mail', 'remove', 'nosuch'], env)]);
    assert.equal(removed.code, 0);
    assert.deepEqual([missing.code, missing.stderr.trim()], [1, 'error: no mailbox named nosuch (see ./manage.ts mail list)']);
    assert.deepEqual(
      (await w.ctx.services.mailboxes.list()).map((m) => m.name),
      ['complaints', 'other'],
    );
  });
});
