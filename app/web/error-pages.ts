// nginx's static error pages (lib/static/errors/): what nginx answers before
// Orbis sees a request — 413, an upload over client_max_body_size — as HTML
// and as JSON (the card page's uploads), in every shipped language (English
// unsuffixed: nginx picks 413.ru.* from Accept-Language, else English).
// Written by `./manage.ts error-pages` from the error card template
// (templates/errors/static.njk) and the catalogs (errors.tooLarge.*), so the
// words live in one place; committed, because nginx serves them from the
// checkout, and a test checks that they are up to date.
import path from 'node:path';
import nunjucks from 'nunjucks';
import { createI18n } from '#app/i18n/i18n';
import { escapeHtml } from '#app/web/render';

export const ERROR_PAGES_DIR = path.join('lib', 'static', 'errors');

const NOTE =
  'Served by nginx (error_page 413, deploy/nginx/orbis.conf) before Orbis sees the request. Written by ./manage.ts error-pages ' +
  'from app/web/templates/errors/static.njk and the catalogs (errors.tooLarge): change those, not this file. ' +
  "The limit is Orbis's media.maxUploadMB and must equal nginx's client_max_body_size.";

/** Escaped text with the setting names the administrator changes shown as code. */
const tipHtml = (text: string) => escapeHtml(text).replace(/\b(client_max_body_size|media\.maxUploadMB)\b/g, '<code>$1</code>');

/** File name (in ERROR_PAGES_DIR) → content, for an upload limit of `limitMB`. */
export function renderErrorPages(root: string, limitMB: number): Map<string, string> {
  const templates = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(root, 'app', 'web', 'templates')), {
    autoescape: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  const i18n = createI18n(root, 'en');
  const files = new Map<string, string>();
  for (const lang of i18n.locales) {
    const t = i18n.t(lang);
    const suffix = lang === 'en' ? '' : `.${lang}`;
    const limit = t('errors.tooLarge.megabytes', { mb: limitMB });
    const [before, after] = t('errors.tooLarge.message', { limit: '\u0000' }).split('\u0000');
    const html = templates.render('errors/static.njk', {
      lang,
      note: NOTE,
      title: t('errors.tooLarge.title'),
      codeLabel: t('errors.page.code', { status: 413 }),
      messageHtml: `${escapeHtml(before)}<strong data-testid="upload-limit">${escapeHtml(limit)}</strong>${escapeHtml(after ?? '')}`,
      tips: ['errors.tooLarge.tipCardPage', 'errors.tooLarge.tipSmaller', 'errors.tooLarge.tipRaise'].map((key) =>
        tipHtml(t(key, { limit })),
      ),
      backLabel: t('errors.page.back'),
    });
    files.set(`413${suffix}.html`, html);
    files.set(`413${suffix}.json`, JSON.stringify({ error: t('errors.tooLarge.json', { limit }), status: 413, limitMB }) + '\n');
  }
  return files;
}
