// ./manage.ts token, as the shell runs it: create prints the token once (and
// it works against the API), list never shows one, revoke refuses it at the
// next request; a mistake is one line on stderr and exit 1.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SessionUser } from '#app/services/users';
import { startTestApp, type TestApp } from '#test/support/app';
import { ApiClient } from '#test/support/api';
import { sessionUserFor } from '#test/support/cards';
import { lines, manage } from '#test/support/cli';

describe('./manage.ts token', () => {
  let app: TestApp;
  let op: SessionUser;
  const client = (token: string) => new ApiClient(app.url, token);

  before(async () => {
    app = await startTestApp();
    op = await sessionUserFor(app.ctx, 'op@example.com', { roles: ['operator'] });
  });

  it('./manage.ts token create prints it once; list and revoke; mistakes are one line and exit 1', async () => {
    const env = { DATABASE_URL: app.db.url };
    const made = await manage(['token', 'create', 'OP@example.com', '--scope', 'write', '--expires', '7', '--name', 'erp'], env);
    assert.equal(made.code, 0, made.stderr);
    const token = lines(made.stdout)[0];
    assert.match(token, /^orbis_[\w-]{40,}$/);
    assert.equal((await client(token).get('/api/v1/users/me')).body.id, op.id);
    const listed = await manage(['token', 'list', 'op@example.com'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(token), 'the list never shows a token');
    const line = lines(listed.stdout).find((l) => l.endsWith('erp'))!;
    const id = line.split(/\s+/)[0];
    assert.match(line, /write\s+active\s+op@example\.com/);
    const revoked = await manage(['token', 'revoke', id], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await client(token).get('/api/v1/users/me')).status, 401);
    for (const [args, message] of [
      [['token', 'create', 'nobody@example.com'], /^error: no user with the email nobody@example\.com$/],
      [['token', 'create', 'op@example.com', '--scope', 'admin'], /^error: the access is read or write, not “admin”$/],
      [['token', 'create'], /^error: token create needs the user’s EMAIL$/],
      [['token', 'revoke', '999999'], /^error: no token with the id 999999$/],
    ] as const) {
      const r = await manage([...args], env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(lines(r.stderr).length, 1, r.stderr);
      assert.match(lines(r.stderr)[0], message);
    }
  });
});
