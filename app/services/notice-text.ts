// The words of a notice, in the reader's language and time zone. A notice is
// stored with `message` = {key, params} (key under notifications.notice.*,
// whose catalog entry has a `title` and a `body`); parameters named `…At`
// are instants (ISO strings) shown with formatDateTime in the reader's zone,
// and `zone` is the reader's zone; a parameter given in several languages
// ({'': default, ru: …}) is shown in the reader's. A notice without a message (written before
// migration 0640, or by a test with plain text) is shown as it was stored.
import type { Translate } from '#app/i18n/i18n';
import { isMessage } from '#app/i18n/message';
import { formatDateTime } from '#app/services/date-format';

export interface StoredNotice {
  title: string;
  body: string;
  message?: unknown;
}

export interface NoticeText {
  title: string;
  body: string;
}

/** A text given in several languages ({'': default, ru: …}, a card type's stage label): the reader's. */
function inLanguage(v: unknown, locale: string): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v) || !('' in v)) return v;
  const texts = v as Record<string, unknown>;
  return texts[locale] ?? texts[''];
}

/** The notice's title and body for a reader with language `locale`, `t` and zone `timeZone`. */
export function noticeText(n: StoredNotice, t: Translate, locale: string, timeZone: string): NoticeText {
  const m = n.message;
  if (!isMessage(m) || !m.key.startsWith('notifications.notice.')) return { title: n.title, body: n.body };
  const params: Record<string, unknown> = { zone: timeZone };
  for (const [k, v] of Object.entries(m.params ?? {}))
    params[k] = k.endsWith('At') && typeof v === 'string' ? formatDateTime(v, timeZone, locale) : inLanguage(v, locale);
  // i18n-keys: notifications.notice.*
  const title = t(`${m.key}.title`, params);
  const body = t(`${m.key}.body`, params);
  // A key this version does not know (a newer one wrote it): the stored text.
  if (title === `${m.key}.title` || body === `${m.key}.body`) return { title: n.title, body: n.body };
  return { title, body };
}
