// webhooks.deliver (queue `webhooks`): one attempt of one webhook delivery,
// enqueued in the transaction of the change (app/services/webhooks.ts).
//
// Retried with backoff for about a day: attempt n waits between half and all
// of min(1 h, 1 min × 2^(n−1)), so 38 attempts span 16–32 h, 24 h on
// average; then the delivery is `failed` with its last answer kept. A
// refused address is not retried (only a setting changes it).
import { defineJob } from '#app/jobs/define';
import { PermanentJobError } from '#app/queue/kind';
import { RefusedAddressError } from '#app/services/webhook-request';

export interface WebhookDeliverPayload {
  deliveryId: number;
}

export const job = defineJob({
  kind: 'webhooks.deliver',
  queue: 'webhooks',
  attempts: 38,
  backoff: { baseMs: 60_000, capMs: 3_600_000 },
  timeoutSeconds: 120,
  uses: ['webhooks'],
  handler:
    ({ webhooks }) =>
    async (payload: WebhookDeliverPayload, job) => {
      try {
        return await webhooks.attempt(payload.deliveryId, job.attempt, job.maxAttempts);
      } catch (err) {
        if (err instanceof RefusedAddressError) throw new PermanentJobError(err.message);
        throw err;
      }
    },
});
