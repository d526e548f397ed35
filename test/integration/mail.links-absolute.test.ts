// Links in mails are absolute, built from server.publicUrl (ORBIS_PUBLIC_URL):
// a relative "/tasks/18" in a mail client leads nowhere. Mail goes through a
// real SMTP server (a sink started by the test) and the job workers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startWorkers } from '#app/worker/start';
import { testContext } from '#test/support/app';
import { sessionUserFor } from '#test/support/cards';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { eventually } from '#test/support/queue';
import { startSmtpSink } from '#test/support/smtp-sink';

async function mailOfAssignedTask(env: Record<string, string>): Promise<{ body: string; taskId: number }> {
  const sink = await startSmtpSink();
  const { ctx } = await testContext(
    { SMTP_URL: sink.url, ...env },
    { jobs: { ...FAST_JOBS, concurrency: 4 }, notifications: { gatherSeconds: 1, digestAfter: 5, burstMinutes: 15 } },
  );
  const runner = await startWorkers(ctx, { queues: ['default'] });
  onCleanup(() => runner.stop(2000));
  const maria = await sessionUserFor(ctx, 'maria@example.com', { name: 'Maria' });
  await sessionUserFor(ctx, 'olga@example.com', { name: 'Olga' });
  const olga = (await ctx.services.users.findByEmail('olga@example.com'))!;
  const task = await ctx.services.tasks.create(maria, { title: 'Check the quote', assignee: String(olga.id), due_at: '2030-01-07T08:00' });
  await eventually(() => sink.mails.length >= 1, 20_000, 'the mail');
  assert.equal(sink.mails.length, 1);
  assert.deepEqual(sink.mails[0].to, ['olga@example.com']);
  // Quoted-printable soft line breaks ("=" at a line's end) joined back.
  return { body: sink.mails[0].data.replace(/=\n/g, ''), taskId: task.id };
}

describe('links in mails', () => {
  it('are absolute, from ORBIS_PUBLIC_URL (its path kept, no double slash)', async () => {
    const { body, taskId } = await mailOfAssignedTask({ ORBIS_PUBLIC_URL: 'https://orbis.example.com/work/' });
    assert.match(body, new RegExp(`^https://orbis\\.example\\.com/work/tasks/${taskId}$`, 'm'), body);
    assert.doesNotMatch(body, new RegExp(`^/tasks/${taskId}$`, 'm'), 'no relative link');
  });

  it('point at the address Orbis listens on when no public URL is set (development)', async () => {
    const { body, taskId } = await mailOfAssignedTask({ ORBIS_PUBLIC_URL: '', PORT: '5123' });
    assert.match(body, new RegExp(`^http://127\\.0\\.0\\.1:5123/tasks/${taskId}$`, 'm'), body);
  });
});
