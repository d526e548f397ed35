// /admin/requests: the request log, newest first, with filters in the URL.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { parseRequestLogQuery, RequestLogSearch, requestLogParams, type RequestLogQuery } from '#app/services/request-log-search';

export function adminRequestsController(ctx: AppContext) {
  const search = new RequestLogSearch(ctx.db);

  return {
    async list(req: Request, res: Response) {
      const query = parseRequestLogQuery(req.query as Record<string, unknown>);
      const timeZone = req.user!.timeZone;
      const { page, errors } = await search.search(query, timeZone);
      res.status(Object.keys(errors).length ? 400 : 200).render('admin/requests.njk', {
        query,
        page,
        errors,
        timeZone,
        stats: ctx.services.requestLog.stats(),
        pageUrl: (n: number) => `/admin/requests${requestLogParams(query, { page: n } as Partial<RequestLogQuery>)}`,
      });
    },
  };
}
