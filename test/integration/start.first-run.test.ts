// `npm start` (manage.ts start) on an empty database: migrates, creates the
// first superuser with a printed password, loads demo data, serves — and the
// printed credentials sign in. A second start prints no password again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestClient } from '#test/support/app';
import { testDatabase } from '#test/support/db';
import { startOrbis as start } from '#test/support/start-process';

describe('first run (npm start)', () => {
  it('migrates, prints working credentials once, loads demo data, and serves', async () => {
    const db = await testDatabase({ migrated: false });
    const first = await start({ DATABASE_URL: db.url, ORBIS_ADMIN_EMAIL: '', ORBIS_ADMIN_PASSWORD: '' });
    const m = /Sign in as (\S+) with password (\S+)/.exec(first.out());
    assert.ok(m, first.out());
    assert.match(first.out(), /Loaded demo data/);
    const c = new TestClient(first.url);
    assert.equal((await c.get('/login')).status, 200);
    assert.equal((await c.login(m[1], m[2])).status, 303);
    assert.equal((await c.get('/admin/users')).status, 200, 'the first user is an administrator');
    assert.equal(await first.stop(), 0);

    const second = await start({ DATABASE_URL: db.url, ORBIS_ADMIN_EMAIL: '', ORBIS_ADMIN_PASSWORD: '' });
    assert.doesNotMatch(second.out(), /with password/);
    assert.doesNotMatch(second.out(), /Loaded demo data/, 'demo data is loaded once');
    assert.equal(await second.stop(), 0);
  });

  it('creates the first superuser from ORBIS_ADMIN_EMAIL/ORBIS_ADMIN_PASSWORD', async () => {
    const db = await testDatabase({ migrated: false });
    await assert.rejects(
      start({ DATABASE_URL: db.url, ORBIS_ADMIN_EMAIL: 'chief@example.com', ORBIS_ADMIN_PASSWORD: 'short' }),
      (err: { code: number; out: string }) => {
        assert.equal(err.code, 1);
        assert.match(
          err.out,
          /^error: cannot create the superuser from ORBIS_ADMIN_EMAIL\/ORBIS_ADMIN_PASSWORD: the password must be at least 10 characters long$/m,
        );
        return true;
      },
    );
    const run = await start({ DATABASE_URL: db.url, ORBIS_ADMIN_EMAIL: 'boss@example.com', ORBIS_ADMIN_PASSWORD: 'a sturdy secret 123' });
    assert.match(run.out(), /Sign in as boss@example.com with the password from ORBIS_ADMIN_PASSWORD/);
    assert.equal((await new TestClient(run.url).login('boss@example.com', 'a sturdy secret 123')).status, 303);
    assert.equal(await run.stop(), 0);
  });
});
