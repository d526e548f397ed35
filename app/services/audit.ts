// Card history (the audit log): every card change enqueues one
// `audit.card_changed` job in the change's own transaction; the `audit`
// worker turns it into one card_history row of field-level diffs; the card
// page reads them back as a timeline.
//
// What MUST hold:
// - Exactly one job per committed change, none for a rolled-back one: the
//   job row is inserted by a change hook inside the card's transaction, keyed
//   by card and version (a version is never reused).
// - Diffs keep raw values (ids, ISO times); turning them into labels and
//   names is the page's business, at read time.
import type { Database } from '#app/db/connection';
import { fieldType } from '#app/fields/registry';
import type { Jobs } from '#app/jobs/index';
import type { Transaction } from '#app/db/connection';
import type { AttachmentsChangedPayload } from '#app/jobs/audit.attachments-changed';
import type { CardChangedPayload } from '#app/jobs/audit.card-changed';
import type { Card, CardChange, ChangeHook } from '#app/services/cards';
import { anyField, type CardType } from '#app/services/card-types';

/** One field's change, raw values (null when unset). */
export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

/** Common columns diffed besides the declared fields, by their history name. */
const COMMON: Array<[field: string, column: string]> = [
  ['title', 'title'],
  ['stage', 'stage'],
  ['assignee', 'assignee_id'],
  ['due_at', 'due_at'],
];

/** The part of a card the history compares: common columns and data, as JSON. */
export function cardSnapshot(card: Card): Record<string, unknown> {
  return {
    number: card.number,
    title: card.title,
    stage: card.stage,
    assignee_id: card.assignee_id,
    owner_id: card.owner_id,
    due_at: card.due_at ? new Date(card.due_at).toISOString() : null,
    deleted_at: card.deleted_at ? new Date(card.deleted_at).toISOString() : null,
    data: card.data,
  };
}

/** The card change subscriber that enqueues the audit job of every change (app/services/subscribers.ts). */
export function auditHistory(jobs: Jobs): ChangeHook {
  const payloadOf = (change: CardChange): CardChangedPayload => {
    const after = change.after;
    const payload: CardChangedPayload = {
      cardId: after.id,
      type: change.type.name,
      kind: change.kind,
      userId: change.user.id,
      at: new Date(after.updated_at).toISOString(),
      version: after.version,
      before: change.before ? cardSnapshot(change.before) : null,
      after: cardSnapshot(after),
    };
    if (change.transition) payload.transition = change.transition;
    if (change.source) payload.source = change.source;
    return payload;
  };
  const keyOf = (change: CardChange) => `audit:card:${change.after.id}:v${change.after.version}`;
  return Object.assign(
    async function auditHistory(change: CardChange, t: Transaction) {
      await jobs.enqueue('audit.card_changed', payloadOf(change), { transaction: t, key: keyOf(change) });
    },
    {
      // An import's batch of new cards: the same jobs, keys and payloads in one statement.
      async created(changes: CardChange[], t: Transaction) {
        await jobs.enqueueMany('audit.card_changed', changes.map(payloadOf), { transaction: t, keys: changes.map(keyOf) });
      },
    },
  );
}

/** The history row's key of an attachments change: the upload's first media id, or the removed one. */
export function attachmentsEvent(p: Pick<AttachmentsChangedPayload, 'kind' | 'mediaIds'>): string {
  return `media:${p.kind}:${Math.min(...p.mediaIds)}`;
}

/**
 * Inside the caller's transaction (the one that adds or deletes the media
 * rows): the job that writes the history entry. Keyed like the row, so it is
 * enqueued once.
 */
export async function recordAttachments(jobs: Jobs, t: Transaction, payload: AttachmentsChangedPayload): Promise<void> {
  await jobs.enqueue('audit.attachments_changed', payload, {
    transaction: t,
    key: `audit:card:${payload.cardId}:${attachmentsEvent(payload)}`,
  });
}

function norm(v: unknown): unknown {
  return v === undefined || v === '' ? null : v;
}

function isSet(v: unknown): boolean {
  return v !== null && v !== false && !(Array.isArray(v) && v.length === 0);
}

/**
 * The field-level diff of a change: title, stage, assignee, due date and every
 * declared field (the data's own keys when the type is no longer declared).
 * For 'created', the initial values that are set.
 */
export function cardChanges(type: CardType | null, payload: Pick<CardChangedPayload, 'kind' | 'before' | 'after'>): FieldChange[] {
  const after = payload.after;
  const before = payload.kind === 'created' ? null : payload.before;
  const afterData = (after.data ?? {}) as Record<string, unknown>;
  const beforeData = (before?.data ?? {}) as Record<string, unknown>;
  const names = type ? type.fields.map((f) => f.name) : [...new Set([...Object.keys(beforeData), ...Object.keys(afterData)])].sort();
  const pairs: Array<[string, unknown, unknown]> = [
    ...COMMON.map(([field, column]): [string, unknown, unknown] => [field, before ? before[column] : null, after[column]]),
    ...names.map((name): [string, unknown, unknown] => [name, before ? beforeData[name] : null, afterData[name]]),
  ];
  const changes: FieldChange[] = [];
  for (const [field, rawOld, rawNew] of pairs) {
    const o = norm(rawOld);
    const n = norm(rawNew);
    if (!before ? isSet(n) : JSON.stringify(o) !== JSON.stringify(n)) changes.push({ field, old: o, new: n });
  }
  return changes;
}

export interface HistoryEntry {
  /** null for files added or removed (they change no card version). */
  version: number | null;
  at: Date;
  kind: CardChangedPayload['kind'] | AttachmentsChangedPayload['kind'];
  transition: string | null;
  fromStage: string | null;
  toStage: string | null;
  userId: number | null;
  userName: string | null;
  changes: FieldChange[];
  /** Where a new card came from ("import:orders.csv"), null when typed in. */
  source: string | null;
}

export interface CardHistory {
  /** Newest first. */
  entries: HistoryEntry[];
  /** More entries exist than were loaded. */
  truncated: boolean;
  /** The card's latest version has no row yet and its job is still to run. */
  pending: boolean;
  /** The card's latest version could not be recorded (its job failed). */
  failed: boolean;
  /** Names of the users and numbers of the cards the changes refer to. */
  users: Map<number, string>;
  cards: Map<number, { number: string; title: string; type: string }>;
}

export class AuditService {
  constructor(private readonly db: Database) {}

  /** The card's history, newest first. Callers have checked the user may read the card. */
  async history(card: Pick<Card, 'id' | 'version'>, type: CardType, limit = 200): Promise<CardHistory> {
    const rows = await this.db.rows<{
      version: number | null;
      at: Date;
      kind: HistoryEntry['kind'];
      transition: string | null;
      from_stage: string | null;
      to_stage: string | null;
      user_id: number | null;
      user_name: string | null;
      changes: FieldChange[];
      source: string | null;
    }>(
      `select h.version, h.at, h.kind, h.source, h.transition, h.from_stage, h.to_stage, h.user_id, u.display_name as user_name, h.changes
         from card_history h left join users u on u.id = h.user_id
        where h.card_id = $1 order by h.at desc, h.version desc nulls last, h.id desc limit $2`,
      [card.id, limit + 1],
    );
    const entries = rows.slice(0, limit).map((r) => ({
      version: r.version,
      at: r.at,
      kind: r.kind,
      transition: r.transition,
      fromStage: r.from_stage,
      toStage: r.to_stage,
      userId: r.user_id,
      userName: r.user_name,
      changes: r.changes,
      source: r.source,
    }));
    // No row for the latest version: pending while its job is still to run.
    // A job row that is gone (purged) or done means nothing is coming (a card
    // older than the history, or a row removed by retention).
    let pending = false;
    let failed = false;
    if (entries.find((e) => e.version !== null)?.version !== card.version) {
      const [job] = await this.db.rows<{ state: string }>('select state from jobs where key = $1', [
        `audit:card:${card.id}:v${card.version}`,
      ]);
      pending = ['waiting', 'queued', 'running'].includes(job?.state ?? '');
      failed = job?.state === 'failed';
    }
    const { users, cards } = await this.names(type, entries);
    return { entries, truncated: rows.length > limit, pending, failed, users, cards };
  }

  /** Display names of the users and numbers of the cards that the changes name by id. */
  private async names(type: CardType, entries: HistoryEntry[]) {
    const userIds = new Set<number>();
    const cardIds = new Set<number>();
    for (const e of entries) {
      for (const c of e.changes) {
        const f = anyField(type, c.field);
        const link = c.field === 'assignee' ? 'user' : f ? fieldType(f).link : null;
        const target = link === 'user' ? userIds : link === 'card' ? cardIds : null;
        for (const v of [c.old, c.new]) if (target && typeof v === 'number') target.add(v);
      }
    }
    const [users, cards] = await Promise.all([
      userIds.size
        ? this.db.rows<{ id: number; display_name: string }>('select id, display_name from users where id = any($1::bigint[])', [
            [...userIds],
          ])
        : [],
      cardIds.size
        ? this.db.rows<{ id: number; number: string; title: string; type: string }>(
            'select id, number, title, type from cards where id = any($1::bigint[])',
            [[...cardIds]],
          )
        : [],
    ]);
    return {
      users: new Map(users.map((u) => [u.id, u.display_name])),
      cards: new Map(cards.map((c) => [c.id, { number: c.number, title: c.title, type: c.type }])),
    };
  }
}
