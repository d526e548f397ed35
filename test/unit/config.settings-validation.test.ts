import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings, SettingsError } from '#app/config';
import { onCleanup } from '#test/support/cleanup';

function root(local?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-conf-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.copyFileSync(path.resolve(import.meta.dirname, '..', '..', 'conf', 'defaults.yaml'), path.join(dir, 'conf', 'defaults.yaml'));
  if (local !== undefined) fs.writeFileSync(path.join(dir, 'conf', 'local.yaml'), local);
  return dir;
}

describe('settings', () => {
  it('layers defaults, conf/local.yaml and the environment, in that order', () => {
    const dir = root('server:\n  port: 6000\ndatabase:\n  schema: from_file\n');
    const s = loadSettings({ root: dir, env: { DATABASE_SCHEMA: 'from_env', SECRET_KEY: 'x'.repeat(32) } });
    assert.equal(s.server.port, 6000, 'local file over defaults');
    assert.equal(s.database.schema, 'from_env', 'environment over local file');
    assert.equal(s.server.host, '127.0.0.1', 'defaults kept');
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.server), 'frozen');
  });

  it('generates a development SECRET_KEY once and keeps it under var/', () => {
    const dir = root();
    const a = loadSettings({ root: dir, env: {} });
    const b = loadSettings({ root: dir, env: {} });
    assert.equal(a.secretKey, b.secretKey);
    assert.ok(a.secretKey.length >= 32);
    assert.equal(fs.statSync(path.join(dir, 'var', 'secret-key')).mode & 0o777, 0o600);
  });

  for (const [env, message] of [
    [{ PORT: '99999' }, 'invalid setting PORT: "99999" is not a whole number from 0 to 65535'],
    [{ DATABASE_SCHEMA: 'Robert"); drop' }, 'invalid setting DATABASE_SCHEMA: "Robert\\"); drop" must be a lower-case SQL identifier'],
    [{ MEMCACHED_SERVERS: 'localhost' }, 'invalid setting MEMCACHED_SERVERS: expected host:port[,host:port…]'],
    [{ AMQP_URL: 'http://x' }, 'invalid setting AMQP_URL: scheme http: is not one of amqp: amqps:'],
    [{ NODE_ENV: 'staging' }, 'invalid setting NODE_ENV: "staging" is not development, production or test'],
    [{ NODE_ENV: 'production' }, 'missing setting SECRET_KEY: required when NODE_ENV=production'],
    [{ ORBIS_ADMIN_EMAIL: 'a@b.c' }, 'invalid setting ORBIS_ADMIN_EMAIL/ORBIS_ADMIN_PASSWORD: set both or neither'],
  ] as const) {
    it(`refuses ${JSON.stringify(env)} with a message naming the setting`, () => {
      assert.throws(
        () => loadSettings({ root: root(), env }),
        (err: Error) => err instanceof SettingsError && err.message === message,
      );
    });
  }

  it('refuses an unknown key and a bad time zone in conf/local.yaml', () => {
    assert.throws(() => loadSettings({ root: root('sever:\n  port: 1\n'), env: {} }), /unknown setting sever/);
    assert.throws(
      () => loadSettings({ root: root('timeZone: Mars/Olympus\n'), env: {} }),
      /invalid setting timeZone: unknown time zone "Mars\/Olympus"/,
    );
  });

  it('refuses a stale-job limit shorter than three heartbeats (running jobs would be taken from live workers)', () => {
    assert.throws(
      () => loadSettings({ root: root('jobs:\n  heartbeatSeconds: 10\n  staleSeconds: 20\n'), env: {} }),
      (err: Error) =>
        err instanceof SettingsError &&
        err.message === 'invalid setting jobs.staleSeconds: 20 must be at least 3 × jobs.heartbeatSeconds (30)',
    );
    assert.equal(loadSettings({ root: root('jobs:\n  heartbeatSeconds: 10\n  staleSeconds: 30\n'), env: {} }).jobs.staleSeconds, 30);
  });

  it('takes the beat tick and lease from the environment, and refuses a tick that does not divide the minute or a lease under three ticks', () => {
    assert.deepEqual(loadSettings({ root: root(''), env: { ORBIS_BEAT_TICK_SECONDS: '1', ORBIS_BEAT_LEASE_SECONDS: '3' } }).beat, {
      tickSeconds: 1,
      leaseSeconds: 3,
    });
    assert.throws(
      () => loadSettings({ root: root(''), env: { ORBIS_BEAT_TICK_SECONDS: '7' } }),
      (err: Error) => err instanceof SettingsError && /^invalid setting ORBIS_BEAT_TICK_SECONDS: 7 must divide 60/.test(err.message),
    );
    assert.throws(
      () => loadSettings({ root: root('beat:\n  tickSeconds: 10\n  leaseSeconds: 20\n'), env: {} }),
      (err: Error) =>
        err instanceof SettingsError && err.message === 'invalid setting beat.leaseSeconds: 20 must be at least 3 × beat.tickSeconds (30)',
    );
  });
});
