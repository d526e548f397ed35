// Watchers: who hears of a card's changes. Anyone who may read a card may
// watch it or stop; the creator, the owner and the assignee watch it by
// themselves (a card change subscriber, app/services/subscribers.ts).
//
// What MUST hold, and why:
// - Reading decides, at every use: the watcher list on the card page and the
//   recipients of every notice are filtered by "active and may read the card
//   now" in SQL (canReadCardSql), so a watcher who lost access (a role taken
//   away, the card given to someone else under an "own" scope) hears nothing
//   and is not listed; their row stays, and counts again if access returns.
// - An explicit "unwatch" is a row with watching = false: an automatic watch
//   (ON CONFLICT DO NOTHING) never overrides it. Becoming the assignee is a
//   new reason to hear of the card, and watches it again.
import type { Database, Transaction } from '#app/db/connection';
import type { Card, CardChange, CardService, ChangeHook } from '#app/services/cards';
import { msg } from '#app/i18n/message';
import { ForbiddenError, NotFoundError } from '#app/services/errors';
import { canReadCardSql, readPermissionsJson } from '#app/services/notifications';
import { can, canRead, type CardOwnership } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';

export interface Watcher {
  id: number;
  name: string;
}

export class WatcherService {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
  ) {}

  private get perms(): string {
    return readPermissionsJson(this.cards.types);
  }

  private async set(user: SessionUser, typeName: string, cardId: number, watching: boolean): Promise<Card> {
    // Only a reader may watch: anyone else gets the card's 404.
    const card = await this.cards.getForUser(user, typeName, cardId);
    await this.db.exec(
      `insert into card_watchers (card_id, user_id, watching) values ($1, $2, $3)
       on conflict (card_id, user_id) do update set watching = excluded.watching, since = now()`,
      [card.id, user.id, watching],
    );
    return card;
  }

  watch(user: SessionUser, typeName: string, cardId: number): Promise<Card> {
    return this.set(user, typeName, cardId, true);
  }

  unwatch(user: SessionUser, typeName: string, cardId: number): Promise<Card> {
    return this.set(user, typeName, cardId, false);
  }

  /**
   * Others made watchers of a card (bulk work), in the caller's transaction:
   * the actor must be allowed to change the card, and every one of them to
   * read it (a watcher who may not would be told of a card they cannot see:
   * refused, with their names). Someone who chose to stop watching it stays
   * away (an automatic watch would not override that choice either).
   */
  async addOthers(user: SessionUser, typeName: string, cardId: number, others: SessionUser[], t: Transaction): Promise<void> {
    const type = this.cards.typeFor(user, typeName);
    const [card] = await this.db.rows<CardOwnership & { type: string; deleted_at: Date | null }>(
      'select type, owner_id, assignee_id, deleted_at from cards where id = $1 for share',
      [cardId],
      t,
    );
    if (!card || card.type !== type.name || card.deleted_at || !canRead(user, type, card))
      throw new NotFoundError(msg('cards.errors.noCard'));
    if (!can(user, type, 'update', card)) throw new ForbiddenError(msg('cards.errors.mayNotEdit'));
    const blind = others.filter((o) => !canRead(o, type, card));
    if (blind.length)
      throw new ForbiddenError(msg('bulk.reasons.watcherCannotRead', { names: blind.map((o) => o.displayName).join(', ') }));
    await WatcherService.add(
      this.db,
      t,
      cardId,
      others.map((o) => o.id),
    );
  }

  /** Watchers of the card who are active and may read it now, by name. */
  async forCard(cardId: number): Promise<Watcher[]> {
    return this.db.rows<Watcher>(
      `select u.id, coalesce(nullif(u.display_name, ''), u.email) as name
         from card_watchers w join users u on u.id = w.user_id and u.is_active join cards c on c.id = w.card_id
        where w.card_id = $1 and w.watching and ${canReadCardSql('$2')}
        order by lower(coalesce(nullif(u.display_name, ''), u.email))`,
      [cardId, this.perms],
    );
  }

  /** Watches the card for `userIds` unless they chose not to (`renew`: even if they did). */
  static async add(db: Database, t: Transaction, cardId: number, userIds: number[], renew = false): Promise<void> {
    if (!userIds.length) return;
    await db.exec(
      `insert into card_watchers (card_id, user_id) select $1, unnest($2::bigint[])
       on conflict (card_id, user_id) do ${renew ? 'update set watching = true, since = now() where not card_watchers.watching' : 'nothing'}`,
      [cardId, [...new Set(userIds)]],
      t,
    );
  }
}

/** The card change subscriber: the creator and owner watch a new card, the assignee whenever one is set. */
export function autoWatch(db: Database): ChangeHook {
  return Object.assign(
    async function autoWatch(change: CardChange, t: Transaction) {
      const { before, after } = change;
      if (change.kind === 'created') {
        await WatcherService.add(db, t, after.id, [change.user.id, after.owner_id]);
        if (after.assignee_id !== null) await WatcherService.add(db, t, after.id, [after.assignee_id], true);
      } else if (after.assignee_id !== null && before?.assignee_id !== after.assignee_id) {
        await WatcherService.add(db, t, after.id, [after.assignee_id], true);
      }
    },
    {
      // An import's batch: every new card's creator, owner and assignee in one statement (a new card has no
      // watcher row yet, so "renew" for the assignee changes nothing there).
      async created(changes: CardChange[], t: Transaction) {
        const pairs = new Map<string, [number, number]>();
        for (const { user, after } of changes)
          for (const u of [user.id, after.owner_id, after.assignee_id])
            if (u !== null) pairs.set(`${after.id}:${u}`, [Number(after.id), Number(u)]);
        await db.exec(
          `insert into card_watchers (card_id, user_id) select * from unnest($1::bigint[], $2::bigint[])
           on conflict (card_id, user_id) do nothing`,
          [[...pairs.values()].map((p) => p[0]), [...pairs.values()].map((p) => p[1])],
          t,
        );
      },
    },
  );
}
