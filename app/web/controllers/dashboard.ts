// The dashboard: the operator's start page — my cards by type and stage,
// recently changed cards, and every card type the user may read.
import type { Request } from 'express';
import type { Services } from '#app/context';
import { typeIn } from '#app/services/card-type-labels';
import type { SessionUser } from '#app/services/users';
import { signedIn } from '#app/web/handler';

/** More dashboard panels (tasks, engine state) from other features. */
export type DashboardPanel = (req: Request, user: SessionUser) => Promise<Record<string, unknown>>;

export type DashboardDeps = Pick<Services, 'cards'>;

export function dashboardController({ cards }: DashboardDeps, panels: DashboardPanel[] = []) {
  return {
    index: signedIn(async (req, res, { user }) => {
      const types = cards.readableTypes(user).map((t) => typeIn(t, req.locale));
      const [counts, recent] = await Promise.all([cards.myCounts(user), cards.recent(user, 10)]);
      const mine = types
        .map((t) => ({
          type: t,
          stages: t.stages
            .map((s) => ({ stage: s, n: counts.find((c) => c.type === t.name && c.stage === s.name)?.n ?? 0 }))
            .filter((x) => x.n > 0),
        }))
        .filter((x) => x.stages.length);
      const extra: Record<string, unknown> = {};
      for (const panel of panels) Object.assign(extra, await panel(req, user));
      res.render('dashboard.njk', {
        types,
        mine,
        recent: recent.map((c) => ({ card: c, type: typeIn(cards.types.get(c.type)!, req.locale) })),
        ...extra,
      });
    }),
  };
}
