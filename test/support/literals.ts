// Finds words in a nunjucks template that a person would read but that do
// not come from a catalog: text between tags and the values of attributes a
// person reads (title, aria-label, placeholder, alt, label, value of
// buttons), after every {{ … }}, {% … %} and {# … #} is taken out.
// Run it on files: `npx tsx test/support/literals.ts app/web/templates/x.njk`.
import fs from 'node:fs';

/** Words that are the same in every language (the brand, units, symbols). */
const ALLOWED = new Set(['Orbis', '◎ Orbis', 'PR', 'CSV', 'ISO', 'OK', 'API', 'SLA', 'UTC', 'JSON', 'MB', 'px']);

export interface Literal {
  line: number;
  text: string;
}

export function literalsIn(source: string): Literal[] {
  // Keep line numbers: replace what is removed by the same count of newlines.
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  // A tag becomes separators of the same length: text on either side stays apart.
  const cut = (m: string) => m.replace(/[^\n]/g, '\u0001');
  let s = source
    .replace(/\{#[\s\S]*?#\}/g, blank)
    .replace(/\{%[\s\S]*?%\}/g, blank)
    .replace(/\{\{[\s\S]*?\}\}/g, (m) => blank(m).replace(/^ /, '\u0000'))
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, blank)
    .replace(/<!--[\s\S]*?-->/g, blank);
  const found: Literal[] = [];
  const lineOf = (index: number) => s.slice(0, index).split('\n').length;
  const consider = (text: string, index: number) => {
    const t = text.replace(/\u0000/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').replace(/\s+/g, ' ').trim();
    if (!t || !/\p{L}/u.test(t) || ALLOWED.has(t)) return;
    const words = t.split(' ').filter((w) => /\p{L}/u.test(w));
    if (words.every((w) => ALLOWED.has(w.replace(/[^\p{L}\p{N}◎ ]/gu, '')))) return;
    found.push({ line: lineOf(index), text: t });
  };
  // Attributes a person reads.
  s = s.replace(/<[a-z][^>]*>/gi, (tag, offset: number) => {
    for (const m of tag.matchAll(/\s(title|aria-label|placeholder|alt|label|data-confirm)\s*=\s*"([^"]*)"/gi)) consider(m[2], offset);
    const isButton = /^<input\b/i.test(tag) && /\stype\s*=\s*"(submit|button|reset)"/i.test(tag);
    const value = /\svalue\s*=\s*"([^"]*)"/i.exec(tag);
    if (isButton && value) consider(value[1], offset);
    return cut(tag);
  });
  s = s.replace(/<\/[a-z][^>]*>|<![^>]*>/gi, cut);
  // Text between tags.
  for (const m of s.matchAll(/[^\u0001]+/g)) consider(m[0], m.index ?? 0);
  return found;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  let total = 0;
  for (const file of process.argv.slice(2)) {
    for (const l of literalsIn(fs.readFileSync(file, 'utf8'))) {
      console.log(`${file}:${l.line}: ${l.text}`);
      total++;
    }
  }
  console.log(`${total} literal(s)`);
  process.exitCode = total ? 1 : 0;
}
