// manage.ts dispatch: parse argv, find the command, run it. A user error
// prints one line to stderr and exits 1; an unknown command or option prints
// the usage and exits 1.
import { parseArgs } from 'node:util';
import { SettingsError } from '#app/config';
import { CommandError, type Command, type CommandIO } from '#app/commands/command';
import { DatabaseUnreachableError } from '#app/db/connection';
import { EmbeddedDatabaseError } from '#app/db/embedded';
import { CardTypeError } from '#app/services/card-types';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '#app/services/errors';
import { command as beat } from '#app/commands/beat';
import { command as check } from '#app/commands/check';
import { command as createSuperuser } from '#app/commands/create-superuser';
import { command as db } from '#app/commands/db';
import { command as housekeeping } from '#app/commands/housekeeping';
import { command as i18n } from '#app/commands/i18n';
import { command as importDemo } from '#app/commands/import-demo';
import { command as importFolder } from '#app/commands/import-folder';
import { command as runserver } from '#app/commands/runserver';
import { command as serve } from '#app/commands/serve';
import { command as start } from '#app/commands/start';
import { command as worker } from '#app/commands/worker';

export const commands: Command[] = [db, createSuperuser, runserver, serve, worker, beat, start, importDemo, importFolder, housekeeping, check, i18n];

const USER_ERRORS = [CommandError, SettingsError, CardTypeError, DatabaseUnreachableError, EmbeddedDatabaseError, ValidationError, NotFoundError, ForbiddenError, ConflictError];

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: ./manage.ts COMMAND [OPTIONS]   (./manage.ts COMMAND --help for details)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

function commandHelp(c: Command): string {
  return [`usage: ./manage.ts ${c.name} ${c.usage}`.trimEnd(), '', c.summary, ...(c.help?.length ? ['', ...c.help.map((l) => `  ${l}`)] : [])].join('\n');
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

export async function main(argv: string[], io: CommandIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help') {
    io.out(usage());
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`unknown command "${name}"\n${usage()}`);
    return 1;
  }
  if (rest.includes('--help')) {
    io.out(commandHelp(cmd));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options ?? {}, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`${(err as Error).message.split('\n')[0]}\nusage: ./manage.ts ${cmd.name} ${cmd.usage}`);
    return 1;
  }
  const { min, max } = cmd.positionals ?? { min: 0, max: 0 };
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    io.err(`${parsed.positionals.length < min ? 'missing' : 'unexpected'} argument\nusage: ./manage.ts ${cmd.name} ${cmd.usage}`);
    return 1;
  }
  try {
    return (await cmd.run(parsed as never, io)) ?? 0;
  } catch (err) {
    if (USER_ERRORS.some((E) => err instanceof E)) {
      // Error.message is the English text of a catalog message (the CLI stays English).
      io.err(`error: ${(err as Error).message.split('\n')[0]}`);
      return 1;
    }
    throw err;
  }
}
