// /admin/users: list, create, disable, roles, password reset.
import type { Request, Response } from 'express';
import type { AppContext } from '#app/context';
import { ValidationError } from '#app/services/errors';
import { flash } from '#app/web/flash';

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value ? [value] : [];
}

export function adminUsersController(ctx: AppContext) {
  const users = ctx.services.users;

  async function renderEdit(req: Request, res: Response, status = 200, errors: Record<string, string> = {}) {
    const user = await users.get(Number(req.params.id));
    const roles = await users.roles();
    const session = await users.sessionUser(user.id);
    res.status(status).render('admin/user-edit.njk', {
      subject: user,
      subjectRoles: session?.roles ?? (await ctx.db.rows<{ name: string }>('select r.name from roles r join user_roles ur on ur.role_id = r.id where ur.user_id = $1', [user.id])).map((r) => r.name),
      roles,
      errors,
    });
  }

  return {
    async list(_req: Request, res: Response) {
      res.render('admin/users.njk', { users: await users.list() });
    },

    async newForm(_req: Request, res: Response) {
      res.render('admin/user-new.njk', { values: { time_zone: ctx.settings.timeZone, roles: [] }, errors: {}, roles: await users.roles() });
    },

    async create(req: Request, res: Response) {
      const b = req.body as Record<string, unknown>;
      const values = {
        email: String(b.email ?? ''),
        display_name: String(b.display_name ?? ''),
        time_zone: String(b.time_zone ?? ''),
        is_superuser: b.is_superuser === 'on',
        roles: list(b.roles),
      };
      try {
        const user = await users.create({
          email: values.email,
          displayName: values.display_name,
          password: String(b.password ?? ''),
          timeZone: values.time_zone,
          isSuperuser: values.is_superuser,
          roles: values.roles,
        });
        flash(req, `User ${user.email} created.`);
        res.redirect(303, `/admin/users/${user.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('admin/user-new.njk', { values, errors: err.fields, roles: await users.roles() });
      }
    },

    async edit(req: Request, res: Response) {
      await renderEdit(req, res);
    },

    async setActive(req: Request, res: Response) {
      const id = Number(req.params.id);
      const active = req.body?.active === '1';
      if (!active && id === req.user!.id) {
        return renderEdit(req, res, 400, { active: 'You cannot disable your own account.' });
      }
      await users.setActive(id, active);
      flash(req, active ? 'User enabled.' : 'User disabled; their sessions have ended.');
      res.redirect(303, `/admin/users/${id}`);
    },

    async setRoles(req: Request, res: Response) {
      const id = Number(req.params.id);
      try {
        await users.setRoles(id, list(req.body?.roles));
        if (id !== req.user!.id) await users.setSuperuser(id, req.body?.is_superuser === 'on');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(req, res, 400, err.fields);
      }
      flash(req, 'Roles saved.');
      res.redirect(303, `/admin/users/${id}`);
    },

    async resetPassword(req: Request, res: Response) {
      const id = Number(req.params.id);
      try {
        await users.resetPassword(id, String(req.body?.password ?? ''));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(req, res, 400, err.fields);
      }
      flash(req, 'Password changed; the user’s sessions have ended.');
      res.redirect(303, `/admin/users/${id}`);
    },
  };
}
