// mail.fetch: polls the mailboxes whose next poll is due (every minute from
// the beat; `./manage.ts mail fetch` does the same in the foreground), or one
// mailbox when the payload names it. A mailbox that cannot be reached is its
// own state and backoff (app/services/mail-poll.ts), not a failed job; a job
// that overlaps a running poll finds the mailbox locked and skips it.
import { defineJob } from '#app/jobs/define';

export interface MailFetchPayload {
  mailboxId?: number;
}

export const job = defineJob({
  kind: 'mail.fetch',
  queue: 'default',
  attempts: 3,
  timeoutSeconds: 1800,
  schedule: { cron: '* * * * *', catchUp: 'once', payload: {} },
  uses: ['mailPoll'],
  handler:
    ({ mailPoll }) =>
    async (payload: MailFetchPayload, job) => {
      // The job's progress (a row update) at most once a second, and at the end.
      let shown = 0;
      const progress = async (done: number, total: number) => {
        if (done < total && Date.now() - shown < 1000) return;
        shown = Date.now();
        await job.progress(done, total);
      };
      const hooks = { signal: job.signal, progress };
      const results = payload.mailboxId ? [await mailPoll.poll(payload.mailboxId, hooks)] : await mailPoll.pollDue(hooks);
      return results.map((r) => ({
        mailbox: r.mailbox,
        ...(r.busy ? { busy: true } : r.ok ? { imported: r.imported, refused: r.refused, ignored: r.ignored } : { error: r.error }),
      }));
    },
});
