// nginx's static error pages (lib/static/errors/) are written from the one
// error template and the catalogs by ./manage.ts error-pages: the committed
// files are exactly what they give (edit the template or a catalog without
// running it, and this fails), and the limit is data, not text in a page.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { ERROR_PAGES_DIR, renderErrorPages } from '#app/web/error-pages';
import { ROOT } from '#test/support/cli';

const defaults = YAML.parse(fs.readFileSync(path.join(ROOT, 'conf', 'defaults.yaml'), 'utf8')) as { media: { maxUploadMB: number } };

test('the committed static error pages are what the template and the catalogs give', () => {
  const rendered = renderErrorPages(ROOT, defaults.media.maxUploadMB);
  const dir = path.join(ROOT, ERROR_PAGES_DIR);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...rendered.keys()].sort());
  for (const [name, content] of rendered) {
    assert.equal(fs.readFileSync(path.join(dir, name), 'utf8'), content, `${name} is out of date: run ./manage.ts error-pages`);
  }
});

test('every language gets the same card with its own words and the limit it is given', () => {
  const pages = renderErrorPages(ROOT, 7);
  for (const [lang, unit, back] of [
    ['', 'MB', 'Back to the dashboard'],
    ['.ru', 'МБ', 'Вернуться на главную'],
  ] as const) {
    const html = pages.get(`413${lang}.html`)!;
    assert.match(html, new RegExp(`data-testid="upload-limit">7 ${unit}</strong>`));
    assert.equal([...html.matchAll(/(\d+) (?:MB|МБ)/g)].filter((m) => m[1] !== '7').length, 0, 'no other limit named');
    assert.match(html, /<p class="text-body-secondary mb-1">[^<]* 413<\/p>/);
    assert.ok(html.includes(`href="/">${back}</a>`), back);
    assert.match(html, /<code>client_max_body_size<\/code>/);
    const json = JSON.parse(pages.get(`413${lang}.json`)!) as { error: string; status: number; limitMB: number };
    assert.deepEqual([json.status, json.limitMB], [413, 7]);
    assert.ok(json.error.includes(`7 ${unit}`), json.error);
  }
});
