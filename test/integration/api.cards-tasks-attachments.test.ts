// The REST API end to end, on a real database: card types and users; cards
// created, read by number, listed (filters, sort, search, cursor), changed
// with If-Match (412 stale, 428 without), moved, deleted; tasks; attachments
// uploaded, listed and downloaded. Then bad input of every kind — each a 4xx
// problem naming the field, nothing changed, never a 500 — and every answer
// held to the OpenAPI document.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { AppContext } from '#app/context';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { ApiClient, contractProblems, servedDocument, tokenFor, type Recorded } from '#test/support/api';
import { makePurchase, sessionUserFor } from '#test/support/cards';
import { fixture } from '#test/support/media';

const BASE = '/api/v1/cards/purchase_request';
const PROBLEM = 'application/problem+json';

describe('REST API: cards, tasks, attachments, users and card types', () => {
  let app: TestApp;
  let ctx: AppContext;
  let manager: SessionUser;
  let approver: SessionUser;
  let api: ApiClient;
  const recorded: Recorded[] = [];
  const fields = () => ({ supplier: 'Bytecraft Ltd', amount: 1200.5, category: 'it', quantity: 2, approver: approver.id });

  async function state() {
    const [row] = await ctx.db.rows(
      `select (select count(*) from cards)::int as cards, (select coalesce(sum(version), 0) from cards)::int as versions,
              (select count(*) from tasks)::int as tasks, (select count(*) from media)::int as media`,
    );
    return JSON.stringify(row);
  }

  before(async () => {
    const mediaRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-api-media-'));
    app = await startTestApp({ MEDIA_ROOT: mediaRoot });
    ctx = app.ctx;
    manager = await sessionUserFor(ctx, 'manager@example.com', { roles: ['manager'], name: 'Mia Manager' });
    approver = await sessionUserFor(ctx, 'approver@example.com', { roles: ['approver'], name: 'Abe Approver' });
    api = new ApiClient(app.url, await tokenFor(ctx, manager.id), recorded);
  });

  it('describes the card types the caller may read, and the users', async () => {
    const types = await api.get('/api/v1/card-types');
    assert.equal(types.status, 200);
    const pr = types.body.items.find((t: { name: string }) => t.name === 'purchase_request');
    assert.equal(pr.permissions.update, 'all');
    assert.deepEqual(
      pr.fields.find((f: { name: string }) => f.name === 'category').options.map((o: { value: string }) => o.value),
      ['it', 'office', 'services', 'travel'],
    );
    assert.equal((await api.get('/api/v1/card-types/purchase_request')).status, 200);
    assert.equal((await api.get('/api/v1/card-types/nope')).status, 404);
    const users = await api.get('/api/v1/users');
    assert.ok(users.body.items.some((u: { id: number; name: string }) => u.id === approver.id && u.name === 'Abe Approver'));
    assert.deepEqual(Object.keys(users.body.items[0]).sort(), ['id', 'name'], 'only id and name');
    assert.deepEqual((await api.get('/api/v1/users/me')).body, { id: manager.id, name: 'Mia Manager' });
    assert.equal((await api.get(`/api/v1/users/${approver.id}`)).body.name, 'Abe Approver');
    assert.equal((await api.get('/api/v1/users/999999')).status, 404);
  });

  it('creates a card, reads it by number, changes it with If-Match, moves and deletes it', async () => {
    const created = await api.post(BASE, { title: 'Laptops', fields: { ...fields(), needed_by: '2027-01-15', urgent: true } });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.number, /^PR-\d{6}$/);
    assert.equal(created.headers.get('etag'), '"1"');
    assert.equal(created.headers.get('location'), `${BASE}/${created.body.number}`);
    assert.deepEqual(created.body.fields.amount, 1200.5);
    assert.equal(created.body.fields.urgent, true);
    assert.equal(created.body.fields.cost_center, null);
    const number = created.body.number as string;

    const read = await api.get(`${BASE}/${number.toLowerCase().replace(/-0+/, '-')}`);
    assert.equal(read.status, 200, 'a number reads in any case, zeros optional');
    assert.equal(read.body.stage, 'draft');

    const noMatch = await api.patch(`${BASE}/${number}`, { title: 'x' });
    assert.equal(noMatch.status, 428);
    assert.equal(noMatch.headers.get('content-type')?.split(';')[0], PROBLEM);
    const changed = await api.patch(`${BASE}/${number}`, { fields: { quantity: 3, cost_center: 'IT-210' } }, { 'if-match': '"1"' });
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.body.version, 2);
    assert.equal(changed.body.fields.quantity, 3);
    assert.equal(changed.body.fields.supplier, 'Bytecraft Ltd', 'fields not sent keep their values');
    assert.equal(changed.body.title, 'Laptops');
    const stale = await api.patch(`${BASE}/${number}`, { title: 'Overwritten' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal((await ctx.db.rows<{ title: string }>('select title from cards where number = $1', [number]))[0].title, 'Laptops');

    const notFrom = await api.post(`${BASE}/${number}/transition`, { transition: 'approve' });
    assert.equal(notFrom.status, 422, 'a transition not allowed from the stage');
    assert.ok(notFrom.body.errors.some((e: { field: string }) => e.field === 'transition'));
    const submitted = await api.post(`${BASE}/${number}/transition`, { transition: 'submit' }, { 'if-match': '"2"' });
    assert.equal(submitted.status, 200, submitted.text);
    assert.equal(submitted.body.stage, 'approval');
    assert.ok(submitted.body.due_at, 'the stage SLA set a due time');

    const approverApi = new ApiClient(app.url, await tokenFor(ctx, approver.id), recorded);
    assert.equal((await approverApi.delete(`${BASE}/${number}`)).status, 403, 'the approver may not delete');
    assert.equal((await api.delete(`${BASE}/${number}`, { 'if-match': '"1"' })).status, 412);
    assert.equal((await api.delete(`${BASE}/${number}`)).status, 204);
    assert.equal((await api.get(`${BASE}/${number}`)).status, 404);
  });

  it('lists with the list page filters, sort, search and a cursor', async () => {
    for (let i = 0; i < 55; i++)
      await makePurchase(ctx, manager, {
        title: `Bulk ${String(i).padStart(2, '0')}`,
        category: i % 2 ? 'office' : 'travel',
        supplier: 'Cursorcorp',
      });
    const first = await api.get(`${BASE}?q=Cursorcorp&sort=title`);
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 50);
    assert.equal(first.body.total, 55);
    assert.equal(first.body.items[0].title, 'Bulk 00');
    assert.ok(first.body.next_cursor);
    const second = await api.get(`${BASE}?q=Cursorcorp&sort=title&cursor=${first.body.next_cursor}`);
    assert.deepEqual(
      second.body.items.map((c: { title: string }) => c.title),
      ['Bulk 50', 'Bulk 51', 'Bulk 52', 'Bulk 53', 'Bulk 54'],
    );
    assert.equal(second.body.next_cursor, null);
    const foreignCursor = await api.get(`${BASE}?q=Cursorcorp&sort=-title&cursor=${first.body.next_cursor}`);
    assert.equal(foreignCursor.status, 400, 'a cursor of another query');
    assert.equal(foreignCursor.body.errors[0].field, 'cursor');
    const office = await api.get(`${BASE}?q=Cursorcorp&category=office&sort=-title`);
    assert.equal(office.body.total, 27);
    assert.equal(office.body.items[0].title, 'Bulk 53');
    assert.equal((await api.get(`${BASE}?stage=approval&q=Cursorcorp`)).body.total, 0);
  });

  it('creates, lists and completes tasks', async () => {
    const card = await makePurchase(ctx, manager, { title: 'Task target' });
    const made = await api.post('/api/v1/tasks', {
      title: 'Call the supplier',
      assignee: manager.id,
      due_at: '2027-03-01T09:30:00+01:00',
      card: card.number,
    });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.due_at, '2027-03-01T08:30:00.000Z', 'the offset is honoured');
    assert.equal(made.body.card.number, card.number);
    const mine = await api.get('/api/v1/tasks');
    assert.ok(mine.body.items.some((t: { id: number }) => t.id === made.body.id));
    const done = await api.post(`/api/v1/tasks/${made.body.id}/complete`);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, 'done');
    assert.equal((await api.get('/api/v1/tasks?status=done')).body.items.length, 1);
    const bad = await api.post('/api/v1/tasks', { title: '', assignee: 'me', due_at: 'tomorrow' });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['assignee', 'due_at', 'title']);
    assert.equal((await api.get('/api/v1/tasks/999999')).status, 404);
  });

  it('uploads, lists and downloads attachments with the card page checks', async () => {
    const card = await makePurchase(ctx, manager, { title: 'With photos' });
    const png = await fixture('png', 64, 48);
    const form = new FormData();
    form.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'scan.png');
    const up = await api.request('POST', `${BASE}/${card.number}/attachments?field=photos`, { body: form });
    assert.equal(up.status, 201, up.text);
    assert.equal(up.body.items[0].name, 'scan.png');
    assert.equal(up.body.items[0].field, 'photos');
    const list = await api.get(`${BASE}/${card.number}/attachments`);
    assert.equal(list.body.items.length, 1);
    const original = await api.get(list.body.items[0].original_url);
    assert.equal(original.status, 200);
    assert.equal(original.headers.get('content-type'), 'image/png');
    const notMultipart = await api.post(`${BASE}/${card.number}/attachments`, { files: [] });
    assert.equal(notMultipart.status, 422);
    const badField = new FormData();
    badField.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'scan.png');
    assert.equal((await api.request('POST', `${BASE}/${card.number}/attachments?field=supplier`, { body: badField })).status, 422);
    const reader = new ApiClient(app.url, await tokenFor(ctx, approver.id), recorded);
    const refused = new FormData();
    refused.append('files', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'scan.png');
    assert.equal((await reader.request('POST', `${BASE}/${card.number}/attachments`, { body: refused })).status, 403);
    assert.equal((await ctx.db.rows<{ n: number }>('select count(*)::int as n from media where card_id = $1', [card.id]))[0].n, 1);
  });

  it('refuses bad input with a 4xx problem naming the field, changes nothing, never a 500', async () => {
    const card = await makePurchase(ctx, manager, { title: 'Untouched' });
    const before = await state();
    const raw = (method: string, p: string, body: string | Buffer, type: string, headers: Record<string, string> = {}) =>
      api.request(method, p, { body, headers: { 'content-type': type, ...headers } });
    const cases: Array<[string, () => ReturnType<ApiClient['request']>, number, string]> = [
      ['malformed JSON', () => raw('POST', BASE, '{"title": "x",', 'application/json'), 400, '(body)'],
      ['a form instead of JSON', () => raw('POST', BASE, 'title=x', 'application/x-www-form-urlencoded'), 415, '(body)'],
      ['text instead of JSON', () => raw('POST', BASE, '{"title":"x"}', 'text/plain'), 415, '(body)'],
      ['an unknown field', () => api.post(BASE, { title: 'x', fields: { ...fields(), colour: 'red' } }), 422, 'fields.colour'],
      ['an unknown top-level member', () => api.post(BASE, { title: 'x', fields: fields(), stage: 'ordered' }), 422, 'stage'],
      ['a number as text', () => api.post(BASE, { title: 'x', fields: { ...fields(), amount: '1200.50' } }), 422, 'fields.amount'],
      ['a number with a comma', () => api.post(BASE, { title: 'x', fields: { ...fields(), amount: '1,5' } }), 422, 'fields.amount'],
      [
        'a choice that does not exist',
        () => api.post(BASE, { title: 'x', fields: { ...fields(), category: 'toys' } }),
        422,
        'fields.category',
      ],
      [
        'a date that is not one',
        () => api.post(BASE, { title: 'x', fields: { ...fields(), needed_by: '2027-02-30' } }),
        422,
        'fields.needed_by',
      ],
      ['a pattern missed', () => api.post(BASE, { title: 'x', fields: { ...fields(), cost_center: 'it210' } }), 422, 'fields.cost_center'],
      [
        'a missing required field',
        () => api.post(BASE, { title: 'x', fields: { ...fields(), supplier: undefined } }),
        422,
        'fields.supplier',
      ],
      ['a NUL byte', () => api.post(BASE, { title: 'x\u0000y', fields: fields() }), 422, 'title'],
      [
        'an approver without the role',
        () => api.post(BASE, { title: 'x', fields: { ...fields(), approver: manager.id } }),
        422,
        'fields.approver',
      ],
      ['a 10 MB body', () => raw('POST', BASE, Buffer.alloc(10 * 1024 * 1024, 32), 'application/json'), 413, '(body)'],
      ['a stage that does not exist', () => api.get(`${BASE}?stage=nowhere`), 400, 'stage'],
      ['a sort that does not exist', () => api.get(`${BASE}?sort=password`), 400, 'sort'],
      ['a repeated query parameter', () => api.get(`${BASE}?q=a&q=b`), 400, 'q'],
      [
        'a transition that does not exist',
        () => api.post(`${BASE}/${card.number}/transition`, { transition: 'teleport' }),
        422,
        'transition',
      ],
      [
        'a wrong type in a change',
        () => api.patch(`${BASE}/${card.number}`, { fields: { urgent: 'yes' } }, { 'if-match': `"${card.version}"` }),
        422,
        'fields.urgent',
      ],
      ['a malformed If-Match', () => api.patch(`${BASE}/${card.number}`, { title: 'y' }, { 'if-match': 'W/"1"' }), 412, 'If-Match'],
      ['a list instead of an object', () => api.post(BASE, [1, 2]), 422, '(body)'],
    ];
    const problems: string[] = [];
    for (const [why, send, status, field] of cases) {
      const r = await send();
      if (r.status !== status) problems.push(`${why}: expected ${status}, got ${r.status} ${r.text.slice(0, 200)}`);
      else if (r.headers.get('content-type')?.split(';')[0] !== PROBLEM) problems.push(`${why}: not problem+json`);
      else if (!r.body.errors?.some((e: { field: string }) => e.field === field))
        problems.push(`${why}: no error for ${field} in ${JSON.stringify(r.body.errors)}`);
      else if (typeof r.body.detail !== 'string' || !r.body.requestId) problems.push(`${why}: no detail or request id`);
    }
    assert.deepEqual(problems, []);
    assert.equal(await state(), before, 'nothing changed');
    assert.equal((await api.get('/api/v1/no-such-thing')).status, 404);
  });

  it('answers in the token user’s language', async () => {
    const ru = await sessionUserFor(ctx, 'ru@example.com', { roles: ['manager'] });
    await ctx.services.users.setLocale(ru.id, 'ru');
    const client = new ApiClient(app.url, await tokenFor(ctx, ru.id), recorded);
    const r = await client.post(BASE, { title: 'x', fields: { ...fields(), category: 'toys' } });
    assert.equal(r.status, 422);
    assert.match(r.body.detail, /[а-я]/);
  });

  it('every answer above matches the OpenAPI document', async () => {
    const doc = await servedDocument(app.url, await tokenFor(ctx, manager.id, 'read'));
    assert.ok(recorded.length > 50, `${recorded.length} answers recorded`);
    assert.deepEqual(contractProblems(doc, recorded), []);
  });
});
