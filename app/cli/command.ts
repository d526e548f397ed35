// The shape every manage.ts command shares (one file per command under
// app/commands/, listed in app/cli/commands.ts): name, help, arguments and
// handle(). The arguments are declared, so the dispatcher (app/cli/main.ts)
// parses and checks them and `./manage.ts help` / `COMMAND --help` list them.
// A CommandError (or a typed error from a service) becomes one line on
// stderr and exit 1.

export class CommandError extends Error {
  override name = 'CommandError';
}

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  /** True when both ends are a terminal (prompts, progress bars). */
  interactive: boolean;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

/** A positional argument, named in capitals as the usage line shows it (EMAIL, DIR). */
export interface Positional {
  name: string;
  help: string;
  optional?: boolean;
  /** The only values accepted (checked before handle runs). */
  choices?: readonly string[];
}

/** An option: `--name VALUE`, or a flag when it takes no value. */
export interface Option {
  /** The long form, with its dashes: '--port'. */
  name: `--${string}`;
  /** One letter: '-p'. */
  short?: `-${string}`;
  /** The value's name in the usage line (PORT); absent for a flag. */
  value?: string;
  /** May be given more than once (the values arrive as a list). */
  multiple?: boolean;
  required?: boolean;
  help: string;
}

export type Argument = Positional | Option;

export function isOption(a: Argument): a is Option {
  return a.name.startsWith('--');
}

export interface ParsedArgs {
  /** Options by their long name without dashes ('port', 'max-requests'). */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line: what the command does. */
  help: string;
  /** More lines for `COMMAND --help`, after the arguments. */
  description?: readonly string[];
  arguments?: readonly Argument[];
  /** Resolves to the exit code (0 when nothing is returned). */
  handle(args: ParsedArgs, io: CommandIO): Promise<number | void>;
}
