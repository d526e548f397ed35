// What `./manage.ts i18n check` and the tests ask of the catalogs: every
// language has every key of the default language, in every plural form its
// own plural rules need, with the same placeholders; no placeholder is broken.
// Keys no source file names are listed as unused (not an error: a key may be
// named by a computed prefix, declared with an `i18n-keys:` comment).
import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from '#app/i18n/i18n';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const PLACEHOLDER = /\{\{\s*([\w.]+)(?:\s*,\s*[\w]+)?\s*\}\}/g;

export interface LanguageReport {
  locale: string;
  missing: string[];
  /** Keys this language has and the default does not. */
  stray: string[];
  /** "key: {{a}} expected, {{b}} found" or a broken "{{" / "}}". */
  placeholders: string[];
}

export interface CheckReport {
  languages: LanguageReport[];
  unused: string[];
  /** True when every language is complete and every placeholder right. */
  ok: boolean;
}

/** Flattens nested catalogs to dotted keys: { nav: { tasks: "Tasks" } } → nav.tasks. */
export function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(catalog)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
  }
  return out;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]).sort();
}

function broken(text: string): boolean {
  const stripped = text.replace(PLACEHOLDER, '');
  return stripped.includes('{{') || stripped.includes('}}');
}

/** Base keys (plural suffix removed) → the texts of each form. */
function groups(flat: Map<string, string>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [key, text] of flat) {
    const m = PLURAL_SUFFIX.exec(key);
    const base = m ? key.slice(0, m.index) : key;
    const form = m ? m[1] : '';
    if (!out.has(base)) out.set(base, new Map());
    out.get(base)!.set(form, text);
  }
  return out;
}

export function checkCatalogs(catalogs: Record<string, Catalog>, defaultLocale: string, sourceText?: string): CheckReport {
  const base = groups(flatten(catalogs[defaultLocale] ?? {}));
  const languages: LanguageReport[] = [];
  for (const [locale, catalog] of Object.entries(catalogs)) {
    const mine = groups(flatten(catalog));
    const needed = new Intl.PluralRules(locale).resolvedOptions().pluralCategories as string[];
    const report: LanguageReport = { locale, missing: [], stray: [], placeholders: [] };
    for (const [key, forms] of base) {
      const own = mine.get(key);
      const plural = !forms.has('');
      const wantForms = plural ? needed : [''];
      for (const form of wantForms) {
        const name = form ? `${key}_${form}` : key;
        const text = own?.get(form);
        if (text === undefined || text === '') {
          report.missing.push(name);
          continue;
        }
        if (broken(text)) {
          report.placeholders.push(`${name}: a broken placeholder in ${JSON.stringify(text)}`);
          continue;
        }
        // Plural forms may leave {{count}} out ("one item"); other names must match.
        const expected = placeholders([...forms.values()].join(' ')).filter((p, i, a) => a.indexOf(p) === i);
        const found = placeholders(text).filter((p, i, a) => a.indexOf(p) === i);
        const lacking = expected.filter((p) => !found.includes(p) && !(plural && p === 'count'));
        const extra = found.filter((p) => !expected.includes(p));
        if (lacking.length || extra.length) {
          report.placeholders.push(
            `${name}: ${[...lacking.map((p) => `{{${p}}} missing`), ...extra.map((p) => `{{${p}}} unknown`)].join(', ')}`,
          );
        }
      }
    }
    for (const key of mine.keys()) if (!base.has(key)) report.stray.push(key);
    languages.push(report);
  }
  const unused = sourceText === undefined ? [] : [...base.keys()].filter((key) => !isNamed(key, sourceText));
  const ok = languages.every((l) => !l.missing.length && !l.placeholders.length && !l.stray.length);
  return { languages, unused, ok };
}

function isNamed(key: string, source: string): boolean {
  if (source.includes(`'${key}'`) || source.includes(`"${key}"`) || source.includes(`\`${key}\``)) return true;
  // Computed keys are declared in the source: `// i18n-keys: stage.*`
  for (const m of source.matchAll(/i18n-keys:\s*([\w.*,\s-]+)/g)) {
    for (const pattern of m[1].split(/[\s,]+/).filter(Boolean)) {
      if (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern) return true;
    }
  }
  return false;
}

/** The text of every source file that may name a key: app/ (ts, njk) and lib/static/js. */
export function readSources(root: string): string {
  const parts: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|njk|js)$/.test(e.name)) parts.push(fs.readFileSync(p, 'utf8'));
    }
  };
  for (const d of ['app', path.join('lib', 'static', 'js')]) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return parts.join('\n');
}
