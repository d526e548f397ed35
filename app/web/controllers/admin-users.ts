// /admin/users: list, create, disable, roles, password reset.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import type { I18n } from '#app/i18n/i18n';
import { localizeAll, msg } from '#app/i18n/message';
import { ValidationError } from '#app/services/errors';
import { queryString } from '#app/services/query-params';
import { flash } from '#app/web/flash';
import { id, originOf, signedIn } from '#app/web/handler';

const ONE = { id: id(msg('accounts.noUser')) };

interface Typed {
  profile?: ProfileValues;
  phone?: string;
}

interface ProfileValues {
  email: string;
  display_name: string;
  time_zone: string;
}

function one(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value ? [value] : [];
}

export interface AdminUsersDeps extends Pick<Services, 'users' | 'accountSessions' | 'twoFactor' | 'passwordReset' | 'userDirectory'> {
  /** The roles of a disabled user (who has no session user). */
  db: Database;
  i18n: I18n;
  /** The new user form's default zone (the setting timeZone). */
  timeZone: string;
}

export function adminUsersController({
  users,
  accountSessions,
  twoFactor,
  passwordReset,
  userDirectory,
  db,
  i18n,
  timeZone,
}: AdminUsersDeps) {
  /** The shipped languages by their own names, for the Language select. */
  const languages = () => users.locales().map((code) => ({ code, name: i18n.nativeName(code) }));

  /** The user's page; `typed` keeps what a refused form sent (the profile's fields, the phone). */
  async function renderEdit(res: Response, id: number, status = 200, errors: Record<string, string> = {}, typed: Typed = {}) {
    const user = await users.get(id);
    const roles = await users.roles();
    const session = await users.sessionUser(user.id);
    res.status(status).render('admin/user-edit.njk', {
      subject: user,
      profile: typed.profile ?? { email: user.email, display_name: user.display_name, time_zone: user.time_zone },
      phone: typed.phone ?? user.phone ?? '',
      subjectRoles:
        session?.roles ??
        (
          await db.rows<{ name: string }>('select r.name from roles r join user_roles ur on ur.role_id = r.id where ur.user_id = $1', [
            user.id,
          ])
        ).map((r) => r.name),
      roles,
      errors,
      languages: languages(),
      twoFactor: await twoFactor.status(user.id),
    });
  }

  return {
    /** Filtered by `q` (email or name), `role`, `status`; 50 a page. */
    async list(req: Request, res: Response) {
      const filter = {
        q: one(req.query.q).slice(0, 200),
        role: one(req.query.role),
        status: (['active', 'disabled'] as const).find((s) => s === one(req.query.status)),
        page: Number(one(req.query.page)) || 1,
      };
      const found = await userDirectory.search(filter);
      const keep = { q: filter.q, role: filter.role, status: filter.status ?? '', page: found.page };
      res.render('admin/users.njk', {
        ...found,
        filter: keep,
        roles: await users.roles(),
        query: (page: number) => queryString(keep, { page }),
      });
    },

    async newForm(_req: Request, res: Response) {
      res.render('admin/user-new.njk', {
        values: { time_zone: timeZone, roles: [], locale: '' },
        errors: {},
        roles: await users.roles(),
        languages: languages(),
      });
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
        res.status(400).render('admin/user-new.njk', {
          values,
          errors: localizeAll(req.t, err.fieldTexts),
          roles: await users.roles(),
          languages: languages(),
        });
      }
    },

    edit: signedIn(ONE, async (_req, res, { params }) => {
      await renderEdit(res, params.id);
    }),

    setActive: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      const active = req.body?.active === '1';
      if (!active && id === user.id) {
        return renderEdit(res, id, 400, { active: req.t('admin.users.cannotDisableSelf') });
      }
      await users.setActive(id, active, { userId: user.id, origin: originOf(req) });
      flash(req, req.t(active ? 'admin.users.flash.enabled' : 'admin.users.flash.disabled'));
      res.redirect(303, `/admin/users/${id}`);
    }),

    setRoles: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      try {
        const by = { userId: user.id, origin: originOf(req) };
        await users.setRoles(id, list(req.body?.roles), by);
        if (id !== user.id) await users.setSuperuser(id, req.body?.is_superuser === 'on', by);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts));
      }
      flash(req, req.t('admin.users.flash.rolesSaved'));
      res.redirect(303, `/admin/users/${id}`);
    }),

    /** Every session of the user ends (they sign in again); recorded. */
    endSessions: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      await users.get(id);
      const count = await accountSessions.endAll(id, { userId: user.id, origin: originOf(req) });
      flash(req, req.t('admin.users.flash.sessionsEnded', { count }));
      res.redirect(303, `/admin/users/${id}`);
    }),

    /** The user's language; when it is the admin's own, the next page (this redirect's) is in it. */
    setLocale: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      const raw = typeof req.body?.locale === 'string' ? req.body.locale : '';
      try {
        await users.setLocale(id, raw || null);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts));
      }
      // The flash is read on the next page: in the language it will be shown in.
      const next = id === user.id ? i18n.t(i18n.resolve(raw || null, req.get('accept-language'))) : req.t;
      flash(req, next('admin.users.flash.languageSaved'));
      res.redirect(303, `/admin/users/${id}`);
    }),

    /** Name, email and time zone; errors at the fields with the input kept. */
    profile: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const values = { email: String(b.email ?? ''), display_name: String(b.display_name ?? ''), time_zone: String(b.time_zone ?? '') };
      try {
        const input = { email: values.email, displayName: values.display_name, timeZone: values.time_zone };
        await userDirectory.updateProfile(id, input, { userId: user.id, origin: originOf(req) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts), { profile: values });
      }
      flash(req, req.t('admin.users.flash.profileSaved'));
      res.redirect(303, `/admin/users/${id}`);
    }),

    /** Mails the user the reset link of /password/forgot. */
    sendResetLink: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      let email: string;
      try {
        email = await passwordReset.sendFor(id, { userId: user.id, origin: originOf(req) }, req.locale);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts));
      }
      flash(req, req.t('admin.users.flash.resetLinkSent', { email }));
      res.redirect(303, `/admin/users/${id}`);
    }),

    /** The user's phone number for SMS; a bad one: the page with the field's message and what was typed. */
    setPhone: signedIn(ONE, async (req, res, { params: { id } }) => {
      const typed = typeof req.body?.phone === 'string' ? req.body.phone : '';
      try {
        await userDirectory.setPhone(id, typed);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts), { phone: typed });
      }
      flash(req, req.t('sms.phone.saved'));
      res.redirect(303, `/admin/users/${id}`);
    }),

    resetPassword: signedIn(ONE, async (req, res, { user, params: { id } }) => {
      try {
        await users.resetPassword(id, String(req.body?.password ?? ''), { userId: user.id, origin: originOf(req) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return renderEdit(res, id, 400, localizeAll(req.t, err.fieldTexts));
      }
      flash(req, req.t('admin.users.flash.passwordChanged'));
      res.redirect(303, `/admin/users/${id}`);
    }),
  };
}
