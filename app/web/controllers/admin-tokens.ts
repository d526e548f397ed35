// /admin/tokens: every user's personal access tokens (never the tokens
// themselves), and revoking any of them.
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('tokens.errors.notFound')) };

export type AdminTokensDeps = Pick<Services, 'tokens'>;

export function adminTokensController({ tokens }: AdminTokensDeps) {
  return {
    list: signedIn(async (_req, res) => {
      res.render('tokens/admin.njk', { tokens: await tokens.list() });
    }),

    revoke: signedIn(ONE, async (req, res, { user, params }) => {
      const row = await tokens.revoke(params.id, user);
      flash(req, req.t('tokens.flash.revokedOf', { name: row.name, prefix: row.prefix }), 'info');
      res.redirect(303, '/admin/tokens');
    }),
  };
}
