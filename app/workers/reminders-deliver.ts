// reminders.deliver (the beat, every minute): every reminder whose time came
// and that was not delivered becomes one notification (state-based, once).
import type { AppContext } from '#app/context';
import type { Handler } from '#app/queue/worker';

export function remindersDeliver(ctx: AppContext): Handler<'reminders.deliver'> {
  return async () => ctx.services.reminders.deliver(ctx.services.reminders.clock());
}
