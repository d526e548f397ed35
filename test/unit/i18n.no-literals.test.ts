// No word a person reads bypasses the catalogs: every nunjucks template, the
// messages app code flashes, throws to a page or sends (test/support/
// literals.ts finds them), and nginx's static error pages — which cannot call
// a catalog, so each ships once per language and a page in another language
// than the default must not repeat the default page's words.
// The CLI (app/commands/) stays English by decision: its lines go to
// operators' terminals and logs, where English is what they search for.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '#app/config';
import { shippedLocales } from '#app/i18n/i18n';
import { codeLiteralsIn, literalsIn, type Literal } from '#test/support/literals';

function filesUnder(dir: string, suffix: string): string[] {
  return fs
    .readdirSync(path.join(projectRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => path.relative(projectRoot, path.join(e.parentPath, e.name)))
    .sort();
}

function report(found: Record<string, Literal[]>): string {
  return Object.entries(found)
    .flatMap(([file, ls]) => ls.map((l) => `${file}:${l.line}: ${l.text}`))
    .join('\n');
}

/** Technical names a translated page keeps as they are (settings, programs, units of the brand). */
const SAME_IN_EVERY_LANGUAGE = new Set(['Orbis', 'nginx', 'client_max_body_size', 'media.maxUploadMB', '413']);

describe('literals that bypass translation', () => {
  it('finds the kinds of literal it is meant to find in code, and not code', () => {
    const bad = [
      `flash(req, 'Card saved.');`,
      'throw new ValidationError(`${n} files were refused`, { files: "no file was sent" });',
      `throw new NotFoundError(found ? 'gone' : 'never here');`,
      `res.status(401).json({ error: 'sign in first', status: 401 });`,
      `res.type('text').send('Forbidden');`,
    ].join('\n');
    assert.deepEqual(
      codeLiteralsIn(bad).map((l) => `${l.line}: ${l.text}`),
      ['1: Card saved.', '2: files were refused', '2: no file was sent', '3: gone', '3: never here', '4: sign in first', '5: Forbidden'],
    );
    const good = [
      `flash(req, req.t('cards.flash.saved', { number }), 'danger');`,
      `throw new ValidationError(msg('cards.errors.x'), { [f.name]: msg('fields.errors.required'), 'bad.jpg': reason });`,
      `throw new ForbiddenError(state === 'draft' ? msg('a') : msg('b'));`,
      `res.json({ status: serving ? 'ok' : 'degraded', error: localize(req.t, text) });`,
      `// flash(req, 'in a comment');`,
      '// shown-literal: the CLI passes its own English name here',
      'throw new TimeoutError(`${what} did not answer`);',
    ].join('\n');
    assert.deepEqual(codeLiteralsIn(good), []);
  });

  it('finds none in the templates', () => {
    const found: Record<string, Literal[]> = {};
    const files = filesUnder('app/web/templates', '.njk');
    assert.ok(files.length > 25, `templates found: ${files.length}`);
    for (const f of files) {
      const ls = literalsIn(fs.readFileSync(path.join(projectRoot, f), 'utf8'));
      if (ls.length) found[f] = ls;
    }
    assert.equal(report(found), '');
  });

  it('finds none in the messages of app code (flash, typed errors, responses)', () => {
    const found: Record<string, Literal[]> = {};
    const files = filesUnder('app', '.ts').filter((f) => !f.startsWith(path.join('app', 'commands') + path.sep));
    assert.ok(files.length > 80, `sources found: ${files.length}`);
    for (const f of files) {
      const ls = codeLiteralsIn(fs.readFileSync(path.join(projectRoot, f), 'utf8'));
      if (ls.length) found[f] = ls;
    }
    assert.equal(report(found), '');
  });

  it('ships each static error page in every language, none repeating the default page’s words', () => {
    const dir = 'lib/static/errors';
    const locales = shippedLocales(path.join(projectRoot, 'locales'));
    const pages = fs.readdirSync(path.join(projectRoot, dir)).filter((f) => /^\d{3}\.(html|json)$/.test(f));
    assert.ok(pages.length >= 2);
    const words = (file: string) => {
      const source = fs.readFileSync(path.join(projectRoot, dir, file), 'utf8');
      const texts = file.endsWith('.json')
        ? [String((JSON.parse(source) as { error: string }).error)]
        : literalsIn(source).map((l) => l.text);
      return new Set(
        texts
          .join(' ')
          .split(/[\s,;:()«»"“”—–]+/)
          .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
          .filter((w) => /\p{L}{2,}/u.test(w) && !SAME_IN_EVERY_LANGUAGE.has(w)),
      );
    };
    for (const page of pages) {
      const base = words(page);
      for (const locale of locales.filter((l) => l !== 'en')) {
        const translated = page.replace(/\.(html|json)$/, `.${locale}.$1`);
        assert.ok(fs.existsSync(path.join(projectRoot, dir, translated)), `${dir}/${translated} exists`);
        const repeated = [...words(translated)].filter((w) => base.has(w));
        assert.deepEqual(repeated, [], `${translated} repeats words of ${page}`);
      }
    }
  });
});
