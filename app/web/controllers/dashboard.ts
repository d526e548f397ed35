// The dashboard: the operator's start page.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';

export function dashboardController(_ctx: AppContext) {
  return {
    async index(_req: Request, res: Response) {
      res.render('dashboard.njk', {});
    },
  };
}
