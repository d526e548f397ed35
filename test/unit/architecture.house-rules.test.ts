// The house rules of issue 15, checked on the source text: file sizes, who
// may see the whole application context, and which way imports run between
// the layers. `npx tsx test/support/imports.ts` prints the arrows between folders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { importEdges, projectRoot, sourceFiles } from '#test/support/imports';

const rel = (f: string) => path.relative(projectRoot, f);

test('no file under app/ is longer than 300 lines', () => {
  const long = sourceFiles()
    .map((f) => ({ file: rel(f), lines: fs.readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > 300);
  assert.deepEqual(long, []);
});

test('the whole application context is seen only by the composition root and the commands', () => {
  const allowed = (f: string) => f.startsWith('app/commands/') || f.startsWith('app/cli/') || COMPOSITION_ROOT.includes(f);
  const seeing = sourceFiles()
    .map(rel)
    .filter((f) => !allowed(f))
    .filter((f) => /import[^;]*\bAppContext\b[^;]*from/.test(fs.readFileSync(path.join(projectRoot, f), 'utf8')));
  assert.deepEqual(seeing, []);
});

// The files that build the services and hand each part only what it names:
// the context, the web app (routes get their controllers' services there)
// and the start of a process's workers (each job gets the services it uses).
const COMPOSITION_ROOT = ['app/context.ts', 'app/web/app.ts', 'app/worker/start.ts'];

const LAYERS: Array<[string, string[], string]> = [
  ['app/services/', ['app/web/', 'app/commands/', 'app/cli/', 'app/context.ts', 'app/jobs/'], 'services know no page, command or job'],
  [
    'app/db/',
    ['app/services/', 'app/web/', 'app/commands/', 'app/jobs/', 'app/queue/', 'app/context.ts'],
    'the database layer knows nothing above it',
  ],
  ['app/fields/', ['app/web/', 'app/commands/', 'app/jobs/', 'app/context.ts'], 'field types know no page or job'],
  ['app/models/', ['app/services/', 'app/web/', 'app/commands/', 'app/jobs/', 'app/context.ts'], 'models are the schema, nothing above'],
  ['app/web/', ['app/commands/', 'app/cli/', 'app/jobs/'], 'pages do not run commands or jobs'],
];

for (const [from, forbidden, why] of LAYERS) {
  test(`${from}: ${why}`, () => {
    const bad = importEdges()
      .filter((e) => e.from.startsWith(from) && !e.typeOnly && forbidden.some((f) => e.to.startsWith(f)))
      .map((e) => `${e.from} -> ${e.to}`);
    assert.deepEqual(bad, []);
  });
}
