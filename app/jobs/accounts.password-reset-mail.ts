// accounts.password_reset_mail: the mail of /password/forgot. Looks the
// address up (off the request's path: the page answers alike for unknown
// addresses), makes the single-use token and sends the link; see
// app/services/account-mail.ts for what must hold.
import { defineJob } from '#app/jobs/define';
import { lazyMailer, type ResetMailPayload } from '#app/services/account-mail';

export const job = defineJob({
  kind: 'accounts.password_reset_mail',
  queue: 'default',
  attempts: 5,
  uses: ['accountMail', 'settings', 'log', 'onClose'],
  handler: ({ accountMail, settings, log, onClose }) => {
    const send = lazyMailer(settings, log, onClose);
    return async (payload: ResetMailPayload) => {
      const message = await accountMail.passwordReset(payload);
      if (message) await send(message);
      // Seen by administrators on /admin/jobs; never the token.
      return { sent: message !== null };
    };
  },
});
