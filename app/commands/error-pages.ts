// ./manage.ts error-pages: nginx's static error pages (app/web/error-pages.ts)
// written from the error template and the catalogs, for this installation's
// upload limit (media.maxUploadMB, which nginx's client_max_body_size must equal).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '#app/cli/command';
import { loadSettings } from '#app/config';
import { ERROR_PAGES_DIR, renderErrorPages } from '#app/web/error-pages';

export const command: Command = {
  name: 'error-pages',
  help: "write nginx's static error pages (lib/static/errors/) from the error template and the catalogs",
  arguments: [{ name: '--check', help: 'write nothing; exit 1 when a page differs from what the template and the catalogs give' }],
  async handle({ values }, io) {
    const settings = loadSettings();
    const dir = path.join(settings.root, ERROR_PAGES_DIR);
    const stale: string[] = [];
    for (const [name, content] of renderErrorPages(settings.root, settings.media.maxUploadMB)) {
      const file = path.join(dir, name);
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
      if (current === content) continue;
      stale.push(name);
      if (!values.check) fs.writeFileSync(file, content);
    }
    if (values.check) {
      if (!stale.length) io.out(`The error pages in ${ERROR_PAGES_DIR} are up to date.`);
      else io.err(`error: out of date in ${ERROR_PAGES_DIR}: ${stale.join(', ')} (run ./manage.ts error-pages)`);
      return stale.length ? 1 : 0;
    }
    io.out(stale.length ? `Wrote ${stale.join(', ')} in ${ERROR_PAGES_DIR}.` : `Nothing to write: ${ERROR_PAGES_DIR} is up to date.`);
  },
};
