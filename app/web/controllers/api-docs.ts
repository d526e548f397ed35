// /api/docs: the OpenAPI document of /api/v1 rendered on the server (no
// script, nothing from a CDN), for the card types the signed-in reader may
// read, in their language — the same document /api/v1/openapi.json answers
// to a token of theirs.
import type { Services } from '#app/context';
import { typeIn } from '#app/services/card-type-labels';
import { openApiDocument } from '#app/web/api/openapi';
import { signedIn } from '#app/web/handler';

export type ApiDocsDeps = Pick<Services, 'cards'>;

const METHODS = ['get', 'post', 'patch', 'delete'] as const;

export function apiDocsController({ cards }: ApiDocsDeps) {
  return {
    show: signedIn(async (req, res, { user }) => {
      const doc = openApiDocument(
        cards.readableTypes(user).map((t) => typeIn(t, req.locale)),
        req.t,
      ) as {
        info: { title: string; description: string };
        paths: Record<string, Record<string, Record<string, unknown>>>;
        components: { schemas: Record<string, unknown> };
      };
      const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
        METHODS.filter((m) => ops[m]).map((m) => {
          const o = ops[m] as {
            summary: string;
            operationId: string;
            parameters?: unknown[];
            requestBody?: unknown;
            responses: Record<string, unknown>;
          };
          return {
            method: m.toUpperCase(),
            path,
            id: o.operationId.replace(/[^\w-]/g, '-'),
            summary: o.summary,
            parameters: (o.parameters ?? []) as Array<{
              name: string;
              in: string;
              required?: boolean;
              description?: string;
              schema: unknown;
            }>,
            body: o.requestBody ? JSON.stringify(o.requestBody, null, 2) : null,
            responses: Object.entries(o.responses).map(([status, r]) => ({ status, text: JSON.stringify(r, null, 2) })),
          };
        }),
      );
      res.render('api/docs.njk', {
        info: doc.info,
        operations,
        schemas: Object.entries(doc.components.schemas).map(([name, s]) => ({ name, text: JSON.stringify(s, null, 2) })),
      });
    }),
  };
}
