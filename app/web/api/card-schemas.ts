// A card type's shapes in the API, each field's from its field type
// (`fieldType(f).api.schema`, app/fields/): the values of `fields` when a
// card is created, changed, moved or read, the list's query, and the card.
// Built once per card type; the same objects check the requests and make the
// OpenAPI document's schemas (app/web/api/openapi.ts).
import { z, type ZodType } from 'zod';
import { fieldType } from '#app/fields/registry';
import { TITLE_MAX } from '#app/services/card-fields';
import type { CardType, FieldDef } from '#app/services/card-types';
import { Instant, UserRef } from '#app/web/api/schemas';

export interface CardSchemas {
  /** The schema names' stem: purchase_request → PurchaseRequest. */
  stem: string;
  fields: ZodType;
  card: ZodType;
  list: ZodType;
  create: ZodType;
  update: ZodType;
  transition: ZodType;
  query: z.ZodObject;
  /** The fields that have an API value (files are attachments). */
  apiFields: FieldDef[];
}

/** Sorts a list takes: the common columns and every sortable field, each ascending or (with -) descending. */
const COMMON_SORTS = ['number', 'title', 'stage', 'assignee', 'owner', 'due_at', 'created_at', 'updated_at'];

const built = new WeakMap<CardType, CardSchemas>();

const pascal = (name: string) => name.replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());

const oneOf = (values: string[]) => (values.length ? z.enum(values as [string, ...string[]]) : z.string());

export function cardSchemas(type: CardType): CardSchemas {
  const known = built.get(type);
  if (known) return known;
  const apiFields = type.fields.filter((f) => fieldType(f).api);
  const value = (f: FieldDef) => fieldType(f).api!.schema(f);
  const entries = (make: (f: FieldDef) => ZodType) => Object.fromEntries(apiFields.map((f) => [f.name, make(f)]));
  // Created: a required field must come, the others may be null or left out.
  const fieldsIn = z.strictObject(entries((f) => (f.required ? value(f) : value(f).nullable().optional())));
  // Changed or moved: only the fields that change.
  const fieldsPatch = z.strictObject(entries((f) => (f.required ? value(f).optional() : value(f).nullable().optional())));
  // Read: every field, null when it has no value.
  const fields = z.object(entries((f) => value(f).nullable()));
  const title = z.string().min(1).max(TITLE_MAX);
  const assignee = z.number().int().positive().nullable().optional();
  const card = z.object({
    id: z.number().int(),
    number: z.string(),
    type: z.literal(type.name),
    title: z.string(),
    stage: oneOf(type.stages.map((s) => s.name)),
    assignee: UserRef.nullable(),
    owner: UserRef,
    due_at: Instant.nullable(),
    version: z.number().int(),
    created_at: Instant,
    updated_at: Instant,
    fields,
  });
  const sorts = [...COMMON_SORTS, ...apiFields.filter((f) => fieldType(f).sortSql('x') !== null).map((f) => f.name)];
  const filters: Record<string, ZodType> = {};
  for (const name of type.filters) {
    const f = type.fieldMap.get(name)!;
    const filter = fieldType(f).filter!;
    const control = filter.control(f);
    for (const suffix of filter.params)
      filters[name + suffix] = (control.name === 'choice' ? oneOf(control.options.map((o) => o.value)) : z.iso.date()).optional();
  }
  const schemas: CardSchemas = {
    stem: pascal(type.name),
    fields,
    card,
    list: z.object({ items: z.array(card), total: z.number().int(), next_cursor: z.string().nullable() }),
    create: z.strictObject({ title, assignee, fields: apiFields.some((f) => f.required) ? fieldsIn : fieldsIn.optional() }),
    update: z.strictObject({ title: title.optional(), assignee, fields: fieldsPatch.optional() }),
    transition: z.strictObject({ transition: oneOf(type.transitions.map((t) => t.name)), fields: fieldsPatch.optional() }),
    query: z.strictObject({
      q: z.string().max(200).optional(),
      stage: oneOf(type.stages.map((s) => s.name)).optional(),
      assignee: z.union([z.enum(['me', 'none']), z.string().regex(/^[1-9]\d{0,14}$/)]).optional(),
      sort: oneOf([...sorts, ...sorts.map((s) => `-${s}`)]).optional(),
      cursor: z.string().max(200).optional(),
      ...filters,
    }),
    apiFields,
  };
  built.set(type, schemas);
  return schemas;
}
