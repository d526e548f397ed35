// Notices of what happens on a card: a mention, a comment on a watched card,
// assigned to you, taken off you, a stage change and files added (to
// watchers), waiting for your action (on a stage change, to whoever may take
// its next step: approvals). The change enqueues a `notifications.card_event` job in its own
// transaction; the job (this file's deliver) writes the notices.
//
// What MUST hold, and why:
// - Never to the person who acted, never to a disabled user, never to one who
//   cannot read the card at the time the job runs: the recipients are
//   filtered in the one statement that writes the notices
//   (NotificationService.write checks "active and may read"; the actor and
//   the `skip` list are left out here).
// - Each notice once: the job is keyed by event, card and what happened
//   (version, comment, upload), and each notice by that plus its recipient,
//   so a re-run or a duplicate delivery writes nothing new.
// - A person hears of one thing once: a watcher who is mentioned in a comment
//   gets "mentioned", not also "commented" (the comment's job skips them); a
//   watcher who may take the next step gets "waiting", not also "stage changed".
// - Mail goes as every notice's does: the user's channel per kind, bursts
//   gathered into one digest (notice-mail.ts); in the reader's language (the
//   message is a catalog key; a stage label is kept in every language).
import type { Database, Transaction } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import { msg } from '#app/i18n/message';
import type { CardType, CardTypes, Scope } from '#app/services/card-types';
import type { CardChange, ChangeHook } from '#app/services/cards';
import type { NoticeKind, NotificationService } from '#app/services/notifications';

export type CardEvent = 'mentioned' | 'commented' | 'assigned' | 'unassigned' | 'stage_changed' | 'waiting' | 'attachment_added';

export interface CardEventPayload {
  event: CardEvent;
  cardId: number;
  /** Who acted: never notified. */
  actorId: number;
  /** What happened, unique per card and event: a version (v12), a comment (c5), its edit (c5e2), an upload (m40). */
  ref: string;
  /** What the notices are keyed by, when not `ref` (a comment's mentions: by the comment, whatever edit made them). */
  noticeRef?: string;
  /** The recipients of a direct event (mentioned, assigned, unassigned); watchers otherwise. */
  users?: number[];
  /** Left out (the mentioned users of a comment's "commented"). */
  skip?: number[];
  /** A comment's id (its anchor on the card page) and the start of its text. */
  commentId?: number;
  excerpt?: string;
  /** Files added. */
  files?: string[];
}

const DIRECT: ReadonlySet<CardEvent> = new Set(['mentioned', 'assigned', 'unassigned', 'waiting']);

/** The notification kind of each event (NOTICE_KINDS; the user's preferences are per kind). */
export const CARD_NOTICE_KINDS: Record<CardEvent, NoticeKind> = {
  mentioned: 'card.mentioned',
  commented: 'card.commented',
  assigned: 'card.assigned',
  unassigned: 'card.unassigned',
  stage_changed: 'card.stage_changed',
  waiting: 'card.waiting',
  attachment_added: 'card.attachment_added',
};

/** Enqueues the event's job in the change's transaction (keyed: once per event). */
export async function enqueueCardEvent(jobs: Jobs, t: Transaction, payload: CardEventPayload): Promise<void> {
  if (DIRECT.has(payload.event) && !payload.users?.length) return;
  await jobs.enqueue('notifications.card_event', payload, {
    transaction: t,
    key: `card-event:${payload.event}:${payload.cardId}:${payload.ref}`,
  });
}

/** The card change subscriber: assigned / unassigned on a new assignee, stage changed on a transition. */
export function cardEventNotices(jobs: Jobs): ChangeHook {
  return Object.assign(
    async function cardEventNotices(change: CardChange, t: Transaction) {
      const { before, after, user } = change;
      const ref = `v${after.version}`;
      const base = { cardId: after.id, actorId: user.id, ref };
      const was = change.kind === 'created' ? null : (before?.assignee_id ?? null);
      if (was !== after.assignee_id) {
        if (after.assignee_id !== null) await enqueueCardEvent(jobs, t, { ...base, event: 'assigned', users: [after.assignee_id] });
        if (was !== null) await enqueueCardEvent(jobs, t, { ...base, event: 'unassigned', users: [was] });
      }
      if (change.kind === 'transitioned' && before && before.stage !== after.stage)
        await enqueueCardEvent(jobs, t, { ...base, event: 'stage_changed' });
    },
    {
      // An import's batch of new cards: "assigned" for each card with an assignee, the same jobs in one statement.
      async created(changes: CardChange[], t: Transaction) {
        const payloads: CardEventPayload[] = changes
          .filter((c) => c.after.assignee_id !== null)
          .map(({ after, user }) => ({
            cardId: after.id,
            actorId: user.id,
            ref: `v${after.version}`,
            event: 'assigned',
            users: [after.assignee_id!],
          }));
        if (!payloads.length) return;
        await jobs.enqueueMany('notifications.card_event', payloads, {
          transaction: t,
          keys: payloads.map((p) => `card-event:${p.event}:${p.cardId}:${p.ref}`),
        });
      },
    },
  );
}

export class CardNotices {
  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    private readonly notifications: NotificationService,
  ) {}

  /**
   * Writes the event's notices; returns how many (0 for a card gone or deleted meanwhile).
   * A stage change is two notices: "waiting for your action" to whoever may take a
   * transition from the new stage, and "stage changed" to the other watchers.
   */
  async deliver(p: CardEventPayload): Promise<{ notices: number }> {
    const [card] = await this.db.rows<CardRow>(
      'select id, type, number, title, stage, owner_id, assignee_id, deleted_at from cards where id = $1',
      [p.cardId],
    );
    const type = card && this.types.get(card.type);
    if (!card || !type || card.deleted_at) return { notices: 0 };
    const [actor] = await this.db.rows<{ name: string }>(
      `select coalesce(nullif(display_name, ''), email) as name from users where id = $1`,
      [p.actorId],
    );
    if (p.event !== 'stage_changed') return { notices: await this.write(p, card, type, actor?.name ?? '?') };
    const next = await this.mayActNext(type, card);
    const waiting = await this.write({ ...p, event: 'waiting', users: next }, card, type, actor?.name ?? '?');
    const watchers = await this.write({ ...p, skip: [...(p.skip ?? []), ...next] }, card, type, actor?.name ?? '?');
    return { notices: waiting + watchers };
  }

  /**
   * Who may take a transition from the card's stage now: holders of a role the
   * transition names, whose role may transition this card (all, or own when it
   * is theirs). Superusers only through such a role (else they would hear of
   * every card). Read access, activity and the actor are checked on writing.
   */
  private async mayActNext(type: CardType, card: CardRow): Promise<number[]> {
    const scopes: Record<string, Scope> = {};
    for (const t of type.transitions)
      if (t.from.includes(card.stage))
        for (const role of t.roles) {
          const scope = type.permissions[role]?.transition ?? 'none';
          if (scope !== 'none' && scopes[role] !== 'all') scopes[role] = scope;
        }
    if (!Object.keys(scopes).length) return [];
    const rows = await this.db.rows<{ user_id: number }>(
      `select distinct ur.user_id from user_roles ur join roles r on r.id = ur.role_id
        where jsonb_exists($1::jsonb, r.name) and ($1::jsonb ->> r.name = 'all' or ur.user_id = $2 or ur.user_id = $3)`,
      [JSON.stringify(scopes), card.owner_id, card.assignee_id],
    );
    return rows.map((r) => Number(r.user_id));
  }

  private async write(p: CardEventPayload, card: CardRow, type: CardType, by: string): Promise<number> {
    const stage = type.stageMap.get(card.stage);
    // The stage in every language the type names it in ('' is the default's): the reader's is picked when shown.
    const stageLabel = { '': stage?.label ?? card.stage, ...(stage?.translations?.label ?? {}) };
    const params = {
      card: card.number,
      title: card.title,
      by,
      stage: stageLabel,
      excerpt: p.excerpt ?? '',
      files: (p.files ?? []).join(', '),
    };
    const kind = CARD_NOTICE_KINDS[p.event];
    const message = msg(`notifications.notice.${kind}`, params);
    const title = ENGLISH_TITLE[p.event](params.card, card.title);
    const body = ENGLISH_BODY[p.event]({ ...params, stage: stageLabel[''] });
    const url = `/cards/${card.type}/${card.id}${p.commentId ? `#comment-${p.commentId}` : ''}`;
    const direct = DIRECT.has(p.event);
    if (direct && !p.users?.length) return 0;
    const source = direct ? 'select unnest($1::bigint[]) as user_id' : 'select user_id from card_watchers where card_id = $1 and watching';
    const r = await this.notifications.write(
      '',
      `select distinct s.user_id, $2::text as kind, $3::text || s.user_id as key, $4::text as title, $5::text as body,
              $6::jsonb as message, $7::text as url, $8::bigint as card_id, null::bigint as task_id
         from (${source}) s where s.user_id <> $9 and not (s.user_id = any($10::bigint[]))`,
      [
        direct ? (p.users ?? []) : card.id,
        kind,
        `${kind}:${card.id}:${p.noticeRef ?? p.ref}:`,
        title,
        body,
        JSON.stringify(message),
        url,
        card.id,
        p.actorId,
        p.skip ?? [],
      ],
    );
    return r.notices;
  }
}

interface CardRow {
  id: number;
  type: string;
  number: string;
  title: string;
  stage: string;
  owner_id: number;
  assignee_id: number | null;
  deleted_at: Date | null;
}

// The English words stored with each notice (logs, older readers); readers get the catalog's, in their language.
const ENGLISH_TITLE: Record<CardEvent, (card: string, title: string) => string> = {
  mentioned: (c, t) => `You were mentioned on ${c}: ${t}`,
  commented: (c, t) => `New comment on ${c}: ${t}`,
  assigned: (c, t) => `Assigned to you: ${c} ${t}`,
  unassigned: (c, t) => `No longer yours: ${c} ${t}`,
  stage_changed: (c, t) => `Stage changed: ${c} ${t}`,
  waiting: (c, t) => `Waiting for your action: ${c} ${t}`,
  attachment_added: (c, t) => `Files added to ${c}: ${t}`,
};

const ENGLISH_BODY: Record<CardEvent, (p: { by: string; stage: string; excerpt: string; files: string }) => string> = {
  mentioned: (p) => `${p.by}: ${p.excerpt}`,
  commented: (p) => `${p.by}: ${p.excerpt}`,
  assigned: (p) => `${p.by} assigned it to you.`,
  unassigned: (p) => `${p.by} assigned it to someone else.`,
  stage_changed: (p) => `${p.by} moved it to ${p.stage}.`,
  waiting: (p) => `${p.by} moved it to ${p.stage}; you may take the next step.`,
  attachment_added: (p) => `${p.by} added ${p.files}.`,
};
