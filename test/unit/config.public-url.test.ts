// server.publicUrl (ORBIS_PUBLIC_URL): the base of every link in a mail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSettings, SettingsError } from '#app/config';
import { onCleanup } from '#test/support/cleanup';

function root(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orbis-conf-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'conf'));
  fs.copyFileSync(path.resolve(import.meta.dirname, '..', '..', 'conf', 'defaults.yaml'), path.join(dir, 'conf', 'defaults.yaml'));
  return dir;
}

const PROD = { NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32) };

describe('server.publicUrl', () => {
  it('defaults to the address Orbis listens on outside production', () => {
    const dir = root();
    assert.equal(loadSettings({ root: dir, env: {} }).server.publicUrl, 'http://127.0.0.1:5000');
    assert.equal(
      loadSettings({ root: dir, env: { PORT: '6001', HOST: '0.0.0.0' } }).server.publicUrl,
      'http://127.0.0.1:6001',
      'all interfaces: the loopback address',
    );
    assert.equal(loadSettings({ root: dir, env: { HOST: 'orbis.lan' } }).server.publicUrl, 'http://orbis.lan:5000');
  });

  it('keeps a given address without its trailing slash, path included', () => {
    const s = loadSettings({ root: root(), env: { ...PROD, ORBIS_PUBLIC_URL: 'https://Orbis.Example.com/work/' } });
    assert.equal(s.server.publicUrl, 'https://orbis.example.com/work');
  });

  it('is required in production when mail is sent, and stays unset (links relative) without mail', () => {
    assert.throws(
      () => loadSettings({ root: root(), env: { ...PROD, SMTP_URL: 'smtp://127.0.0.1:25' } }),
      (err: Error) =>
        err instanceof SettingsError &&
        err.message ===
          'missing setting ORBIS_PUBLIC_URL (server.publicUrl): required when NODE_ENV=production and SMTP_URL is set, for the links in mails',
    );
    assert.equal(loadSettings({ root: root(), env: PROD }).server.publicUrl, null);
  });

  for (const [value, message] of [
    ['orbis.example.com', 'invalid setting ORBIS_PUBLIC_URL: not a URL (expected http://…)'],
    ['ftp://orbis.example.com', 'invalid setting ORBIS_PUBLIC_URL: scheme ftp: is not one of http: https:'],
    [
      'https://orbis.example.com/?x=1',
      'invalid setting ORBIS_PUBLIC_URL: "https://orbis.example.com/?x=1" must be scheme, host and an optional path (no query, fragment or user)',
    ],
    [
      'https://me:secret@orbis.example.com',
      'invalid setting ORBIS_PUBLIC_URL: "https://me:secret@orbis.example.com" must be scheme, host and an optional path (no query, fragment or user)',
    ],
  ] as const) {
    it(`refuses ${value} naming the setting`, () => {
      assert.throws(
        () => loadSettings({ root: root(), env: { ORBIS_PUBLIC_URL: value } }),
        (err: Error) => err instanceof SettingsError && err.message === message,
      );
    });
  }
});
