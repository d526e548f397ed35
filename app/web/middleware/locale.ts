// The language of a request: the signed-in user's choice, else the browser's
// Accept-Language, else the installation's default. Mounted twice: before the
// session (so a body or session error page is in the browser's language) and
// after it (the user's choice wins). Templates get `t` and `locale`.
import type { RequestHandler } from 'express';
import type { I18n } from '#app/i18n/i18n';

export function localeMiddleware(i18n: I18n): RequestHandler {
  return (req, res, next) => {
    const locale = i18n.resolve(req.user?.locale, req.get('accept-language'));
    req.locale = locale;
    res.locals.locale = locale;
    req.t = res.locals.t = i18n.t(locale);
    // Before sign-in the answer depends on the header: caches must know.
    if (!req.user) res.vary('Accept-Language');
    next();
  };
}
