// nunjucks with autoescape on: every value is escaped unless a template says
// otherwise. Filters format times in the viewer's time zone.
import path from 'node:path';
import nunjucks from 'nunjucks';
import { projectRoot, type Settings } from '#app/config';
import type { FieldDef } from '#app/fields/field-type';
import { fieldType } from '#app/fields/registry';
import { createI18n, type Translate } from '#app/i18n/i18n';
import { localize, type Text } from '#app/i18n/message';
import { formatDate, formatDateTime } from '#app/services/date-format';
import { formatDuration } from '#app/services/durations';
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
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(path.join(settings.root, 'app', 'web', 'templates'), { noCache: settings.env === 'development' }),
    {
      autoescape: true,
      throwOnUndefined: false,
      trimBlocks: true,
      lstripBlocks: true,
    },
  );
  // The only way templates show a date: `{{ x | datetime(user.timeZone) }}`, `{{ d | date(user.timeZone) }}`.
  // Without a locale argument, the page's own language (`this` is nunjucks' render context).
  type Ctx = { ctx: { locale?: string } };
  env.addFilter('datetime', function (this: Ctx, v: Date | string | null, tz?: string, locale?: string) {
    return formatDateTime(v, tz || settings.timeZone, locale || this.ctx?.locale);
  });
  env.addFilter('date', function (this: Ctx, v: Date | string | null, tz?: string, locale?: string) {
    return formatDate(v, tz || settings.timeZone, locale || this.ctx?.locale);
  });
  env.addFilter('json', (v: unknown) => JSON.stringify(v ?? null));
  // `{{ stage.sla | duration(locale) }}`: the reader's language once pages know it (English until then).
  env.addFilter('duration', function (this: Ctx, iso: string, locale?: string) {
    return formatDuration(String(iso ?? ''), locale || this.ctx?.locale || 'en');
  });
  env.addGlobal('assetVersion', process.pid.toString(36));
  // A request's own `t` and `locale` (res.locals) take precedence; these serve
  // what is rendered outside a request (mails, jobs) in the default language.
  const i18n = createI18n(projectRoot, settings.i18n.defaultLocale);
  env.addGlobal('t', i18n.t(i18n.defaultLocale));
  env.addGlobal('locale', i18n.defaultLocale);
  // tx(text): a service's message (a catalog key and its parameters) or a
  // plain string, in the language of the page being rendered.
  env.addGlobal('tx', function (this: { ctx: { t?: Translate } }, text: Text | null | undefined) {
    return text == null ? '' : localize(this.ctx.t ?? i18n.t(i18n.defaultLocale), text);
  });
  // fieldControl(f): the form control a field's type declares (app/fields/), or null for none.
  env.addGlobal('fieldControl', (f: FieldDef) => fieldType(f).control(f));
  return env;
}
