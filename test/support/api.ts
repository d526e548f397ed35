// REST API tests: a client that sends `Authorization: Bearer TOKEN` (no
// cookies) and records every answer, tokens made through the service, and
// the contract check — every recorded answer validated against the OpenAPI
// document the API serves (ajv, JSON Schema 2020-12).
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AppContext } from '#app/context';
import type { TokenScope } from '#app/services/api-tokens';

export interface ApiReply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export interface Recorded {
  method: string;
  path: string;
  status: number;
  contentType: string;
  text: string;
}

export class ApiClient {
  readonly recorded: Recorded[] = [];
  constructor(
    readonly base: string,
    public token: string | null,
    private readonly sink?: Recorded[],
  ) {}

  async request(
    method: string,
    path: string,
    options: { json?: unknown; body?: string | FormData | Buffer; headers?: Record<string, string> } = {},
  ): Promise<ApiReply> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
    };
    let body: string | FormData | Blob | undefined = Buffer.isBuffer(options.body)
      ? new Blob([new Uint8Array(options.body)])
      : options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, body, redirect: 'manual', headers: { ...headers, ...options.headers } });
    const text = await res.text();
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
    let parsed: unknown = null;
    if (/json/.test(contentType) && text) parsed = JSON.parse(text);
    const rec = { method, path: path.split('?')[0], status: res.status, contentType, text };
    this.recorded.push(rec);
    this.sink?.push(rec);
    return { status: res.status, headers: res.headers, text, body: parsed };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }
  post(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, { json, headers });
  }
  patch(path: string, json: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', path, { json, headers });
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, { headers });
  }
}

/** A token of `userId` made through the service (as the account page makes them). */
export async function tokenFor(
  ctx: AppContext,
  userId: number,
  scope: TokenScope = 'write',
  expiresDays: number | null = null,
): Promise<string> {
  const { token } = await ctx.services.tokens.create(userId, { name: `test ${scope}`, scope, expiresDays }, userId);
  return token;
}

const BASE = 'https://orbis.invalid/openapi.json';
type Json = Record<string, unknown>;

/**
 * Every recorded answer checked against `doc` (the document /api/v1/openapi.json
 * served): its path and method are an operation, its status is one of the
 * operation's responses, its content type is one the response declares, and
 * its body validates against that schema. Answers the list of what does not.
 */
export function contractProblems(doc: Json, recorded: readonly Recorded[]): string[] {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema({ $id: BASE, components: doc.components });
  const paths = doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
  const templates = Object.keys(paths).map((t) => ({
    t,
    params: (t.match(/\{/g) ?? []).length,
    re: new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  const problems: string[] = [];
  for (const r of recorded) {
    const where = `${r.method} ${r.path} → ${r.status}`;
    const tpl = templates.filter((x) => x.re.test(r.path)).sort((a, b) => a.params - b.params)[0];
    if (!tpl) {
      if (r.status === 404) continue; // an address the API does not have: its 404 is the router's
      problems.push(`${where}: no path of the document matches`);
      continue;
    }
    const op = paths[tpl.t][r.method.toLowerCase()];
    if (!op) {
      if (r.status === 404 || r.status === 401) continue;
      problems.push(`${where}: ${tpl.t} has no ${r.method}`);
      continue;
    }
    const response = op.responses[String(r.status)];
    if (!response) {
      problems.push(`${where}: status not in the document (${Object.keys(op.responses).join(', ')})`);
      continue;
    }
    if (!response.content) {
      if (r.text) problems.push(`${where}: a body where the document says none`);
      continue;
    }
    if (response.content['*/*']) continue;
    const media = response.content[r.contentType];
    if (!media) {
      problems.push(`${where}: content type ${r.contentType} not in the document (${Object.keys(response.content).join(', ')})`);
      continue;
    }
    const text = JSON.stringify(media.schema).replaceAll('"#/components/', `"${BASE}#/components/`);
    let validate = compiled.get(text);
    if (!validate) compiled.set(text, (validate = ajv.compile(JSON.parse(text) as Json)));
    if (!validate(JSON.parse(r.text)))
      problems.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })} in ${r.text.slice(0, 300)}`);
  }
  return problems;
}

/** The document as the API serves it to `token`'s user. */
export async function servedDocument(base: string, token: string): Promise<Record<string, any>> {
  const res = await fetch(`${base}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
