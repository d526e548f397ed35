// One attempt of a webhook delivery (the `webhooks.deliver` job's handler,
// through WebhookService.attempt): signs the body as kept, sends it to the
// checked address (app/services/webhook-request.ts), records the answer. A
// 2xx is delivered; anything else throws (the engine retries) and is
// `failed` after the last attempt; a refused address fails at once.
import crypto from 'node:crypto';
import type { Database } from '#app/db/connection';
import type { SecretBox } from '#app/services/secret-box';
import type { Delivery } from '#app/services/webhook-types';
import { postJson, RefusedAddressError, type OutgoingSettings } from '#app/services/webhook-request';

/** The outcome of one attempt, for the job's record. */
export interface AttemptOutcome {
  state: Delivery['state'] | 'skipped';
  status?: number;
}

/** Thrown when an attempt got no 2xx: the engine retries it with the kind's backoff. */
export class DeliveryFailed extends Error {}

/** `t=…,v1=…`: the signature of `body` at `timestamp` (unix seconds). */
export function signature(secret: string, timestamp: number, body: string): string {
  const v1 = crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export class WebhookDelivery {
  constructor(
    private readonly db: Database,
    private readonly box: SecretBox,
    private readonly outgoing: OutgoingSettings,
  ) {}

  /** One attempt of delivery `deliveryId` (see the top of this file). */
  async attempt(deliveryId: number, attempt: number, maxAttempts: number): Promise<AttemptOutcome> {
    const [d] = await this.db.rows<{
      body: string;
      event: string;
      url: string;
      secret_sealed: string;
      webhook_id: number;
      enabled: boolean;
    }>(
      `select d.body, d.event, w.url, w.secret_sealed, w.id as webhook_id, w.enabled
         from webhook_deliveries d join webhooks w on w.id = d.webhook_id where d.id = $1`,
      [deliveryId],
    );
    if (!d) return { state: 'skipped' };
    const record = (state: Delivery['state'], status: number | null, body: string | null, error: string | null) =>
      this.db.exec(
        `update webhook_deliveries set state = $2, attempts = $3, response_status = $4, response_body = $5, error = $6,
                finished_at = case when $2 in ('delivered', 'failed') then now() end where id = $1`,
        [deliveryId, state, attempt, status, body, error],
      );
    if (!d.enabled) {
      await record('failed', null, null, 'webhook disabled');
      return { state: 'failed' };
    }
    const secret = this.box.open(d.secret_sealed, `webhook:${d.webhook_id}`);
    const timestamp = Math.floor(Date.now() / 1000);
    const last = attempt >= maxAttempts;
    try {
      const answer = await postJson(
        d.url,
        d.body,
        {
          'user-agent': 'Orbis-Webhooks/1',
          'orbis-event': d.event,
          'orbis-delivery': String(deliveryId),
          'orbis-signature': signature(secret, timestamp, d.body),
        },
        this.outgoing,
      );
      const ok = answer.status >= 200 && answer.status < 300;
      await record(ok ? 'delivered' : last ? 'failed' : 'retrying', answer.status, answer.body, null);
      if (!ok) throw new DeliveryFailed(`answered ${answer.status}`);
      return { state: 'delivered', status: answer.status };
    } catch (err) {
      if (err instanceof DeliveryFailed) throw err;
      const refused = err instanceof RefusedAddressError;
      await record(refused || last ? 'failed' : 'retrying', null, null, (err as Error).message);
      throw err;
    }
  }
}
