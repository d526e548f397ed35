// /admin/recognition (issue 21): the thresholds (minimum score, minimum face
// size, match distance), recognition on or off per card type, "run again"
// on one attachment, one card, one card type or everything (a job with
// progress on /admin/jobs), a full regroup, and the engine's state: workers
// and their models, queue depth, faces per minute, the last error.
// Superusers only; every form with its CSRF token. Turning a type off
// purges its faces (a job); a new match distance regroups (a job).
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { localizeAll, msg } from '#app/i18n/message';
import { labelOf } from '#app/services/card-type-labels';
import { ValidationError } from '#app/services/errors';
import { FACE_MODEL } from '#app/services/face-engine';
import { parseRecognitionForm, readRecognitionSettings, saveRecognitionSettings } from '#app/services/recognition-settings';
import { recognitionStatus } from '#app/services/recognition-status';
import { flash } from '#app/web/flash';
import { signedIn } from '#app/web/handler';

export interface AdminRecognitionDeps extends Pick<Services, 'cards' | 'jobs'> {
  db: Database;
}

// i18n-keys: recognition.scopes.*
const SCOPES = ['media', 'card', 'type', 'all'] as const;

export function adminRecognitionController({ cards, jobs, db }: AdminRecognitionDeps) {
  const typeNames = () => cards.types.all.map((t) => t.name);

  async function render(req: Request, res: Response, status = 200, extra: Record<string, unknown> = {}) {
    const s = await readRecognitionSettings(db);
    res.status(status).render('admin/recognition.njk', {
      form: { minScore: String(s.minScore), minSize: String(s.minSize), matchDistance: String(s.matchDistance) },
      types: cards.types.all.map((t) => ({
        name: t.name,
        label: labelOf(t, req.locale, 'plural') || t.name,
        on: !s.offTypes.includes(t.name),
      })),
      engine: await recognitionStatus(db),
      model: FACE_MODEL,
      run: { scope: 'all', target: '' },
      errors: {},
      ...extra,
    });
  }

  return {
    show: signedIn(async (req, res) => render(req, res)),

    save: signedIn(async (req, res, { user }) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const before = await readRecognitionSettings(db);
      let next;
      try {
        next = parseRecognitionForm(body, typeNames());
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const form = {
          minScore: String(body.minScore ?? ''),
          minSize: String(body.minSize ?? ''),
          matchDistance: String(body.matchDistance ?? ''),
        };
        return render(req, res, 400, { form, errors: localizeAll(req.t, err.fieldTexts) });
      }
      const turnedOff = next.offTypes.filter((t) => !before.offTypes.includes(t));
      await db.transaction(async (t) => {
        await saveRecognitionSettings(db, t, next, user.id);
        if (turnedOff.length) await jobs.enqueue('faces.purge', { types: turnedOff }, { transaction: t });
        if (next.matchDistance !== before.matchDistance) await jobs.enqueue('faces.regroup', {}, { transaction: t });
      });
      flash(req, req.t('recognition.flash.saved'));
      if (turnedOff.length) flash(req, req.t('recognition.flash.purging', { types: turnedOff.join(', ') }));
      res.redirect(303, '/admin/recognition');
    }),

    runAgain: signedIn(async (req, res) => {
      const scope = SCOPES.find((s) => s === req.body?.scope) ?? null;
      const target = typeof req.body?.target === 'string' ? req.body.target.trim().slice(0, 100) : '';
      const id = Number(target);
      const bad = (text: ReturnType<typeof msg>) =>
        render(req, res, 400, { run: { scope: scope ?? 'all', target }, errors: { target: localizeAll(req.t, { target: text }).target } });
      if (!scope) return bad(msg('recognition.errors.scope'));
      if ((scope === 'media' || scope === 'card') && !(Number.isSafeInteger(id) && id > 0)) return bad(msg('recognition.errors.id'));
      if (scope === 'type' && !typeNames().includes(target)) return bad(msg('recognition.errors.type', { types: typeNames().join(', ') }));
      const payload = {
        scope,
        run: Date.now(),
        ...(scope === 'media' || scope === 'card' ? { id } : {}),
        ...(scope === 'type' ? { type: target } : {}),
      };
      const job = await jobs.enqueue('faces.run_again', payload);
      flash(req, req.t('recognition.flash.runQueued', { id: job.id }));
      res.redirect(303, '/admin/recognition');
    }),

    regroup: signedIn(async (req, res) => {
      const job = await jobs.enqueue('faces.regroup', {});
      flash(req, req.t('recognition.flash.regroupQueued', { id: job.id }));
      res.redirect(303, '/admin/recognition');
    }),
  };
}
