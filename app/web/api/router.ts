// The REST API's table of contents: every route of /api/v1, one line each —
// method, path, handler. Mounted by app/web/app.ts before the session, the
// body parsers of the pages and CSRF: the API reads no cookie and takes no
// form, only JSON (and multipart for attachments), and answers every error
// as problem details (app/web/api/problems.ts).
import express, { type Router } from 'express';
import type { Cache } from '#app/cache/cache';
import type { Settings } from '#app/config';
import type { Services } from '#app/context';
import type { I18n } from '#app/i18n/i18n';
import { msg } from '#app/i18n/message';
import type { Logger } from '#app/log';
import { typeIn } from '#app/services/card-type-labels';
import { apiAttachmentsController } from '#app/web/api/attachments';
import { api, apiAuth } from '#app/web/api/auth';
import { apiCardsController } from '#app/web/api/cards';
import { apiDirectoryController } from '#app/web/api/directory';
import { hasBody, unsupportedType } from '#app/web/api/input';
import { openApiDocument } from '#app/web/api/openapi';
import { ApiProblem, apiErrors } from '#app/web/api/problems';
import type { ErrorReporter } from '#app/services/error-report';
import { apiTasksController } from '#app/web/api/tasks';

/** A JSON body larger than this is refused (413) before it is parsed. */
export const JSON_LIMIT = '1mb';

export interface ApiRoot {
  services: Services;
  cache: Cache;
  i18n: I18n;
  settings: Settings;
  log: Logger;
  /** Unexpected errors (500s) to the error collector. */
  errors?: ErrorReporter;
}

export function apiRouter({ services: s, cache, i18n, settings, log, errors }: ApiRoot): Router {
  const r = express.Router();
  const cards = apiCardsController({ cards: s.cards });
  const tasks = apiTasksController({ tasks: s.tasks });
  const attachments = apiAttachmentsController({ media: s.media, cards: s.cards, settings });
  const directory = apiDirectoryController({ cards: s.cards });

  r.use(apiAuth({ tokens: s.tokens, cache, i18n, requestsPerMinute: settings.api.requestsPerMinute }));
  // JSON, or multipart for an upload; anything else is refused unread.
  r.use((req, _res, next) => next(hasBody(req) && !req.is(['application/json', 'multipart/form-data']) ? unsupportedType(req) : undefined));
  r.use(express.json({ limit: JSON_LIMIT, type: 'application/json', strict: true }));

  r.get(
    '/openapi.json',
    api(async (req, res, { caller: { user } }) => {
      res.json(
        openApiDocument(
          s.cards.readableTypes(user).map((t) => typeIn(t, req.locale)),
          req.t,
        ),
      );
    }),
  );
  r.get('/card-types', directory.types);
  r.get('/card-types/:type', directory.type);
  r.get('/users', directory.users);
  r.get('/users/me', directory.me);
  r.get('/users/:id', directory.user);

  r.get('/cards/:type', cards.list);
  r.post('/cards/:type', cards.create);
  r.get('/cards/:type/:number', cards.get);
  r.patch('/cards/:type/:number', cards.update);
  r.delete('/cards/:type/:number', cards.remove);
  r.post('/cards/:type/:number/transition', cards.transition);
  r.get('/cards/:type/:number/attachments', attachments.list);
  r.post('/cards/:type/:number/attachments', attachments.upload);
  r.get('/attachments/:id/:variant', attachments.download);

  r.get('/tasks', tasks.list);
  r.post('/tasks', tasks.create);
  r.get('/tasks/:id', tasks.get);
  r.post('/tasks/:id/complete', tasks.complete);

  r.use((_req, _res, next) => next(new ApiProblem(404, msg('api.errors.noRoute'))));
  r.use(apiErrors(log, errors));
  return r;
}
