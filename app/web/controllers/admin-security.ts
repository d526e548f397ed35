// /admin/security: the sign-in audit, newest first, with filters in the URL
// (kind, user, days) so that a link reproduces the view.
import type { Services } from '#app/context';
import { AUTH_EVENT_KINDS, authEventParams, parseAuthEventQuery, type AuthEventQuery } from '#app/services/auth-events';
import { signedIn } from '#app/web/handler';

export type AdminSecurityDeps = Pick<Services, 'authEvents'>;

export function adminSecurityController({ authEvents }: AdminSecurityDeps) {
  return {
    list: signedIn(async (req, res, { user }) => {
      const query = parseAuthEventQuery(req.query as Record<string, unknown>);
      const { page, errors } = await authEvents.search(query, user.timeZone);
      res.status(Object.keys(errors).length ? 400 : 200).render('admin/security.njk', {
        query,
        page,
        errors,
        kinds: AUTH_EVENT_KINDS,
        timeZone: user.timeZone,
        pageUrl: (n: number) => `/admin/security${authEventParams(query, { page: n } as Partial<AuthEventQuery>)}`,
      });
    }),
  };
}
