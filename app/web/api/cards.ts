// /api/v1/cards/{type}…: the list (the list page's filters, sort, search; a
// cursor for the next page), one card by its number, create, change (with
// If-Match), a transition, delete. Thin: read the request by its schema,
// call the card service the pages call (same permission checks), answer.
import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Services } from '#app/context';
import { fieldType } from '#app/fields/registry';
import { msg, type Text } from '#app/i18n/message';
import { PAGE_SIZE, type ListQuery } from '#app/services/card-list';
import type { FormInput } from '#app/services/card-fields';
import { normalNumber } from '#app/services/card-pick';
import type { CardType } from '#app/services/card-types';
import type { Card } from '#app/services/cards';
import { ConflictError, NotFoundError, ValidationError } from '#app/services/errors';
import type { SessionUser } from '#app/services/users';
import { api } from '#app/web/api/auth';
import { cardSchemas } from '#app/web/api/card-schemas';
import { etagOf, ifMatchVersion, jsonBody, queryOf } from '#app/web/api/input';
import { ApiProblem, invalid } from '#app/web/api/problems';

const TYPE = { type: 'text' } as const;
const numbered = (raw: string) => {
  const n = normalNumber(raw);
  if (!n) throw new NotFoundError(msg('cards.errors.noCard'));
  return n;
};
const CARD = { type: 'text', number: numbered } as const;

/** The API reads instants with their offset and hands them to the service as UTC wall-clock time: its reader is in UTC. */
const inUtc = (user: SessionUser): SessionUser => ({ ...user, timeZone: 'UTC' });
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/** A card as the API answers it (the type's `Card` schema). */
export function cardJson(type: CardType, card: Card) {
  const fields: Record<string, unknown> = {};
  for (const f of cardSchemas(type).apiFields) fields[f.name] = fieldType(f).fromStored(card.data[f.name]) ?? null;
  return {
    id: Number(card.id),
    number: card.number,
    type: card.type,
    title: card.title,
    stage: card.stage,
    assignee: card.assignee_id ? { id: Number(card.assignee_id), name: card.assignee_name ?? '' } : null,
    owner: { id: Number(card.owner_id), name: card.owner_name ?? '' },
    due_at: iso(card.due_at),
    version: card.version,
    created_at: iso(card.created_at)!,
    updated_at: iso(card.updated_at)!,
    fields,
  };
}

/** The form the card service reads: `base` with the given API fields as their form text. */
function formInput(type: CardType, fields: Record<string, unknown> | undefined, base: Record<string, string>): FormInput {
  const input: FormInput = { ...base };
  for (const f of cardSchemas(type).apiFields)
    if (fields && f.name in fields) input[f.name] = fieldType(f).api!.formText(f, fields[f.name]);
  return input;
}

/** A stored card as that form (what a change starts from). */
function storedInput(type: CardType, card: Card): Record<string, string> {
  const base: Record<string, string> = { title: card.title, assignee: card.assignee_id ? String(card.assignee_id) : '' };
  for (const f of cardSchemas(type).apiFields) base[f.name] = fieldType(f).api!.formText(f, fieldType(f).fromStored(card.data[f.name]));
  return base;
}

/** The service's field errors by their names in the request: a card type's field is under `fields`. */
function refused(type: CardType, err: ValidationError): ApiProblem {
  const fields: Record<string, Text> = {};
  for (const [name, text] of Object.entries(err.fieldTexts)) fields[type.fieldMap.has(name) ? `fields.${name}` : name] = text;
  return new ApiProblem(422, err.text, fields);
}

/** Runs a change; the service's refusals become the API's (a stale version: 412). */
async function changing<T>(type: CardType, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ValidationError) throw refused(type, err);
    if (err instanceof ConflictError) throw new ApiProblem(412, err.text, { 'If-Match': msg('api.errors.staleVersion') });
    throw err;
  }
}

function sendCard(res: Response, type: CardType, card: Card, status = 200) {
  res.status(status).setHeader('ETag', etagOf(card.version));
  res.json(cardJson(type, card));
}

/** The cursor of a page: the page and a fingerprint of the view, so a cursor is not used with another query. */
function fingerprint(query: Record<string, unknown>): string {
  const { cursor: _c, ...view } = query;
  const sorted = Object.keys(view)
    .sort()
    .map((k) => [k, view[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 12);
}

function pageOf(query: Record<string, unknown>): number {
  if (typeof query.cursor !== 'string') return 1;
  try {
    const c = JSON.parse(Buffer.from(query.cursor, 'base64url').toString()) as { p?: unknown; v?: unknown };
    if (Number.isInteger(c.p) && (c.p as number) > 1 && (c.p as number) < 1_000_000 && c.v === fingerprint(query)) return c.p as number;
  } catch {
    // not a cursor of ours
  }
  throw invalid({ cursor: msg('api.errors.cursor') }, 400);
}

const cursorFor = (query: Record<string, unknown>, page: number) =>
  Buffer.from(JSON.stringify({ p: page, v: fingerprint(query) })).toString('base64url');

export type ApiCardsDeps = Pick<Services, 'cards'>;

export function apiCardsController({ cards }: ApiCardsDeps) {
  const typeOf = (user: SessionUser, name: string) => cards.typeFor(user, name);

  return {
    list: api(TYPE, async (req, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      const query = queryOf(req, cardSchemas(type).query) as Record<string, string | undefined>;
      const filters: Record<string, string> = {};
      for (const [k, v] of Object.entries(query))
        if (v !== undefined && !['q', 'stage', 'assignee', 'sort', 'cursor'].includes(k)) filters[k] = v;
      const page = pageOf(query);
      const q: ListQuery = {
        q: query.q?.trim() ?? '',
        stage: query.stage ?? '',
        assignee: query.assignee ?? '',
        sort: query.sort ?? '-updated_at',
        page,
        filters,
        deleted: false,
      };
      const result = await cards.list(user, type.name, q, user.timeZone, 'card');
      if (result.problems.length) throw new ApiProblem(400, msg('api.errors.queryInvalid'), { query: result.problems[0] });
      res.json({
        items: (result.rows as Card[]).map((c) => cardJson(type, c)),
        total: result.total,
        next_cursor: result.rows.length === PAGE_SIZE && page < result.pages ? cursorFor(query, page + 1) : null,
      });
    }),

    get: api(CARD, async (_req, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      sendCard(res, type, await cards.getByNumber(user, type.name, params.number));
    }),

    create: api(TYPE, async (req, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      const body = jsonBody(req, cardSchemas(type).create) as { title: string; assignee?: number | null; fields?: Record<string, unknown> };
      const input = formInput(type, body.fields, { title: body.title, assignee: body.assignee ? String(body.assignee) : '' });
      const card = await changing(type, () => cards.create(inUtc(user), type.name, input));
      res.setHeader('Location', `/api/v1/cards/${type.name}/${card.number}`);
      sendCard(res, type, card, 201);
    }),

    update: api(CARD, async (req, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      const version = ifMatchVersion(req, true)!;
      const body = jsonBody(req, cardSchemas(type).update) as {
        title?: string;
        assignee?: number | null;
        fields?: Record<string, unknown>;
      };
      const current = await cards.getByNumber(user, type.name, params.number);
      const base = storedInput(type, current);
      if (body.title !== undefined) base.title = body.title;
      if (body.assignee !== undefined) base.assignee = body.assignee ? String(body.assignee) : '';
      const input = { ...formInput(type, body.fields, base), version: String(version) };
      sendCard(res, type, await changing(type, () => cards.update(inUtc(user), type.name, current.id, input)));
    }),

    transition: api(CARD, async (req: Request, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      const version = ifMatchVersion(req, false);
      const body = jsonBody(req, cardSchemas(type).transition) as { transition: string; fields?: Record<string, unknown> };
      const current = await cards.getByNumber(user, type.name, params.number);
      const input = { ...formInput(type, body.fields, {}), ...(version === null ? {} : { version: String(version) }) };
      sendCard(res, type, await changing(type, () => cards.transition(inUtc(user), type.name, current.id, body.transition, input)));
    }),

    remove: api(CARD, async (req, res, { caller: { user }, params }) => {
      const type = typeOf(user, params.type);
      const version = ifMatchVersion(req, false);
      const current = await cards.getByNumber(user, type.name, params.number);
      if (version !== null && version !== current.version)
        throw new ApiProblem(412, msg('cards.errors.changedMeanwhile', { number: current.number }), {
          'If-Match': msg('api.errors.staleVersion'),
        });
      await changing(type, () => cards.remove(user, type.name, current.id));
      res.status(204).end();
    }),
  };
}
