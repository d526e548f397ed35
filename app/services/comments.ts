// Comments on a card: write, edit and delete your own, the card's comments
// for its timeline, and the people a comment may mention. No Express here.
//
// What MUST hold, and why:
// - Only a reader of the card may comment, and only on a live card (a
//   deleted one is not found); only the author edits or deletes a comment.
// - Nothing is lost: an edit or a delete first copies the replaced body to
//   card_comment_revisions, and a deleted comment stays in the timeline as
//   "deleted".
// - Bad input is refused whole, with a reason and nothing written: empty, over
//   COMMENT_MAX characters, a script tag or a javascript: link, a mention of
//   nobody, or of someone who may not read the card (mentioning them would
//   tell them of a card they may not see).
// - The notices (mentioned, commented) are jobs enqueued in the comment's
//   transaction (app/services/card-notices.ts).
import type { Database, Transaction } from '#app/db/connection';
import type { Jobs } from '#app/jobs/index';
import { msg, type Message } from '#app/i18n/message';
import { enqueueCardEvent } from '#app/services/card-notices';
import type { Card, CardService } from '#app/services/cards';
import { commentFacts } from '#app/services/comment-text';
import { ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { canReadCardSql, readPermissionsJson } from '#app/services/notifications';
import type { SessionUser } from '#app/services/users';
import { WatcherService } from '#app/services/watchers';

export const COMMENT_MAX = 20_000;
/** How much of a comment a notice quotes. */
const EXCERPT = 200;

export interface Comment {
  id: number;
  card_id: number;
  user_id: number;
  author_name: string;
  body: string;
  created_at: Date;
  edited_at: Date | null;
  deleted_at: Date | null;
}

export interface MentionChoice {
  handle: string;
  name: string;
}

const COLUMNS = `k.id, k.card_id, k.user_id, coalesce(nullif(u.display_name, ''), u.email) as author_name, k.body, k.created_at, k.edited_at, k.deleted_at`;

/** Runs in the transaction of a new comment (a webhook's comment.created). */
export type CommentHook = (added: { card: Card; commentId: number; userId: number }, t: Transaction) => Promise<void>;

function refuse(field: Message): never {
  throw new ValidationError(msg('comments.errors.invalid'), { body: field });
}

export class CommentService {
  private readonly hooks: CommentHook[] = [];

  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly jobs: Jobs,
  ) {}

  private get perms(): string {
    return readPermissionsJson(this.cards.types);
  }

  /** Runs `hook` inside the transaction of every new comment. */
  onAdded(hook: CommentHook): void {
    this.hooks.push(hook);
  }

  /** The body as kept (trimmed), and the users it mentions (each active and a reader of the card); refuses bad input. */
  private async check(card: Card, raw: unknown): Promise<{ body: string; mentioned: number[] }> {
    const body = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : '';
    if (!body) refuse(msg('comments.errors.empty'));
    if (body.length > COMMENT_MAX) refuse(msg('comments.errors.tooLong', { max: COMMENT_MAX, length: body.length }));
    const facts = commentFacts(body);
    if (facts.script) refuse(msg('comments.errors.script'));
    if (facts.unsafeLink) refuse(msg('comments.errors.unsafeLink'));
    if (!facts.mentions.length) return { body, mentioned: [] };
    // Each handle: a whole address, or the part before the @ when exactly one active user has it.
    const found = await this.db.rows<{ handle: string; id: number; name: string; readable: boolean }>(
      `select h.handle, u.id, coalesce(nullif(u.display_name, ''), u.email) as name,
              (select ${canReadCardSql('$3')} from cards c where c.id = $2) as readable
         from unnest($1::text[]) as h(handle)
         join users u on u.is_active
           and (lower(u.email) = h.handle or (position('@' in h.handle) = 0 and left(lower(u.email), length(h.handle) + 1) = h.handle || '@'))`,
      [facts.mentions, card.id, this.perms],
    );
    for (const handle of facts.mentions) {
      const rows = found.filter((r) => r.handle === handle);
      if (!rows.length) refuse(msg('comments.errors.noSuchUser', { handle }));
      if (rows.length > 1) refuse(msg('comments.errors.ambiguous', { handle }));
      if (!rows[0].readable) refuse(msg('comments.errors.cannotRead', { handle, name: rows[0].name, card: card.number }));
    }
    return { body, mentioned: [...new Set(found.map((r) => r.id))] };
  }

  /** The comment's notices: "mentioned" to whom it mentions, and on a new comment "commented" to the other watchers. */
  private async notices(
    t: Transaction,
    user: SessionUser,
    card: Card,
    commentId: number,
    body: string,
    mentioned: number[],
    edit?: number,
  ) {
    const excerpt = body.length > EXCERPT ? `${body.slice(0, EXCERPT - 1)}…` : body;
    // An edit's job is its own (keyed by the edit); its notices are keyed by the comment, so a mention already told is not told again.
    const base = { cardId: card.id, actorId: user.id, commentId, excerpt, noticeRef: `c${commentId}` };
    const ref = edit === undefined ? `c${commentId}` : `c${commentId}e${edit}`;
    await enqueueCardEvent(this.jobs, t, { ...base, event: 'mentioned', ref, users: mentioned });
    if (edit === undefined) await enqueueCardEvent(this.jobs, t, { ...base, event: 'commented', ref, skip: mentioned });
  }

  /** Adds a comment; the writer watches the card from now on (unless they chose not to). */
  async add(user: SessionUser, typeName: string, cardId: number, raw: unknown): Promise<{ card: Card; comment: Comment }> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    const { body, mentioned } = await this.check(card, raw);
    const id = await this.db.transaction(async (t) => {
      const [{ id }] = await this.db.rows<{ id: number }>(
        'insert into card_comments (card_id, user_id, body) values ($1, $2, $3) returning id',
        [card.id, user.id, body],
        t,
      );
      await WatcherService.add(this.db, t, card.id, [user.id]);
      await this.notices(t, user, card, id, body, mentioned);
      for (const hook of this.hooks) await hook({ card, commentId: Number(id), userId: user.id }, t);
      return id;
    });
    return { card, comment: (await this.load(id))! };
  }

  /**
   * A reply received by mail, inside the caller's transaction (the mail's
   * claim commits with it). `user` is its author: the sender when a user who
   * may read the card, else the mailbox's owner with the sender named in the
   * body. Mentions are not read from mail (a quoted address is no mention);
   * the text is escaped when shown like any comment. Watchers are told.
   */
  async addFromMail(t: Transaction, user: SessionUser, card: Card, body: string, watch: boolean): Promise<number> {
    const text = body.length > COMMENT_MAX ? `${body.slice(0, COMMENT_MAX - 1)}…` : body;
    const [{ id }] = await this.db.rows<{ id: number }>(
      'insert into card_comments (card_id, user_id, body) values ($1, $2, $3) returning id',
      [card.id, user.id, text],
      t,
    );
    if (watch) await WatcherService.add(this.db, t, card.id, [user.id]);
    await this.notices(t, user, card, Number(id), text, []);
    for (const hook of this.hooks) await hook({ card, commentId: Number(id), userId: user.id }, t);
    return Number(id);
  }

  private async load(id: number, t?: Transaction): Promise<Comment | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null;
    const [row] = await this.db.rows<Comment>(
      `select ${COLUMNS} from card_comments k join users u on u.id = k.user_id where k.id = $1`,
      [id],
      t,
    );
    return row ?? null;
  }

  /** The user's own live comment on a card they may read, locked for a change; else 404 / 403. */
  private async own(t: Transaction, user: SessionUser, card: Card, commentId: number): Promise<Comment> {
    const [row] = await this.db.rows<{ id: number }>(
      'select id from card_comments where id = $1 and card_id = $2 and deleted_at is null for update',
      [Number.isSafeInteger(commentId) ? commentId : 0, card.id],
      t,
    );
    const comment = row && (await this.load(row.id, t));
    if (!comment) throw new NotFoundError(msg('comments.errors.notFound'));
    if (comment.user_id !== user.id) throw new ForbiddenError(msg('comments.errors.notYours'));
    return comment;
  }

  /** Edits one's own comment; the old body is kept. Users newly mentioned are told. */
  async edit(user: SessionUser, typeName: string, cardId: number, commentId: number, raw: unknown): Promise<Card> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    const { body, mentioned } = await this.check(card, raw);
    await this.db.transaction(async (t) => {
      const before = await this.own(t, user, card, commentId);
      if (before.body === body) return;
      await this.db.exec(
        `insert into card_comment_revisions (comment_id, body, replaced_by, action) values ($1, $2, $3, 'edited')`,
        [before.id, before.body, user.id],
        t,
      );
      const [{ n }] = await this.db.rows<{ n: number }>(
        `update card_comments set body = $2, edited_at = now() where id = $1
         returning (select count(*)::int from card_comment_revisions where comment_id = $1) as n`,
        [before.id, body],
        t,
      );
      await this.notices(t, user, card, before.id, body, mentioned, n);
    });
    return card;
  }

  /** Deletes one's own comment: its body is kept in the revisions, the timeline shows "deleted". */
  async remove(user: SessionUser, typeName: string, cardId: number, commentId: number): Promise<Card> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    await this.db.transaction(async (t) => {
      const before = await this.own(t, user, card, commentId);
      await this.db.exec(
        `insert into card_comment_revisions (comment_id, body, replaced_by, action) values ($1, $2, $3, 'deleted')`,
        [before.id, before.body, user.id],
        t,
      );
      await this.db.exec(`update card_comments set body = '', deleted_at = now() where id = $1`, [before.id], t);
    });
    return card;
  }

  /** The card's comments, newest first: the first `limit`, and whether there are more. */
  async forCard(cardId: number, limit: number): Promise<{ rows: Comment[]; more: boolean }> {
    const rows = await this.db.rows<Comment>(
      `select ${COLUMNS} from card_comments k join users u on u.id = k.user_id
        where k.card_id = $1 order by k.created_at desc, k.id desc limit $2`,
      [cardId, limit + 1],
    );
    return { rows: rows.slice(0, limit), more: rows.length > limit };
  }

  /** Active users who may read the card, whose name or address starts with `q` (the mention picker). */
  async mentionChoices(user: SessionUser, typeName: string, cardId: number, q: string, limit = 10): Promise<MentionChoice[]> {
    const card = await this.cards.getForUser(user, typeName, cardId);
    const term = q.trim().toLowerCase().replace(/^@/, '').slice(0, 100);
    const like = `${term.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    return this.db.rows<MentionChoice>(
      `select lower(u.email) as handle, coalesce(nullif(u.display_name, ''), u.email) as name
         from users u cross join cards c
        where c.id = $1 and u.is_active and ${canReadCardSql('$2')}
          and (lower(u.email) like $3 or lower(u.display_name) like $3 or lower(u.display_name) like '% ' || $3)
        order by lower(coalesce(nullif(u.display_name, ''), u.email)) limit $4`,
      [card.id, this.perms, like, limit],
    );
  }
}
