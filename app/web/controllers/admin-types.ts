// /admin/types (issue 17 item 3): the card types with their versions; the
// designer — the type's definition as YAML beside a preview of its form and
// process that follows the text as it is typed, a dry run that shows the diff
// and the cards each change touches, the stages removed cards must move to,
// and the save (a new version, in use everywhere at once); every version with
// its diff, viewable and restorable. Superusers only; every form with CSRF.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { msg } from '#app/i18n/message';
import { diffDefinitions, type TypeImpact } from '#app/services/card-type-changes';
import { draftText, placeProblems, readDraft, type Draft, type DraftProblem } from '#app/services/card-type-draft';
import { labelOf, typeIn } from '#app/services/card-type-labels';
import { UnsafeChangeError, type TypeVersion } from '#app/services/card-type-store';
import type { CardType } from '#app/services/card-types';
import { ConflictError, ValidationError } from '#app/services/errors';
import { processDiagram } from '#app/services/process-diagram';
import { flash } from '#app/web/flash';
import { id, matching, signedIn } from '#app/web/handler';

// i18n-keys: admin.types.sources.* admin.types.diff.*
const ONE = { name: matching(/^[a-z][a-z0-9_]{0,62}$/, msg('admin.types.notFound')) };
const VERSION = { ...ONE, version: id(msg('admin.types.notFound')) };
const MAX_TEXT = 200_000;

export type AdminTypesDeps = Pick<Services, 'cardTypeStore' | 'cards' | 'roles'> & { defaultLocale: string };

interface DesignerForm {
  definition: string;
  comment: string;
  expected: number | null;
  moves: Record<string, string>;
}

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

function readForm(body: unknown): DesignerForm & { action: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const moves = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(b)) {
    const m = /^move\.([a-z][a-z0-9_]{0,62})$/.exec(k);
    if (m && typeof v === 'string' && v) moves[m[1]] = v;
  }
  const expected = typeof b.expected === 'string' && /^\d{1,9}$/.test(b.expected) ? Number(b.expected) : null;
  return { definition: text(b.definition, MAX_TEXT), comment: text(b.comment, 1000), expected, moves, action: text(b.action, 20) };
}

/** A starting point for a new type: three fields and a three-stage process, to be renamed. */
const STARTER = `name: new_type
label: { en: New type, ru: Новый тип }
plural: { en: New types, ru: Новые типы }
prefix: NT
fields:
  - { name: customer, type: string, label: { en: Customer, ru: Клиент }, required: true, max: 200 }
  - { name: amount, type: decimal, label: { en: Amount, ru: Сумма }, min: 0 }
  - { name: notes, type: text, label: { en: Notes, ru: Заметки }, max: 10000 }
list:
  columns: [number, title, stage, customer, assignee, updated_at]
search: [customer, notes]
process:
  initial: open
  stages:
    - { name: open, label: { en: Open, ru: Открыта }, sla: P2D }
    - { name: in_work, label: { en: In work, ru: В работе } }
    - { name: done, label: { en: Done, ru: Готово }, final: true }
  transitions:
    - { name: take, label: { en: Take, ru: Взять }, from: [open], to: in_work, roles: [manager] }
    - { name: finish, label: { en: Finish, ru: Завершить }, from: [in_work], to: done, roles: [manager] }
permissions:
  manager: { read: all, create: all, update: all, delete: all, transition: all }
`;

export function adminTypesController({ cardTypeStore: store, cards, roles, defaultLocale }: AdminTypesDeps) {
  /** The preview of a draft: its form and process as the reader's language shows them, or its problems. */
  function preview(req: Request, form: DesignerForm, name: string | null, read?: Draft) {
    const draft = read ?? readDraft(form.definition, cards.types, name, defaultLocale);
    if (!draft.ok) return { draft, problems: draft.problems, shown: null, diagram: null };
    const shown = typeIn(draft.type, req.locale);
    return { draft, problems: [] as DraftProblem[], shown, diagram: processDiagram(draft.type, req.locale, roles.labels()) };
  }

  async function render(
    req: Request,
    res: Response,
    name: string | null,
    form: DesignerForm,
    extra: {
      status?: number;
      problems?: DraftProblem[];
      impact?: TypeImpact;
      checked?: boolean;
      conflict?: TypeVersion;
      draft?: Draft;
    } = {},
  ) {
    const current: CardType | undefined = name ? cards.types.get(name) : undefined;
    // Every version, newest first: the latest is the one the draft is compared with.
    const versions = name ? await store.history(name) : [];
    const stored = versions[0] ?? null;
    const p = preview(req, form, name, extra.draft);
    const diff = stored && p.draft.raw ? diffDefinitions(stored.definition, p.draft.raw) : [];
    const newStages = p.shown ? p.shown.stages : [];
    res.status(extra.status ?? 200).render('admin/type.njk', {
      name,
      label: current ? labelOf(current, req.locale, 'plural') : null,
      versions,
      current: stored?.version ?? null,
      form,
      problems: extra.problems ?? p.problems,
      preview: p,
      diff,
      impact: extra.impact ?? null,
      checked: extra.checked ?? false,
      moveTargets: newStages,
      conflict: extra.conflict ? { version: extra.conflict, text: draftText(extra.conflict.definition) } : null,
    });
  }

  async function save(req: Request, res: Response, name: string | null, userId: number) {
    const form = readForm(req.body);
    const draft = readDraft(form.definition, cards.types, name, defaultLocale);
    if (!draft.ok) return render(req, res, name, form, { status: 400, draft });
    const dryRun = form.action !== 'save';
    try {
      const result = await store.save(draft.raw, {
        expected: name ? form.expected : null,
        comment: form.comment,
        moves: form.moves,
        authorId: userId,
        dryRun,
      });
      if (dryRun) return render(req, res, name, form, { impact: result.impact, checked: true, draft });
      flash(
        req,
        req.t(result.moveJob ? 'admin.types.flash.savedMoving' : 'admin.types.flash.saved', {
          version: result.version,
          job: result.moveJob ?? '',
        }),
      );
      res.redirect(303, `/admin/types/${draft.type.name}`);
    } catch (err) {
      if (err instanceof ConflictError)
        return render(req, res, name, form, { status: 409, conflict: err.details.stored as TypeVersion, draft });
      if (!(err instanceof ValidationError)) throw err;
      const impact = err instanceof UnsafeChangeError ? err.impact : undefined;
      return render(req, res, name, form, {
        status: 400,
        problems: placeProblems(form.definition, err.fields),
        impact,
        checked: Boolean(impact),
        draft,
      });
    }
  }

  return {
    list: signedIn(async (req, res) => {
      const types = cards.types.all.map((t) => ({
        name: t.name,
        prefix: t.prefix,
        label: labelOf(t, req.locale, 'plural'),
        version: store.versionOf(t.name),
      }));
      res.render('admin/types.njk', { types });
    }),

    newType: signedIn(async (req, res) => render(req, res, null, { definition: STARTER, comment: '', expected: null, moves: {} })),

    create: signedIn(async (req, res, { user }) => save(req, res, null, user.id)),

    show: signedIn(ONE, async (req, res, { params }) => {
      const stored = await store.version(params.name[0]);
      await render(req, res, stored.card_type, {
        definition: draftText(stored.definition),
        comment: '',
        expected: stored.version,
        moves: {},
      });
    }),

    save: signedIn(ONE, async (req, res, { user, params }) => {
      await store.version(params.name[0]);
      await save(req, res, params.name[0], user.id);
    }),

    /** The preview alone (the designer's script asks for it as the text changes). */
    preview: signedIn(async (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const name = typeof b.name === 'string' && cards.types.get(b.name) ? b.name : null;
      const form = { ...readForm(b), moves: {} };
      const p = preview(req, form, name);
      res.render('admin/type-preview.njk', { preview: p, problems: p.problems, live: true });
    }),

    version: signedIn(VERSION, async (req, res, { params }) => {
      const name = params.name[0];
      const v = await store.version(name, params.version);
      const previous = v.version > 1 ? await store.version(name, v.version - 1) : null;
      res.render('admin/type-version.njk', {
        name,
        v,
        text: draftText(v.definition),
        diff: previous ? diffDefinitions(previous.definition, v.definition) : [],
        latest: store.versionOf(name),
      });
    }),

    /** An older version as the next one: into the designer, checked as any change (removed stages ask where cards go). */
    restore: signedIn(VERSION, async (req, res, { params }) => {
      const name = params.name[0];
      const v = await store.version(name, params.version);
      await render(req, res, name, {
        definition: draftText(v.definition),
        comment: req.t('admin.types.restoredFrom', { version: v.version }),
        expected: store.versionOf(name),
        moves: {},
      });
    }),
  };
}
