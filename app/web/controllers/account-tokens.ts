// /account/tokens: the signed-in user's personal access tokens for the REST
// API — make one (shown once, on the answer to the form: never stored, never
// in a flash cookie or a redirect), see them, revoke one. /admin/tokens
// (app/web/controllers/admin-tokens.ts) lists and revokes everyone's.
import type { Services } from '#app/context';
import { localize, localizeAll, msg } from '#app/i18n/message';
import { EXPIRES_MAX_DAYS, parseNewToken } from '#app/services/api-tokens';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('tokens.errors.notFound')) };
/** The expiries the form offers, in days ('' never). */
export const EXPIRY_CHOICES = ['7', '30', '90', '365', ''];

export type AccountTokensDeps = Pick<Services, 'tokens'>;

export function accountTokensController({ tokens }: AccountTokensDeps) {
  return {
    list: signedIn(async (_req, res, { user }) => {
      res.render('tokens/account.njk', {
        tokens: await tokens.list(user.id),
        values: { scope: 'read', expires: '90' },
        errors: {},
        expiries: EXPIRY_CHOICES,
        created: null,
      });
    }),

    create: signedIn(async (req, res, { user }) => {
      const body = req.body as Record<string, unknown>;
      const values = { name: String(body.name ?? ''), scope: String(body.scope ?? 'read'), expires: String(body.expires ?? '') };
      try {
        const input = parseNewToken({ name: values.name, scope: values.scope, expires: values.expires === '' ? null : values.expires });
        const { token, row } = await tokens.create(user.id, input, user.id);
        res.status(201).render('tokens/account.njk', {
          tokens: await tokens.list(user.id),
          values: { scope: 'read', expires: '90' },
          errors: {},
          expiries: EXPIRY_CHOICES,
          created: { token, row },
        });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('tokens/account.njk', {
          tokens: await tokens.list(user.id),
          values,
          errors: localizeAll(req.t, err.fieldTexts),
          message: localize(req.t, err.text),
          expiries: EXPIRY_CHOICES,
          maxDays: EXPIRES_MAX_DAYS,
          created: null,
        });
      }
    }),

    revoke: signedIn(ONE, async (req, res, { user, params }) => {
      const row = await tokens.revoke(params.id, user);
      flash(req, req.t('tokens.flash.revoked', { name: row.name, prefix: row.prefix }), 'info');
      res.redirect(303, '/account/tokens');
    }),
  };
}
