// /admin/requests: the request log, newest first, with filters in the URL.
import type { Services } from '#app/context';
import { parseRequestLogQuery, requestLogParams, type RequestLogQuery } from '#app/services/request-log-search';
import { signedIn } from '#app/web/handler';

export type AdminRequestsDeps = Pick<Services, 'requestLogSearch' | 'requestLog'>;

export function adminRequestsController({ requestLogSearch: search, requestLog }: AdminRequestsDeps) {
  return {
    list: signedIn(async (req, res, { user }) => {
      const query = parseRequestLogQuery(req.query as Record<string, unknown>);
      const timeZone = user.timeZone;
      const { page, errors } = await search.search(query, timeZone);
      res.status(Object.keys(errors).length ? 400 : 200).render('admin/requests.njk', {
        query,
        page,
        errors,
        timeZone,
        stats: requestLog.stats(),
        pageUrl: (n: number) => `/admin/requests${requestLogParams(query, { page: n } as Partial<RequestLogQuery>)}`,
      });
    }),
  };
}
