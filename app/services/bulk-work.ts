// Bulk work on a card list: assign, take a transition, add watchers, delete
// or export the cards a user selected — rows of a page, or every card that
// matches the list's filters and search. No Express here.
//
// What MUST hold, and why:
// - The selection is frozen when it is asked for: the ids of the cards it
//   names are checked (each a live card of the type the user may read: a
//   tampered or stale id refuses the whole request, nothing changed) or, for
//   "all matching", looked up then, and stored in the run. Cards created or
//   changed to match afterwards are not touched.
// - Every change goes through the card and watcher services, card by card, so
//   each card's permissions are checked, its history written and its
//   notices and webhooks sent as for a single change (app/services/bulk-run.ts).
// - Up to INLINE_MAX cards run in the request; more run as a `cards.bulk` job
//   (app/jobs/cards.bulk.ts) enqueued in the run's transaction.
import type { Database } from '#app/db/connection';
import { msg } from '#app/i18n/message';
import type { Jobs } from '#app/jobs/index';
import { runBulk, type BulkAction, type BulkParams, type RunProgress } from '#app/services/bulk-run';
import type { Card, CardService } from '#app/services/cards';
import { COLUMNS, FROM } from '#app/services/card-reads';
import { buildListSql, parseListQuery } from '#app/services/card-list';
import type { CardType } from '#app/services/card-types';
import { NotFoundError, ValidationError } from '#app/services/errors';
import { can } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';
import type { WatcherService } from '#app/services/watchers';

export type { BulkAction } from '#app/services/bulk-run';

/** Cards that run in the request; more run as a job. */
export const INLINE_MAX = 100;
/** Ids a form may post (a page shows 50 rows). */
export const POSTED_MAX = 500;
/** Cards one run may cover ("all matching" beyond this is refused: narrow the filters). */
export const RUN_MAX = 10_000;
/** Users added as watchers at once. */
export const WATCHERS_MAX = 20;
const ACTIONS: readonly BulkAction[] = ['assign', 'transition', 'watch', 'delete'];
const RESULTS_PAGE = 100;

/** What the list's bulk form sends. */
export interface BulkInput {
  action: string;
  /** The rows ticked (ignored when `all`). */
  ids: string[];
  /** Every card matching `query` (the list's query string) instead of `ids`. */
  all: boolean;
  query: string;
  /** With "all matching": how many cards the list said matched when the form was shown (its total, if not capped). */
  shown?: number | null;
  assignee?: string;
  transition?: string;
  watchers?: string[];
}

export interface BulkStarted {
  runId: number;
  /** Ran in the request (else a job was enqueued). */
  inline: boolean;
  cards: number;
}

export interface BulkRunView {
  id: number;
  action: BulkAction;
  params: BulkParams;
  total: number;
  done: number;
  refused: number;
  finished: boolean;
  jobId: number | null;
  jobState: string | null;
  createdAt: Date;
  page: number;
  pages: number;
  rows: { card_id: number; number: string | null; title: string | null; outcome: 'done' | 'refused'; reason: unknown }[];
}

export class BulkWork {
  constructor(
    private readonly db: Database,
    private readonly cards: CardService,
    private readonly watchers: WatcherService,
    private readonly jobs: Jobs,
    private readonly options: { concurrency: number },
  ) {}

  /** The ids the input selects, frozen now: checked, or looked up for "all matching". */
  async select(user: SessionUser, type: CardType, input: Pick<BulkInput, 'ids' | 'all' | 'query' | 'shown'>): Promise<number[]> {
    const params = input.all ? Object.fromEntries(new URLSearchParams(input.query.replace(/^\?/, ''))) : {};
    // Live cards the user may read: the list's own conditions (scope included).
    const q = { ...parseListQuery(type, params), deleted: false };
    const built = buildListSql(type, user, q, user.timeZone, this.cards.searchLanguage);
    if (input.all) {
      // A filter the list cannot apply any more (a stage renamed meanwhile) would widen "all matching": refused.
      if (built.problems.length) throw new ValidationError(msg('bulk.errors.filtersChanged'));
      const rows = await this.db.rows<{ id: number }>(
        `select c.id from cards c where ${built.where} order by c.id limit ${RUN_MAX + 1}`,
        built.whereParams,
      );
      if (rows.length > RUN_MAX) throw new ValidationError(msg('bulk.errors.tooMany', { max: RUN_MAX }));
      if (typeof input.shown === 'number' && rows.length > input.shown)
        throw new ValidationError(msg('bulk.errors.moreThanShown', { shown: input.shown, now: rows.length }));
      if (!rows.length) throw new ValidationError(msg('bulk.errors.noneSelected'));
      return rows.map((r) => r.id);
    }
    if (!input.ids.length) throw new ValidationError(msg('bulk.errors.noneSelected'));
    if (input.ids.length > POSTED_MAX) throw new ValidationError(msg('bulk.errors.tooManyIds', { max: POSTED_MAX }));
    if (!input.ids.every((id) => /^\d{1,15}$/.test(id)))
      throw new ValidationError(msg('bulk.errors.notOnList', { count: input.ids.length }));
    const ids = [...new Set(input.ids.map(Number))];
    const found = await this.db.rows<{ id: number }>(
      `select c.id from cards c where ${built.where} and c.id = any($${built.whereParams.length + 1}::bigint[]) order by c.id`,
      [...built.whereParams, ids],
    );
    if (found.length < ids.length) throw new ValidationError(msg('bulk.errors.notOnList', { count: ids.length - found.length }));
    return found.map((r) => r.id);
  }

  /** The action's parameters, checked: an unknown user or a transition the type or user cannot take refuses the request. */
  private async paramsOf(user: SessionUser, type: CardType, input: BulkInput): Promise<{ action: BulkAction; params: BulkParams }> {
    const action = ACTIONS.find((a) => a === input.action);
    if (!action) throw new ValidationError(msg('bulk.errors.unknownAction'));
    const activeUser = async (raw: string) => {
      if (!/^\d{1,15}$/.test(raw)) throw new ValidationError(msg('bulk.errors.unknownUser'), { [action]: msg('bulk.errors.unknownUser') });
      const [u] = await this.db.rows<{ id: number }>('select id from users where id = $1 and is_active', [Number(raw)]);
      if (!u) throw new ValidationError(msg('bulk.errors.unknownUser'), { [action]: msg('bulk.errors.unknownUser') });
      return u.id;
    };
    if (action === 'assign') {
      const raw = (input.assignee ?? '').trim();
      return { action, params: { assignee: raw === 'none' ? null : await activeUser(raw) } };
    }
    if (action === 'transition') {
      const tr = type.transitions.find((x) => x.name === input.transition);
      if (!tr) throw new ValidationError(msg('bulk.errors.unknownTransition'));
      if (!can(user, type, 'transition') || !(user.isSuperuser || tr.roles.some((r) => user.roles.includes(r))))
        throw new ValidationError(msg('cards.errors.rolesMayNot', { transition: tr.label }));
      return { action, params: { transition: tr.name } };
    }
    if (action === 'watch') {
      const raw = [...new Set((input.watchers ?? []).map((w) => w.trim()).filter(Boolean))];
      if (!raw.length) throw new ValidationError(msg('bulk.errors.noWatchers'));
      if (raw.length > WATCHERS_MAX) throw new ValidationError(msg('bulk.errors.tooManyWatchers', { max: WATCHERS_MAX }));
      const watchers: number[] = [];
      for (const w of raw) watchers.push(await activeUser(w));
      return { action, params: { watchers } };
    }
    return { action, params: {} };
  }

  /**
   * Checks the request, freezes its cards in a run and does them: in the
   * request up to INLINE_MAX, else as a job. Bad input throws ValidationError
   * before anything is written.
   */
  async start(user: SessionUser, typeName: string, input: BulkInput): Promise<BulkStarted> {
    const type = this.cards.typeFor(user, typeName);
    const { action, params } = await this.paramsOf(user, type, input);
    const ids = await this.select(user, type, input);
    const insert = `insert into bulk_runs (user_id, card_type, action, params, card_ids) values ($1, $2, $3, $4, $5) returning id`;
    const bind = [user.id, type.name, action, JSON.stringify(params), ids];
    if (ids.length <= INLINE_MAX) {
      const [{ id }] = await this.db.rows<{ id: number }>(insert, bind);
      await this.run(id);
      return { runId: id, inline: true, cards: ids.length };
    }
    const runId = await this.db.transaction(async (t) => {
      const [{ id }] = await this.db.rows<{ id: number }>(insert, bind, t);
      const job = await this.jobs.enqueue('cards.bulk', { runId: id }, { transaction: t, key: `bulk:${id}` });
      await this.db.exec('update bulk_runs set job_id = $2 where id = $1', [id, job.id], t);
      return id;
    });
    return { runId, inline: false, cards: ids.length };
  }

  /** Does the run's cards not done yet (a job taken again skips the rest). */
  run(runId: number, progress?: RunProgress) {
    return runBulk({ db: this.db, cards: this.cards, watchers: this.watchers, concurrency: this.options.concurrency }, runId, progress);
  }

  /** A run as its maker (or an administrator) sees it: counts, state, a page of outcomes (refused first). */
  async view(user: SessionUser, typeName: string, runId: number, page = 1): Promise<BulkRunView> {
    const type = this.cards.typeFor(user, typeName);
    const [run] = await this.db.rows<{
      id: number;
      user_id: number;
      card_type: string;
      action: BulkAction;
      params: BulkParams;
      total: number;
      job_id: number | null;
      job_state: string | null;
      created_at: Date;
      finished_at: Date | null;
      done: number;
      refused: number;
    }>(
      `select r.id, r.user_id, r.card_type, r.action, r.params, cardinality(r.card_ids) as total, r.job_id, j.state as job_state,
              r.created_at, r.finished_at,
              (select count(*)::int from bulk_run_cards x where x.run_id = r.id and x.outcome = 'done') as done,
              (select count(*)::int from bulk_run_cards x where x.run_id = r.id and x.outcome = 'refused') as refused
         from bulk_runs r left join jobs j on j.id = r.job_id where r.id = $1`,
      [runId],
    );
    if (!run || run.card_type !== type.name || (run.user_id !== user.id && !user.isSuperuser))
      throw new NotFoundError(msg('bulk.errors.noRun'));
    const finished = run.done + run.refused;
    const pages = Math.max(1, Math.ceil(finished / RESULTS_PAGE));
    const p = Math.min(Math.max(1, page), pages);
    const rows = await this.db.rows<BulkRunView['rows'][number]>(
      `select x.card_id, c.number, c.title, x.outcome, x.reason from bulk_run_cards x left join cards c on c.id = x.card_id
        where x.run_id = $1 order by x.outcome desc, x.card_id limit ${RESULTS_PAGE} offset ${(p - 1) * RESULTS_PAGE}`,
      [runId],
    );
    return {
      id: run.id,
      action: run.action,
      params: run.params,
      total: run.total,
      done: run.done,
      refused: run.refused,
      finished: run.finished_at !== null,
      jobId: run.job_id,
      jobState: run.job_state,
      createdAt: run.created_at,
      page: p,
      pages,
      rows,
    };
  }

  /** The selected cards, whole, in batches for the CSV export (the list's format); selecting first, so bad input throws before a byte is sent. */
  async exportSelected(
    user: SessionUser,
    typeName: string,
    input: Pick<BulkInput, 'ids' | 'all' | 'query'>,
  ): Promise<AsyncGenerator<Card[]>> {
    const type = this.cards.typeFor(user, typeName);
    const ids = await this.select(user, type, input);
    return this.db.cursor<Card>(`select ${COLUMNS} from ${FROM} where c.id = any($1::bigint[]) order by c.id`, [ids], 1000);
  }
}
