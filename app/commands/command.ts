// The shape every manage.ts command shares (one file per command): name,
// summary, usage, options, handler. A CommandError (or a typed error from a
// service) becomes one line on stderr and exit 1.
import type { ParseArgsConfig } from 'node:util';

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

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. "EMAIL [PASSWORD]". */
  usage: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Lines of help after the usage line. */
  help?: string[];
  positionals?: { min: number; max: number };
  /** Resolves to the exit code (0 when nothing is returned). */
  run(args: ParsedArgs, io: CommandIO): Promise<number | void>;
}
