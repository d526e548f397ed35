// The shipped nginx site file refuses a request over client_max_body_size
// with Orbis's page (error_page 413), not nginx's own: HTML that says the
// limit and what to do, JSON for the card page's uploads. The pages, the
// nginx limit and media.maxUploadMB name the same number.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ROOT } from '#test/support/cli';
import { freePort, has, NGINX, nginxConfig, startNginx, tempDir } from '#test/support/deploy';
import { needs } from '#test/support/servers';

const LIMIT_MB = 50;

/** Announces a body of `bytes` and waits for nginx's answer, which comes before any body byte is sent. */
function postTooLarge(
  port: number,
  bytes: number,
  accept: string,
  language?: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/cards/purchase_request/1/attachments',
        headers: {
          'content-type': 'multipart/form-data; boundary=x',
          'content-length': String(bytes),
          accept,
          ...(language ? { 'accept-language': language } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body });
        });
      },
    );
    req.on('error', reject);
    req.flushHeaders();
  });
}

test('a request over the upload limit gets the Orbis 413 page through the shipped nginx config', async (t) => {
  if (!needs(t, has(NGINX), 'nginx (Debian package nginx)')) return;
  const dir = tempDir('nginx-413');
  const port = await freePort();
  // No upstream needed: nginx refuses the request from its headers alone.
  await startNginx(nginxConfig({ dir, listenPort: port, upstreamPort: await freePort(), mediaRoot: tempDir('media') }));
  const over = LIMIT_MB * 1024 * 1024 + 1;

  const page = await postTooLarge(port, over, 'text/html,application/xhtml+xml');
  assert.equal(page.status, 413);
  assert.match(page.type, /^text\/html/);
  assert.match(page.body, /<title>Upload too large · Orbis<\/title>/);
  assert.match(page.body, /data-testid="upload-limit">50 MB</);
  assert.match(page.body, /sends them one at a time/);
  assert.doesNotMatch(page.body, /<center>nginx/);

  const json = await postTooLarge(port, over, 'application/json');
  assert.equal(json.status, 413);
  assert.match(json.type, /^application\/json/);
  const body = JSON.parse(json.body) as { error: string; status: number; limitMB: number };
  assert.equal(body.status, 413);
  assert.equal(body.limitMB, LIMIT_MB);
  assert.match(body.error, /^Too large: this server accepts at most 50 MB per upload, so nothing was saved\. Make the file smaller/);

  // A browser whose first language is Russian reads the Russian page and message; one that only accepts it later, English.
  const ru = await postTooLarge(port, over, 'text/html', 'ru-RU,ru;q=0.9,en;q=0.8');
  assert.equal(ru.status, 413);
  assert.match(ru.type, /^text\/html/);
  assert.match(ru.body, /<html lang="ru">/);
  assert.match(ru.body, /<title>Слишком большая загрузка · Orbis<\/title>/);
  assert.match(ru.body, /data-testid="upload-limit">50 МБ</);
  const ruJson = await postTooLarge(port, over, 'application/json', 'ru');
  assert.match(ruJson.type, /^application\/json/);
  assert.match((JSON.parse(ruJson.body) as { error: string }).error, /^Слишком большой файл: сервер принимает не больше 50 МБ/);
  const second = await postTooLarge(port, over, 'text/html', 'en-GB,ru;q=0.5');
  assert.match(second.body, /<title>Upload too large · Orbis<\/title>/);
});

test('the 413 pages, nginx and media.maxUploadMB name the same limit', () => {
  const site = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx', 'orbis.conf'), 'utf8');
  assert.match(site, new RegExp(`client_max_body_size ${LIMIT_MB}m;`));
  assert.match(site, /error_page 413 \/_orbis\/errors\/413\.\$orbis_error_format;/);
  const defaults = YAML.parse(fs.readFileSync(path.join(ROOT, 'conf', 'defaults.yaml'), 'utf8')) as { media: { maxUploadMB: number } };
  assert.equal(defaults.media.maxUploadMB, LIMIT_MB);
  const errors = path.join(ROOT, 'lib', 'static', 'errors');
  const json = JSON.parse(fs.readFileSync(path.join(errors, '413.json'), 'utf8')) as { limitMB: number; error: string };
  assert.equal(json.limitMB, LIMIT_MB);
  const html = fs.readFileSync(path.join(errors, '413.html'), 'utf8');
  const ruJson = JSON.parse(fs.readFileSync(path.join(errors, '413.ru.json'), 'utf8')) as { limitMB: number; error: string };
  assert.equal(ruJson.limitMB, LIMIT_MB);
  const ruHtml = fs.readFileSync(path.join(errors, '413.ru.html'), 'utf8');
  for (const text of [json.error, html, ruJson.error, ruHtml]) {
    const named = [...text.matchAll(/(\d+) (?:MB|МБ)/g)].map((m) => Number(m[1]));
    assert.ok(named.length > 0 && named.every((n) => n === LIMIT_MB), `every limit named is ${LIMIT_MB} MB: ${named}`);
  }
});
