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

/**
 * The text in `t`'s language. A parameter that is itself a message is put in
 * the same language first, and a list of them is joined with "; " (a refused
 * upload names each file with its own reason).
 */
export function localize(t: Translate, text: Text): string {
  if (!isMessage(text)) return text;
  if (!text.params) return t(text.key);
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(text.params)) {
    params[k] = isMessage(v) ? localize(t, v) : Array.isArray(v) && v.some(isMessage) ? v.map((x: Text) => localize(t, x)).join('; ') : v;
  }
  return t(text.key, params);
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
