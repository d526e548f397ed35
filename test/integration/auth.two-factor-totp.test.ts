// Second factors (issue 16 item 6): TOTP enrolment with a QR code made on
// the server, confirmed by a code, ten recovery codes shown once and stored
// hashed; the secret sealed with the secret key; at sign-in a second step
// before the session is signed in, which expires; codes throttled like
// passwords; a replayed code refused; superusers held to the enrolment page
// when the setting says so; an administrator's reset, recorded.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { AppContext } from '#app/context';
import { secretBox } from '#app/services/secret-box';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

const PASSWORD = 'correct horse battery';

/** Waits, if needed, until the current 30-second step has at least 12 s left: a test's codes stay valid while it runs. */
async function freshStep(): Promise<void> {
  const into = (Date.now() / 1000) % 30;
  if (into > 18) await new Promise((r) => setTimeout(r, (30 - into) * 1000 + 200));
}

/** The code of the step `steps` away from now. */
function codeAt(secret: string, steps = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
}

/** Enrols the signed-in client's user through the pages; returns the secret and the recovery codes. */
async function enrolThroughPages(c: TestClient): Promise<{ secret: string; codes: string[] }> {
  const page = await c.get('/account/two-factor');
  assert.equal(page.status, 200);
  const secret = /data-testid="secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
  await freshStep();
  const done = await c.post('/account/two-factor/confirm', { code: await codeAt(secret, -1) }, { from: '/account/two-factor' });
  assert.equal(done.status, 200, done.text.slice(0, 500));
  const codes = [...done.text.matchAll(/data-testid="recovery-code">([A-Z0-9-]+)</g)].map((m) => m[1]);
  return { secret, codes };
}

/** Enrols a user through the service (as the pages do). */
async function enrol(ctx: AppContext, user: { id: number; email: string }): Promise<{ secret: string; codes: string[] }> {
  const { secret } = (await ctx.services.twoFactor.enrolment(user.id, user.email))!;
  await freshStep();
  const codes = await ctx.services.twoFactor.confirm(user, await codeAt(secret, -1), { ip: '127.0.0.1' });
  return { secret, codes };
}

async function signedIn(app: TestApp, email: string): Promise<TestClient> {
  const c = app.client();
  assert.equal((await c.login(email, PASSWORD)).status, 303);
  return c;
}

describe('two-factor sign-in with TOTP', () => {
  let app: TestApp;
  let ann: { id: number; email: string };
  let annSecret: string;
  let annCodes: string[];
  const events = (kind: string) =>
    app.ctx.db.rows<{ user_id: number | null; detail: Record<string, unknown> }>(
      'select user_id, detail from auth_events where kind = $1 order by id',
      [kind],
    );

  before(async () => {
    app = await startTestApp({}, { auth: { throttle: { perAccountAndIp: 3 } } });
    ann = await makeUser(app.ctx, 'ann@example.com', { name: 'Ann' });
  });

  it('enrols with a QR code and the secret, confirmed by a code; ten recovery codes shown once; the secret kept sealed', async () => {
    const c = await signedIn(app, ann.email);
    const page = await c.get('/account/two-factor');
    assert.match(page.text, /data-testid="qr"[^>]*><svg [^>]*viewBox/, 'the QR code is an inline SVG made here');
    assert.doesNotMatch(page.text, /<img[^>]+src="https?:/, 'no image from elsewhere');
    const secret = /data-testid="secret">([A-Z2-7 ]+)</.exec(page.text)![1].replace(/ /g, '');
    assert.equal(secret.length, 32, 'a 160-bit secret');
    assert.match((await c.get('/account/two-factor')).text, new RegExp(secret.slice(0, 4)), 'a reload shows the same secret');

    const wrong = await c.post('/account/two-factor/confirm', { code: '000000' }, { from: '/account/two-factor' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /data-field-error="code">That code is not right/);
    assert.match(wrong.text, /value="000000"/, 'the input is kept');
    assert.equal(await app.ctx.services.twoFactor.isEnrolled(ann.id), false);

    ({ secret: annSecret, codes: annCodes } = await enrolThroughPages(c));
    assert.equal(annSecret, secret);
    assert.equal(annCodes.length, 10);
    assert.equal(new Set(annCodes).size, 10);
    for (const code of annCodes) assert.match(code, /^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);

    const status = await c.get('/account/two-factor');
    assert.match(status.text, /data-testid="two-factor-status"/);
    assert.match(status.text, /10 recovery codes left/);
    assert.doesNotMatch(status.text, new RegExp(annCodes[0]), 'the codes are shown once');
    assert.doesNotMatch(status.text, /data-testid="secret"/);

    const [row] = await app.ctx.db.rows<{ secret: string }>('select secret from user_totp where user_id = $1', [ann.id]);
    assert.doesNotMatch(row.secret, new RegExp(secret), 'not the plain secret');
    const box = secretBox(app.ctx.settings.secretKey, 'totp secret');
    assert.equal(box.open(row.secret, `user:${ann.id}`), secret, 'sealed with the secret key');
    assert.throws(() => box.open(row.secret, 'user:999'), 'bound to its user: copied to another it does not open');
    assert.throws(() => secretBox('another secret key entirely', 'totp secret').open(row.secret, `user:${ann.id}`));
    const hashes = await app.ctx.db.rows<{ code_hash: string }>('select code_hash from user_recovery_codes where user_id = $1', [ann.id]);
    assert.equal(hashes.length, 10);
    for (const h of hashes) assert.ok(!annCodes.some((code) => h.code_hash.includes(code.replace('-', ''))), 'hashed');
    assert.deepEqual(
      (await events('factor.enrolled')).map((e) => [e.user_id, e.detail.factor]),
      [[ann.id, 'totp']],
    );
  });

  it('asks for a code after the password, with the session not signed in between; a right code signs in, a replayed one is refused', async () => {
    const c = app.client();
    const first = await c.login(ann.email, PASSWORD);
    assert.equal(first.status, 303);
    assert.equal(first.location, '/login/two-factor');
    assert.equal((await c.get('/')).status, 303, 'not signed in between the steps');
    assert.equal((await c.get('/')).location, '/login');
    assert.equal((await c.get('/account/two-factor')).status, 303);
    const sid = /^s:([^.]+)\./.exec(decodeURIComponent(c.cookies.get('orbis_sid')!))![1];
    const [pending] = await app.ctx.db.rows<{ user_id: number | null; data: Record<string, unknown> }>(
      'select user_id, data from sessions where sid = $1',
      [sid],
    );
    assert.equal(pending.user_id, null, 'the session names no user');
    assert.equal(pending.data.passport, undefined);
    assert.equal((pending.data.pendingSignIn as { userId: number }).userId, ann.id);
    const form = await c.get('/login/two-factor');
    assert.equal(form.status, 200);
    assert.match(form.text, /name="code"/);

    const wrong = await c.post('/login/two-factor', { code: '123456' }, { from: '/login/two-factor' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /That code is not right/);

    await freshStep();
    const code = await codeAt(annSecret);
    const ok = await c.post('/login/two-factor', { code }, { from: '/login/two-factor' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/');
    assert.equal((await c.get('/')).status, 200);

    const replay = app.client();
    assert.equal((await replay.login(ann.email, PASSWORD)).location, '/login/two-factor');
    const replayed = await replay.post('/login/two-factor', { code }, { from: '/login/two-factor' });
    assert.equal(replayed.status, 401, 'the same code within its window is refused');
    assert.equal((await replay.get('/')).status, 303);

    const [used] = (await events('factor.used')).slice(-1);
    assert.deepEqual([used.user_id, used.detail.factor], [ann.id, 'totp']);
    const [signedInRow] = (await events('sign_in.ok')).slice(-1);
    assert.deepEqual([signedInRow.user_id, signedInRow.detail.method], [ann.id, 'password+totp']);
    const failed = (await events('sign_in.failed')).map((e) => e.detail.reason);
    assert.deepEqual(failed.slice(-2), ['wrong_code', 'wrong_code']);
  });

  it('takes a recovery code, once', async () => {
    const c = app.client();
    await c.login(ann.email, PASSWORD);
    const r = await c.post('/login/two-factor', { code: annCodes[0].toLowerCase() }, { from: '/login/two-factor' });
    assert.equal(r.status, 303, 'any case, with the dash');
    assert.match((await c.get('/account/two-factor')).text, /9 recovery codes left/);
    const again = app.client();
    await again.login(ann.email, PASSWORD);
    assert.equal((await again.post('/login/two-factor', { code: annCodes[0] }, { from: '/login/two-factor' })).status, 401);
    assert.equal((await events('factor.used')).slice(-1)[0].detail.factor, 'recovery');
  });

  it('counts wrong codes like failed passwords: past the limit even the right code waits, and a right password does not clear them', async () => {
    const bob = await makeUser(app.ctx, 'bob@example.com');
    const { secret } = await enrol(app.ctx, bob);
    const attacker = app.client();
    for (let i = 0; i < 3; i++) {
      assert.equal((await attacker.login(bob.email, PASSWORD)).location, '/login/two-factor');
      assert.equal((await attacker.post('/login/two-factor', { code: `99999${i}` }, { from: '/login/two-factor' })).status, 401);
    }
    assert.equal((await attacker.login(bob.email, PASSWORD)).location, '/login/two-factor', 'the password is still right');
    const blocked = await attacker.post('/login/two-factor', { code: await codeAt(secret) }, { from: '/login/two-factor' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.match(blocked.text, /Too many failed sign-ins/);
    assert.equal((await attacker.get('/')).status, 303);
    // Refused codes write one event while the throttle holds, not one per guess.
    for (let i = 0; i < 3; i++) {
      await attacker.login(bob.email, PASSWORD);
      assert.equal((await attacker.post('/login/two-factor', { code: `88888${i}` }, { from: '/login/two-factor' })).status, 429);
    }
    const [{ n }] = await app.ctx.db.rows<{ n: number }>(
      `select count(*)::int as n from auth_events where kind = 'sign_in.failed' and email = $1 and detail->>'reason' = 'throttled'`,
      [bob.email],
    );
    assert.equal(n, 1);
  });

  it('lets the second step expire', async () => {
    const cara = await makeUser(app.ctx, 'cara@example.com');
    const { secret } = await enrol(app.ctx, cara);
    const c = app.client();
    await c.login(cara.email, PASSWORD);
    const token = await c.csrf('/login/two-factor');
    const n = await app.ctx.db.exec(
      `update sessions set data = jsonb_set(data, '{pendingSignIn,at}', to_jsonb((data->'pendingSignIn'->>'at')::bigint - 301000))
        where data->'pendingSignIn'->>'userId' = $1`,
      [String(cara.id)],
    );
    assert.equal(n, 1);
    const late = await c.post('/login/two-factor', { code: await codeAt(secret), _csrf: token });
    assert.equal(late.status, 401);
    assert.match(late.text, /The sign-in took too long/);
    assert.equal((await c.get('/')).status, 303);
  });

  it('lets an administrator reset a second factor: recorded, the user’s sessions end, the password alone signs in again', async () => {
    const admin = await makeUser(app.ctx, 'admin@example.com', { superuser: true });
    const dan = await makeUser(app.ctx, 'dan@example.com');
    const { secret } = await enrol(app.ctx, dan);
    const danClient = app.client();
    await danClient.login(dan.email, PASSWORD);
    await freshStep();
    assert.equal((await danClient.post('/login/two-factor', { code: await codeAt(secret) }, { from: '/login/two-factor' })).status, 303);

    const a = await signedIn(app, admin.email);
    const page = await a.get(`/admin/users/${dan.id}`);
    assert.match(page.text, /data-testid="reset-two-factor"/);
    const reset = await a.post(`/admin/users/${dan.id}/two-factor/reset`, {}, { from: `/admin/users/${dan.id}` });
    assert.equal(reset.status, 303);
    assert.equal(await app.ctx.services.twoFactor.isEnrolled(dan.id), false);
    assert.equal((await danClient.get('/')).status, 303, 'the user’s session ended');
    const [row] = (await events('factor.reset')).slice(-1);
    assert.deepEqual([row.user_id, row.detail.by, row.detail.factor], [dan.id, admin.id, 'totp']);
    assert.equal((await app.client().login(dan.email, PASSWORD)).location, '/');
    assert.match((await a.get(`/admin/users/${dan.id}`)).text, /signs in with a password only/);
  });

  it('lets a user turn it off with a code', async () => {
    const eli = await makeUser(app.ctx, 'eli@example.com');
    const { codes } = await enrol(app.ctx, eli);
    const c = app.client();
    await c.login(eli.email, PASSWORD);
    assert.equal((await c.post('/login/two-factor', { code: codes[0] }, { from: '/login/two-factor' })).status, 303);
    const wrong = await c.post('/account/two-factor/disable', { code: '000000' }, { from: '/account/two-factor' });
    assert.equal(wrong.status, 400);
    assert.equal((await c.post('/account/two-factor/disable', { code: codes[1] }, { from: '/account/two-factor' })).status, 303);
    assert.equal(await app.ctx.services.twoFactor.isEnrolled(eli.id), false);
  });
});

describe('two factors required for superusers', () => {
  it('sends a superuser without one to enrol at sign-in, lets them do nothing else until they did, and not turn it off', async () => {
    const app = await startTestApp({}, { auth: { twoFactor: { requiredForSuperusers: true } } });
    await makeUser(app.ctx, 'root@example.com', { superuser: true });
    await makeUser(app.ctx, 'op@example.com');
    const c = app.client();
    const r = await c.login('root@example.com', PASSWORD);
    assert.equal(r.location, '/account/two-factor');
    for (const path of ['/', '/admin/users', '/tasks']) {
      const page = await c.get(path);
      assert.equal(page.status, 303, path);
      assert.equal(page.location, '/account/two-factor');
    }
    const post = await c.post('/admin/users', { email: 'x@example.com', password: 'a long enough pw' }, { from: '/account/two-factor' });
    assert.equal(post.status, 403);
    assert.equal(await app.ctx.services.users.findByEmail('x@example.com'), null);
    assert.match((await c.get('/account/two-factor')).text, /data-testid="must-enrol"/);
    await enrolThroughPages(c);
    assert.equal((await c.get('/admin/users')).status, 200, 'free once enrolled');
    const off = await c.post('/account/two-factor/disable', { code: '000000' }, { from: '/account/two-factor' });
    assert.equal(off.status, 403);
    assert.equal((await app.client().login('op@example.com', PASSWORD)).location, '/', 'operators are not held');
  });
});
