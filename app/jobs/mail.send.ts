// mail.send: one mail through SMTP (or to the log without SMTP). A thrown
// error is retried by the engine with backoff; the SMTP connection is made
// on the first mail of a process and kept until it closes.
import { defineJob } from '#app/jobs/define';
import { createMailer, type MailMessage, type Mailer } from '#app/services/notice-mail';

export const job = defineJob({
  kind: 'mail.send',
  queue: 'default',
  attempts: 8,
  uses: ['settings', 'log', 'onClose'],
  handler: ({ settings, log, onClose }) => {
    let mailer: Mailer | null = null;
    return async (message: MailMessage) => {
      if (!mailer) {
        const m = (mailer = createMailer(settings, log));
        onClose(async () => m.close());
      }
      await mailer.send(message);
      return { to: message.to };
    };
  },
});
