// nunjucks with autoescape on: every value is escaped unless a template says
// otherwise. Filters format times in the viewer's time zone.
import path from 'node:path';
import nunjucks from 'nunjucks';
import type { Settings } from '#app/config';
import { formatDate, formatDateTime } from '#app/services/date-format';
import { installFastFrameSet } from '#app/web/nunjucks-frame';

// Dates are formatted in one place (app/services/date-format.ts); re-exported
// for the web layer's existing callers.
export { formatDate, formatDateTime } from '#app/services/date-format';

// The escaping of nunjucks' autoescape (its lib.escape: the same six
// characters, the same entities), for markup built outside a template.
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' };
const HTML_SPECIAL = /[&"'<>\\]/g;

export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (ch) => HTML_ESCAPES[ch]);
}

export function createTemplates(settings: Settings): nunjucks.Environment {
  installFastFrameSet();
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(path.join(settings.root, 'app', 'web', 'templates'), { noCache: settings.env === 'development' }), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  // The only way templates show a date: `{{ x | datetime(user.timeZone) }}`, `{{ d | date(user.timeZone) }}`.
  env.addFilter('datetime', (v: Date | string | null, tz?: string, locale?: string) => formatDateTime(v, tz || settings.timeZone, locale));
  env.addFilter('date', (v: Date | string | null, tz?: string, locale?: string) => formatDate(v, tz || settings.timeZone, locale));
  env.addFilter('json', (v: unknown) => JSON.stringify(v ?? null));
  env.addGlobal('assetVersion', process.pid.toString(36));
  return env;
}
