// The typed job registry: every job kind names its payload type and its
// defaults, so `enqueue('audit.card_changed', payload)` is checked by the
// compiler. Handlers live in app/workers/, one file per kind.
//
// Tests and plugins add kinds by augmenting JobPayloads:
//   declare module '#app/queue/registry' { interface JobPayloads { 'test.x': { n: number } } }

/** Queues: image work can run apart (other machines, low priority). */
export const QUEUES = ['default', 'audit', 'requestlog', 'images'] as const;
export type QueueName = (typeof QUEUES)[number];

export interface CardChangedPayload {
  cardId: number;
  type: string;
  kind: 'created' | 'updated' | 'transitioned' | 'deleted' | 'restored';
  userId: number;
  at: string;
  version: number;
  transition?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

/** Files added to a card (one upload) or one removed: a history entry without a card version. */
export interface AttachmentsChangedPayload {
  cardId: number;
  kind: 'attached' | 'detached';
  userId: number | null;
  at: string;
  mediaIds: number[];
  names: string[];
}

export interface JobPayloads {
  /** Field-level history rows for one card change (queue `audit`). */
  'audit.card_changed': CardChangedPayload;
  /** The history entry of files added to or removed from a card (queue `audit`). */
  'audit.attachments_changed': AttachmentsChangedPayload;
  /** Republish unconfirmed jobs; re-queue running jobs whose worker stopped. */
  'jobs.sweep': Record<string, never>;
  /** Purge old request logs, finished jobs and (optionally) history. */
  'housekeeping.retention': Record<string, never>;
  /** The deadline sweep: newly overdue, due soon and escalated tasks, each noticed once. */
  'tasks.deadlines': Record<string, never>;
  /** Delivers reminders whose time came, each once. */
  'reminders.deliver': Record<string, never>;
  /** Mails one user's pending notices (alone, or as one digest in a burst). */
  'notifications.mail': { userId: number };
  /** Mails the daily digest to users who chose it for some kinds. */
  'notifications.daily_digest': Record<string, never>;
  /** One mail through SMTP (or to the log without SMTP); retried by the engine. */
  'mail.send': { to: string; subject: string; text: string };
  /** Thumbnails, metadata and dominant colour of one media row (queue `images`). */
  'images.process': { mediaId: number; thumbsVersion: number };
  /** Media housekeeping: regenerate old thumbnails, delete unreferenced files. */
  'housekeeping.media': Record<string, never>;
  /** Every card's search vector in another language (search.language changed). */
  'search.rebuild': { language: 'simple' | 'english' | 'russian'; generation: number };
}

export type JobKind = keyof JobPayloads;

export interface KindDefaults {
  queue: QueueName;
  maxAttempts: number;
}

const DEFAULTS: Partial<Record<string, Partial<KindDefaults>>> = {
  'audit.card_changed': { queue: 'audit', maxAttempts: 10 },
  'audit.attachments_changed': { queue: 'audit', maxAttempts: 10 },
  'jobs.sweep': { queue: 'default', maxAttempts: 1 },
  'housekeeping.retention': { queue: 'default', maxAttempts: 3 },
  'tasks.deadlines': { queue: 'default', maxAttempts: 3 },
  'reminders.deliver': { queue: 'default', maxAttempts: 3 },
  'notifications.mail': { queue: 'default', maxAttempts: 5 },
  'notifications.daily_digest': { queue: 'default', maxAttempts: 3 },
  'mail.send': { queue: 'default', maxAttempts: 8 },
  'images.process': { queue: 'images', maxAttempts: 4 },
  'housekeeping.media': { queue: 'default', maxAttempts: 3 },
  'search.rebuild': { queue: 'default', maxAttempts: 5 },
};

export function kindDefaults(kind: string): KindDefaults {
  return { queue: 'default', maxAttempts: 5, ...DEFAULTS[kind] };
}

/** Registers defaults of a kind added outside this file (tests, plugins). */
export function defineKind(kind: string, defaults: Partial<KindDefaults>): void {
  DEFAULTS[kind] = { ...DEFAULTS[kind], ...defaults };
}
