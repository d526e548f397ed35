// /admin/jobs: the job list (filters and page in the URL), one job in full,
// retry and cancel, and the JSON that lib/static/js/admin-jobs.js polls to
// move state badges and progress bars without a reload.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import {
  CANCELLABLE,
  jobListUrl,
  parseJobListQuery,
  percentOf,
  progressLabel,
  RETRYABLE,
  type JobProgress,
} from '#app/services/jobs-admin';
import { formatDateTime } from '#app/web/render';
import { flash } from '#app/web/flash';
import { signedIn, type ParamRule } from '#app/web/handler';

/** A job's id in the path: a positive number, else 400 naming what came. */
const jobId: ParamRule<number> = (raw) => {
  if (!/^[1-9]\d{0,17}$/.test(raw))
    throw new ValidationError(msg('admin.jobs.errors.notAnId', { id: raw.slice(0, 40) }), { id: msg('admin.jobs.errors.positiveNumber') });
  return Number(raw);
};
const ONE = { id: jobId };

/** Where to go back to after an action: the list as it was, or the job. */
function back(req: Request, id: number): string {
  const to = typeof req.body?.back === 'string' ? req.body.back : '';
  return /^\/admin\/jobs(\?[\w=&%.-]*)?$/.test(to) ? to : `/admin/jobs/${id}`;
}

export type AdminJobsDeps = Pick<Services, 'jobsAdmin'>;

export function adminJobsController({ jobsAdmin: jobs }: AdminJobsDeps) {
  function live(p: JobProgress, timeZone: string, locale: string) {
    return {
      id: p.id,
      state: p.state,
      attempts: p.attempts,
      maxAttempts: p.max_attempts,
      current: p.progress_current,
      total: p.progress_total,
      percent: p.percent,
      label: p.label,
      started: formatDateTime(p.started_at, timeZone, locale),
      finished: formatDateTime(p.finished_at, timeZone, locale),
      error: p.error,
      final: p.final,
    };
  }

  return {
    async list(req: Request, res: Response) {
      const q = parseJobListQuery(req.query as Record<string, unknown>);
      const result = await jobs.list(q);
      res.render('admin/jobs.njk', {
        q,
        result,
        rows: result.jobs.map((j) => ({
          ...j,
          percent: percentOf(j.state, j.progress_current, j.progress_total),
          progressLabel: progressLabel(j.state, j.progress_current, j.progress_total),
        })),
        url: (change: Record<string, unknown>) => `/admin/jobs${jobListUrl(q, { page: 1, ...change })}`,
        here: `/admin/jobs${jobListUrl({ ...q, page: result.page })}`,
        retryable: RETRYABLE,
        cancellable: CANCELLABLE,
      });
    },

    view: signedIn(ONE, async (_req, res, { params }) => {
      const detail = await jobs.get(params.id);
      const j = detail.job;
      res.render('admin/job.njk', {
        ...detail,
        percent: percentOf(j.state, j.progress_current, j.progress_total),
        progressLabel: progressLabel(j.state, j.progress_current, j.progress_total),
        payloadJson: JSON.stringify(j.payload ?? null, null, 2),
        resultJson: j.result == null ? null : JSON.stringify(j.result, null, 2),
        retryable: RETRYABLE,
        cancellable: CANCELLABLE,
      });
    }),

    /** GET /admin/jobs.json?ids=1,2,3 — the live part of the jobs shown, and the counts. */
    poll: signedIn(async (req, res, { user }) => {
      const raw = typeof req.query.ids === 'string' ? req.query.ids : '';
      const parts = raw.split(',').filter(Boolean);
      if (parts.some((p) => !/^[1-9]\d{0,17}$/.test(p)))
        throw new ValidationError(msg('admin.jobs.errors.ids'), { ids: msg('admin.jobs.errors.idsExample') });
      const [progress, counts] = await Promise.all([jobs.progress([...new Set(parts.map(Number))]), jobs.counts()]);
      const tz = user.timeZone;
      res.set('Cache-Control', 'no-store').json({ jobs: progress.map((p) => live(p, tz, req.locale)), counts });
    }),

    retry: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      const state = await jobs.retry(id, { userId: user.id });
      flash(req, req.t(state === 'queued' ? 'admin.jobs.flash.queued' : 'admin.jobs.flash.waiting', { id }));
      res.redirect(303, back(req, id));
    }),

    cancel: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      const failed = await jobs.cancel(id, { userId: user.id });
      flash(
        req,
        failed ? req.t('admin.jobs.flash.cancelledWithDependants', { id, count: failed }) : req.t('admin.jobs.flash.cancelled', { id }),
      );
      res.redirect(303, back(req, id));
    }),
  };
}
