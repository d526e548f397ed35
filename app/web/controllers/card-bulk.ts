// Bulk work on a card list (POST /cards/:type/bulk from the list's bulk
// form): assign, take a transition, add watchers, delete — up to 100 cards in
// the request, more as a job — or export the selection as CSV; the run's
// result page and its progress for the page's script (lib/static/js/bulk.js).
// Thin: parse the form, call the bulk service, redirect or render.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { localize } from '#app/i18n/message';
import type { BulkInput, BulkRunView } from '#app/services/bulk-work';
import type { CardType } from '#app/services/card-types';
import { labelOf, typeIn } from '#app/services/card-type-labels';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';
import { streamCsv } from '#app/web/csv-download';

const TYPE = { type: 'text' } as const;
const RUN = { type: 'text', runId: id() } as const;

export interface CardBulkDeps extends Pick<Services, 'cards' | 'bulkWork'> {
  /** The names the CSV and the result page show. */
  db: Database;
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)];
}

/** The form as the service reads it. */
function inputOf(body: Record<string, unknown>): BulkInput {
  const query = String(body.query ?? '');
  return {
    action: String(body.action ?? ''),
    ids: list(body.ids),
    all: body.all === '1',
    query: query.startsWith('?') || query === '' ? query : '',
    shown: /^\d{1,9}$/.test(String(body.shown ?? '')) ? Number(body.shown) : null,
    assignee: String(body.assignee ?? ''),
    transition: String(body.transition ?? ''),
    watchers: list(body.watchers),
  };
}

/** Percent done, for the bar. */
function percent(run: Pick<BulkRunView, 'done' | 'refused' | 'total'>): number {
  return run.total ? Math.floor(((run.done + run.refused) * 100) / run.total) : 100;
}

export function cardBulkController({ cards, bulkWork, db }: CardBulkDeps) {
  /** The request refused: the message, nothing changed, the way back to the same view. */
  const refused = (req: Request, res: Response, type: CardType, input: BulkInput, err: ValidationError) =>
    res.status(400).render('cards/bulk-refused.njk', {
      type: typeIn(type, req.locale),
      message: localize(req.t, err.text),
      back: `/cards/${type.name}${input.query}`,
    });

  /** What the run did, in the reader's words ("Assign to Maria"). */
  const actionText = async (req: Request, type: CardType, run: BulkRunView): Promise<string> => {
    if (run.action === 'assign') {
      if (run.params.assignee == null) return req.t('bulk.actions.unassign');
      const [u] = await db.rows<{ name: string }>(`select coalesce(nullif(display_name, ''), email) as name from users where id = $1`, [
        run.params.assignee,
      ]);
      return req.t('bulk.actions.assign', { name: u?.name ?? '?' });
    }
    if (run.action === 'transition') {
      const tr = type.transitions.find((x) => x.name === run.params.transition);
      return req.t('bulk.actions.transition', { transition: tr ? labelOf(tr, req.locale) : run.params.transition });
    }
    if (run.action === 'watch') {
      const names = await db.rows<{ name: string }>(
        `select coalesce(nullif(display_name, ''), email) as name from users where id = any($1::bigint[]) order by 1`,
        [run.params.watchers ?? []],
      );
      return req.t('bulk.actions.watch', { names: names.map((n) => n.name).join(', ') });
    }
    return req.t('bulk.actions.delete');
  };

  return {
    start: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const input = inputOf((req.body ?? {}) as Record<string, unknown>);
      try {
        if (input.action === 'export') {
          const rows = await bulkWork.exportSelected(user, type.name, input);
          return await streamCsv(res, db, type, user.timeZone, rows);
        }
        const started = await bulkWork.start(user, type.name, input);
        if (!started.inline) flash(req, req.t('bulk.flash.queued', { count: started.cards }), 'info');
        res.redirect(303, `/cards/${type.name}/bulk/${started.runId}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        refused(req, res, type, input, err);
      }
    }),

    result: signedIn(RUN, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const page = Number(req.query.page) || 1;
      const run = await bulkWork.view(user, type.name, params.runId, page);
      res.render('cards/bulk-result.njk', {
        type: typeIn(type, req.locale),
        run,
        action: await actionText(req, type, run),
        percent: percent(run),
        rows: run.rows.map((r) => ({ ...r, reason: r.reason == null ? '' : localize(req.t, r.reason as string) })),
        progressUrl: `/cards/${type.name}/bulk/${run.id}/progress.json`,
        pageUrl: (p: number) => `/cards/${type.name}/bulk/${run.id}?page=${p}`,
      });
    }),

    /** The run's counts for the result page's bar (polled while it runs). */
    progress: signedIn(RUN, async (req, res, { user, params }) => {
      const run = await bulkWork.view(user, params.type, params.runId);
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        finished: run.finished,
        done: run.done,
        refused: run.refused,
        total: run.total,
        percent: percent(run),
        state: run.jobState,
        label: req.t('bulk.result.progress', { finished: run.done + run.refused, total: run.total }),
        doneLabel: req.t('bulk.result.done', { count: run.done }),
        refusedLabel: req.t('bulk.result.refused', { count: run.refused }),
      });
    }),
  };
}
