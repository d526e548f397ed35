// The job engine (app/queue/) is handed its job kinds and handlers; it
// imports nothing of the application (jobs, services, context, web). Every
// import of every file under app/queue/ is read from the source — static,
// type-only, re-exports, dynamic import() and require() — and must point
// inside app/queue, to Node or a package, or to one of three parts the
// engine stands on: the database layer (#app/db/connection: the jobs table
// is its outbox), the logger (#app/log) and the settings' types
// (#app/config, `import type` only).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { importsOf, type Import } from '#test/support/imports';

const root = path.resolve(import.meta.dirname, '../..');
const engine = path.join(root, 'app/queue');

const ALLOWED = new Set(['#app/db/connection', '#app/log']);
const TYPE_ONLY = new Set(['#app/config']);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function outside(file: string, { spec, typeOnly }: Import): string | null {
  if (spec.startsWith('node:') || /^[a-z@]/.test(spec)) return null; // Node, packages
  if (spec.startsWith('#app/queue/')) return null;
  if (ALLOWED.has(spec) || (TYPE_ONLY.has(spec) && typeOnly)) return null;
  if (spec.startsWith('.')) {
    const target = path.resolve(path.dirname(file), spec);
    if (target.startsWith(engine + path.sep)) return null;
  }
  return `${path.relative(root, file)} imports ${spec}${TYPE_ONLY.has(spec) ? ' (only `import type` is allowed)' : ''}`;
}

describe('the job engine (app/queue/)', () => {
  it('reads every kind of import statement', () => {
    const got = importsOf(`
      import a from '#app/a';
      import type { B } from '#app/b';
      import { type C, type D } from '#app/c';
      import { type E, F } from '#app/e';
      import {
        G,
        H,
      } from '#app/g';
      export { I } from '#app/i';
      export * from '#app/j';
      import '#app/k';
      const l = await import('#app/l');
      const m = require('#app/m');
      // import { N } from '#app/n';
      /* import { O } from '#app/o'; */
    `);
    assert.deepEqual(got.map((i) => `${i.spec}${i.typeOnly ? ' (type)' : ''}`).sort(), [
      '#app/a',
      '#app/b (type)',
      '#app/c (type)',
      '#app/e',
      '#app/g',
      '#app/i',
      '#app/j',
      '#app/k',
      '#app/l',
      '#app/m',
    ]);
  });

  it('imports nothing of the application', () => {
    const all = files(engine);
    assert.ok(all.length >= 10, `the engine's files were found (${all.length})`);
    const imports = all.flatMap((f) => importsOf(fs.readFileSync(f, 'utf8')).map((i) => ({ f, i })));
    assert.ok(
      imports.some(({ i }) => i.spec === '#app/queue/transport'),
      'the engine imports its own parts (the scan sees imports)',
    );
    const wrong = imports.map(({ f, i }) => outside(f, i)).filter(Boolean);
    assert.deepEqual(wrong, [], 'imports from outside app/queue');
  });
});
