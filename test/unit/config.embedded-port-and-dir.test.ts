// The embedded PostgreSQL's port and folder from the environment
// (ORBIS_EMBEDDED_PG_PORT, ORBIS_EMBEDDED_PG_DIR) or conf/local.yaml; only
// the shipped default port may be moved when something else holds it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings } from '#app/config';
import { onCleanup } from '#test/support/cleanup';

function root(local?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-conf-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.copyFileSync(path.resolve(import.meta.dirname, '..', '..', 'conf', 'defaults.yaml'), path.join(dir, 'conf', 'defaults.yaml'));
  if (local !== undefined) fs.writeFileSync(path.join(dir, 'conf', 'local.yaml'), local);
  return dir;
}

const KEY = { SECRET_KEY: 'x'.repeat(32) };

describe('embedded PostgreSQL settings', () => {
  it('defaults to port 54320, movable, under var/pg (var/pg-test for the tests)', () => {
    const dir = root();
    const dev = loadSettings({ root: dir, env: { ...KEY } }).database.embedded;
    assert.deepEqual({ ...dev }, { dir: path.join(dir, 'var', 'pg'), port: 54320, portFixed: false });
    assert.equal(loadSettings({ root: dir, env: { ...KEY, NODE_ENV: 'test' } }).database.embedded.dir, path.join(dir, 'var', 'pg-test'));
  });

  it('takes the port and the folder from the environment; a chosen port is fixed', () => {
    const dir = root();
    const s = loadSettings({ root: dir, env: { ...KEY, ORBIS_EMBEDDED_PG_PORT: '55432', ORBIS_EMBEDDED_PG_DIR: 'var/second' } }).database
      .embedded;
    assert.deepEqual({ ...s }, { dir: path.join(dir, 'var', 'second'), port: 55432, portFixed: true });
    const t = loadSettings({ root: dir, env: { ...KEY, NODE_ENV: 'test', ORBIS_EMBEDDED_PG_DIR: '/srv/orbis-pg' } }).database.embedded;
    assert.equal(t.dir, '/srv/orbis-pg-test', 'the tests keep their own cluster beside it');
  });

  it('takes a port from conf/local.yaml as chosen too', () => {
    const s = loadSettings({ root: root('database:\n  embedded:\n    port: 55500\n'), env: { ...KEY } }).database.embedded;
    assert.equal(s.port, 55500);
    assert.equal(s.portFixed, true);
  });

  it('names the variable when its value cannot be a port (the tests use port + 1)', () => {
    for (const value of ['80', 'abc', '65535']) {
      assert.throws(() => loadSettings({ root: root(), env: { ...KEY, ORBIS_EMBEDDED_PG_PORT: value } }), {
        message: `invalid setting ORBIS_EMBEDDED_PG_PORT: ${JSON.stringify(value)} is not a whole number from 1024 to 65534`,
      });
    }
  });
});
