// accounts.email_change_mail: the confirmation link of an email change
// (/account), sent to the new address; see app/services/account-mail.ts.
import { defineJob } from '#app/jobs/define';
import { lazyMailer, type EmailChangeMailPayload } from '#app/services/account-mail';

export const job = defineJob({
  kind: 'accounts.email_change_mail',
  queue: 'default',
  attempts: 5,
  uses: ['accountMail', 'settings', 'log', 'onClose'],
  handler: ({ accountMail, settings, log, onClose }) => {
    const send = lazyMailer(settings, log, onClose);
    return async (payload: EmailChangeMailPayload) => {
      const message = await accountMail.emailChange(payload);
      if (message) await send(message);
      return { sent: message !== null };
    };
  },
});
