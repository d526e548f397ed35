// The OpenAPI 3.1 document of /api/v1, made from the zod schemas that check
// the requests (app/web/api/schemas.ts, card-schemas.ts): z.toJSONSchema
// writes JSON Schema 2020-12, which OpenAPI 3.1 uses as it is. Each card type
// the reader may read gets its own paths and schemas (`PurchaseRequestCard`,
// `PurchaseRequestFields`, …), its fields' shapes from their field types.
// Texts are in the reader's language (locales/*/api.json).
import { z, type ZodType } from 'zod';
import type { Translate } from '#app/i18n/i18n';
import type { CardType } from '#app/services/card-types';
import { cardSchemas } from '#app/web/api/card-schemas';
import { PROBLEM_TYPE } from '#app/web/api/problems';
import { COMMON_SCHEMAS, TaskQuery } from '#app/web/api/schemas';

// i18n-keys: api.params.* api.doc.status.* api.ops.*
type Json = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function clean(schema: Json): Json {
  const { $schema: _s, $id: _i, id: _id, ...rest } = schema;
  return rest;
}

/** Query parameters from a zod object (each member optional). */
function queryParameters(schema: z.ZodObject, t: Translate): Json[] {
  return Object.entries(schema.shape).map(([name, s]) => ({
    name,
    in: 'query',
    required: false,
    description: t(
      `api.params.${name.includes('_from') || name.includes('_to') ? 'range' : ['q', 'stage', 'assignee', 'sort', 'cursor', 'status', 'scope', 'field'].includes(name) ? name : 'filter'}`,
    ),
    schema: clean(z.toJSONSchema(s as ZodType, { unrepresentable: 'any' }) as Json),
  }));
}

const pathParam = (name: string, description: string, schema: Json = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});

export function openApiDocument(types: readonly CardType[], t: Translate): Json {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMMON_SCHEMAS)) registry.add(schema, { id });
  for (const type of types) {
    const s = cardSchemas(type);
    registry.add(s.fields, { id: `${s.stem}Fields` });
    registry.add(s.card, { id: `${s.stem}Card` });
    registry.add(s.list, { id: `${s.stem}CardList` });
    registry.add(s.create, { id: `${s.stem}CardCreate` });
    registry.add(s.update, { id: `${s.stem}CardUpdate` });
    registry.add(s.transition, { id: `${s.stem}Transition` });
  }
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }) as {
    schemas: Record<string, Json>;
  };

  const problem = (status: number) => ({
    description: t(`api.doc.status.s${status}`),
    content: { [PROBLEM_TYPE]: { schema: ref('Problem') } },
  });
  const problems = (...statuses: number[]) => Object.fromEntries([401, 429, 500, ...statuses].sort().map((s) => [String(s), problem(s)]));
  const ok = (id: string, status = 200, etag = false) => ({
    [String(status)]: {
      description: t(`api.doc.status.s${status}`),
      ...(etag ? { headers: { ETag: { description: t('api.doc.etag'), schema: { type: 'string' } } } } : {}),
      content: { 'application/json': { schema: ref(id) } },
    },
  });
  const json = (id: string) => ({ required: true, content: { 'application/json': { schema: ref(id) } } });
  const op = (key: string, rest: Json) => ({ operationId: key, summary: rest.summary ?? t(`api.ops.${key}`), ...rest });
  const ifMatch = (required: boolean) => ({
    name: 'If-Match',
    in: 'header',
    required,
    description: t('api.doc.ifMatch'),
    schema: { type: 'string', pattern: '^"[0-9]+"$' },
  });

  const paths: Record<string, Json> = {
    '/api/v1/openapi.json': {
      get: op('openapi', {
        responses: {
          '200': { description: t('api.doc.status.s200'), content: { 'application/json': { schema: { type: 'object' } } } },
          ...problems(),
        },
      }),
    },
    '/api/v1/card-types': { get: op('cardTypes', { responses: { ...ok('CardTypeList'), ...problems() } }) },
    '/api/v1/card-types/{type}': {
      get: op('cardType', {
        parameters: [pathParam('type', t('api.params.type'))],
        responses: { ...ok('CardTypeInfo'), ...problems(404) },
      }),
    },
    '/api/v1/users': { get: op('users', { responses: { ...ok('UserList'), ...problems() } }) },
    '/api/v1/users/me': { get: op('me', { responses: { ...ok('User'), ...problems() } }) },
    '/api/v1/users/{id}': {
      get: op('user', {
        parameters: [pathParam('id', t('api.params.userId'), { type: 'integer' })],
        responses: { ...ok('User'), ...problems(404) },
      }),
    },
    '/api/v1/tasks': {
      get: op('tasks', { parameters: queryParameters(TaskQuery, t), responses: { ...ok('TaskList'), ...problems(400) } }),
      post: op('taskCreate', { requestBody: json('TaskCreate'), responses: { ...ok('Task', 201), ...problems(400, 403, 413, 415, 422) } }),
    },
    '/api/v1/tasks/{id}': {
      get: op('task', {
        parameters: [pathParam('id', t('api.params.taskId'), { type: 'integer' })],
        responses: { ...ok('Task'), ...problems(404) },
      }),
    },
    '/api/v1/tasks/{id}/complete': {
      post: op('taskComplete', {
        parameters: [pathParam('id', t('api.params.taskId'), { type: 'integer' })],
        responses: { ...ok('Task'), ...problems(403, 404) },
      }),
    },
    '/api/v1/attachments/{id}/{variant}': {
      get: op('attachmentDownload', {
        parameters: [
          pathParam('id', t('api.params.attachmentId'), { type: 'integer' }),
          pathParam('variant', t('api.params.variant'), {
            type: 'string',
            enum: ['original', '160.webp', '640.webp', '1600.webp', '160.jpg', '640.jpg', '1600.jpg'],
          }),
        ],
        responses: {
          '200': { description: t('api.doc.file'), content: { '*/*': { schema: { type: 'string', contentEncoding: 'binary' } } } },
          ...problems(404),
        },
      }),
    },
  };

  for (const type of types) {
    const s = cardSchemas(type);
    const base = `/api/v1/cards/${type.name}`;
    const number = pathParam('number', t('api.params.number', { prefix: type.prefix }));
    const tag = [type.name];
    paths[base] = {
      get: op(`${type.name}.list`, {
        tags: tag,
        summary: t('api.ops.cardList', { type: type.plural }),
        parameters: queryParameters(s.query, t),
        responses: { ...ok(`${s.stem}CardList`), ...problems(400, 404) },
      }),
      post: op(`${type.name}.create`, {
        tags: tag,
        summary: t('api.ops.cardCreate', { type: type.label }),
        requestBody: json(`${s.stem}CardCreate`),
        responses: { ...ok(`${s.stem}Card`, 201, true), ...problems(400, 403, 404, 413, 415, 422) },
      }),
    };
    paths[`${base}/{number}`] = {
      get: op(`${type.name}.get`, {
        tags: tag,
        summary: t('api.ops.cardGet', { type: type.label }),
        parameters: [number],
        responses: { ...ok(`${s.stem}Card`, 200, true), ...problems(404) },
      }),
      patch: op(`${type.name}.update`, {
        tags: tag,
        summary: t('api.ops.cardUpdate', { type: type.label }),
        parameters: [number, ifMatch(true)],
        requestBody: json(`${s.stem}CardUpdate`),
        responses: { ...ok(`${s.stem}Card`, 200, true), ...problems(400, 403, 404, 412, 413, 415, 422, 428) },
      }),
      delete: op(`${type.name}.delete`, {
        tags: tag,
        summary: t('api.ops.cardDelete', { type: type.label }),
        parameters: [number, ifMatch(false)],
        responses: { '204': { description: t('api.doc.status.s204') }, ...problems(403, 404, 412) },
      }),
    };
    paths[`${base}/{number}/transition`] = {
      post: op(`${type.name}.transition`, {
        tags: tag,
        summary: t('api.ops.cardTransition', { type: type.label }),
        parameters: [number, ifMatch(false)],
        requestBody: json(`${s.stem}Transition`),
        responses: { ...ok(`${s.stem}Card`, 200, true), ...problems(400, 403, 404, 412, 413, 415, 422) },
      }),
    };
    paths[`${base}/{number}/attachments`] = {
      get: op(`${type.name}.attachments`, {
        tags: tag,
        summary: t('api.ops.attachments'),
        parameters: [number],
        responses: { ...ok('AttachmentList'), ...problems(404) },
      }),
      post: op(`${type.name}.upload`, {
        tags: tag,
        summary: t('api.ops.upload'),
        parameters: [number, ...queryParameters(z.object({ field: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/) }), t)],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { files: { type: 'array', items: { type: 'string', contentEncoding: 'binary' } } },
                required: ['files'],
              },
            },
          },
        },
        responses: { ...ok('AttachmentList', 201), ...problems(400, 403, 404, 413, 422) },
      }),
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: t('api.doc.title'), version: '1', description: t('api.doc.description') },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: types.map((type) => ({ name: type.name, description: type.plural })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: t('api.doc.bearer') } },
      schemas: Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema)])),
    },
  };
}
