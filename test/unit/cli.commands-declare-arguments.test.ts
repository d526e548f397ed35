// Every manage.ts command has the one shape (name, help, declared
// arguments, handle) and a mistake in its arguments is one line on stderr
// and exit 1 — checked for each command from its declarations, through the
// same dispatcher the shell uses; two representative mistakes through
// ./manage.ts itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOption, type CommandIO, type Positional } from '#app/cli/command';
import { commands, main } from '#app/cli/main';
import { lines, manage } from '#test/support/cli';

function capture(): CommandIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return {
    outLines,
    errLines,
    out: (l) => outLines.push(...l.split('\n')),
    err: (l) => errLines.push(...l.split('\n')),
    interactive: false,
    stdin: process.stdin,
    stdout: process.stdout,
  };
}

/** Runs the dispatcher on argv; the mistake must be refused before the command's handle() runs. */
async function refused(argv: string[]): Promise<string> {
  const io = capture();
  const code = await main(argv, io);
  assert.equal(code, 1, `${argv.join(' ')}: exit code`);
  assert.deepEqual(io.outLines, [], `${argv.join(' ')}: nothing on stdout`);
  assert.equal(io.errLines.length, 1, `${argv.join(' ')}: one line on stderr, got ${JSON.stringify(io.errLines)}`);
  assert.match(io.errLines[0], /^error: /);
  return io.errLines[0];
}

/** Valid positionals for a command (the first choice, or a placeholder). */
const validPositionals = (ps: Positional[]) => ps.map((p) => p.choices?.[0] ?? 'x');

describe('manage.ts commands', () => {
  it('are listed, each with a unique kebab-case name, one line of help and a handle()', () => {
    assert.ok(commands.length >= 12, `${commands.length} commands`);
    assert.equal(new Set(commands.map((c) => c.name)).size, commands.length);
    for (const c of commands) {
      assert.match(c.name, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, c.name);
      assert.ok(c.help.trim() && !c.help.includes('\n'), `${c.name}: help`);
      assert.equal(typeof c.handle, 'function', `${c.name}: handle`);
      const args = c.arguments ?? [];
      for (const a of args) assert.ok(a.help.trim(), `${c.name} ${a.name}: help`);
      const positionals = args.filter((a): a is Positional => !isOption(a));
      for (const p of positionals) assert.match(p.name, /^[A-Z][A-Z_=]*$/, `${c.name}: positional ${p.name} in capitals`);
      const firstOptional = positionals.findIndex((p) => p.optional);
      if (firstOptional >= 0)
        assert.ok(
          positionals.slice(firstOptional).every((p) => p.optional),
          `${c.name}: optional positionals last`,
        );
    }
  });

  it('list their declared arguments in `help` and `COMMAND --help`', async () => {
    const all = capture();
    assert.equal(await main(['help'], all), 0);
    for (const c of commands) {
      assert.ok(
        all.outLines.some((l) => l.startsWith(`  ${c.name} `)),
        `${c.name} in help`,
      );
      const io = capture();
      assert.equal(await main([c.name, '--help'], io), 0);
      const text = io.outLines.join('\n');
      assert.match(io.outLines[0], new RegExp(`^usage: \\./manage\\.ts ${c.name}`));
      for (const a of c.arguments ?? []) {
        assert.ok(io.outLines[0].includes(isOption(a) ? (a.short ?? a.name) : a.name), `${c.name}: ${a.name} in the usage line`);
        assert.ok(text.includes(a.help), `${c.name}: help of ${a.name}`);
      }
    }
  });

  it('refuse an unknown option, one argument too many, a missing one and a bad choice with one line and exit 1', async () => {
    for (const c of commands) {
      const positionals = (c.arguments ?? []).filter((a): a is Positional => !isOption(a));
      const valid = validPositionals(positionals);
      assert.match(
        await refused([c.name, ...valid, '--no-such-option']),
        new RegExp(`^error: Unknown option '--no-such-option'; usage: \\./manage\\.ts ${c.name}`),
      );
      assert.match(await refused([c.name, ...valid, 'surplus']), /^error: unexpected argument "surplus"; usage: /);
      const required = positionals.filter((p) => !p.optional);
      if (required.length) assert.match(await refused([c.name]), new RegExp(`^error: missing argument ${required[0].name}; usage: `));
      for (const [i, p] of positionals.entries()) {
        if (!p.choices) continue;
        const wrong = valid.map((v, j) => (i === j ? 'no-such-choice' : v));
        assert.match(
          await refused([c.name, ...wrong]),
          new RegExp(`^error: ${p.name} is one of ${p.choices.join(', ')}, not "no-such-choice"`),
        );
      }
    }
  });

  it('refuse an option without its value, and a missing required option, with one line and exit 1', async () => {
    for (const c of commands) {
      const valid = validPositionals((c.arguments ?? []).filter((a): a is Positional => !isOption(a)));
      for (const o of (c.arguments ?? []).filter(isOption)) {
        if (o.value)
          assert.match(
            await refused([c.name, ...valid, o.name]),
            new RegExp(`^error: Option '${o.short ? `${o.short}, ` : ''}${o.name} <value>' argument missing`),
          );
        if (o.required) assert.equal(await refused([c.name, ...valid]), `error: ${o.name} ${o.value} is required`);
      }
    }
  });

  it('through ./manage.ts: an unknown command and a missing argument are one line and exit 1', async () => {
    const unknown = await manage(['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.deepEqual(lines(unknown.stderr), [
      'error: unknown command "frobnicate"; usage: ./manage.ts COMMAND [ARGUMENTS] (./manage.ts help lists the commands)',
    ]);
    const missing = await manage(['create-superuser']);
    assert.equal(missing.code, 1);
    assert.deepEqual(lines(missing.stderr), [
      'error: missing argument EMAIL; usage: ./manage.ts create-superuser EMAIL [PASSWORD] [--name NAME]',
    ]);
  });
});
