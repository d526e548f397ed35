// A command's declared arguments: parsed with node:util parseArgs, checked
// (count, choices, required options) before handle() runs, and written out
// as the usage line and the --help text.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CommandError, isOption, type Command, type Option, type ParsedArgs, type Positional } from '#app/cli/command';

const positionalsOf = (c: Command): Positional[] => (c.arguments ?? []).filter((a): a is Positional => !isOption(a));
const optionsOf = (c: Command): Option[] => (c.arguments ?? []).filter(isOption);

function optionUsage(o: Option): string {
  const flag = `${o.short ?? o.name}${o.value ? ` ${o.value}` : ''}`;
  const text = o.multiple ? `${flag} ...` : flag;
  return o.required ? text : `[${text}]`;
}

/** What follows `./manage.ts NAME`: "EMAIL [PASSWORD] [--name NAME]". */
function argumentsUsage(c: Command): string {
  const pos = positionalsOf(c).map((p) => (p.optional ? `[${p.name}]` : p.name));
  return [...pos, ...optionsOf(c).map(optionUsage)].join(' ');
}

export function usageLine(c: Command): string {
  return `usage: ./manage.ts ${c.name} ${argumentsUsage(c)}`.trimEnd();
}

/** The text of `./manage.ts NAME --help`. */
export function commandHelp(c: Command): string {
  const rows = (c.arguments ?? []).map((a) => {
    const left = isOption(a) ? `${a.short ? `${a.short}, ` : ''}${a.name}${a.value ? ` ${a.value}` : ''}` : a.name;
    const choices = !isOption(a) && a.choices ? ` (${a.choices.join(', ')})` : '';
    return [left, `${a.help}${choices}`] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return [
    usageLine(c),
    '',
    c.help,
    ...(rows.length ? ['', 'arguments:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`)] : []),
    ...(c.description?.length ? ['', ...c.description.map((l) => `  ${l}`.trimEnd())] : []),
  ].join('\n');
}

/** Parses argv after the command's name; a mistake is a CommandError that names it and the usage, on one line. */
export function parseCommandArgs(c: Command, argv: string[]): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const o of optionsOf(c)) {
    options[o.name.slice(2)] = {
      type: o.value ? 'string' : 'boolean',
      ...(o.short ? { short: o.short.slice(1) } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  const mistake = (what: string) => new CommandError(`${what}; ${usageLine(c)}`);
  let parsed: ParsedArgs;
  try {
    // Only string and boolean options are declared, so a list holds strings.
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (err) {
    // node's message goes on to explain '--'; its first sentence names the mistake.
    throw mistake((err as Error).message.split(/\.\s/)[0].split('\n')[0]);
  }
  const declared = positionalsOf(c);
  const given = parsed.positionals;
  const missing = declared.filter((p, i) => !p.optional && given[i] === undefined);
  if (missing.length) throw mistake(`missing argument ${missing.map((p) => p.name).join(' ')}`);
  if (given.length > declared.length) throw mistake(`unexpected argument "${given[declared.length]}"`);
  declared.forEach((p, i) => {
    if (p.choices && given[i] !== undefined && !p.choices.includes(given[i])) {
      throw mistake(`${p.name} is one of ${p.choices.join(', ')}, not "${given[i]}"`);
    }
  });
  for (const o of optionsOf(c)) {
    const v = parsed.values[o.name.slice(2)];
    if (o.required && (v === undefined || v === '')) throw new CommandError(`${o.name}${o.value ? ` ${o.value}` : ''} is required`);
  }
  return parsed;
}
