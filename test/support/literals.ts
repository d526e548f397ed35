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
    const t = text
      .replace(/\u0000/g, ' ')
      .replace(/&[a-z#0-9]+;/gi, ' ')
      .replace(/\s+/g, ' ')
      .trim();
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

// ---------------------------------------------------------------- code

/**
 * Calls whose argument a person reads: a flash message, the text of a typed
 * error the web layer shows (400/403/404/409/429, a refused file, a probe's
 * timeout) and a ValidationError's field reasons, a response body (`send`,
 * and `json`'s `error` and `message`). Plain `Error`s are not here: the
 * error page shows its own text for them, never their message.
 */
const SHOWN_CALLS =
  /\bflash\(\s*req\s*,|\bnew\s+(ValidationError|NotFoundError|ForbiddenError|ConflictError|ThrottledError|RefusedFileError|TimeoutError)\s*\(|\bres(?:\s*\.\s*\w+\([^()]*\))*\s*\.\s*(send|json|end)\s*\(/g;

/** A line (or the line after a comment) marked so is allowed a literal, with the reason after the colon. */
const MARK = /\/\/ shown-literal: \S/;

interface Piece {
  text: string;
  /** Where the literal starts (its quote) and ends (after its quote). */
  start: number;
  end: number;
  /** Brackets open around it inside the argument: '' is the argument itself, '{' an object literal's value. */
  stack: string;
  /** The property it is the value of, when in an object literal. */
  key: string | null;
}

/**
 * The arguments of the call whose "(" ends at `from`: for each, its string
 * pieces (string literals, and the fixed parts of template literals). A
 * small tokenizer rather than a TypeScript parser: the project's TypeScript
 * (7, the native compiler) has no JavaScript API to parse with, and only
 * call arguments are read here.
 */
function argumentsAt(source: string, from: number): Piece[][] {
  const args: Piece[][] = [[]];
  const stack: string[] = [];
  let segment = from;
  const keyAt = (at: number) =>
    stack.join('') === '{' ? (/^\s*['"]?([\w$.-]+)['"]?\s*:/.exec(source.slice(segment, at))?.[1] ?? null) : null;
  const push = (text: string, start: number, end: number) =>
    args[args.length - 1].push({ text, start, end, stack: stack.join(''), key: keyAt(start) });
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (ch === '/' && source[i + 1] === '/') i = source.indexOf('\n', i) - 1;
    else if (ch === '/' && source[i + 1] === '*') i = source.indexOf('*/', i) + 1;
    else if (ch === "'" || ch === '"') {
      const j = skipString(source, i);
      push(unescape(source.slice(i + 1, j)), i, j + 1);
      i = j;
    } else if (ch === '`') {
      // The fixed parts; a substitution's own strings are code (a key, a name).
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== '`') {
        if (source[j] === '\\') {
          text += source.slice(j, j + 2);
          j += 2;
        } else if (source[j] === '$' && source[j + 1] === '{') {
          let d = 1;
          j += 2;
          while (j < source.length && d > 0) {
            if (source[j] === '{') d++;
            else if (source[j] === '}') d--;
            else if ('\'"`'.includes(source[j])) j = skipString(source, j);
            j++;
          }
          text += ' ';
        } else text += source[j++];
      }
      push(unescape(text), i, j + 1);
      i = j;
    } else if ('([{'.includes(ch)) {
      stack.push(ch);
      if (stack.join('') === '{') segment = i + 1;
    } else if (')]}'.includes(ch)) {
      if (!stack.length) break;
      stack.pop();
    } else if (ch === ',') {
      if (!stack.length) {
        args.push([]);
        segment = i + 1;
      } else if (stack.join('') === '{') segment = i + 1;
    }
  }
  return args;
}

function skipString(source: string, at: number): number {
  const quote = source[at];
  let j = at + 1;
  while (j < source.length && source[j] !== quote) j += source[j] === '\\' ? 2 : 1;
  return j;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/**
 * Words a person would read in app code that bypass the catalogs: letters in
 * a string at the top of a shown call's argument (`flash(req, 'Saved.')`,
 * `new ValidationError(`${n} files were refused`)`, `cond ? 'a' : 'b'`), or
 * in the values of a ValidationError's fields or of a JSON body's `error`.
 * Strings inside a nested call (`msg('cards.errors.x')`, `req.t(key)`),
 * compared ones (`x === 'draft'`) and property names are code, not text.
 */
export function codeLiteralsIn(source: string): Literal[] {
  const found: Literal[] = [];
  const lines = source.split('\n');
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  for (const call of source.matchAll(SHOWN_CALLS)) {
    const at = call.index ?? 0;
    const line = lineOf(at);
    if (/^\s*(\/\/|\*)/.test(lines[line - 1]) || MARK.test(lines[line - 1]) || MARK.test(lines[line - 2] ?? '')) continue;
    const [, errorClass, resMethod] = call;
    argumentsAt(source, at + call[0].length).forEach((pieces, n) => {
      for (const p of pieces) {
        let shown = false;
        if (p.stack === '') shown = !(call[0].startsWith('flash') && n > 0) && !(errorClass && n > 0);
        else if (p.stack === '{' && p.key)
          shown = (errorClass === 'ValidationError' && n === 1) || (resMethod === 'json' && /^(error|message)$/.test(p.key));
        if (!shown) continue;
        const before = source.slice(Math.max(0, p.start - 40), p.start);
        const after = source.slice(p.end, p.end + 40);
        if (/(===?|!==?|<|>)\s*$/.test(before) || /^\s*(===?|!==?)/.test(after)) continue; // a comparison
        if (/[{,]\s*$/.test(before) && /^\s*:/.test(after)) continue; // a property name
        const t = p.text.replace(/\s+/g, ' ').trim();
        if (!/\p{L}/u.test(t) || ALLOWED.has(t)) continue;
        found.push({ line: lineOf(p.start), text: t });
      }
    });
  }
  return found;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  let total = 0;
  for (const file of process.argv.slice(2)) {
    const source = fs.readFileSync(file, 'utf8');
    for (const l of file.endsWith('.ts') ? codeLiteralsIn(source) : literalsIn(source)) {
      console.log(`${file}:${l.line}: ${l.text}`);
      total++;
    }
  }
  console.log(`${total} literal(s)`);
  process.exitCode = total ? 1 : 0;
}
