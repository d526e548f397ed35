import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { manage, lines } from '#test/support/cli';
import { testDatabase, type TestDatabase } from '#test/support/db';
import { testContext } from '#test/support/app';

describe('manage.ts create-superuser', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });

  it('creates a superuser who can sign in', async () => {
    const res = await manage(['create-superuser', 'Boss@Example.com', 'a strong password'], { DATABASE_URL: db.url });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Superuser boss@example.com created/);
    const { ctx } = await testContext({}, undefined, db);
    const user = await ctx.services.users.authenticate('boss@example.com', 'a strong password', { ip: '127.0.0.1' });
    assert.equal(user.isSuperuser, true);
  });

  for (const [why, args, message] of [
    ['a weak password', ['create-superuser', 'weak@example.com', 'short'], /error: the password must be at least 10 characters long/],
    ['a bad email', ['create-superuser', 'not-an-email', 'a strong password'], /error: "not-an-email" is not a valid email address/],
    [
      'an existing email',
      ['create-superuser', 'BOSS@example.com', 'another strong one'],
      /error: a user with the email boss@example.com already exists/,
    ],
    ['no password off a terminal', ['create-superuser', 'quiet@example.com'], /error: PASSWORD is required when not run on a terminal/],
  ] as const) {
    it(`refuses ${why} with one line and exit 1`, async () => {
      const res = await manage([...args], { DATABASE_URL: db.url });
      assert.equal(res.code, 1);
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assert.match(res.stderr, message);
    });
  }
});

describe('manage.ts user errors', () => {
  it('prints usage and exits 1 for an unknown command', async () => {
    const res = await manage(['frobnicate']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /unknown command "frobnicate"/);
    assert.match(res.stderr, /usage: \.\/manage\.ts COMMAND/);
  });

  it('prints usage and exits 1 for an unknown option', async () => {
    const res = await manage(['runserver', '--colour']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Unknown option '--colour'/);
    assert.match(res.stderr, /usage: \.\/manage\.ts runserver/);
  });

  it('lists the commands when run alone, and every command has --help', async () => {
    const res = await manage([]);
    assert.equal(res.code, 0);
    const names = [...res.stdout.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    assert.ok(names.includes('db') && names.includes('create-superuser') && names.includes('runserver'), res.stdout);
    for (const name of names) {
      const help = await manage([name, '--help']);
      assert.equal(help.code, 0, `${name} --help`);
      assert.match(help.stdout, new RegExp(`^usage: \\./manage\\.ts ${name}`), `${name} --help`);
    }
  });

  it('stops on an invalid setting with one line naming it', async () => {
    const res = await manage(['db', 'status'], { PORT: 'eighty' });
    assert.equal(res.code, 1);
    assert.deepEqual(lines(res.stderr), ['error: invalid setting PORT: "eighty" is not a whole number from 0 to 65535']);
    const url = await manage(['db', 'status'], { DATABASE_URL: 'mysql://x@localhost/db' });
    assert.equal(url.code, 1);
    assert.match(url.stderr, /^error: invalid setting DATABASE_URL: scheme mysql: is not one of postgres: postgresql:\n$/);
  });

  it('requires SECRET_KEY in production', async () => {
    const res = await manage(['db', 'status'], { NODE_ENV: 'production', SECRET_KEY: '' });
    assert.equal(res.code, 1);
    assert.deepEqual(lines(res.stderr), ['error: missing setting SECRET_KEY: required when NODE_ENV=production']);
  });

  it('prints one line and exits 1 when the database is unreachable', async () => {
    const res = await manage(['db', 'upgrade'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/orbis' });
    assert.equal(res.code, 1);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /^error: cannot connect to the database at postgres:\/\/postgres@127\.0\.0\.1:1\/orbis/);
  });
});
