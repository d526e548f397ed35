// The import graph of app/ and manage.ts, read from the source text: which
// file imports which, and how many imports run between folders. The house
// rules test (test/unit/architecture.house-rules.test.ts) checks it; run it
// to see the arrows between folders:
//
//   npx tsx test/support/imports.ts            (folders one level under app/)
//   npx tsx test/support/imports.ts --depth 3  (app/web/controllers apart, …)
//   npx tsx test/support/imports.ts --layout L.json  (files moved by path prefix: a layout not built yet)
import fs from 'node:fs';
import path from 'node:path';

export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

export interface Edge {
  from: string;
  to: string;
  /** `import type` only: no code runs across it. */
  typeOnly: boolean;
}

export function sourceFiles(dir = path.join(projectRoot, 'app')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

export interface Import {
  spec: string;
  typeOnly: boolean;
}

/** Every module specifier the file names (comments removed first; strings kept). */
export function importsOf(source: string): Import[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found: Import[] = [];
  // import … from 'x' / export … from 'x' (over several lines), import 'x'
  for (const m of code.matchAll(/\b(import|export)\s+(type\s+)?([^;'"]*?)\s*\bfrom\s*['"]([^'"]+)['"]/g)) {
    const names = m[3];
    const typeOnly =
      Boolean(m[2]) ||
      (/^\{[^}]*\}$/.test(names.trim()) &&
        names
          .replace(/[{}\s]/g, '')
          .split(',')
          .filter(Boolean)
          .every((n) => n.startsWith('type')));
    found.push({ spec: m[4], typeOnly });
  }
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) found.push({ spec: m[1], typeOnly: false });
  for (const m of code.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], typeOnly: false });
  return found;
}

function resolve(from: string, spec: string): string | null {
  let target: string;
  if (spec.startsWith('#app/')) target = path.join(projectRoot, 'app', spec.slice('#app/'.length));
  else if (spec.startsWith('.')) target = path.resolve(path.dirname(from), spec);
  else return null; // a package
  target = target.replace(/\.js$/, '');
  for (const candidate of [target, `${target}.ts`, path.join(target, 'index.ts')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Every import between files of the project (packages left out), paths relative to the project. */
export function importEdges(files = [...sourceFiles(), path.join(projectRoot, 'manage.ts')]): Edge[] {
  const edges: Edge[] = [];
  for (const file of files) {
    for (const { spec, typeOnly } of importsOf(fs.readFileSync(file, 'utf8'))) {
      const target = resolve(file, spec);
      if (target) edges.push({ from: path.relative(projectRoot, file), to: path.relative(projectRoot, target), typeOnly });
    }
  }
  return edges;
}

/** The folder of a file, `depth` segments deep (app/services/cards.ts → app/services at depth 2). */
export function folderOf(file: string, depth: number): string {
  const parts = file.split('/');
  return parts.length > depth ? parts.slice(0, depth).join('/') : file;
}

/** Imports between different folders, counted once per pair of files. */
export function folderArrows(edges: Edge[], depth: number): Map<string, number> {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const e of edges) {
    const a = folderOf(e.from, depth);
    const b = folderOf(e.to, depth);
    if (a === b || seen.has(`${e.from}>${e.to}`)) continue;
    seen.add(`${e.from}>${e.to}`);
    counts.set(`${a} -> ${b}`, (counts.get(`${a} -> ${b}`) ?? 0) + 1);
  }
  return counts;
}

/** Files renamed by the first matching prefix of `layout` ({ "app/services/card": "app/cards/" }): a layout that is not built yet. */
export function relayout(edges: Edge[], layout: Record<string, string>): Edge[] {
  const prefixes = Object.keys(layout).sort((a, b) => b.length - a.length);
  const place = (f: string) => {
    const p = prefixes.find((x) => f.startsWith(x));
    return p ? layout[p] + f.slice(f.lastIndexOf('/') + 1) : f;
  };
  return edges.map((e) => ({ ...e, from: place(e.from), to: place(e.to) }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--depth');
  const depth = i > 0 ? Number(process.argv[i + 1]) : 2;
  const l = process.argv.indexOf('--layout');
  const layout = l > 0 ? (JSON.parse(fs.readFileSync(process.argv[l + 1], 'utf8')) as Record<string, string>) : null;
  const counts = folderArrows(layout ? relayout(importEdges(), layout) : importEdges(), depth);
  const rows = [...counts].sort((a, b) => b[1] - a[1]);
  for (const [pair, n] of rows) console.log(`${String(n).padStart(4)}  ${pair}`);
  console.log(`${rows.reduce((s, [, n]) => s + n, 0)} file-to-file imports between ${rows.length} pairs of folders (depth ${depth})`);
}
