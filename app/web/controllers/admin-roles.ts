// /admin/roles (issue 17 item 1): the roles with who holds them; make one;
// /admin/roles/:name: its label and description, its holders, where it is
// used, its rights per card type (action × scope), and delete (refused while
// in use, saying where). Superusers only; every form with its CSRF token.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { localizeAll, msg } from '#app/i18n/message';
import { labelOf } from '#app/services/card-type-labels';
import { ACTIONS } from '#app/services/card-types';
import { ValidationError } from '#app/services/errors';
import { SCOPES } from '#app/services/roles';
import { flash } from '#app/web/flash';
import { matching, originOf, signedIn } from '#app/web/handler';

// i18n-keys: admin.roles.actions.* admin.roles.scopes.*
const ONE = { name: matching(/^[a-z][a-z0-9_-]{0,59}$/, msg('admin.roles.notFound')) };

export type AdminRolesDeps = Pick<Services, 'roles'>;

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

export function adminRolesController({ roles }: AdminRolesDeps) {
  async function renderList(req: Request, res: Response, status = 200, values = { name: '', label: '', description: '' }, errors = {}) {
    res.status(status).render('admin/roles.njk', { roles: await roles.list(), values, errors });
  }

  async function renderRole(req: Request, res: Response, name: string, status = 200, extra: Record<string, unknown> = {}) {
    const role = await roles.get(name);
    res.status(status).render('admin/role.njk', {
      role,
      use: await roles.use(name),
      rights: roles.rights(name).map((r) => ({ ...r, label: labelOf(r.type, req.locale, 'plural') })),
      actions: ACTIONS,
      scopes: SCOPES,
      values: { label: role.label, description: role.description },
      errors: {},
      ...extra,
    });
  }

  return {
    list: signedIn(async (req, res) => renderList(req, res)),

    create: signedIn(async (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values = { name: text(b.name, 200), label: text(b.label, 400), description: text(b.description, 4000) };
      try {
        const role = await roles.create(values);
        flash(req, req.t('admin.roles.flash.created', { label: role.label }));
        res.redirect(303, `/admin/roles/${role.name}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderList(req, res, 400, values, localizeAll(req.t, err.fieldTexts));
      }
    }),

    show: signedIn(ONE, async (req, res, { params }) => renderRole(req, res, params.name[0])),

    update: signedIn(ONE, async (req, res, { params }) => {
      const name = params.name[0];
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values = { label: text(b.label, 400), description: text(b.description, 4000) };
      try {
        await roles.update(name, values);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderRole(req, res, name, 400, { values, errors: localizeAll(req.t, err.fieldTexts) });
      }
      flash(req, req.t('admin.roles.flash.saved'));
      res.redirect(303, `/admin/roles/${name}`);
    }),

    /** The matrix: fields `right.TYPE.ACTION` = none | own | all. */
    setRights: signedIn(ONE, async (req, res, { user, params }) => {
      const name = params.name[0];
      // Maps without a prototype: a field named right.__proto__.read sets nothing shared.
      const input = Object.create(null) as Record<string, Record<string, string>>;
      for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
        const m = /^right\.([^.]+)\.([^.]+)$/.exec(key);
        if (!m) continue;
        if (!Object.hasOwn(input, m[1])) input[m[1]] = Object.create(null) as Record<string, string>;
        input[m[1]][m[2]] = typeof value === 'string' ? value : '';
      }
      try {
        await roles.setRights(name, input, { userId: user.id, origin: originOf(req) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderRole(req, res, name, 400, {
          errors: { rights: req.t('admin.roles.errors.rights'), ...localizeAll(req.t, err.fieldTexts) },
        });
      }
      flash(req, req.t('admin.roles.flash.rightsSaved'));
      res.redirect(303, `/admin/roles/${name}`);
    }),

    remove: signedIn(ONE, async (req, res, { params }) => {
      const name = params.name[0];
      try {
        await roles.remove(name);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderRole(req, res, name, 400, { errors: localizeAll(req.t, err.fieldTexts) });
      }
      flash(req, req.t('admin.roles.flash.deleted', { name }));
      res.redirect(303, '/admin/roles');
    }),
  };
}
