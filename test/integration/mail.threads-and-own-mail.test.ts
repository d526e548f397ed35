// Outgoing mail threads, and Orbis never imports its own mail: a card
// assigned to Maria mails her (through a real SMTP sink and the workers) with
// the card number in the subject, an Orbis Message-ID and References naming
// the card's thread, marked Auto-Submitted; that very mail put in the
// mailbox is ignored, as are an auto-reply, a delivery report, bulk mail and
// a MAILER-DAEMON bounce; Maria's reply to it becomes her comment on the
// card, found by its subject or by its References alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { onCleanup } from '#test/support/cleanup';
import { dovecotMissing } from '#test/support/dovecot';
import { FAST_JOBS } from '#test/support/jobs';
import { complaints, compose, mailWorld } from '#test/support/mail-in';
import { eventually } from '#test/support/queue';
import { startSmtpSink } from '#test/support/smtp-sink';

const skip = dovecotMissing();

function header(data: string, name: string): string {
  const head = data.slice(0, data.indexOf('\n\n')).replace(/\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
}

describe('mail in: threads and Orbis’s own mail', { skip: skip ?? false }, () => {
  it('threads a notification mail about a card, ignores it when it comes back, and takes the reply as a comment', async () => {
    const sink = await startSmtpSink();
    const w = await mailWorld({
      env: { SMTP_URL: sink.url, ORBIS_PUBLIC_URL: 'https://orbis.example.com' },
      overrides: { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications: { gatherSeconds: 1, digestAfter: 5, burstMinutes: 15 } },
    });
    const runner = await startWorkers(w.ctx, { queues: ['default'] });
    onCleanup(() => runner.stop(2000));

    const card = await w.ctx.services.cards.create(w.root, 'complaint', {
      title: 'Dented box',
      customer: 'Anna',
      channel: 'phone',
      severity: 'low',
      details: 'dented',
      assignee: String(w.maria.id),
    });
    await eventually(() => sink.mails.some((m) => m.to.includes('maria@example.com')), 30_000, 'the mail to Maria');
    const mail = sink.mails.find((m) => m.to.includes('maria@example.com'))!;
    assert.match(mail.subject, /^\[CC-000001\] Orbis: /);
    const messageId = header(mail.data, 'Message-ID');
    assert.match(messageId, new RegExp(`^<orbis\\.${card.id}\\.n\\d+\\.[0-9a-f]+@orbis\\.example\\.com>$`));
    assert.equal(header(mail.data, 'References'), `<orbis.card.${card.id}@orbis.example.com>`);
    assert.equal(header(mail.data, 'In-Reply-To'), `<orbis.card.${card.id}@orbis.example.com>`);
    assert.equal(header(mail.data, 'Auto-Submitted'), 'auto-generated');

    const own = Buffer.from(mail.data.replace(/\r?\n/g, '\r\n'));
    const automatic = [
      own,
      await compose({
        subject: 'Out of office',
        messageId: '<ooo@customer.example>',
        text: 'away',
        headers: { 'Auto-Submitted': 'auto-replied' },
      }),
      await compose({ subject: 'News', messageId: '<news@customer.example>', text: 'sale', headers: { Precedence: 'bulk' } }),
      await compose({ from: 'MAILER-DAEMON@mx.customer.example', subject: 'Undelivered Mail', messageId: '<bounce@mx>', text: 'failed' }),
      Buffer.from(
        'From: postmaster@mx.example\r\nMessage-ID: <dsn@mx>\r\nSubject: Delivery Status Notification\r\n' +
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n',
      ),
    ];
    await w.dovecot.append('complaints', automatic);
    const r = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([r.total, r.ignored, r.imported, r.refused], [5, 5, 0, 0]);
    const reasons = (await w.ctx.db.rows<{ reason: string }>(`select reason from mail_messages order by id`)).map((x) => x.reason);
    assert.deepEqual(reasons, [
      "Orbis's own mail (its Message-ID domain)",
      'an automatic mail (Auto-Submitted: auto-replied)',
      'a bulk or automatic mail (Precedence: bulk)',
      'a delivery report (from mailer-daemon@mx.customer.example)',
      'a delivery report (bounce)',
    ]);
    assert.equal((await complaints(w.ctx)).length, 1);

    await w.dovecot.append('complaints', [
      await compose({
        from: 'maria@example.com',
        subject: `Re: ${mail.subject}`,
        messageId: '<maria-reply-1@example.com>',
        inReplyTo: messageId,
        references: [`<orbis.card.${card.id}@orbis.example.com>`, messageId],
        text: 'Calling the customer now.',
      }),
      await compose({
        from: 'maria@example.com',
        subject: 'Re: your mail',
        messageId: '<maria-reply-2@example.com>',
        references: [`<orbis.card.${card.id}@orbis.example.com>`],
        text: 'Done.',
      }),
    ]);
    const replies = await w.ctx.services.mailPoll.poll(w.mailboxId);
    assert.deepEqual([replies.imported, replies.refused], [2, 0]);
    assert.equal((await complaints(w.ctx)).length, 1, 'no new card');
    const comments = await w.ctx.db.rows<{ user_id: number; body: string }>(
      'select user_id, body from card_comments where card_id = $1 order by id',
      [card.id],
    );
    assert.deepEqual(
      comments.map((c) => [Number(c.user_id), c.body]),
      [
        [w.maria.id, 'Calling the customer now.'],
        [w.maria.id, 'Done.'],
      ],
    );
  });
});
