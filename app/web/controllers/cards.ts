// One card's pages: view, create, edit (with the conflict page), transition,
// delete/restore (the list and its CSV export: card-list.ts). Thin: parse,
// call the card service, render.
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import type { Database } from '#app/db/connection';
import { isMessage, localize, localizeAll, msg, type Text } from '#app/i18n/message';
import { formValue, inputFromLocale, parseCardForm, type FormInput } from '#app/services/card-fields';
import { fieldType } from '#app/fields/registry';
import type { Card } from '#app/services/cards';
import type { CardType, TransitionDef } from '#app/services/card-types';
import { labelOf, typeIn } from '#app/services/card-type-labels';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { allowedTransitions, can } from '#app/services/permissions';
import { displayMaps, fieldText, readerOf } from '#app/web/card-display';
import type { SessionUser } from '#app/services/users';
import { flash } from '#app/web/flash';
import { id, signedIn } from '#app/web/handler';

/** A card type's pages, and one card's. */
const TYPE = { type: 'text' } as const;
const CARD = { type: 'text', id: id(msg('cards.errors.noCard')) } as const;

/** A form as the card service reads it: values typed in the reader's notation (a decimal "1234,50") made plain. */
function formInput(req: Request, type: CardType): FormInput {
  return inputFromLocale(type.fields, (req.body ?? {}) as FormInput, req.locale);
}

/**
 * A service's message in the reader's language. Services name a transition
 * by its default-language label; the reader gets it in theirs.
 */
function said(req: Request, text: Text, tr?: TransitionDef): string {
  if (tr && isMessage(text) && typeof text.params?.transition === 'string') {
    const label = labelOf(tr, req.locale);
    return req.t(text.key, { ...text.params, transition: text.params.transition === tr.label ? label : label.toLowerCase() });
  }
  return localize(req.t, text);
}

/** Field errors in the reader's language; a format error is the field's help line, in their language too. */
function fieldErrors(req: Request, type: CardType, err: ValidationError, tr?: TransitionDef): Record<string, string> {
  const shown = typeIn(type, req.locale);
  const out = localizeAll(req.t, err.fieldTexts);
  for (const [name, text] of Object.entries(err.fieldTexts)) {
    const f = type.fieldMap.get(name);
    if (f?.help !== undefined && text === f.help) out[name] = shown.fieldMap.get(name)!.help!;
    else out[name] = said(req, text, tr);
  }
  return out;
}

/** Extra panels other features put on the card page (tasks, attachments, history). */
export type CardPanelLoader = (req: Request, user: SessionUser, type: CardType, card: Card) => Promise<Record<string, unknown>>;

export interface CardsDeps extends Pick<Services, 'cards'> {
  /** The names of users and cards a page shows (app/web/card-display.ts, app/services/card-export.ts). */
  db: Database;
}

export function cardsController({ cards, db }: CardsDeps, panels: CardPanelLoader[] = []) {
  /** What a card form needs besides values: the users and cards to choose from (the assignee's, and each field's that links to one). */
  async function choices(user: SessionUser, type: CardType) {
    const users: Record<string, { id: number; name: string }[]> = { assignee: await cards.userChoices() };
    const fields: Record<string, { id: number; name: string }[]> = {};
    for (const f of type.fields) {
      const link = fieldType(f).link;
      if (link === 'user') fields[f.name] = f.role ? await cards.userChoices(f.role) : users.assignee;
      if (link === 'card') fields[f.name] = await cards.referenceChoices(user, f.to!);
    }
    return { users, fields };
  }

  async function renderForm(
    req: Request,
    res: Response,
    user: SessionUser,
    type: CardType,
    opts: { card?: Card; values: Record<string, string>; errors?: Record<string, string>; status?: number; message?: string },
  ) {
    res.status(opts.status ?? 200).render('cards/form.njk', {
      type: typeIn(type, req.locale),
      card: opts.card ?? null,
      values: opts.values,
      errors: opts.errors ?? {},
      message: opts.message ?? null,
      choices: await choices(user, type),
    });
  }

  /** The form values of a stored card (times in the user's zone, decimals with the reader's separator). */
  function valuesOf(req: Request, user: SessionUser, type: CardType, card: Card): Record<string, string> {
    const values: Record<string, string> = {
      title: card.title,
      assignee: card.assignee_id ? String(card.assignee_id) : '',
      version: String(card.version),
    };
    for (const f of type.fields) values[f.name] = formValue(f, card.data[f.name], readerOf(req, user));
    return values;
  }

  function rawValues(input: FormInput): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(input)) if (k !== '_csrf') out[k] = Array.isArray(v) ? String(v[v.length - 1]) : String(v ?? '');
    return out;
  }

  /** The card page; `extra` goes on top of what it shows (a comment form with its error), at `status`. */
  async function show(
    req: Request,
    res: Response,
    user: SessionUser,
    typeName: string,
    cardId: number,
    more: Record<string, unknown> = {},
    status = 200,
  ): Promise<void> {
    const card = await cards.getForUser(user, typeName, cardId, { includeDeleted: true });
    const type = cards.typeFor(user, card.type);
    const maps = await displayMaps(db, type, [card]);
    const extra: Record<string, unknown> = {};
    // The panels read independently (attachments, tasks, the timeline): at once, not one after another.
    for (const part of await Promise.all(panels.map((load) => load(req, user, type, card)))) Object.assign(extra, part);
    const shown = typeIn(type, req.locale);
    const reader = readerOf(req, user);
    res.status(status).render('cards/view.njk', {
      type: shown,
      card,
      fields: shown.fields
        .filter((f) => !fieldType(f).holdsFiles)
        .map((f) => ({
          field: f,
          text: fieldText(f, card.data[f.name], maps, reader),
          value: card.data[f.name],
          ref: fieldType(f).link === 'card' ? maps.cards.get(card.data[f.name] as number) : null,
          multiline: fieldType(f).control(f)?.name === 'textarea',
        })),
      stage: shown.stageMap.get(card.stage),
      transitions: card.deleted_at ? [] : allowedTransitions(user, type, card).map((t) => ({ ...t, label: labelOf(t, req.locale) })),
      canUpdate: !card.deleted_at && can(user, type, 'update', card),
      canDelete: !card.deleted_at && can(user, type, 'delete', card),
      canRestore: Boolean(card.deleted_at) && user.isSuperuser,
      ...extra,
      ...more,
    });
  }

  return {
    /** The card page, for other controllers that answer with it (a refused comment keeps its text there). */
    show,

    newForm: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      if (!can(user, type, 'create')) throw new ForbiddenError(msg('cards.errors.mayNotCreate', { types: type.plural.toLowerCase() }));
      await renderForm(req, res, user, type, { values: {} });
    }),

    create: signedIn(TYPE, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      try {
        const card = await cards.create(user, type.name, formInput(req, type));
        flash(req, req.t('cards.flash.created', { number: card.number }));
        res.redirect(303, `/cards/${type.name}/${card.id}`);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        await renderForm(req, res, user, type, {
          values: rawValues(req.body),
          errors: fieldErrors(req, type, err),
          status: 400,
          message: said(req, err.text),
        });
      }
    }),

    view: signedIn(CARD, (req, res, { user, params }) => show(req, res, user, params.type, params.id)),

    editForm: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await cards.getForUser(user, params.type, params.id);
      const type = cards.typeFor(user, card.type);
      if (!can(user, type, 'update', card)) throw new ForbiddenError(msg('cards.errors.mayNotEdit'));
      await renderForm(req, res, user, type, { card, values: valuesOf(req, user, type, card) });
    }),

    update: signedIn(CARD, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const id = params.id;
      try {
        const card = await cards.update(user, type.name, id, formInput(req, type));
        flash(req, req.t('cards.flash.saved', { number: card.number }));
        res.redirect(303, `/cards/${type.name}/${card.id}`);
      } catch (err) {
        if (err instanceof ValidationError) {
          const card = await cards.getForUser(user, type.name, id);
          return renderForm(req, res, user, type, {
            card,
            values: rawValues(req.body),
            errors: fieldErrors(req, type, err),
            status: 400,
            message: said(req, err.text),
          });
        }
        if (err instanceof ConflictError) {
          // Nothing is lost: the stored card, what the user typed, and a form
          // holding their values on top of the current version.
          const stored = err.details.stored as Card;
          const submitted = rawValues(req.body);
          const reader = readerOf(req, user);
          const shown = typeIn(type, req.locale);
          // Both columns read the same way (option labels, user names, money
          // format), so only real differences are highlighted; a value that
          // does not parse is shown as typed.
          const parsed = parseCardForm(type, formInput(req, type), reader.timeZone);
          const maps = await displayMaps(db, type, [stored, { ...stored, data: parsed.data }]);
          const differences = [{ label: req.t('cards.title'), stored: stored.title, submitted: submitted.title ?? '' }];
          for (const f of shown.fields) {
            if (fieldType(f).holdsFiles) continue;
            const mine = f.name in parsed.errors ? (submitted[f.name] ?? '') : fieldText(f, parsed.data[f.name], maps, reader);
            differences.push({ label: f.label, stored: fieldText(f, stored.data[f.name], maps, reader), submitted: mine });
          }
          return res.status(409).render('cards/conflict.njk', {
            type: shown,
            card: stored,
            differences,
            values: { ...submitted, version: String(stored.version) },
            message: said(req, err.text),
            choices: await choices(user, type),
          });
        }
        throw err;
      }
    }),

    transitionForm: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await cards.getForUser(user, params.type, params.id);
      const type = cards.typeFor(user, card.type);
      const tr = allowedTransitions(user, type, card).find((t) => t.name === req.query.name);
      if (!tr) throw new NotFoundError(msg('cards.errors.transitionUnavailable'));
      const shown = typeIn(type, req.locale);
      res.render('cards/transition.njk', {
        type: shown,
        card,
        tr: { ...tr, label: labelOf(tr, req.locale) },
        fields: tr.requires.map((n) => shown.fieldMap.get(n)!),
        values: valuesOf(req, user, type, card),
        errors: {},
        choices: await choices(user, type),
      });
    }),

    transition: signedIn(CARD, async (req, res, { user, params }) => {
      const type = cards.typeFor(user, params.type);
      const id = params.id;
      const name = String(req.body?.transition ?? '');
      try {
        const card = await cards.transition(user, type.name, id, name, formInput(req, type));
        flash(req, req.t('cards.flash.moved', { number: card.number, stage: typeIn(type, req.locale).stageMap.get(card.stage)?.label }));
        // A move on the board goes back to the board (its view kept): only that page, never elsewhere.
        const back = String(req.body?.back ?? '');
        res.redirect(303, back.startsWith(`/cards/${type.name}/board`) && !/[\\\s]/.test(back) ? back : `/cards/${type.name}/${card.id}`);
      } catch (err) {
        const tr = type.transitions.find((t) => t.name === name);
        if (!(err instanceof ValidationError) || !tr || !tr.from.length || err.fields.transition) throw err;
        const card = await cards.getForUser(user, type.name, id);
        const shown = typeIn(type, req.locale);
        res.status(400).render('cards/transition.njk', {
          type: shown,
          card,
          tr: { ...tr, label: labelOf(tr, req.locale) },
          fields: tr.requires.map((n) => shown.fieldMap.get(n)!),
          values: rawValues(req.body),
          errors: fieldErrors(req, type, err, tr),
          message: said(req, err.text, tr),
          choices: await choices(user, type),
        });
      }
    }),

    remove: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await cards.remove(user, params.type, params.id);
      flash(req, req.t('cards.flash.deleted', { number: card.number }), 'info');
      res.redirect(303, `/cards/${card.type}`);
    }),

    restore: signedIn(CARD, async (req, res, { user, params }) => {
      const card = await cards.restore(user, params.type, params.id);
      flash(req, req.t('cards.flash.restored', { number: card.number }));
      res.redirect(303, `/cards/${card.type}/${card.id}`);
    }),
  };
}
