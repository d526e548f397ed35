// The web side names its dependencies: controllers get a signed-in user and
// parsed path parameters from the handler wrapper (app/web/handler.ts), not
// `req.user!` and `String(req.params…)`; they receive the services they name
// and build none; and nothing under app/web but the composition root
// (app/web/app.ts) reads the whole application context.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve(import.meta.dirname, '..', '..');
const web = path.join(root, 'app', 'web');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `file:line: text` of every line matching `pattern`. */
function hits(files: string[], pattern: RegExp): string[] {
  return files.flatMap((f) =>
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${path.relative(root, f)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe('narrow dependencies on the web side', () => {
  const controllers = filesUnder(path.join(web, 'controllers'));

  it('reads the controllers (there are some)', () => {
    assert.ok(controllers.length >= 10, `${controllers.length} controllers`);
  });

  it('no controller asserts a signed-in user with req.user!', () => {
    assert.deepEqual(hits(controllers, /req\.user!/), []);
  });

  it('no controller converts a path parameter with String(req.params…)', () => {
    assert.deepEqual(hits(controllers, /String\(\s*req\.params/), []);
  });

  it('no controller builds a service', () => {
    assert.deepEqual(hits(controllers, /new [A-Z]\w*(Service|Admin|Search|Index|Queue)\(/), []);
  });

  it('only the composition root imports AppContext', () => {
    const others = filesUnder(web).filter((f) => f !== path.join(web, 'app.ts'));
    assert.deepEqual(hits(others, /\bAppContext\b/), []);
  });
});
