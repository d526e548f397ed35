// manage.ts dispatch: find the command, parse and check its declared
// arguments, run handle(). A mistake in the command line or a known error
// (a user error) is one line on stderr and exit 1; anything else is a bug
// and keeps its stack.
import { SettingsError } from '#app/config';
import { commandHelp, parseCommandArgs, usageLine } from '#app/cli/arguments';
import { CommandError, type Command, type CommandIO } from '#app/cli/command';
import * as registry from '#app/cli/commands';
import { DatabaseUnreachableError } from '#app/db/connection';
import { EmbeddedDatabaseError } from '#app/db/embedded';
import { CardTypeError } from '#app/services/card-types';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';

export const commands: readonly Command[] = Object.values(registry).sort((a, b) => a.name.localeCompare(b.name));

const USER_ERRORS = [
  CommandError,
  SettingsError,
  CardTypeError,
  DatabaseUnreachableError,
  EmbeddedDatabaseError,
  ValidationError,
  NotFoundError,
  ForbiddenError,
  ConflictError,
];

const USAGE = 'usage: ./manage.ts COMMAND [ARGUMENTS]';

/** The text of `./manage.ts help`: each command, what it does and its arguments. */
export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const rows = commands.flatMap((c) => {
    const args = usageLine(c).slice('usage: '.length);
    return [`  ${c.name.padEnd(width)}  ${c.help}`, ...(c.arguments?.length ? [`  ${' '.repeat(width)}    ${args}`] : [])];
  });
  return [`${USAGE}   (./manage.ts help COMMAND: its arguments)`, '', 'commands:', ...rows].join('\n');
}

export function defaultIO(): CommandIO {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    stdin: process.stdin,
    stdout: process.stdout,
  };
}

const isUserError = (err: unknown) => USER_ERRORS.some((E) => err instanceof E);

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || (name === 'help' && !rest.length)) {
    io.out(usage());
    return 0;
  }
  const wanted = name === 'help' ? rest[0] : name;
  const cmd = commands.find((c) => c.name === wanted);
  if (!cmd) {
    io.err(`error: unknown command "${wanted}"; ${USAGE} (./manage.ts help lists the commands)`);
    return 1;
  }
  if (name === 'help' || rest.includes('--help')) {
    io.out(commandHelp(cmd));
    return 0;
  }
  try {
    return (await cmd.handle(parseCommandArgs(cmd, rest), io)) ?? 0;
  } catch (err) {
    if (!isUserError(err)) throw err;
    // Error.message is the English text of a catalog message (the CLI stays English).
    io.err(`error: ${(err as Error).message.split('\n')[0]}`);
    return 1;
  }
}
