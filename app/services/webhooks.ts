// Outgoing webhooks: an admin subscribes a URL to events, for one card type
// or all; each event becomes a delivery row and a `webhooks.deliver` job
// (queue `webhooks`) in the transaction of the change itself, so an event is
// sent when, and only when, its change committed.
//
// What MUST hold, and why:
// - The secret is shown once (when made) and kept sealed (secret-box): Orbis
//   reads it back to sign, so a hash would not do.
// - The signature is HMAC-SHA256 over `timestamp + "." + body`, sent as
//   `Orbis-Signature: t=<unix seconds>,v1=<hex>`: a receiver checks the body
//   it got and refuses old timestamps (replays). docs/api.md shows the check.
// - The body is kept as sent, so a redelivery sends the same event (with a
//   fresh timestamp and signature).
// - A delivery records every answer; after the job's last attempt it is
//   `failed` with the last answer kept.
// - An event that must reach a webhook once whatever runs twice (task.overdue
//   of a task, attachment.processed of a file in a final state) carries an
//   event key: the delivery is inserted `on conflict do nothing` on
//   (webhook, key), so a second emit in another transaction adds nothing. A
//   redelivery is a new delivery without a key.
import crypto from 'node:crypto';
import type { Database, Transaction } from '#app/db/connection';
import { msg, type Text } from '#app/i18n/message';
import type { Jobs } from '#app/jobs/index';
import type { CardTypes } from '#app/services/card-types';
import { NotFoundError, ValidationError } from '#app/services/errors';
import type { SecretBox } from '#app/services/secret-box';
import type { SessionUser } from '#app/services/users';
import type { OutgoingSettings } from '#app/services/webhook-request';
import { WebhookDelivery, type AttemptOutcome } from '#app/services/webhook-delivery';

export { DeliveryFailed, signature, type AttemptOutcome } from '#app/services/webhook-delivery';
export { WEBHOOK_EVENTS, type Delivery, type Webhook, type WebhookEvent, type WebhookInput } from '#app/services/webhook-types';
import { WEBHOOK_EVENTS, type Delivery, type Webhook, type WebhookEvent, type WebhookInput } from '#app/services/webhook-types';

const COLUMNS = `w.id, w.url, w.card_type, w.events, w.enabled, w.created_at,
  (select count(*)::int from webhook_deliveries d where d.webhook_id = w.id) as deliveries,
  (select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.state = 'failed') as failed`;

/** How long a process trusts its list of enabled webhooks (see `enabled`). */
const ENABLED_TTL_MS = 2_000;

interface EnabledHook {
  id: number;
  events: string[];
  card_type: string | null;
}

export class WebhookService {
  private readonly delivery: WebhookDelivery;
  constructor(
    private readonly db: Database,
    private readonly jobs: Jobs,
    private readonly types: CardTypes,
    private readonly box: SecretBox,
    outgoing: OutgoingSettings,
  ) {
    this.delivery = new WebhookDelivery(db, box, outgoing);
  }

  /** One attempt of a delivery: app/services/webhook-delivery.ts. */
  attempt(deliveryId: number, attempt: number, maxAttempts: number): Promise<AttemptOutcome> {
    return this.delivery.attempt(deliveryId, attempt, maxAttempts);
  }

  private enabledCache: { at: number; hooks: EnabledHook[] } | null = null;

  /** Checks the input; makes the webhook; returns it with its secret (shown once). */
  async create(input: WebhookInput, user: SessionUser): Promise<{ id: number; secret: string }> {
    const errors: Record<string, Text> = {};
    let url: URL | null = null;
    try {
      url = new URL(input.url.trim());
    } catch {
      /* refused below */
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.username || url.password) errors.url = msg('webhooks.errors.url');
    if (input.card_type && !this.types.get(input.card_type)) errors.card_type = msg('webhooks.errors.cardType');
    const events = [...new Set(input.events)];
    if (!events.length || events.some((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e)))
      errors.events = msg('webhooks.errors.events');
    if (Object.keys(errors).length) throw new ValidationError(msg('webhooks.errors.invalid'), errors);
    const secret = `whsec_${crypto.randomBytes(24).toString('base64url')}`;
    const id = await this.db.transaction(async (t) => {
      const [row] = await this.db.rows<{ id: number }>(
        `insert into webhooks (url, card_type, events, secret_sealed, created_by) values ($1, $2, $3, '', $4) returning id`,
        [url!.toString(), input.card_type || null, events, user.id],
        t,
      );
      await this.db.exec('update webhooks set secret_sealed = $2 where id = $1', [row.id, this.box.seal(secret, `webhook:${row.id}`)], t);
      return Number(row.id);
    });
    this.enabledCache = null;
    return { id, secret };
  }

  async list(): Promise<Webhook[]> {
    return this.db.rows<Webhook>(`select ${COLUMNS} from webhooks w order by w.id`);
  }

  async get(id: number): Promise<Webhook> {
    const [row] = await this.db.rows<Webhook>(`select ${COLUMNS} from webhooks w where w.id = $1`, [id]);
    if (!row) throw new NotFoundError(msg('webhooks.errors.notFound'));
    return row;
  }

  /** The latest deliveries of a webhook, newest first. */
  async deliveries(webhookId: number, limit = 50): Promise<Delivery[]> {
    return this.db.rows<Delivery>('select * from webhook_deliveries where webhook_id = $1 order by id desc limit $2', [webhookId, limit]);
  }

  async setEnabled(id: number, enabled: boolean): Promise<void> {
    this.enabledCache = null;
    if (!(await this.db.exec('update webhooks set enabled = $2 where id = $1', [id, enabled])))
      throw new NotFoundError(msg('webhooks.errors.notFound'));
  }

  async remove(id: number): Promise<void> {
    this.enabledCache = null;
    if (!(await this.db.exec('delete from webhooks where id = $1', [id]))) throw new NotFoundError(msg('webhooks.errors.notFound'));
  }

  /** Sends a delivery's event again, as a new delivery of the same body. */
  async redeliver(webhookId: number, deliveryId: number): Promise<number> {
    return this.db.transaction(async (t) => {
      const [d] = await this.db.rows<{ event: string; body: string }>(
        'select event, body from webhook_deliveries where id = $1 and webhook_id = $2',
        [deliveryId, webhookId],
        t,
      );
      if (!d) throw new NotFoundError(msg('webhooks.errors.noDelivery'));
      // Not ifEnabled: the delivery found above holds the webhook's row (its foreign key).
      return (await this.enqueue(t, webhookId, d.event, d.body))!;
    });
  }

  /**
   * The enabled webhooks, read at most once per ENABLED_TTL_MS in a process:
   * every card save asks, and most installations have none, so a save must
   * not pay a statement for them. A change made here is seen at once; one
   * made in another process within ENABLED_TTL_MS.
   */
  private async enabled(t: Transaction | null): Promise<EnabledHook[]> {
    if (this.enabledCache && Date.now() - this.enabledCache.at < ENABLED_TTL_MS) return this.enabledCache.hooks;
    const hooks = await this.db.rows<EnabledHook>('select id, events, card_type from webhooks where enabled', [], t);
    this.enabledCache = { at: Date.now(), hooks };
    return hooks;
  }

  /** Every enabled webhook of `event` (and the card's type) gets a delivery, in the change's transaction. */
  async emit(
    t: Transaction,
    event: WebhookEvent,
    cardType: string | null,
    data: Record<string, unknown>,
    eventKey: string | null = null,
  ): Promise<void> {
    const hooks = (await this.enabled(t)).filter((h) => h.events.includes(event) && (h.card_type === null || h.card_type === cardType));
    if (!hooks.length) return;
    const body = JSON.stringify({ event, time: new Date().toISOString(), ...data });
    for (const h of hooks) await this.enqueue(t, Number(h.id), event, body, true, eventKey);
  }

  /** Does an enabled webhook ask for `event` (as far as this process knows, see `enabled`)? */
  async wants(event: WebhookEvent, t: Transaction | null = null): Promise<boolean> {
    return (await this.enabled(t)).some((h) => h.events.includes(event));
  }

  /**
   * Many events of one kind in the transaction that caused them (the
   * deadline sweep's batch): the deliveries in one statement, their jobs in
   * another, each delivery told its job in a third — not three statements
   * per event. Only webhooks still enabled, as `enqueue`'s `ifEnabled`.
   */
  async emitMany(
    t: Transaction,
    event: WebhookEvent,
    events: ReadonlyArray<{ cardType: string | null; data: Record<string, unknown>; key: string }>,
  ): Promise<number> {
    const hooks = (await this.enabled(t)).filter((h) => h.events.includes(event));
    const ids: number[] = [];
    const bodies: string[] = [];
    const keys: string[] = [];
    const time = new Date().toISOString();
    for (const e of events) {
      const body = JSON.stringify({ event, time, ...e.data });
      for (const h of hooks) {
        if (h.card_type !== null && h.card_type !== e.cardType) continue;
        ids.push(Number(h.id));
        bodies.push(body);
        keys.push(e.key);
      }
    }
    if (!ids.length) return 0;
    const rows = await this.db.rows<{ id: number }>(
      `insert into webhook_deliveries (webhook_id, event, body, event_key)
       select x.h, $2, x.b, x.k from unnest($1::bigint[], $3::text[], $4::text[]) as x(h, b, k)
        where exists (select 1 from webhooks w where w.id = x.h and w.enabled)
       on conflict (webhook_id, event_key) where event_key is not null do nothing
       returning id`,
      [ids, event, bodies, keys],
      t,
    );
    if (!rows.length) return 0;
    const jobIds = await this.jobs.enqueueMany(
      'webhooks.deliver',
      rows.map((r) => ({ deliveryId: Number(r.id) })),
      { transaction: t },
    );
    await this.db.exec(
      `update webhook_deliveries d set job_id = j.id from jobs j where j.id = any($1::bigint[]) and d.id = (j.payload->>'deliveryId')::bigint`,
      [jobIds],
      t,
    );
    return rows.length;
  }

  /**
   * A delivery and its job. `ifEnabled`: only while the webhook is still there
   * and enabled — `emit`'s list may be a moment old (another process may
   * have just removed it), and a card save must not fail for that.
   */
  private async enqueue(
    t: Transaction,
    webhookId: number,
    event: string,
    body: string,
    ifEnabled = false,
    eventKey: string | null = null,
  ): Promise<number | null> {
    const [row] = await this.db.rows<{ id: number }>(
      `insert into webhook_deliveries (webhook_id, event, body, event_key)
       select $1, $2, $3, $5 where not $4 or exists (select 1 from webhooks where id = $1 and enabled)
       on conflict (webhook_id, event_key) where event_key is not null do nothing
       returning id`,
      [webhookId, event, body, ifEnabled, eventKey],
      t,
    );
    if (!row) return null;
    const id = Number(row.id);
    const { id: jobId } = await this.jobs.enqueue(
      'webhooks.deliver',
      { deliveryId: id },
      { transaction: t, key: `webhook-delivery:${id}` },
    );
    await this.db.exec('update webhook_deliveries set job_id = $2 where id = $1', [id, jobId], t);
    return id;
  }

  /**
   * attachment.processed: a file's processing ended (`ready` with its size in
   * pixels, or `failed` with the reason), in the transaction that set its
   * state. The caller sends it once per change of state (app/jobs/images.process.ts).
   */
  async attachmentProcessed(
    t: Transaction,
    a: {
      id: number;
      card_id: number;
      field: string | null;
      original_name: string;
      type: string;
      size: number;
      state: string;
      width: number | null;
      height: number | null;
      error: string | null;
    },
  ): Promise<void> {
    if (!(await this.wants('attachment.processed', t))) return;
    const [card] = await this.db.rows<{ id: number; number: string; type: string }>(
      'select id, number, type from cards where id = $1',
      [a.card_id],
      t,
    );
    if (!card) return;
    const attachment = {
      id: Number(a.id),
      name: a.original_name,
      type: a.type,
      size: Number(a.size),
      field: a.field,
      state: a.state,
      ...(a.state === 'ready' ? { width: a.width, height: a.height } : { error: a.error }),
    };
    await this.emit(
      t,
      'attachment.processed',
      card.type,
      { attachment, card: { id: Number(card.id), number: card.number, type: card.type } },
      `attachment.processed:${a.id}:${a.state}`,
    );
  }
}
