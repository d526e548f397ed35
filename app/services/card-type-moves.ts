// Moving the cards out of stages a new version of their type removed (issue
// 17 item 5), run as the job cardtypes.move_stages with progress.
//
// What MUST hold:
// - Each card's move is in its history (who saved the version, from, to and
//   the due date its new stage gives), written in the move's transaction.
// - It runs on the version that enqueued it or a later one, never on an
//   earlier one this process still holds.
// - Taken again (a retry, a second run), it moves only what is still in a
//   removed stage: nothing twice.
// - Set-based, a batch per statement: 10,000 cards within seconds. A move
//   is the administrator's correction, not a step of the process: no notices,
//   no webhooks, no new SLA task (the due date is set); the removed stage's
//   automatic task is cancelled, as leaving a stage does.
import type { Database } from '#app/db/connection';
import type { CardCreation } from '#app/services/card-create';
import type { CardTypes } from '#app/services/card-types';

const BATCH = 1000;

export interface MovePayload {
  type: string;
  version: number;
  /** Removed stage → the stage its cards go to. */
  moves: Record<string, string>;
  userId: number | null;
}

export class CardTypeMoves {
  constructor(
    private readonly db: Database,
    private readonly types: CardTypes,
    private readonly cards: Pick<CardCreation, 'dueAt'>,
    /** Loads the stored types unless version `version` of `type` is in use here already. */
    private readonly atLeast: (type: string, version: number) => Promise<void>,
  ) {}

  /** Moves every card of the removed stages; returns how many moved. */
  async run(p: MovePayload, progress: (done: number, total: number) => Promise<void>): Promise<{ moved: number }> {
    // The job may come before this process heard of the version (the signal is
    // on another connection, or that connection is away): read it first.
    await this.atLeast(p.type, p.version);
    const type = this.types.get(p.type);
    if (!type) throw new Error(`no card type ${p.type}`);
    const from = Object.keys(p.moves);
    const [{ n: total }] = await this.db.rows<{ n: number }>('select count(*)::int as n from cards where type = $1 and stage = any($2)', [
      p.type,
      from,
    ]);
    let moved = 0;
    await progress(0, total);
    for (const [stage, to] of Object.entries(p.moves)) {
      if (!type.stageMap.has(to)) throw new Error(`card type ${p.type} has no stage ${to} (a newer version removed it)`);
      for (;;) {
        const n = await this.db.transaction((t) =>
          this.db.exec(
            `with picked as (
               select id, due_at as old_due from cards where type = $1 and stage = $2 order by id limit ${BATCH} for update
             ), moved as (
               update cards c set stage = $3, due_at = $4, version = c.version + 1, updated_at = now()
                 from picked p where c.id = p.id returning c.id, c.version, p.old_due
             ), ended as (
               -- Leaving a stage ends its automatic task, as a transition does (app/services/task-sla.ts).
               update tasks set status = 'cancelled', closed_at = now(), updated_at = now()
                where card_id in (select id from moved) and auto_key is not null and status = 'open'
             )
             insert into card_history (card_id, version, at, user_id, kind, transition, from_stage, to_stage, changes, source)
             select id, version, now(), $5, 'transitioned', null, $2, $3,
                    jsonb_build_array(jsonb_build_object('field', 'stage', 'old', $2::text, 'new', $3::text))
                    || case when old_due is distinct from $4::timestamptz
                         then jsonb_build_array(jsonb_build_object('field', 'due_at', 'old', to_jsonb(old_due), 'new', to_jsonb($4::timestamptz)))
                         else '[]'::jsonb end,
                    $6
               from moved
             on conflict do nothing`,
            [p.type, stage, to, this.cards.dueAt(type, to), p.userId, `cardtype:${p.version}`],
            t,
          ),
        );
        if (!n) break;
        moved += n;
        await progress(moved, total);
      }
    }
    return { moved };
  }
}
