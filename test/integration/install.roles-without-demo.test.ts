// A fresh installation without demo data: `db upgrade` + `create-superuser`
// (as docs/install.md says, through the same entry as the shell) leave the
// roles the installed card types name, so an administrator can give an
// operator an account on /admin/users and the operator can work.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import YAML from 'yaml';
import { testContext, TestClient } from '#test/support/app';
import { manage, ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { startTestApp } from '#test/support/app';
import { CardTypes, loadCardTypes, parseCardType } from '#app/services/card-types';
import { rolesNamedBy } from '#app/services/card-type-roles';

const PASSWORD = 'a strong password';

describe('a fresh installation without demo data', () => {
  it('db upgrade creates the roles the card types name, once; an operator account made on /admin/users can work', async () => {
    const db = await testDatabase({ migrated: false });
    const up = await manage(['db', 'upgrade'], { DATABASE_URL: db.url });
    assert.equal(up.code, 0, up.stderr);
    assert.match(
      up.stdout,
      /^Created the roles the card types name: approver, manager, operator \(give them to users under Admin → Users\)\.$/m,
    );
    // The same first upgrade puts the card types of conf/cardtypes/ in the database as version 1 (the designer edits them from there).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const versions = await client
      .query(`select card_type, version, source from card_type_versions order by card_type`)
      .finally(() => client.end());
    assert.deepEqual(versions.rows, [
      { card_type: 'complaint', version: 1, source: 'file' },
      { card_type: 'purchase_request', version: 1, source: 'file' },
    ]);
    const su = await manage(['create-superuser', 'boss@example.com', PASSWORD], { DATABASE_URL: db.url });
    assert.equal(su.code, 0, su.stderr);

    const { ctx } = await testContext({}, undefined, db);
    const expected = rolesNamedBy(loadCardTypes(path.join(ROOT, 'conf', 'cardtypes')));
    assert.deepEqual(expected, ['approver', 'manager', 'operator'], 'what the shipped card types name');
    assert.deepEqual(
      (await ctx.services.users.roles()).map((r) => r.name),
      expected,
    );
    assert.deepEqual(await ctx.db.rows('select count(*)::int as n from users'), [{ n: 1 }], 'no demo user came with it');

    // An administrator renamed a role's label: a second upgrade keeps it and creates nothing.
    await ctx.db.exec(`update roles set label = 'Purchasing approver' where name = 'approver'`);
    const again = await manage(['db', 'upgrade'], { DATABASE_URL: db.url });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /Created the roles/);
    assert.deepEqual(await ctx.db.rows('select name, label from roles order by name'), [
      { name: 'approver', label: 'Purchasing approver' },
      { name: 'manager', label: 'Manager' },
      { name: 'operator', label: 'Operator' },
    ]);

    // The administrator makes an operator on the admin page; the operator creates a card and submits it.
    const app = await startTestApp({}, undefined, db);
    const admin = new TestClient(app.url);
    assert.equal((await admin.login('boss@example.com', PASSWORD)).status, 303);
    const form = await admin.get('/admin/users/new');
    for (const role of expected) assert.match(form.text, new RegExp(`name="roles" value="${role}"`), `the new-user form offers ${role}`);
    const made = await admin.post(
      '/admin/users',
      { email: 'olga@example.com', display_name: 'Olga', password: PASSWORD, time_zone: 'UTC', roles: ['operator'] },
      { from: '/admin/users/new' },
    );
    assert.equal(made.status, 303, made.text);
    const operator = new TestClient(app.url);
    assert.equal((await operator.login('olga@example.com', PASSWORD)).status, 303);
    const created = await operator.post(
      '/cards/purchase_request',
      { title: 'Desk lamps', supplier: 'Lumen Displays', amount: '120.00', category: 'office' },
      { from: '/cards/purchase_request/new' },
    );
    assert.equal(created.status, 303, created.text);
    const [card] = await ctx.db.rows<{ id: number; owner: string }>(
      `select c.id, u.email as owner from cards c join users u on u.id = c.owner_id`,
    );
    assert.equal(card.owner, 'olga@example.com');
  });

  it('derives the roles from the card types it loads, not from a list of its own', () => {
    const yaml = `
name: inspection
label: Inspection
prefix: IN
fields:
  - { name: inspector, type: user, label: Inspector, role: field_inspector }
process:
  stages: [{ name: open, label: Open }, { name: done, label: Done, final: true }]
  transitions: [{ name: finish, label: Finish, from: [open], to: done, roles: [site_lead] }]
permissions:
  auditor: { read: all }
`;
    const type = parseCardType('inspection.yaml', YAML.parse(yaml));
    assert.deepEqual(rolesNamedBy(new CardTypes([type])), ['auditor', 'field_inspector', 'site_lead']);
  });
});
