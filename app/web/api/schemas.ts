// The API's shapes that do not depend on a card type: zod schemas that check
// requests and, through z.toJSONSchema, make the OpenAPI document
// (app/web/api/openapi.ts) — one source for both. A card type's shapes are
// app/web/api/card-schemas.ts.
import { z } from 'zod';

/** An instant as the API writes it (UTC, ISO 8601) and reads it (with an offset). */
export const Instant = z.iso.datetime({ offset: true });

export const UserRef = z.object({ id: z.number().int(), name: z.string() });
export const User = z.object({ id: z.number().int(), name: z.string() });
export const UserList = z.object({ items: z.array(User) });

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ field: z.string(), detail: z.string() })).optional(),
});

export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;

export const Task = z.object({
  id: z.number().int(),
  title: z.string(),
  description: z.string(),
  status: z.enum(TASK_STATUSES),
  due_at: Instant,
  overdue: z.boolean(),
  closed_at: Instant.nullable(),
  created_at: Instant,
  assignee: UserRef,
  creator: UserRef.nullable(),
  card: z.object({ id: z.number().int(), type: z.string(), number: z.string(), title: z.string() }).nullable(),
});
export const TaskList = z.object({ items: z.array(Task) });

export const TaskCreate = z.strictObject({
  title: z.string().min(1).max(300),
  description: z.string().max(20_000).optional(),
  assignee: z.number().int().positive(),
  due_at: Instant,
  /** A card's number ("PR-000012"); the task then belongs to it. */
  card: z.string().max(40).nullable().optional(),
});

export const TaskQuery = z.strictObject({
  status: z.enum([...TASK_STATUSES, 'all']).optional(),
  scope: z.enum(['mine', 'created']).optional(),
  q: z.string().max(200).optional(),
});

export const MEDIA_STATES = ['queued', 'processing', 'ready', 'failed'] as const;

export const Attachment = z.object({
  id: z.number().int(),
  field: z.string().nullable(),
  name: z.string(),
  type: z.string(),
  size: z.number().int(),
  state: z.enum(MEDIA_STATES),
  error: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  image: z.boolean(),
  created_at: Instant,
  original_url: z.string(),
  /** Thumbnail URLs by width, once the images worker made them (state ready); null before, and for files that are not images. */
  thumbnails: z.object({ '160': z.string(), '640': z.string(), '1600': z.string() }).nullable(),
});
export const AttachmentList = z.object({ items: z.array(Attachment) });
export const AttachmentQuery = z.strictObject({
  field: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .optional(),
});

export const FieldInfo = z.object({
  name: z.string(),
  type: z.string(),
  label: z.string(),
  required: z.boolean(),
  help: z.string().nullable(),
  /** select: the choices. */
  options: z.array(z.object({ value: z.string(), label: z.string() })).nullable(),
  /** reference: the card type referred to. */
  to: z.string().nullable(),
  /** images: files, uploaded as attachments with ?field=NAME, not a value of `fields`. */
  attachments: z.boolean(),
});

const SCOPE = z.enum(['all', 'own', 'none']);

export const CardTypeInfo = z.object({
  name: z.string(),
  label: z.string(),
  plural: z.string(),
  prefix: z.string(),
  fields: z.array(FieldInfo),
  initial: z.string(),
  stages: z.array(z.object({ name: z.string(), label: z.string(), final: z.boolean() })),
  transitions: z.array(
    z.object({ name: z.string(), label: z.string(), from: z.array(z.string()), to: z.string(), requires: z.array(z.string()) }),
  ),
  /** What the caller may do with cards of the type (own: cards they own or are assigned). */
  permissions: z.object({ read: SCOPE, create: SCOPE, update: SCOPE, delete: SCOPE, transition: SCOPE }),
});
export const CardTypeList = z.object({ items: z.array(CardTypeInfo) });

/** The common schemas by the name the OpenAPI document gives them. */
export const COMMON_SCHEMAS = {
  Problem,
  UserRef,
  User,
  UserList,
  Task,
  TaskList,
  TaskCreate,
  Attachment,
  AttachmentList,
  FieldInfo,
  CardTypeInfo,
  CardTypeList,
} as const;
