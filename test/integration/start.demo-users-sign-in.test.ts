// The README says how to sign in as the demo operator and manager: the first
// `npm start` prints their passwords, `./manage.ts import-demo --passwords`
// prints new ones. Both printouts must sign in, and the two roles must see
// different things.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TestClient, startTestApp } from '#test/support/app';
import { manage, ROOT } from '#test/support/cli';
import { testDatabase } from '#test/support/db';
import { startOrbis } from '#test/support/start-process';

const OPERATOR = 'olga.operator@orbis.local';
const MANAGER = 'maria.manager@orbis.local';

/** email → password of the printed demo lines ("  EMAIL  password PW  (roles)"). */
function printedPasswords(text: string): Map<string, { password: string; roles: string }> {
  return new Map(
    [...text.matchAll(/^ +(\S+@orbis\.local) +password (\S+) +\(([^)]+)\)$/gm)].map((m) => [m[1], { password: m[2], roles: m[3] }]),
  );
}

async function cardNumbers(c: TestClient): Promise<number> {
  const page = await c.get('/cards/purchase_request');
  assert.equal(page.status, 200);
  return new Set(page.text.match(/PR-\d{6}/g) ?? []).size;
}

describe('signing in as the demo users', () => {
  it('works with what npm start prints and with what import-demo --passwords prints, as the README says', async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = /^## Demo users[^\n]*\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    for (const said of [OPERATOR, MANAGER, './manage.ts import-demo --passwords'])
      assert.ok(section.includes(`\`${said}\``), `the README's demo section names ${said}`);

    const db = await testDatabase({ migrated: false });
    const env = { DATABASE_URL: db.url, ORBIS_ADMIN_EMAIL: '', ORBIS_ADMIN_PASSWORD: '' };
    const first = await startOrbis(env);
    const printed = printedPasswords(first.out());
    assert.deepEqual(
      [...printed.keys()].sort(),
      ['maria.manager@orbis.local', 'olga.operator@orbis.local', 'oscar.operator@orbis.local'],
      first.out(),
    );
    assert.equal(printed.get(OPERATOR)!.roles, 'operator');
    assert.equal(printed.get(MANAGER)!.roles, 'manager, approver');

    const operator = new TestClient(first.url);
    assert.equal((await operator.login(OPERATOR, printed.get(OPERATOR)!.password)).status, 303);
    const manager = new TestClient(first.url);
    assert.equal((await manager.login(MANAGER, printed.get(MANAGER)!.password)).status, 303);
    // Role limits: the operator sees her own purchase requests, the manager every one; neither is an administrator.
    assert.equal(await cardNumbers(operator), 3);
    assert.equal(await cardNumbers(manager), 6);
    assert.equal((await operator.get('/admin/users')).status, 403);
    assert.equal((await manager.get('/admin/users')).status, 403);
    assert.equal(await first.stop(), 0);

    // The printout is lost: the documented command sets and prints new passwords.
    const reset = await manage(['import-demo', '--passwords'], { DATABASE_URL: db.url });
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^New passwords of the demo users \(shown once\):$/m);
    const fresh = printedPasswords(reset.stdout);
    assert.equal(fresh.size, 3, reset.stdout);
    const app = await startTestApp({}, undefined, db);
    assert.equal((await app.client().login(OPERATOR, printed.get(OPERATOR)!.password)).status, 401, 'the old password no longer works');
    assert.equal((await app.client().login(OPERATOR, fresh.get(OPERATOR)!.password)).status, 303);
    assert.equal((await app.client().login(MANAGER, fresh.get(MANAGER)!.password)).status, 303);
    await app.close();

    // A later start prints no password again, but says where to get one.
    const second = await startOrbis(env);
    assert.equal(printedPasswords(second.out()).size, 0);
    assert.match(second.out(), /Demo users: \.\/manage\.ts import-demo --passwords prints new passwords for them\./);
    assert.equal(await second.stop(), 0);
  });
});
