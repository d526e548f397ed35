// Guesses sent in parallel must meet the same limits as guesses sent one by
// one: each attempt reserves its place before its password is checked. The
// password checks are counted through the hasher the composition root hands
// to the user service (the real scrypt check, counted).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { hashPassword, scryptPasswords, type PasswordHasher } from '#app/services/passwords';
import { makeUser, startTestApp, type TestApp, type TestClient } from '#test/support/app';

/**
 * Counts the checks. Past `cap` a check already fails the test: it answers
 * "wrong" at once instead of spending scrypt's CPU, so a throttle that lets
 * everything through fails in seconds rather than by a timeout.
 */
function countingPasswords(cap: number): PasswordHasher & { checks: number } {
  const counter = {
    checks: 0,
    hash: scryptPasswords.hash,
    async verify(password: string, stored: string) {
      counter.checks++;
      if (counter.checks > cap) return false;
      return scryptPasswords.verify(password, stored);
    },
  };
  return counter;
}

function fromAddress(app: TestApp, ip: string): TestClient {
  const c = app.client();
  c.headers['x-forwarded-for'] = ip;
  return c;
}

/** Sends every guess at once with one session's token; returns how many got each status. */
async function guessInParallel(c: TestClient, guesses: Array<{ email: string; password: string }>): Promise<Map<number, number>> {
  const token = await c.csrf();
  const replies = await Promise.all(guesses.map((g) => c.post('/login', { ...g, _csrf: token })));
  const statuses = new Map<number, number>();
  for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  return statuses;
}

describe('login throttle under parallel guesses', () => {
  const passwords = countingPasswords(40);
  let app: TestApp;
  before(async () => {
    app = await startTestApp({}, { auth: { throttle: { perIp: 30 } } }, undefined, { passwords });
    await makeUser(app.ctx, 'victim@example.com');
  });

  it('checks at most the limit of 200 parallel guesses at one account, refuses the right password after, and lets the trusted device in', async () => {
    // The real user signed in from this browser before: a trusted device.
    const device = fromAddress(app, '203.0.113.7');
    assert.equal((await device.login('victim@example.com', 'correct horse battery')).status, 303);
    await device.post('/logout', {}, { from: '/' });

    const limit = app.ctx.settings.auth.throttle.perAccountAndIp;
    passwords.checks = 0;
    const attacker = fromAddress(app, '203.0.113.7'); // the same address: a shared network
    const guesses = Array.from({ length: 200 }, (_, i) => ({ email: 'victim@example.com', password: `guess-${i}` }));
    const statuses = await guessInParallel(attacker, guesses);
    assert.equal(passwords.checks, limit, `only ${limit} passwords were checked`);
    assert.equal(statuses.get(401), limit);
    assert.equal(statuses.get(429), 200 - limit);

    const blocked = await attacker.login('victim@example.com', 'correct horse battery');
    assert.equal(blocked.status, 429, 'the right password from the attacking address waits');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.equal(passwords.checks, limit, 'and is not even checked');

    const ok = await device.login('victim@example.com', 'correct horse battery');
    assert.equal(ok.status, 303, 'the trusted device gets in');
    assert.equal((await device.get('/')).status, 200);
  });

  it('checks at most the per-address limit of 120 parallel guesses on 120 accounts', async () => {
    // 120 real accounts, one hash for all (hashing each would take half a minute).
    const hash = await hashPassword('correct horse battery');
    await app.ctx.db.exec(
      `insert into users (email, display_name, password_hash) select 'user' || i || '@example.com', 'User ' || i, $1 from generate_series(1, 120) i`,
      [hash],
    );
    const perIp = app.ctx.settings.auth.throttle.perIp;
    assert.equal(perIp, 30);
    passwords.checks = 0;
    const attacker = fromAddress(app, '192.0.2.99');
    const guesses = Array.from({ length: 120 }, (_, i) => ({ email: `user${i + 1}@example.com`, password: `guess-${i}` }));
    const statuses = await guessInParallel(attacker, guesses);
    assert.equal(passwords.checks, perIp, `only ${perIp} passwords were checked`);
    assert.equal(statuses.get(401), perIp);
    assert.equal(statuses.get(429), 120 - perIp);

    assert.equal((await attacker.login('user120@example.com', 'correct horse battery')).status, 429);
    const elsewhere = fromAddress(app, '198.51.100.5');
    assert.equal((await elsewhere.login('user120@example.com', 'correct horse battery')).status, 303, 'the account itself is not locked');
  });

  it('refuses an absurdly long email like any wrong one, never a server error', async () => {
    const c = fromAddress(app, '198.51.100.77');
    const res = await c.login(`${'x'.repeat(100_000)}@example.com`, 'whatever password');
    assert.equal(res.status, 401);
  });
});
