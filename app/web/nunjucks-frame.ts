// nunjucks 3.2 writes every loop variable through Frame.set with a dotted
// name ("loop.index", "loop.first", … eight calls per iteration), and
// Frame.set splits the name on every call. A 50-row, 8-column card list
// makes ~3,600 such calls, and the split arrays were half the page's render
// time (0.60 → 0.29 ms measured in-process; docs/benchmarks.md, "Card list
// page"). This puts the same logic over a cache of split names in place of
// Frame.prototype.set, once per process, and only on the nunjucks versions it
// was checked against (the unit test runs the original beside it on the
// cases nunjucks generates: plain, dotted, loop variables, resolveUp,
// isolated writes). The loop's own names skip even the cache lookup.
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

interface Frame {
  variables: Record<string, unknown>;
  resolve(name: string, forWrite: boolean): Frame | undefined;
  set(name: string, value: unknown, resolveUp?: boolean): void;
}

const require = createRequire(import.meta.url);
const CHECKED_VERSIONS = /^3\.2\.\d+$/;
const MAX_NAMES = 10_000; // names come from templates, not input; a bound all the same

const parts = new Map<string, string[]>();

function partsOf(name: string): string[] {
  let p = parts.get(name);
  if (!p) {
    if (parts.size >= MAX_NAMES) parts.clear();
    p = name.split('.');
    parts.set(name, p);
  }
  return p;
}

// The loop variables nunjucks sets on every iteration, by their key in `loop`.
const LOOP_KEYS: Record<string, string> = Object.assign(Object.create(null), {
  'loop.index': 'index',
  'loop.index0': 'index0',
  'loop.revindex': 'revindex',
  'loop.revindex0': 'revindex0',
  'loop.first': 'first',
  'loop.last': 'last',
  'loop.length': 'length',
});

/** Frame.prototype.set of nunjucks 3.2, with the split cached and the loop's own names first. */
function set(this: Frame, name: string, value: unknown, resolveUp?: boolean): void {
  if (!resolveUp) {
    const key = LOOP_KEYS[name];
    if (key !== undefined) {
      let loop = this.variables.loop as Record<string, unknown> | undefined;
      if (!loop) loop = this.variables.loop = {};
      loop[key] = value;
      return;
    }
    if (name.indexOf('.') === -1) {
      this.variables[name] = value;
      return;
    }
  }
  const p = partsOf(name);
  if (resolveUp) {
    const frame = this.resolve(p[0], true);
    if (frame) {
      frame.set(name, value);
      return;
    }
  }
  let obj = this.variables;
  for (let i = 0; i < p.length - 1; i++) {
    const id = p[i];
    if (!obj[id]) obj[id] = {};
    obj = obj[id] as Record<string, unknown>;
  }
  obj[p[p.length - 1]] = value;
}

export const frameProto = (nunjucks as unknown as { runtime: { Frame: { prototype: Frame } } }).runtime.Frame.prototype;
export const originalSet = frameProto.set;

/** Installs the cached set; true when installed (or already), false on an unchecked nunjucks version. */
export function installFastFrameSet(): boolean {
  if (frameProto.set === set) return true;
  const version = (require('nunjucks/package.json') as { version: string }).version;
  if (!CHECKED_VERSIONS.test(version)) return false;
  frameProto.set = set;
  return true;
}

export { set as fastFrameSet };
