// The OpenAPI 3.1 document: made from the schemas that check the requests,
// each card type's fields a schema of its own shaped by the field types,
// every schema compiling (its references resolve), only the card types the
// reader may read, in their language; /api/docs renders it for a signed-in
// reader. And the contract check itself is not vacuous: an answer that does
// not match the document is caught.
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { contractProblems, servedDocument, tokenFor } from '#test/support/api';
import { sessionUserFor } from '#test/support/cards';

type Json = Record<string, any>;

describe('REST API: the OpenAPI document', () => {
  let app: TestApp;
  let ctx: AppContext;
  let manager: SessionUser;
  let doc: Json;

  before(async () => {
    app = await startTestApp();
    ctx = app.ctx;
    manager = await sessionUserFor(ctx, 'manager@example.com', { roles: ['manager'] });
    doc = await servedDocument(app.url, await tokenFor(ctx, manager.id, 'read'));
  });

  it('is OpenAPI 3.1 with bearer authentication and every route', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    for (const p of [
      '/api/v1/card-types',
      '/api/v1/users',
      '/api/v1/tasks',
      '/api/v1/tasks/{id}/complete',
      '/api/v1/attachments/{id}/{variant}',
      '/api/v1/cards/purchase_request',
      '/api/v1/cards/purchase_request/{number}',
      '/api/v1/cards/purchase_request/{number}/transition',
      '/api/v1/cards/purchase_request/{number}/attachments',
      '/api/v1/cards/complaint',
    ])
      assert.ok(doc.paths[p], `${p} is in the document`);
    const patch = doc.paths['/api/v1/cards/purchase_request/{number}'].patch;
    assert.ok(patch.parameters.some((p: Json) => p.name === 'If-Match' && p.required));
    assert.ok(patch.responses['412'] && patch.responses['428'] && patch.responses['422']);
    assert.equal(patch.responses['422'].content['application/problem+json'].schema.$ref, '#/components/schemas/Problem');
  });

  it('gives each card type its own schemas, each field shaped by its field type', () => {
    const s = doc.components.schemas;
    for (const name of [
      'PurchaseRequestFields',
      'PurchaseRequestCard',
      'PurchaseRequestCardCreate',
      'PurchaseRequestCardUpdate',
      'PurchaseRequestTransition',
      'ComplaintFields',
    ])
      assert.ok(s[name], `${name} is a schema`);
    const created = s.PurchaseRequestCardCreate.properties.fields;
    assert.equal(created.additionalProperties, false, 'unknown fields are refused');
    assert.deepEqual([...created.required].sort(), ['amount', 'category', 'supplier']);
    const f = created.properties;
    assert.deepEqual(f.category.enum, ['it', 'office', 'services', 'travel']);
    assert.equal(f.supplier.type, 'string');
    assert.equal(f.supplier.maxLength, 200);
    assert.equal(f.amount.type, 'number');
    assert.equal(f.amount.maximum, 10_000_000);
    const quantity = JSON.stringify(f.quantity);
    assert.match(quantity, /"type":"integer"/);
    assert.match(JSON.stringify(f.needed_by), /"format":"date"/);
    assert.match(JSON.stringify(f.cost_center), /\^\[A-Z\]\{2\}-\[0-9\]\{3\}\$/);
    assert.match(JSON.stringify(f.urgent), /"boolean"/);
    assert.ok(!('photos' in f), 'an images field is not a value: its files are attachments');
    assert.match(JSON.stringify(s.ComplaintFields.properties.received_at), /"format":"date-time"/);
    const transition = s.PurchaseRequestTransition.properties.transition;
    assert.ok(transition.enum.includes('submit') && transition.enum.includes('approve'));
    const list = doc.paths['/api/v1/cards/purchase_request'].get.parameters.map((p: Json) => p.name);
    for (const p of ['q', 'stage', 'assignee', 'sort', 'cursor', 'category', 'urgent', 'needed_by_from', 'needed_by_to'])
      assert.ok(list.includes(p), `list parameter ${p}`);
  });

  it('compiles: every schema and reference resolves under JSON Schema 2020-12', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'https://orbis.invalid/openapi.json', components: doc.components });
    for (const name of Object.keys(doc.components.schemas))
      assert.doesNotThrow(() => ajv.compile({ $ref: `https://orbis.invalid/openapi.json#/components/schemas/${name}` }), name);
  });

  it('lists only the card types the reader may read, in their language', async () => {
    const nobody = await sessionUserFor(ctx, 'nobody@example.com');
    const theirs = await servedDocument(app.url, await tokenFor(ctx, nobody.id, 'read'));
    assert.ok(!Object.keys(theirs.paths).some((p) => p.startsWith('/api/v1/cards/')));
    assert.ok(!theirs.components.schemas.PurchaseRequestCard);
    await ctx.services.users.setLocale(nobody.id, 'ru');
    const ru = await servedDocument(app.url, await tokenFor(ctx, nobody.id, 'read'));
    assert.match(ru.info.title, /API/);
    assert.match(ru.paths['/api/v1/tasks'].post.summary, /[а-я]/);
  });

  it('catches an answer that does not match it (the contract check is not vacuous)', () => {
    const card = { id: 1, number: 'PR-000001', type: 'purchase_request', title: 'x', stage: 'draft' };
    const problems = contractProblems(doc, [
      {
        method: 'GET',
        path: '/api/v1/cards/purchase_request/PR-000001',
        status: 200,
        contentType: 'application/json',
        text: JSON.stringify(card),
      },
      { method: 'GET', path: '/api/v1/users/me', status: 418, contentType: 'application/json', text: '{}' },
      { method: 'GET', path: '/api/v1/users', status: 200, contentType: 'application/json', text: '{"items":[{"id":"7","name":"x"}]}' },
    ]);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0], /must have required property 'fields'/);
    assert.match(problems[1], /status not in the document/);
    assert.match(problems[2], /must be integer/);
  });

  it('is rendered at /api/docs for a signed-in reader, with no script from elsewhere', async () => {
    const anonymous = app.client();
    assert.equal((await anonymous.get('/api/docs')).status, 303);
    const c = app.client();
    await c.login('manager@example.com', 'correct horse battery');
    const page = await c.get('/api/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /\/api\/v1\/cards\/purchase_request\/\{number\}\/transition/);
    assert.match(page.text, /PurchaseRequestFields/);
    assert.ok(
      ![...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].some((m) => /^(https?:)?\/\//.test(m[1])),
      'no script from another host',
    );
  });
});
