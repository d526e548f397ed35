// An app whose mail goes to a real SMTP server (test/support/smtp-sink.ts),
// with a worker of the default queue running (the reset and email change
// mails are jobs), and the mailed links read back as a person would.
import { startWorkers } from '#app/worker/start';
import { startTestApp, type TestApp } from '#test/support/app';
import { onCleanup } from '#test/support/cleanup';
import { FAST_JOBS } from '#test/support/jobs';
import { readMail } from '#test/support/mail-text';
import { eventually } from '#test/support/queue';
import { startSmtpSink, type SmtpSink } from '#test/support/smtp-sink';

export interface MailedLink {
  subject: string;
  text: string;
  /** The absolute link in the mail. */
  link: string;
  /** Its path (what a test client requests). */
  path: string;
}

export interface MailingApp {
  app: TestApp;
  sink: SmtpSink;
  /** The mail to `to` after the `seen` first ones (take `count(to)` before what sends it). */
  nextMail(to: string, seen: number): Promise<MailedLink>;
  /** Mails sent to `to` so far. */
  count(to: string): number;
}

const LINK = /(https?:\/\/\S+?(\/(?:password\/reset|account\/email)\/[A-Za-z0-9_-]{43}))(?=\s|$)/;

export async function mailingApp(env: Record<string, string> = {}, overrides: Record<string, unknown> = {}): Promise<MailingApp> {
  const sink = await startSmtpSink();
  const app = await startTestApp({ SMTP_URL: sink.url, ...env }, { jobs: { ...FAST_JOBS, concurrency: 4 }, ...overrides });
  const runner = await startWorkers(app.ctx, { queues: ['default'] });
  onCleanup(() => runner.stop(2000));
  const to = (address: string) => sink.mails.filter((m) => m.to.includes(address));
  return {
    app,
    sink,
    count: (address) => to(address).length,
    async nextMail(address, seen) {
      const mail = await eventually(() => to(address)[seen], 20_000, `a mail to ${address}`);
      const { subject, text } = readMail(mail);
      const m = LINK.exec(text);
      if (!m) throw new Error(`no link in the mail to ${address}:\n${text}`);
      return { subject, text, link: m[1], path: m[2] };
    },
  };
}
