// Cookies and headers of every kind of answer (ASVS 5.0 chapters 3 and 7;
// docs/security.md, "Sessions and headers"): over HTTPS the cookies are
// `__Host-` prefixed; every answer forbids framing (DENY and frame-ancestors
// 'none'), loads fonts from this site only and denies powerful browser
// features; what is built for a user is never stored; sign-out clears the site.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { makePurchase } from '#test/support/cards';
import { fixture, makeSessionUser, mediaApp, PASSWORD, settled, upload, type MediaApp } from '#test/support/media';
import { startTestApp, type Reply, type TestClient } from '#test/support/app';

const PUBLIC_URL = 'https://orbis.example.com';

function assertSecurityHeaders(r: Reply, what: string): void {
  const csp = r.headers.get('content-security-policy') ?? '';
  assert.match(csp, /(^|;)frame-ancestors 'none'(;|$)/, `${what}: CSP forbids framing`);
  assert.match(csp, /(^|;)font-src 'self'(;|$)/, `${what}: fonts from this site only`);
  assert.doesNotMatch(csp, /https:(?!\/\/)/, `${what}: no directive allows any https origin`);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
  const permissions = r.headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) {
    assert.match(permissions, new RegExp(`(^|, )${feature}=\\(\\)(,|$)`), `${what}: ${feature} denied`);
  }
  assert.match(r.headers.get('strict-transport-security') ?? '', /max-age=\d+/, `${what}: HSTS over https`);
}

function setCookie(r: Reply, name: string): string | undefined {
  return r.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

describe('cookies and headers over https', () => {
  let app: MediaApp;
  let c: TestClient;
  let mediaPath: string;
  let cardPath: string;

  before(async () => {
    app = await mediaApp('local', { env: { ORBIS_PUBLIC_URL: PUBLIC_URL } });
    const olga = await makeSessionUser(app.ctx, 'olga@example.com', ['operator']);
    const card = await makePurchase(app.ctx, olga);
    cardPath = `/cards/purchase_request/${card.id}`;
    c = app.client();
    c.headers['x-forwarded-proto'] = 'https'; // as nginx sends it behind TLS
    const login = await c.login('olga@example.com', PASSWORD);
    assert.equal(login.status, 303);
    const sid = setCookie(login, '__Host-orbis_sid');
    assert.ok(sid, `the session cookie is __Host- prefixed: ${login.headers.getSetCookie().join(' | ')}`);
    for (const flag of [/; Secure/i, /; Path=\/(;|$)/, /; HttpOnly/i, /; SameSite=Lax/i]) assert.match(sid, flag);
    assert.doesNotMatch(sid, /Domain=/i);
    const device = setCookie(login, '__Host-orbis_device');
    assert.ok(device, 'the trusted-device cookie too');
    assert.match(device, /; Secure/i);
    assert.match(device, /; Path=\/(;|$)/);
    assert.equal(setCookie(login, 'orbis_sid'), undefined, 'no unprefixed session cookie');

    const r = await upload(c, cardPath, [{ name: 'a.jpg', data: await fixture('jpeg', 800, 600) }]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const m = await settled(app.ctx, r.body.media![0].id);
    assert.equal(m.state, 'ready');
    mediaPath = `/media/${m.id}/640.webp`;
  });

  it('on a page, a media answer, an error page and JSON', async () => {
    for (const path of ['/', cardPath, '/tasks']) {
      const page = await c.get(path);
      assert.equal(page.status, 200, path);
      assertSecurityHeaders(page, `page ${path}`);
      assert.equal(page.headers.get('cache-control'), 'no-store', `page ${path}`);
    }

    const media = await c.get(mediaPath);
    assert.equal(media.status, 200);
    assertSecurityHeaders(media, 'media');
    // Content-addressed and private: the browser may keep it, no shared cache may.
    assert.equal(media.headers.get('cache-control'), 'private, max-age=31536000, immutable');

    const missing = await c.get('/cards/purchase_request/999999');
    assert.equal(missing.status, 404);
    assertSecurityHeaders(missing, 'error page');
    assert.equal(missing.headers.get('cache-control'), 'no-store', 'error page');

    const json = await c.get(`${cardPath}/attachments.json`, { accept: 'application/json' });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /application\/json/);
    assertSecurityHeaders(json, 'signed-in JSON');
    assert.equal(json.headers.get('cache-control'), 'no-store', 'signed-in JSON');

    const health = await c.get('/healthz', { accept: 'application/json' });
    assertSecurityHeaders(health, '/healthz');
    assert.equal(health.headers.get('cache-control'), 'no-store', '/healthz');
  });

  it('clears the site at sign-out and removes the session cookie as it was set', async () => {
    const out = await c.post('/logout', {}, { from: '/' });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('clear-site-data'), '"cache", "cookies", "storage"');
    const cleared = setCookie(out, '__Host-orbis_sid');
    assert.ok(cleared, 'the session cookie is removed');
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/i);
    assert.match(cleared, /; Secure/i);
    assert.match(cleared, /; Path=\/(;|$)/);
  });
});

describe('cookies in development over http', () => {
  it('keeps the plain names, without Secure', async () => {
    const app = await startTestApp();
    const res = await app.client().get('/login');
    const sid = setCookie(res, 'orbis_sid');
    assert.ok(sid, 'plain name over http');
    assert.doesNotMatch(sid, /; Secure/i);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over http');
  });
});
