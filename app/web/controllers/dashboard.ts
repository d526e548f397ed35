// The dashboard: the operator's start page — my cards by type and stage,
// recently changed cards, and every card type the user may read.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { typeIn } from '#app/services/card-type-labels';

/** More dashboard panels (tasks, engine state) from other features. */
export type DashboardPanel = (ctx: AppContext, req: Request) => Promise<Record<string, unknown>>;

export function dashboardController(ctx: AppContext, panels: DashboardPanel[] = []) {
  const cards = ctx.services.cards;
  return {
    async index(req: Request, res: Response) {
      const user = req.user!;
      const types = cards.readableTypes(user).map((t) => typeIn(t, req.locale));
      const [counts, recent] = await Promise.all([cards.myCounts(user), cards.recent(user, 10)]);
      const mine = types
        .map((t) => ({
          type: t,
          stages: t.stages.map((s) => ({ stage: s, n: counts.find((c) => c.type === t.name && c.stage === s.name)?.n ?? 0 })).filter((x) => x.n > 0),
        }))
        .filter((x) => x.stages.length);
      const extra: Record<string, unknown> = {};
      for (const panel of panels) Object.assign(extra, await panel(ctx, req));
      res.render('dashboard.njk', {
        types,
        mine,
        recent: recent.map((c) => ({ card: c, type: typeIn(cards.types.get(c.type)!, req.locale) })),
        ...extra,
      });
    },
  };
}
