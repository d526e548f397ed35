// /admin/roles (issue 17 item 1): an administrator makes a role (bad input
// named at the field and kept), gives it rights on a card type through the
// action × scope matrix, and a holder of the role can at once do what it
// grants — in this web process and in another one on the same database,
// without a restart; taking the right away takes effect the same way. A
// role in use is not deleted and the answer says where it is used; an unused
// one is. Superusers only, CSRF on every form.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makeUser, startTestApp, TestClient, type TestApp } from '#test/support/app';
import { readPermissionsJson } from '#app/services/notifications';
import { sessionUserFor } from '#test/support/cards';
import { eventually } from '#test/support/queue';
import { startWebProcess } from '#test/support/web-spawn';

const PASSWORD = 'correct horse battery';
const NO_RIGHTS = {
  'right.complaint.read': 'none',
  'right.complaint.create': 'none',
  'right.complaint.update': 'none',
  'right.complaint.delete': 'none',
  'right.complaint.transition': 'none',
};

describe('/admin/roles', () => {
  let app: TestApp;
  let admin: TestClient;
  before(async () => {
    app = await startTestApp();
    await makeUser(app.ctx, 'root@example.com', { superuser: true });
    admin = app.client();
    assert.equal((await admin.login('root@example.com', PASSWORD)).status, 303);
  });

  it('makes a role; a bad name or an empty label is named at the field with the input kept', async () => {
    const bad = await admin.post('/admin/roles', { name: 'Bad Name', label: '', description: '<i>desc</i>' }, { from: '/admin/roles' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /data-field-error="name">Use lower-case letters/);
    assert.match(bad.text, /data-field-error="label">Enter a label\./);
    assert.match(bad.text, /&lt;i&gt;desc&lt;\/i&gt;<\/textarea>/, 'the description is kept, escaped');
    const ok = await admin.post(
      '/admin/roles',
      { name: 'auditor', label: 'Auditor', description: 'Reads complaints' },
      { from: '/admin/roles' },
    );
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/admin/roles/auditor');
    const list = await admin.get('/admin/roles');
    assert.match(list.text, /<tr data-role="auditor">[\s\S]*?Auditor[\s\S]*?Reads complaints/);
    const again = await admin.post('/admin/roles', { name: 'auditor', label: 'Again', description: '' }, { from: '/admin/roles' });
    assert.match(again.text, /data-field-error="name">A role named auditor exists already\./);
  });

  it('grants and takes rights at once, here and in another web process, without a restart', async () => {
    await admin.post('/admin/roles', { name: 'reviewer', label: 'Reviewer', description: '' }, { from: '/admin/roles' });
    const owner = await sessionUserFor(app.ctx, 'owner@example.com', { roles: ['operator'] });
    await makeUser(app.ctx, 'rita@example.com', { roles: ['reviewer'] });
    const card = await app.ctx.services.cards.create(owner, 'complaint', {
      title: 'Broken kettle',
      customer: 'ACME',
      channel: 'phone',
      severity: 'low',
      details: 'It leaks.',
    });
    const other = await startWebProcess({ DATABASE_URL: app.db.url });
    const here = app.client();
    await here.login('rita@example.com', PASSWORD);
    const there = new TestClient(other.url);
    assert.equal((await there.login('rita@example.com', PASSWORD)).status, 303);
    const path = `/cards/complaint/${card.id}`;
    assert.equal((await here.get(path)).status, 404, 'no right yet');
    assert.equal((await there.get(path)).status, 404);

    const grant = { ...NO_RIGHTS, 'right.complaint.read': 'all' };
    assert.equal((await admin.post('/admin/roles/reviewer/rights', grant, { from: '/admin/roles/reviewer' })).status, 303);
    assert.equal((await here.get(path)).status, 200, 'this process: at once');
    assert.deepEqual(
      JSON.parse(readPermissionsJson(app.ctx.services.cards.types)).complaint.all.includes('reviewer'),
      true,
      'notices and watchers read it too',
    );
    await eventually(async () => (await there.get(path)).status === 200 || undefined, 2000, 'the other process within 2 s');
    assert.match((await there.get('/cards/complaint')).text, /Broken kettle/, 'the list too');

    assert.equal((await admin.post('/admin/roles/reviewer/rights', NO_RIGHTS, { from: '/admin/roles/reviewer' })).status, 303);
    assert.equal((await here.get(path)).status, 404);
    await eventually(async () => (await there.get(path)).status === 404 || undefined, 2000, 'taken away there within 2 s');
    const page = await admin.get('/admin/roles/reviewer');
    assert.match(page.text, /name="right\.complaint\.read"[^>]*>[\s\S]*?<option value="none" selected>/);
  });

  it('overrides what a type’s file declares for a role, and says what the file said', async () => {
    const before = app.ctx.services.cards.types.get('complaint')!.permissions.operator.delete;
    assert.equal(before, 'none');
    const rights = { ...NO_RIGHTS, 'right.complaint.read': 'all', 'right.complaint.create': 'all', 'right.complaint.delete': 'own' };
    await admin.post('/admin/roles/operator/rights', rights, { from: '/admin/roles/operator' });
    assert.equal(app.ctx.services.cards.types.get('complaint')!.permissions.operator.delete, 'own');
    assert.match(
      (await admin.get('/admin/roles/operator')).text,
      /name="right\.complaint\.update"[\s\S]*?The type’s file says: own/,
      'the file gave own',
    );
  });

  it('refuses nonsense in the matrix and changes nothing', async () => {
    const res = await admin.post(
      '/admin/roles/auditor/rights',
      { 'right.complaint.read': 'everything', 'right.nosuchtype.read': 'all' },
      { from: '/admin/roles/auditor' },
    );
    assert.equal(res.status, 400);
    assert.match(res.text, /data-field-error="rights">/);
    assert.equal(app.ctx.services.cards.types.get('complaint')!.permissions.auditor, undefined);
    assert.equal(
      (await app.ctx.db.rows("select 1 from role_permissions p join roles r on r.id = p.role_id where r.name = 'auditor'")).length,
      0,
    );
  });

  it('sets nothing shared through a field named after an object member, and takes no such role name', async () => {
    const res = await admin.post(
      '/admin/roles/auditor/rights',
      { 'right.__proto__.read': 'all', 'right.constructor.read': 'all' },
      { from: '/admin/roles/auditor' },
    );
    assert.equal(res.status, 400);
    assert.equal(({} as Record<string, unknown>).read, undefined, 'Object.prototype untouched');
    assert.equal((Object as unknown as Record<string, unknown>).read, undefined, 'Object untouched');
    for (const name of ['constructor', 'prototype', 'tostring']) {
      const made = await admin.post('/admin/roles', { name, label: 'X', description: '' }, { from: '/admin/roles' });
      assert.equal(made.status, name === 'tostring' ? 303 : 400, name);
    }
  });

  it('does not delete a role in use, saying where; deletes an unused one', async () => {
    const inUse = await admin.post('/admin/roles/operator/delete', {}, { from: '/admin/roles/operator' });
    assert.equal(inUse.status, 400);
    assert.match(
      inUse.text,
      /data-field-error="delete">The role is in use and was not deleted: held by 1 user\(s\); named by the card types complaint, purchase_request/,
    );
    assert.equal((await app.ctx.db.rows("select 1 from roles where name = 'operator'")).length, 1);
    await admin.post('/admin/roles', { name: 'temp', label: 'Temp', description: '' }, { from: '/admin/roles' });
    const gone = await admin.post('/admin/roles/temp/delete', {}, { from: '/admin/roles/temp' });
    assert.equal(gone.status, 303);
    assert.equal((await app.ctx.db.rows("select 1 from roles where name = 'temp'")).length, 0);
    assert.equal((await admin.get('/admin/roles/temp')).status, 404);
    // Rights set in the browser do not make a role "in use": they go with it.
    await admin.post('/admin/roles/auditor/rights', { ...NO_RIGHTS, 'right.complaint.read': 'all' }, { from: '/admin/roles/auditor' });
    assert.equal(app.ctx.services.cards.types.get('complaint')!.permissions.auditor?.read, 'all');
    assert.equal((await admin.post('/admin/roles/auditor/delete', {}, { from: '/admin/roles/auditor' })).status, 303);
    assert.equal(app.ctx.services.cards.types.get('complaint')!.permissions.auditor, undefined, 'its rights are gone here');
    assert.equal((await app.ctx.db.rows('select 1 from role_permissions')).length > 0, true, 'other roles keep theirs');
  });

  it('is for superusers only, and every form needs its CSRF token', async () => {
    const op = app.client();
    await makeUser(app.ctx, 'plain@example.com', { roles: ['operator'] });
    await op.login('plain@example.com', PASSWORD);
    assert.equal((await op.get('/admin/roles')).status, 403);
    assert.equal((await op.post('/admin/roles/operator/rights', NO_RIGHTS, { from: '/' })).status, 403);
    assert.equal((await admin.post('/admin/roles', { name: 'sneaky', label: 'S' }, { csrf: false })).status, 403);
    assert.equal((await app.ctx.db.rows("select 1 from roles where name = 'sneaky'")).length, 0);
  });
});
