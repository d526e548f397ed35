// Languages. Every word a person reads comes from a catalog under locales/
// (a folder per language, a JSON file per area of the product: the keys of
// locales/ru/nav.json are nav.*, e.g. "nav.tasks"); i18next
// looks keys up and picks plural forms through Intl.PluralRules (Russian has
// one/few/many: "1 карточка", "2 карточки", "5 карточек"). Catalogs are read
// once per process; `./manage.ts i18n check` proves each language complete, so
// a missing key is a CI failure, not a key shown on a page. Should one slip
// through all the same, the default language answers, never the raw key.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n as I18nextInstance, type TFunction } from 'i18next';

export type Translate = (key: string, params?: Record<string, unknown>) => string;
export type Catalog = { [key: string]: string | Catalog };

export interface I18n {
  /** Shipped languages, the default first. */
  readonly locales: readonly string[];
  readonly defaultLocale: string;
  /** The translation function of one language (an unshipped one gets the default). */
  t(locale: string | null | undefined): Translate;
  /** The best shipped language for an Accept-Language header, else the default. */
  negotiate(acceptLanguage: string | undefined): string;
  /** A signed-in user's language: their choice when still shipped, else the browser's, else the default. */
  resolve(userLocale: string | null | undefined, acceptLanguage?: string): string;
  /** A language's native name ("Русский"), for pickers. */
  nativeName(locale: string): string;
}

/** Every catalog under `dir`, by language: locales/LANG/AREA.json holds the keys AREA.*. */
export function readCatalogs(dir: string): Record<string, Catalog> {
  const out: Record<string, Catalog> = {};
  for (const lang of shippedLocales(dir)) {
    const catalog: Catalog = {};
    for (const file of fs
      .readdirSync(path.join(dir, lang))
      .filter((f) => /^[\w-]+\.json$/.test(f))
      .sort()) {
      const where = path.join(lang, file);
      let area: unknown;
      try {
        area = JSON.parse(fs.readFileSync(path.join(dir, where), 'utf8'));
      } catch (err) {
        throw new Error(`locales/${where}: ${(err as Error).message}`, { cause: err });
      }
      if (!area || typeof area !== 'object' || Array.isArray(area)) throw new Error(`locales/${where}: expected an object of keys`);
      catalog[file.slice(0, -5)] = area as Catalog;
    }
    out[lang] = catalog;
  }
  return out;
}

/** The languages with a folder under `dir` (two or three lower-case letters). */
export function shippedLocales(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[a-z]{2,3}$/.test(e.name))
    .map((e) => e.name)
    .sort();
}

const instances = new Map<string, I18n>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const v of Object.values(Object.freeze(value))) deepFreeze(v);
  return value;
}

/**
 * One language's `t`, remembering what cannot change: catalogs are read once
 * per process, so a key without parameters always reads the same, and so does
 * a subtree asked for as an object. i18next's lookup (key split, namespaces,
 * fallbacks, nesting) cost a list page's 34 lookups 1.5 ms; remembered, 0.25
 * ms (test/bench/i18n-lookups.bench.ts). A call with plain values (a count,
 * a label) is remembered in a bounded map; others go to i18next each time.
 */
function memoized(t: TFunction): Translate {
  const plain = new Map<string, string>();
  const objects = new Map<string, unknown>();
  const withParams = new Map<string, string>();
  return (key, params) => {
    if (params !== undefined) {
      // A subtree (the layout's catalog for the browser's scripts, on every
      // page): frozen, since every caller shares it.
      if (params.returnObjects === true && Object.keys(params).length === 1) {
        if (!objects.has(key)) objects.set(key, deepFreeze(t(key, params as never)));
        return objects.get(key) as string;
      }
      // Plain values (a count, a type's label): the same call reads the same,
      // kept in a bounded map; a Date or an object may format otherwise.
      const values = Object.values(params);
      if (!values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'))
        return t(key, params as never) as unknown as string;
      const callKey = `${key}\u0000${JSON.stringify(params)}`;
      let text = withParams.get(callKey);
      if (text === undefined) {
        text = t(key, params as never) as unknown as string;
        if (withParams.size >= 5_000) withParams.clear();
        withParams.set(callKey, text);
      }
      return text;
    }
    let text = plain.get(key);
    if (text === undefined) {
      text = t(key) as unknown as string;
      // Bounded: a key built from stored data (a stage's name) is still a key.
      if (plain.size < 20_000) plain.set(key, text);
    }
    return text;
  };
}

/** The languages of an installation rooted at `root` (built once per root and default). */
export function createI18n(root: string, defaultLocale: string): I18n {
  const cacheKey = `${root}\0${defaultLocale}`;
  const cached = instances.get(cacheKey);
  if (cached) return cached;
  const catalogs = readCatalogs(path.join(root, 'locales'));
  if (!catalogs[defaultLocale]) throw new Error(`no catalog locales/${defaultLocale}/ for the default language`);
  const locales = [defaultLocale, ...Object.keys(catalogs).filter((l) => l !== defaultLocale)];
  const engine: I18nextInstance = i18next.createInstance();
  void engine.init({
    initAsync: false,
    lng: defaultLocale,
    fallbackLng: defaultLocale,
    supportedLngs: locales,
    resources: Object.fromEntries(Object.entries(catalogs).map(([l, c]) => [l, { translation: c }])),
    // nunjucks escapes what a template prints; escaping here would escape twice.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const fixed = new Map<string, Translate>(locales.map((l) => [l, memoized(engine.getFixedT(l))]));
  const shipped = new Set(locales);

  const negotiate = (header: string | undefined): string => {
    if (!header) return defaultLocale;
    // "ru-RU,ru;q=0.9,en;q=0.8": by quality, then order; a region falls back to its language.
    const wanted = header
      .split(',')
      .map((part, i) => {
        const [tag, ...params] = part.trim().split(';');
        const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
        return { lang: tag.trim().toLowerCase().split('-')[0], q: q === undefined ? 1 : Number(q), i };
      })
      .filter((w) => w.lang && w.q > 0 && !Number.isNaN(w.q))
      .sort((a, b) => b.q - a.q || a.i - b.i);
    return wanted.find((w) => shipped.has(w.lang))?.lang ?? defaultLocale;
  };

  const names = new Map(locales.map((l) => [l, new Intl.DisplayNames([l], { type: 'language' }).of(l) ?? l]));
  const i18n: I18n = {
    locales,
    defaultLocale,
    t: (locale) => fixed.get(locale && shipped.has(locale) ? locale : defaultLocale)!,
    negotiate,
    resolve: (userLocale, acceptLanguage) => (userLocale && shipped.has(userLocale) ? userLocale : negotiate(acceptLanguage)),
    nativeName: (locale) => {
      const n = names.get(locale) ?? locale;
      return n.charAt(0).toLocaleUpperCase(locale) + n.slice(1);
    },
  };
  instances.set(cacheKey, i18n);
  return i18n;
}
