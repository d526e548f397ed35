// A mail bomb against a real dovecot: 10,000 messages (bulk mail from a
// stranger) dropped into the mailbox are read 100 at a time with progress;
// a poll stopped at 3,000 keeps its place (last UID, progress), and the next
// poll handles the other 7,000 — each message once, no card made.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dovecotMissing } from '#test/support/dovecot';
import { complaints, mailWorld } from '#test/support/mail-in';

const skip = dovecotMissing();

describe('mail in: a mail bomb', { skip: skip ?? false }, () => {
  it('handles a mail bomb of 10,000 messages in batches: stopped midway, resumed where it was', async () => {
    const w = await mailWorld({ mailbox: { allowed_senders: ['@customer.example'] } });
    const bomb = Array.from(
      { length: 10_000 },
      (_, i) =>
        `From: bomb@elsewhere.example\r\nMessage-ID: <bomb-${i}@elsewhere.example>\r\nSubject: spam ${i}\r\nPrecedence: bulk\r\n\r\nspam\r\n`,
    );
    w.dovecot.deliver('complaints', bomb);
    const stop = new AbortController();
    const seen: number[] = [];
    const first = await w.ctx.services.mailPoll.poll(w.mailboxId, {
      signal: stop.signal,
      progress(done, total) {
        assert.equal(total, 10_000);
        seen.push(done);
        if (done === 3000) stop.abort();
      },
    });
    assert.equal(first.ok, false, 'the stopped poll says so');
    const [box] = await w.ctx.db.rows<{ progress_done: number; progress_total: number }>(
      'select progress_done, progress_total from mailboxes',
    );
    assert.deepEqual([box.progress_done, box.progress_total], [3000, 10_000]);
    await w.ctx.db.exec(`update mailboxes set next_poll_at = null`);
    const rest = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([rest.ok, rest.total, rest.ignored], [true, 7000, 7000]);
    const [{ n }] = await w.ctx.db.rows<{ n: number }>(`select count(*)::int as n from mail_messages where state = 'ignored'`);
    assert.equal(n, 10_000);
    assert.equal((await complaints(w.ctx)).length, 0);
    assert.deepEqual(seen.slice(0, 3), [0, 1, 2]);
  });
});
