// /api/v1/card-types (what the caller may read: fields, stages, transitions,
// their own permissions) and /api/v1/users (id and name of active users: the
// choices of an assignee or a user field, as every card form offers them).
import type { Services } from '#app/context';
import { fieldType } from '#app/fields/registry';
import { msg } from '#app/i18n/message';
import { labelOf, typeIn } from '#app/services/card-type-labels';
import { ACTIONS, type CardType } from '#app/services/card-types';
import { NotFoundError } from '#app/services/errors';
import { scopeFor } from '#app/services/permissions';
import type { SessionUser } from '#app/services/users';
import { api } from '#app/web/api/auth';
import { id } from '#app/web/handler';

const TYPE = { type: 'text' } as const;
const USER = { id: id(msg('accounts.noUser')) };

/** A card type as the API describes it (the `CardTypeInfo` schema), in the caller's language. */
export function cardTypeJson(type: CardType, user: SessionUser, locale: string) {
  const shown = typeIn(type, locale);
  return {
    name: type.name,
    label: shown.label,
    plural: shown.plural,
    prefix: type.prefix,
    fields: shown.fields.map((f) => ({
      name: f.name,
      type: f.type,
      label: f.label,
      required: f.required,
      help: f.help ?? null,
      options: f.options?.map((o) => ({ value: o.value, label: o.label })) ?? null,
      to: f.to ?? null,
      attachments: fieldType(f).holdsFiles,
    })),
    initial: type.initial,
    stages: shown.stages.map((s) => ({ name: s.name, label: s.label, final: s.final })),
    transitions: type.transitions.map((t) => ({ name: t.name, label: labelOf(t, locale), from: t.from, to: t.to, requires: t.requires })),
    permissions: Object.fromEntries(ACTIONS.map((a) => [a, scopeFor(user, type, a)])),
  };
}

export type ApiDirectoryDeps = Pick<Services, 'cards'>;

export function apiDirectoryController({ cards }: ApiDirectoryDeps) {
  return {
    types: api(async (req, res, { caller: { user } }) => {
      res.json({ items: cards.readableTypes(user).map((t) => cardTypeJson(t, user, req.locale)) });
    }),

    type: api(TYPE, async (req, res, { caller: { user }, params }) => {
      res.json(cardTypeJson(cards.typeFor(user, params.type), user, req.locale));
    }),

    users: api(async (_req, res) => {
      res.json({ items: (await cards.userChoices()).map((u) => ({ id: Number(u.id), name: u.name })) });
    }),

    user: api(USER, async (_req, res, { params }) => {
      const found = (await cards.userChoices()).find((u) => Number(u.id) === params.id);
      if (!found) throw new NotFoundError(msg('accounts.noUser'));
      res.json({ id: Number(found.id), name: found.name });
    }),

    me: api(async (_req, res, { caller: { user } }) => {
      res.json({ id: user.id, name: user.displayName });
    }),
  };
}
