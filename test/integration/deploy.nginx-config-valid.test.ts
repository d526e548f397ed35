// `nginx -t` passes on the shipped site file, and the file keeps the
// properties docs/install.md promises (internal media, body size, …).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '#test/support/cli';
import { has, NGINX, nginxConfig, nginxTest, tempDir } from '#test/support/deploy';
import { needs } from '#test/support/servers';
import { PERMISSIONS_POLICY } from '#app/web/middleware/security-headers';

const site = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx', 'orbis.conf'), 'utf8');

test('nginx -t accepts the shipped site file inside a complete nginx.conf', (t) => {
  if (!needs(t, has(NGINX), 'nginx (Debian package nginx)')) return;
  const dir = tempDir('nginx-t');
  const conf = nginxConfig({ dir, listenPort: 18080, upstreamPort: 15000, mediaRoot: tempDir('media') });
  const r = nginxTest(conf);
  assert.ok(r.ok, r.output);
  assert.match(r.output, /syntax is ok/);
});

test('a broken site file is refused by the same check (the test can fail)', (t) => {
  if (!needs(t, has(NGINX), 'nginx (Debian package nginx)')) return;
  const dir = tempDir('nginx-t-bad');
  const conf = nginxConfig({ dir, listenPort: 18081, upstreamPort: 15000, mediaRoot: tempDir('media') });
  fs.appendFileSync(path.join(dir, 'orbis.site.conf'), '\nserver { location / { no_such_directive on; } }\n');
  assert.equal(nginxTest(conf).ok, false);
});

test('the media location is internal, and location and alias both end with a slash', () => {
  const block = /location \/lib\/media\/ \{([^}]*)\}/.exec(site);
  assert.ok(block, 'a location /lib/media/ block');
  assert.match(block[1], /^\s*internal;/m);
  assert.match(block[1], /alias [^;]+\/;/);
  assert.match(site, /client_max_body_size 50m;/);
  assert.match(site, /proxy_set_header X-Request-Id \$request_id;/);
  // Every location that adds headers repeats nosniff (add_header drops inherited ones).
  for (const loc of site.split(/\n\s*location /).slice(1)) {
    if (/add_header/.test(loc)) assert.match(loc, /X-Content-Type-Options "nosniff"/, `location ${loc.split('{')[0]}`);
  }
});

test('adds no header that contradicts the app: frames denied, the same Permissions-Policy on attachments', () => {
  assert.doesNotMatch(site, /SAMEORIGIN/);
  for (const m of site.matchAll(/add_header X-Frame-Options "([^"]+)"/g)) assert.equal(m[1], 'DENY');
  const media = /location \/lib\/media\/ \{([^}]*)\}/.exec(site)![1];
  assert.equal(/add_header Permissions-Policy "([^"]+)" always;/.exec(media)?.[1], PERMISSIONS_POLICY);
});
