// Mail goes in the RECIPIENT's language (users.locale, else the installation's
// default: a mail has no browser), with times in their locale and zone: the
// same event — a task overdue, the deadline sweep noticing it — mails a
// Russian operator in Russian and an English one in English, through a real
// SMTP server (a sink) and the job workers. Digests count in each language's
// plural forms.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import { startWorkers } from '#app/worker/start';
import { formatDateTime } from '#app/services/date-format';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { readMail } from '#test/support/mail-text';
import { eventually } from '#test/support/queue';
import { startSmtpSink, type SmtpSink } from '#test/support/smtp-sink';
import { insertTask } from '#test/support/tasks';

const DUE = new Date('2026-12-05T18:45:00Z');

async function setup(digestAfter: number): Promise<{ ctx: AppContext; sink: SmtpSink; ivan: number; ann: number }> {
  const sink = await startSmtpSink();
  const { ctx } = await testContext(
    { SMTP_URL: sink.url, ORBIS_PUBLIC_URL: 'https://orbis.example.com' },
    { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications: { gatherSeconds: 1, digestAfter, burstMinutes: 15 } },
  );
  const runner = await startWorkers(ctx, { queues: ['default'] });
  onCleanup(() => runner.stop(2000));
  const ivan = (await sessionUserFor(ctx, 'ivan@example.com', { name: 'Иван' })).id;
  const ann = (await sessionUserFor(ctx, 'ann@example.com', { name: 'Ann' })).id;
  await ctx.db.exec(`update users set locale = 'ru', time_zone = 'Europe/Moscow' where id = $1`, [ivan]);
  await ctx.db.exec(`update users set locale = null, time_zone = 'UTC' where id = $1`, [ann]);
  return { ctx, sink, ivan, ann };
}

function mailTo(sink: SmtpSink, email: string) {
  const found = sink.mails.filter((m) => m.to.includes(email));
  assert.equal(found.length, 1, `one mail to ${email}`);
  return readMail(found[0]);
}

describe('mail in the recipient’s language', () => {
  it('mails the same overdue notice in Russian to a Russian operator and in English to an English one', async () => {
    const { ctx, sink, ivan, ann } = await setup(5);
    const toIvan = await insertTask(ctx, { title: 'Check the quote', assigneeId: ivan, dueAt: DUE });
    const toAnn = await insertTask(ctx, { title: 'Check the quote', assigneeId: ann, dueAt: DUE });
    assert.equal((await ctx.services.tasks.sweep(new Date())).notices, 2);
    await eventually(() => sink.mails.length >= 2, 20_000, 'two mails');

    const ru = mailTo(sink, 'ivan@example.com');
    assert.equal(ru.subject, 'Orbis: Просрочено: Check the quote');
    const ruDue = formatDateTime(DUE, 'Europe/Moscow', 'ru');
    assert.match(ruDue, /^5 дек\. 2026 г\., 21:45$/, 'the Russian style of a date');
    assert.equal(
      ru.text.trimEnd(),
      `Просрочено: Check the quote\nСрок был ${ruDue} (Europe/Moscow)\nhttps://orbis.example.com/tasks/${toIvan}`,
    );

    const en = mailTo(sink, 'ann@example.com');
    assert.equal(en.subject, 'Orbis: Overdue: Check the quote');
    assert.equal(
      en.text.trimEnd(),
      `Overdue: Check the quote\nIt was due 05 Dec 2026, 18:45 (UTC)\nhttps://orbis.example.com/tasks/${toAnn}`,
    );
  });

  it('counts a digest in each language’s plural forms', async () => {
    const { ctx, sink, ivan, ann } = await setup(1);
    for (let i = 0; i < 5; i++) await insertTask(ctx, { title: `quote ${i}`, assigneeId: ivan, dueAt: DUE });
    for (let i = 0; i < 2; i++) await insertTask(ctx, { title: `quote ${i}`, assigneeId: ann, dueAt: DUE });
    assert.equal((await ctx.services.tasks.sweep(new Date())).notices, 7);
    await eventually(() => sink.mails.length >= 2, 20_000, 'two digests');

    const ru = mailTo(sink, 'ivan@example.com');
    assert.equal(ru.subject, 'Orbis: 5 новых уведомлений');
    assert.match(ru.text, /^У вас 5 новых уведомлений:\n/);
    assert.equal(
      (ru.text.match(/^• Просрочено: quote \d — Срок был 5 дек\. 2026 г\., 21:45 \(Europe\/Moscow\)$/gm) ?? []).length,
      5,
      ru.text,
    );

    const en = mailTo(sink, 'ann@example.com');
    assert.equal(en.subject, 'Orbis: 2 new notifications');
    assert.match(en.text, /^You have 2 new notifications:\n/);
    assert.equal((en.text.match(/^• Overdue: quote \d — It was due 05 Dec 2026, 18:45 \(UTC\)$/gm) ?? []).length, 2, en.text);
  });
});
