// The cached Frame.set (app/web/nunjucks-frame.ts) must behave exactly as
// nunjucks' own: run both on fresh frames and compare the variables, and
// render templates that use loops, set, blocks and macros both ways.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import nunjucks from 'nunjucks';
import { fastFrameSet, frameProto, installFastFrameSet, originalSet } from '#app/web/nunjucks-frame';

type FrameCtor = new (
  parent?: unknown,
  isolateWrites?: boolean,
) => {
  variables: Record<string, unknown>;
  push(isolate?: boolean): InstanceType<FrameCtor>;
  set(n: string, v: unknown, up?: boolean): void;
};
const Frame = (nunjucks as unknown as { runtime: { Frame: FrameCtor } }).runtime.Frame;

function withSet<T>(impl: typeof originalSet, fn: () => T): T {
  const before = frameProto.set;
  frameProto.set = impl;
  try {
    return fn();
  } finally {
    frameProto.set = before;
  }
}

function scenario() {
  const top = new Frame();
  top.set('x', 1);
  top.set('loop.index', 3);
  top.set('a.b.c', 'deep');
  const inner = top.push();
  inner.set('x', 2, true); // resolves up: writes the top frame's x
  inner.set('y', 'local', true); // not found above: stays here
  inner.set('loop.first', true); // plain set: a new loop object here
  const other = new Frame();
  other.set('loop', 0); // a falsy "loop" is replaced by an object, as nunjucks does
  other.set('loop.last', false);
  other.set('loop.length', 3);
  const isolated = inner.push(true);
  isolated.set('x', 3, true); // isolated: never writes past this frame
  isolated.set('loop.index', 9, true); // "loop" not in this frame: stays here
  return [top.variables, inner.variables, isolated.variables, other.variables].map((v) => JSON.parse(JSON.stringify(v)));
}

const TEMPLATE = `{% macro cell(v) %}<i>{{ v }}</i>{% endmacro %}{% set total = 0 %}
{% for row in rows %}{% set total = total + row.n %}{{ loop.index }}/{{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}:
{% for c in row.cells %}{{ loop.index0 }}{{ loop.revindex }}{{ cell(c) }}{% endfor %}{% endfor %}|{{ total }}|{% for k, v in obj %}{{ k }}={{ v }};{% endfor %}`;
const DATA = {
  rows: [
    { n: 1, cells: ['<a>', 'b'] },
    { n: 2, cells: [] },
    { n: 4, cells: ['c'] },
  ],
  obj: { p: 1, q: 2 },
};

describe('the cached nunjucks Frame.set', () => {
  it('leaves the same variables as nunjucks own set', () => {
    assert.deepEqual(withSet(fastFrameSet, scenario), withSet(originalSet, scenario));
  });

  it('renders templates with loops, set and macros exactly as nunjucks does', () => {
    const env = new nunjucks.Environment(null, { autoescape: true });
    const render = () => env.renderString(TEMPLATE, DATA);
    const expected = withSet(originalSet, render);
    assert.match(expected, /1\/3F:/); // the template really exercises loop variables
    assert.equal(withSet(fastFrameSet, render), expected);
  });

  it('is installed once, on the checked nunjucks version', () => {
    const before = frameProto.set;
    try {
      assert.equal(installFastFrameSet(), true);
      assert.equal(frameProto.set, fastFrameSet);
      assert.equal(installFastFrameSet(), true);
    } finally {
      frameProto.set = before;
    }
  });
});
