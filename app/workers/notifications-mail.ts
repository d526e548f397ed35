// notifications.mail (one per user and gather window), notifications.daily_digest
// (the beat, daily) and mail.send (one mail; a thrown error is retried by the
// engine with backoff). See app/services/notice-mail.ts for what must hold.
import type { AppContext } from '#app/context';
import type { Handler } from '#app/queue/worker';
import { createMailer, type Mailer } from '#app/services/notice-mail';

export function notificationsMail(ctx: AppContext): Handler<'notifications.mail'> {
  return async ({ userId }) => ctx.services.noticeMail.dispatch(userId);
}

export function notificationsDailyDigest(ctx: AppContext): Handler<'notifications.daily_digest'> {
  return async () => ctx.services.noticeMail.dailyDigest();
}

export function mailSend(ctx: AppContext): Handler<'mail.send'> {
  let mailer: Mailer | null = null;
  return async (message) => {
    if (!mailer) {
      const m = (mailer = createMailer(ctx.settings, ctx.log));
      ctx.onClose(async () => m.close());
    }
    await mailer.send(message);
    return { to: message.to };
  };
}
