// What a webhook and its deliveries are (app/services/webhooks.ts).

/** The events a webhook may ask for (docs/api.md describes each body). */
export const WEBHOOK_EVENTS = [
  'card.created',
  'card.updated',
  'card.transitioned',
  'card.deleted',
  'task.overdue',
  'comment.created',
  'attachment.processed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  id: number;
  url: string;
  card_type: string | null;
  events: string[];
  enabled: boolean;
  created_at: Date;
  deliveries: number;
  failed: number;
}

export interface Delivery {
  id: number;
  webhook_id: number;
  event: string;
  body: string;
  state: 'pending' | 'retrying' | 'delivered' | 'failed';
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  job_id: number | null;
  created_at: Date;
  finished_at: Date | null;
}

export interface WebhookInput {
  url: string;
  card_type: string;
  events: string[];
}
