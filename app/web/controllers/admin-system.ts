// /admin/system: the engine's state at a glance (database, broker, queue
// depths, job counts, failed jobs waiting, beat), and the same problems as
// an alert on administrators' dashboards.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localize } from '#app/i18n/message';
import { ageMessage, BEAT_SILENT_SECONDS } from '#app/services/engine-status';
import type { DashboardPanel } from '#app/web/controllers/dashboard';

export type AdminSystemDeps = Pick<Services, 'engineStatus'>;

export function adminSystemController({ engineStatus: engine }: AdminSystemDeps) {
  return {
    async show(_req: Request, res: Response) {
      const status = await engine.full();
      res.set('Cache-Control', 'no-store').render('admin/system.njk', {
        status,
        beatSilentMinutes: BEAT_SILENT_SECONDS / 60,
        beatAge: status.beat.ageSeconds == null ? null : ageMessage(status.beat.ageSeconds),
      });
    },
  };
}

/** The dashboard's alert box: only for administrators, only when something is wrong. */
export function engineAlertsPanel({ engineStatus: engine }: AdminSystemDeps): DashboardPanel {
  return async (req, user) => (user.isSuperuser ? { engineProblems: (await engine.problems()).map((p) => localize(req.t, p)) } : {});
}
