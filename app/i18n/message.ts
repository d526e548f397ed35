// A message a service means for a person, in no language yet: a catalog key
// and its parameters. Services throw and return these (`msg('cards.errors.
// required', { field })`) because they do not know who will read them; the
// web layer renders them in the reader's language (`localize(req.t, text)`,
// or `tx(text)` in a template), the CLI and the logs in the default one.
// A plain string is still accepted and shown as it is (text typed by a
// person, or a message not yet given a key).
import { projectRoot } from '#app/config';
import { createI18n, type Translate } from '#app/i18n/i18n';

export interface Message {
  readonly key: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export type Text = string | Message;

export function msg(key: string, params?: Record<string, unknown>): Message {
  return params ? { key, params } : { key };
}

export function isMessage(v: unknown): v is Message {
  return typeof v === 'object' && v !== null && typeof (v as Message).key === 'string';
}

export function localize(t: Translate, text: Text): string {
  return isMessage(text) ? t(text.key, text.params as Record<string, unknown> | undefined) : text;
}

export function localizeAll<K extends string>(t: Translate, texts: Readonly<Record<K, Text>>): Record<K, string> {
  return Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, localize(t, v as Text)])) as Record<K, string>;
}

let english: Translate | null = null;

/** The text in English, the language of logs, the CLI and Error.message. */
export function inEnglish(text: Text): string {
  if (!isMessage(text)) return text;
  english ??= createI18n(projectRoot, 'en').t('en');
  return localize(english, text);
}
