// sms.send: one SMS through the installation's gateway (sms.gateway). A
// refusal (an answer outside sms.gateway.successStatus or not matching
// successBody), a timeout or an unreachable gateway fails the attempt and is
// retried with the engine's backoff (jobs.backoffBaseMs × 2^(n−1), capped at
// jobs.backoffCapMs: by default 1 s doubling up to 10 min, so 12 attempts
// span about 20–40 minutes). A refused address, or no gateway configured any
// more, is not retried.
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { createSmsGateway, type SmsGateway } from '#app/services/sms-gateway';
import { RefusedAddressError } from '#app/services/webhook-request';

export interface SmsSendPayload {
  /** E.164. */
  to: string;
  text: string;
}

export const job = defineJob({
  kind: 'sms.send',
  queue: 'default',
  attempts: 12,
  timeoutSeconds: 150,
  uses: ['settings'],
  handler: ({ settings }) => {
    let gateway: SmsGateway | null = null;
    return async ({ to, text }: SmsSendPayload) => {
      if (!settings.sms.gateway) throw new PermanentJobError('no SMS gateway is configured (sms.gateway.url)');
      gateway ??= createSmsGateway(settings.sms.gateway);
      try {
        const { status } = await gateway.send(to, text);
        return { to, status, length: Array.from(text).length };
      } catch (err) {
        if (err instanceof RefusedAddressError) throw new PermanentJobError(err.message);
        throw err;
      }
    };
  },
});
