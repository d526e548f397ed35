// /admin/users: list, create, disable, roles, password reset.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { localizeAll } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value ? [value] : [];
}

export function adminUsersController(ctx: AppContext) {
  const users = ctx.services.users;

  /** The shipped languages by their own names, for the Language select. */
  const languages = () => users.locales().map((code) => ({ code, name: ctx.i18n.nativeName(code) }));

  async function renderEdit(req: Request, res: Response, status = 200, errors: Record<string, string> = {}) {
    const user = await users.get(Number(req.params.id));
    const roles = await users.roles();
    const session = await users.sessionUser(user.id);
    res.status(status).render('admin/user-edit.njk', {
      subject: user,
      subjectRoles: session?.roles ?? (await ctx.db.rows<{ name: string }>('select r.name from roles r join user_roles ur on ur.role_id = r.id where ur.user_id = $1', [user.id])).map((r) => r.name),
      roles,
      errors,
      languages: languages(),
    });
  }

  return {
    async list(_req: Request, res: Response) {
      res.render('admin/users.njk', { users: await users.list() });
    },

    async newForm(_req: Request, res: Response) {
      res.render('admin/user-new.njk', { values: { time_zone: ctx.settings.timeZone, roles: [], locale: '' }, errors: {}, roles: await users.roles(), languages: languages() });
    },

    async create(req: Request, res: Response) {
      const b = req.body as Record<string, unknown>;
      const values = {
        email: String(b.email ?? ''),
        display_name: String(b.display_name ?? ''),
        time_zone: String(b.time_zone ?? ''),
        is_superuser: b.is_superuser === 'on',
        roles: list(b.roles),
        locale: typeof b.locale === 'string' ? b.locale : '',
      };
      try {
        const user = await users.create({
          email: values.email,
          displayName: values.display_name,
          password: String(b.password ?? ''),
          timeZone: values.time_zone,
          isSuperuser: values.is_superuser,
          roles: values.roles,
          locale: values.locale || null,
        });
        flash(req, req.t('admin.users.flash.created', { email: user.email }));
        res.redirect(303, `/admin/users/${user.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('admin/user-new.njk', { values, errors: localizeAll(req.t, err.fieldTexts), roles: await users.roles(), languages: languages() });
      }
    },

    async edit(req: Request, res: Response) {
      await renderEdit(req, res);
    },

    async setActive(req: Request, res: Response) {
      const id = Number(req.params.id);
      const active = req.body?.active === '1';
      if (!active && id === req.user!.id) {
        return renderEdit(req, res, 400, { active: req.t('admin.users.cannotDisableSelf') });
      }
      await users.setActive(id, active);
      flash(req, req.t(active ? 'admin.users.flash.enabled' : 'admin.users.flash.disabled'));
      res.redirect(303, `/admin/users/${id}`);
    },

    async setRoles(req: Request, res: Response) {
      const id = Number(req.params.id);
      try {
        await users.setRoles(id, list(req.body?.roles));
        if (id !== req.user!.id) await users.setSuperuser(id, req.body?.is_superuser === 'on');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(req, res, 400, localizeAll(req.t, err.fieldTexts));
      }
      flash(req, req.t('admin.users.flash.rolesSaved'));
      res.redirect(303, `/admin/users/${id}`);
    },

    /** The user's language; when it is the admin's own, the next page (this redirect's) is in it. */
    async setLocale(req: Request, res: Response) {
      const id = Number(req.params.id);
      const raw = typeof req.body?.locale === 'string' ? req.body.locale : '';
      try {
        await users.setLocale(id, raw || null);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(req, res, 400, localizeAll(req.t, err.fieldTexts));
      }
      // The flash is read on the next page: in the language it will be shown in.
      const next = id === req.user!.id ? ctx.i18n.t(ctx.i18n.resolve(raw || null, req.get('accept-language'))) : req.t;
      flash(req, next('admin.users.flash.languageSaved'));
      res.redirect(303, `/admin/users/${id}`);
    },

    async resetPassword(req: Request, res: Response) {
      const id = Number(req.params.id);
      try {
        await users.resetPassword(id, String(req.body?.password ?? ''));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(req, res, 400, localizeAll(req.t, err.fieldTexts));
      }
      flash(req, req.t('admin.users.flash.passwordChanged'));
      res.redirect(303, `/admin/users/${id}`);
    },
  };
}
